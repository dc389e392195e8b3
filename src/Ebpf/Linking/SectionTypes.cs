namespace Ebpf.Linking;

/// <summary>
/// Maps an ELF section name to the program type, the expected attach type and the attach target, following the
/// conventions libbpf documents ("Program types and ELF sections"). An entry ending in '/' takes an attach target
/// after the slash; an exact entry matches the whole name (or the name followed by '/anything' when marked so).
/// </summary>
internal static class SectionTypes
{
    private readonly record struct Entry(string Prefix, BpfProgramType Type, BpfAttachType Attach, bool TakesTarget, bool Sleepable = false);

    private static readonly Entry[] Table =
    [
        new("socket", BpfProgramType.SocketFilter, 0, false),
        new("sk_reuseport/migrate", BpfProgramType.SkReuseport, BpfAttachType.SkReuseportSelectOrMigrate, false),
        new("sk_reuseport", BpfProgramType.SkReuseport, BpfAttachType.SkReuseportSelect, false),
        new("kprobe/", BpfProgramType.Kprobe, 0, true),
        new("uprobe/", BpfProgramType.Kprobe, 0, true),
        new("uprobe.s/", BpfProgramType.Kprobe, 0, true, true),
        new("kretprobe/", BpfProgramType.Kprobe, 0, true),
        new("uretprobe/", BpfProgramType.Kprobe, 0, true),
        new("uretprobe.s/", BpfProgramType.Kprobe, 0, true, true),
        new("kprobe.multi/", BpfProgramType.Kprobe, BpfAttachType.TraceKprobeMulti, true),
        new("kretprobe.multi/", BpfProgramType.Kprobe, BpfAttachType.TraceKprobeMulti, true),
        new("kprobe.session/", BpfProgramType.Kprobe, BpfAttachType.TraceKprobeSession, true),
        new("uprobe.multi/", BpfProgramType.Kprobe, BpfAttachType.TraceUprobeMulti, true),
        new("uretprobe.multi/", BpfProgramType.Kprobe, BpfAttachType.TraceUprobeMulti, true),
        new("uprobe.multi.s/", BpfProgramType.Kprobe, BpfAttachType.TraceUprobeMulti, true, true),
        new("uretprobe.multi.s/", BpfProgramType.Kprobe, BpfAttachType.TraceUprobeMulti, true, true),
        new("uprobe.session/", BpfProgramType.Kprobe, BpfAttachType.TraceUprobeSession, true),
        new("uprobe.session.s/", BpfProgramType.Kprobe, BpfAttachType.TraceUprobeSession, true, true),
        new("ksyscall/", BpfProgramType.Kprobe, 0, true),
        new("kretsyscall/", BpfProgramType.Kprobe, 0, true),
        new("usdt/", BpfProgramType.Kprobe, 0, true),
        new("usdt.s/", BpfProgramType.Kprobe, 0, true, true),
        new("tc/ingress", BpfProgramType.SchedCls, BpfAttachType.TcxIngress, false),
        new("tc/egress", BpfProgramType.SchedCls, BpfAttachType.TcxEgress, false),
        new("tcx/ingress", BpfProgramType.SchedCls, BpfAttachType.TcxIngress, false),
        new("tcx/egress", BpfProgramType.SchedCls, BpfAttachType.TcxEgress, false),
        new("netkit/primary", BpfProgramType.SchedCls, BpfAttachType.NetkitPrimary, false),
        new("netkit/peer", BpfProgramType.SchedCls, BpfAttachType.NetkitPeer, false),
        new("tc", BpfProgramType.SchedCls, 0, false),
        new("classifier", BpfProgramType.SchedCls, 0, false),
        new("action", BpfProgramType.SchedAct, 0, false),
        new("tracepoint/", BpfProgramType.Tracepoint, 0, true),
        new("tp/", BpfProgramType.Tracepoint, 0, true),
        new("tracepoint.s/", BpfProgramType.Tracepoint, 0, true, true),
        new("tp.s/", BpfProgramType.Tracepoint, 0, true, true),
        new("raw_tracepoint/", BpfProgramType.RawTracepoint, 0, true),
        new("raw_tp/", BpfProgramType.RawTracepoint, 0, true),
        new("raw_tracepoint.s/", BpfProgramType.RawTracepoint, 0, true, true),
        new("raw_tp.s/", BpfProgramType.RawTracepoint, 0, true, true),
        new("raw_tracepoint.w/", BpfProgramType.RawTracepointWritable, 0, true),
        new("raw_tp.w/", BpfProgramType.RawTracepointWritable, 0, true),
        new("tp_btf/", BpfProgramType.Tracing, BpfAttachType.TraceRawTp, true),
        new("tp_btf.s/", BpfProgramType.Tracing, BpfAttachType.TraceRawTp, true, true),
        new("fentry/", BpfProgramType.Tracing, BpfAttachType.TraceFentry, true),
        new("fmod_ret/", BpfProgramType.Tracing, BpfAttachType.ModifyReturn, true),
        new("fexit/", BpfProgramType.Tracing, BpfAttachType.TraceFexit, true),
        new("fentry.s/", BpfProgramType.Tracing, BpfAttachType.TraceFentry, true, true),
        new("fmod_ret.s/", BpfProgramType.Tracing, BpfAttachType.ModifyReturn, true, true),
        new("fexit.s/", BpfProgramType.Tracing, BpfAttachType.TraceFexit, true, true),
        new("freplace/", BpfProgramType.Ext, 0, true),
        new("lsm/", BpfProgramType.Lsm, BpfAttachType.LsmMac, true),
        new("lsm.s/", BpfProgramType.Lsm, BpfAttachType.LsmMac, true, true),
        new("lsm_cgroup/", BpfProgramType.Lsm, BpfAttachType.LsmCgroup, true),
        new("iter/", BpfProgramType.Tracing, BpfAttachType.TraceIter, true),
        new("iter.s/", BpfProgramType.Tracing, BpfAttachType.TraceIter, true, true),
        new("syscall", BpfProgramType.Syscall, 0, false, true),
        new("xdp.frags/devmap", BpfProgramType.Xdp, BpfAttachType.XdpDevmap, false),
        new("xdp/devmap", BpfProgramType.Xdp, BpfAttachType.XdpDevmap, false),
        new("xdp.frags/cpumap", BpfProgramType.Xdp, BpfAttachType.XdpCpumap, false),
        new("xdp/cpumap", BpfProgramType.Xdp, BpfAttachType.XdpCpumap, false),
        new("xdp.frags", BpfProgramType.Xdp, BpfAttachType.Xdp, false),
        new("xdp", BpfProgramType.Xdp, BpfAttachType.Xdp, false),
        new("perf_event", BpfProgramType.PerfEvent, 0, false),
        new("lwt_in", BpfProgramType.LwtIn, 0, false),
        new("lwt_out", BpfProgramType.LwtOut, 0, false),
        new("lwt_xmit", BpfProgramType.LwtXmit, 0, false),
        new("lwt_seg6local", BpfProgramType.LwtSeg6local, 0, false),
        new("sockops", BpfProgramType.SockOps, BpfAttachType.CgroupSockOps, false),
        new("sk_skb/stream_parser", BpfProgramType.SkSkb, BpfAttachType.SkSkbStreamParser, false),
        new("sk_skb/stream_verdict", BpfProgramType.SkSkb, BpfAttachType.SkSkbStreamVerdict, false),
        new("sk_skb/verdict", BpfProgramType.SkSkb, BpfAttachType.SkSkbVerdict, false),
        new("sk_skb", BpfProgramType.SkSkb, 0, false),
        new("sk_msg", BpfProgramType.SkMsg, BpfAttachType.SkMsgVerdict, false),
        new("lirc_mode2", BpfProgramType.LircMode2, BpfAttachType.LircMode2, false),
        new("flow_dissector", BpfProgramType.FlowDissector, BpfAttachType.FlowDissector, false),
        new("cgroup_skb/ingress", BpfProgramType.CgroupSkb, BpfAttachType.CgroupInetIngress, false),
        new("cgroup_skb/egress", BpfProgramType.CgroupSkb, BpfAttachType.CgroupInetEgress, false),
        new("cgroup/skb", BpfProgramType.CgroupSkb, 0, false),
        new("cgroup/sock_create", BpfProgramType.CgroupSock, BpfAttachType.CgroupInetSockCreate, false),
        new("cgroup/sock_release", BpfProgramType.CgroupSock, BpfAttachType.CgroupInetSockRelease, false),
        new("cgroup/sock", BpfProgramType.CgroupSock, BpfAttachType.CgroupInetSockCreate, false),
        new("cgroup/post_bind4", BpfProgramType.CgroupSock, BpfAttachType.CgroupInet4PostBind, false),
        new("cgroup/post_bind6", BpfProgramType.CgroupSock, BpfAttachType.CgroupInet6PostBind, false),
        new("cgroup/dev", BpfProgramType.CgroupDevice, BpfAttachType.CgroupDevice, false),
        new("cgroup/bind4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Bind, false),
        new("cgroup/bind6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet6Bind, false),
        new("cgroup/connect4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Connect, false),
        new("cgroup/connect6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet6Connect, false),
        new("cgroup/connect_unix", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUnixConnect, false),
        new("cgroup/sendmsg4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUdp4Sendmsg, false),
        new("cgroup/sendmsg6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUdp6Sendmsg, false),
        new("cgroup/sendmsg_unix", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUnixSendmsg, false),
        new("cgroup/recvmsg4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUdp4Recvmsg, false),
        new("cgroup/recvmsg6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUdp6Recvmsg, false),
        new("cgroup/recvmsg_unix", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUnixRecvmsg, false),
        new("cgroup/getpeername4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Getpeername, false),
        new("cgroup/getpeername6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet6Getpeername, false),
        new("cgroup/getpeername_unix", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUnixGetpeername, false),
        new("cgroup/getsockname4", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet4Getsockname, false),
        new("cgroup/getsockname6", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupInet6Getsockname, false),
        new("cgroup/getsockname_unix", BpfProgramType.CgroupSockAddr, BpfAttachType.CgroupUnixGetsockname, false),
        new("cgroup/sysctl", BpfProgramType.CgroupSysctl, BpfAttachType.CgroupSysctl, false),
        new("cgroup/getsockopt", BpfProgramType.CgroupSockopt, BpfAttachType.CgroupGetsockopt, false),
        new("cgroup/setsockopt", BpfProgramType.CgroupSockopt, BpfAttachType.CgroupSetsockopt, false),
        new("struct_ops/", BpfProgramType.StructOps, 0, true),
        new("struct_ops.s/", BpfProgramType.StructOps, 0, true, true),
        new("sk_lookup", BpfProgramType.SkLookup, BpfAttachType.SkLookup, false),
        new("netfilter", BpfProgramType.Netfilter, BpfAttachType.Netfilter, false),
    ];

    /// <summary>The known section prefixes, for error messages.</summary>
    internal static IEnumerable<string> KnownPrefixes => Table.Select(e => e.Prefix);

    /// <summary>True for libbpf's <c>xdp.frags</c> sections, which load with BPF_F_XDP_HAS_FRAGS (the program accepts
    /// multi-buffer packets, so it may run on interfaces whose MTU exceeds a page).</summary>
    internal static bool IsXdpFrags(BpfProgramType type, string section) =>
        type == BpfProgramType.Xdp && (section == "xdp.frags" || section.StartsWith("xdp.frags/", StringComparison.Ordinal));

    /// <summary>Classifies <paramref name="section"/>; false when no entry matches.</summary>
    internal static bool TryClassify(string section, out BpfProgramType type, out BpfAttachType attach, out string? target, out bool sleepable)
    {
        foreach (var e in Table)
        {
            bool match = e.TakesTarget
                // libbpf's "raw_tp+" style: the target is optional, so the bare name ("raw_tp", "kprobe") matches too.
                ? section.StartsWith(e.Prefix, StringComparison.Ordinal) || section == e.Prefix[..^1]
                // Exact names also match with a '/suffix' (libbpf allows "xdp/foo", "socket/bar" as labels).
                : section == e.Prefix || (section.StartsWith(e.Prefix + "/", StringComparison.Ordinal) && !e.Prefix.Contains('/', StringComparison.Ordinal));
            if (!match) continue;
            type = e.Type;
            attach = e.Attach;
            target = e.TakesTarget && section.Length > e.Prefix.Length ? section[e.Prefix.Length..] : null;
            if (target is { Length: 0 }) target = null;
            sleepable = e.Sleepable;
            return true;
        }
        type = default;
        attach = default;
        target = null;
        sleepable = false;
        return false;
    }
}
