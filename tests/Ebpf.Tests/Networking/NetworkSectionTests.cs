using Ebpf.Linking;
using Ebpf.Links;

namespace Ebpf.Tests.Networking;

/// <summary>Every network and cgroup section of libbpf's section_defs table (libbpf 1.4+, src/libbpf.c) classifies as
/// libbpf does it; and the cgroup hooks agree with the section table.</summary>
public sealed class NetworkSectionTests
{
    public static TheoryData<string, BpfProgramType, BpfAttachType> LibbpfSections => new()
    {
        { "socket", BpfProgramType.SocketFilter, 0 },
        { "sk_reuseport/migrate", BpfProgramType.SkReuseport, BpfAttachType.SkReuseportSelectOrMigrate },
        { "sk_reuseport", BpfProgramType.SkReuseport, BpfAttachType.SkReuseportSelect },
        { "tc/ingress", BpfProgramType.SchedCls, BpfAttachType.TcxIngress },
        { "tc/egress", BpfProgramType.SchedCls, BpfAttachType.TcxEgress },
        { "tcx/ingress", BpfProgramType.SchedCls, BpfAttachType.TcxIngress },
        { "tcx/egress", BpfProgramType.SchedCls, BpfAttachType.TcxEgress },
        { "tc", BpfProgramType.SchedCls, 0 },
        { "classifier", BpfProgramType.SchedCls, 0 },
        { "action", BpfProgramType.SchedAct, 0 },
        { "netkit/primary", BpfProgramType.SchedCls, BpfAttachType.NetkitPrimary },
        { "netkit/peer", BpfProgramType.SchedCls, BpfAttachType.NetkitPeer },
        { "xdp.frags/devmap", BpfProgramType.Xdp, BpfAttachType.XdpDevmap },
        { "xdp/devmap", BpfProgramType.Xdp, BpfAttachType.XdpDevmap },
        { "xdp.frags/cpumap", BpfProgramType.Xdp, BpfAttachType.XdpCpumap },
        { "xdp/cpumap", BpfProgramType.Xdp, BpfAttachType.XdpCpumap },
        { "xdp.frags", BpfProgramType.Xdp, BpfAttachType.Xdp },
        { "xdp", BpfProgramType.Xdp, BpfAttachType.Xdp },
        { "lwt_in", BpfProgramType.LwtIn, 0 },
        { "lwt_out", BpfProgramType.LwtOut, 0 },
        { "lwt_xmit", BpfProgramType.LwtXmit, 0 },
        { "lwt_seg6local", BpfProgramType.LwtSeg6local, 0 },
        { "sockops", BpfProgramType.SockOps, BpfAttachType.CgroupSockOps },
        { "sk_skb/stream_parser", BpfProgramType.SkSkb, BpfAttachType.SkSkbStreamParser },
        { "sk_skb/stream_verdict", BpfProgramType.SkSkb, BpfAttachType.SkSkbStreamVerdict },
        { "sk_skb/verdict", BpfProgramType.SkSkb, BpfAttachType.SkSkbVerdict },
        { "sk_skb", BpfProgramType.SkSkb, 0 },
        { "sk_msg", BpfProgramType.SkMsg, BpfAttachType.SkMsgVerdict },
        { "lirc_mode2", BpfProgramType.LircMode2, BpfAttachType.LircMode2 },
        { "flow_dissector", BpfProgramType.FlowDissector, BpfAttachType.FlowDissector },
        { "cgroup_skb/ingress", BpfProgramType.CgroupSkb, BpfAttachType.CgroupInetIngress },
        { "cgroup_skb/egress", BpfProgramType.CgroupSkb, BpfAttachType.CgroupInetEgress },
        { "cgroup/skb", BpfProgramType.CgroupSkb, 0 },
        { "cgroup/sock_create", BpfProgramType.CgroupSock, BpfAttachType.CgroupInetSockCreate },
        { "cgroup/sock_release", BpfProgramType.CgroupSock, BpfAttachType.CgroupInetSockRelease },
        { "cgroup/sock", BpfProgramType.CgroupSock, BpfAttachType.CgroupInetSockCreate },
        { "cgroup/post_bind4", BpfProgramType.CgroupSock, BpfAttachType.CgroupInet4PostBind },
        { "cgroup/post_bind6", BpfProgramType.CgroupSock, BpfAttachType.CgroupInet6PostBind },
        { "cgroup/bind4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Bind },
        { "cgroup/bind6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet6Bind },
        { "cgroup/connect4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Connect },
        { "cgroup/connect6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet6Connect },
        { "cgroup/connect_unix", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUnixConnect },
        { "cgroup/sendmsg4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUdp4Sendmsg },
        { "cgroup/sendmsg6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUdp6Sendmsg },
        { "cgroup/sendmsg_unix", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUnixSendmsg },
        { "cgroup/recvmsg4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUdp4Recvmsg },
        { "cgroup/recvmsg6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUdp6Recvmsg },
        { "cgroup/recvmsg_unix", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUnixRecvmsg },
        { "cgroup/getpeername4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Getpeername },
        { "cgroup/getpeername6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet6Getpeername },
        { "cgroup/getpeername_unix", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUnixGetpeername },
        { "cgroup/getsockname4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Getsockname },
        { "cgroup/getsockname6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet6Getsockname },
        { "cgroup/getsockname_unix", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUnixGetsockname },
        { "cgroup/sysctl", BpfProgramType.CgroupSysctl, BpfAttachType.CgroupSysctl },
        { "cgroup/getsockopt", BpfProgramType.CgroupSockopt, BpfAttachType.CgroupGetsockopt },
        { "cgroup/setsockopt", BpfProgramType.CgroupSockopt, BpfAttachType.CgroupSetsockopt },
        { "cgroup/dev", BpfProgramType.CgroupDevice, BpfAttachType.CgroupDevice },
        { "sk_lookup", BpfProgramType.SkLookup, BpfAttachType.SkLookup },
        { "netfilter", BpfProgramType.Netfilter, BpfAttachType.Netfilter },
    };

    [Theory]
    [MemberData(nameof(LibbpfSections))]
    public void Classifies_as_libbpf(string section, BpfProgramType type, BpfAttachType attach)
    {
        Assert.True(SectionTypes.TryClassify(section, out var t, out var a, out var target, out bool sleepable), section);
        Assert.Equal((type, attach, (string?)null, false), (t, a, target, sleepable));
    }

    [Theory]
    [MemberData(nameof(LibbpfSections))]
    public void A_cgroup_section_fixes_the_hook_its_program_type_takes(string section, BpfProgramType type, BpfAttachType attach)
    {
        if (!CgroupHooks.IsCgroupProgram(type) || section == "cgroup/skb") return;
        Assert.Equal(type, CgroupHooks.ProgramTypeOf(attach));
        if (section != "cgroup/sock") Assert.Equal(section, CgroupHooks.SectionOf(attach));
    }

    [Theory]
    [InlineData("xdp.frags", true)]
    [InlineData("xdp.frags/devmap", true)]
    [InlineData("xdp", false)]
    [InlineData("xdp/devmap", false)]
    [InlineData("xdp.fragsx", false)]
    public void Xdp_frags_sections_load_with_the_frags_flag(string section, bool frags) =>
        Assert.Equal(frags, SectionTypes.IsXdpFrags(BpfProgramType.Xdp, section));

    [Fact]
    public void Every_network_program_type_is_dispatched_and_the_rest_are_not()
    {
        foreach (var row in LibbpfSections)
        {
            var type = row.Data.Item2;
            bool expected = type is not (BpfProgramType.SkReuseport or BpfProgramType.LwtIn or BpfProgramType.LwtOut or BpfProgramType.LwtXmit
                or BpfProgramType.LwtSeg6local or BpfProgramType.LircMode2);
            Assert.Equal(expected, NetworkAttach.Handles(type));
        }
        Assert.False(NetworkAttach.Handles(BpfProgramType.Tracepoint));
        Assert.False(NetworkAttach.Handles(BpfProgramType.Kprobe));
    }
}
