namespace Ebpf.Links;

/// <summary>Which program type each cgroup attach type takes (the kernel's attach_type_to_prog_type for cgroups).</summary>
internal static class CgroupHooks
{
    internal static BpfProgramType? ProgramTypeOf(BpfAttachType attach) => attach switch
    {
        BpfAttachType.CgroupInetIngress or BpfAttachType.CgroupInetEgress => BpfProgramType.CgroupSkb,
        BpfAttachType.CgroupInetSockCreate or BpfAttachType.CgroupInetSockRelease or BpfAttachType.CgroupInet4PostBind
            or BpfAttachType.CgroupInet6PostBind => BpfProgramType.CgroupSock,
        BpfAttachType.CgroupInet4Bind or BpfAttachType.CgroupInet6Bind or BpfAttachType.CgroupInet4Connect
            or BpfAttachType.CgroupInet6Connect or BpfAttachType.CgroupUnixConnect or BpfAttachType.CgroupUdp4Sendmsg
            or BpfAttachType.CgroupUdp6Sendmsg or BpfAttachType.CgroupUnixSendmsg or BpfAttachType.CgroupUdp4Recvmsg
            or BpfAttachType.CgroupUdp6Recvmsg or BpfAttachType.CgroupUnixRecvmsg or BpfAttachType.CgroupInet4Getpeername
            or BpfAttachType.CgroupInet6Getpeername or BpfAttachType.CgroupUnixGetpeername or BpfAttachType.CgroupInet4Getsockname
            or BpfAttachType.CgroupInet6Getsockname or BpfAttachType.CgroupUnixGetsockname => BpfProgramType.CgroupSockAddr,
        BpfAttachType.CgroupSockOps => BpfProgramType.SockOps,
        BpfAttachType.CgroupDevice => BpfProgramType.CgroupDevice,
        BpfAttachType.CgroupSysctl => BpfProgramType.CgroupSysctl,
        BpfAttachType.CgroupGetsockopt or BpfAttachType.CgroupSetsockopt => BpfProgramType.CgroupSockopt,
        _ => null,
    };

    internal static bool IsCgroupProgram(BpfProgramType type) => type is BpfProgramType.CgroupSkb or BpfProgramType.CgroupSock
        or BpfProgramType.CgroupSockAddr or BpfProgramType.SockOps or BpfProgramType.CgroupDevice or BpfProgramType.CgroupSysctl
        or BpfProgramType.CgroupSockopt;

    /// <summary>The hook the program's section fixes, or null when it fixes none: <c>cgroup/skb</c> (either direction)
    /// and programs opened from a pin (the kernel does not report the expected attach type).</summary>
    internal static BpfAttachType? FromSection(BpfProgram program)
    {
        if (program.SectionName.Length == 0 || program.SectionName == "cgroup/skb" || program.SectionName.StartsWith("cgroup/skb/", StringComparison.Ordinal))
            return null;
        return ProgramTypeOf(program.ExpectedAttachType) == program.Type ? program.ExpectedAttachType : null;
    }

    /// <summary>The libbpf section name of a cgroup hook, for messages (<c>cgroup_skb/egress</c>, <c>cgroup/connect4</c>).</summary>
    internal static string SectionOf(BpfAttachType attach) => attach switch
    {
        BpfAttachType.CgroupInetIngress => "cgroup_skb/ingress",
        BpfAttachType.CgroupInetEgress => "cgroup_skb/egress",
        BpfAttachType.CgroupSockOps => "sockops",
        BpfAttachType.CgroupInetSockCreate => "cgroup/sock_create",
        BpfAttachType.CgroupInetSockRelease => "cgroup/sock_release",
        BpfAttachType.CgroupInet4PostBind => "cgroup/post_bind4",
        BpfAttachType.CgroupInet6PostBind => "cgroup/post_bind6",
        BpfAttachType.CgroupInet4Bind => "cgroup/bind4",
        BpfAttachType.CgroupInet6Bind => "cgroup/bind6",
        BpfAttachType.CgroupInet4Connect => "cgroup/connect4",
        BpfAttachType.CgroupInet6Connect => "cgroup/connect6",
        BpfAttachType.CgroupUnixConnect => "cgroup/connect_unix",
        BpfAttachType.CgroupUdp4Sendmsg => "cgroup/sendmsg4",
        BpfAttachType.CgroupUdp6Sendmsg => "cgroup/sendmsg6",
        BpfAttachType.CgroupUnixSendmsg => "cgroup/sendmsg_unix",
        BpfAttachType.CgroupUdp4Recvmsg => "cgroup/recvmsg4",
        BpfAttachType.CgroupUdp6Recvmsg => "cgroup/recvmsg6",
        BpfAttachType.CgroupUnixRecvmsg => "cgroup/recvmsg_unix",
        BpfAttachType.CgroupInet4Getpeername => "cgroup/getpeername4",
        BpfAttachType.CgroupInet6Getpeername => "cgroup/getpeername6",
        BpfAttachType.CgroupUnixGetpeername => "cgroup/getpeername_unix",
        BpfAttachType.CgroupInet4Getsockname => "cgroup/getsockname4",
        BpfAttachType.CgroupInet6Getsockname => "cgroup/getsockname6",
        BpfAttachType.CgroupUnixGetsockname => "cgroup/getsockname_unix",
        BpfAttachType.CgroupSysctl => "cgroup/sysctl",
        BpfAttachType.CgroupGetsockopt => "cgroup/getsockopt",
        BpfAttachType.CgroupSetsockopt => "cgroup/setsockopt",
        BpfAttachType.CgroupDevice => "cgroup/dev",
        _ => attach.ToString(),
    };
}
