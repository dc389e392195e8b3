namespace Ebpf.Links;

/// <summary><c>enum bpf_link_type</c> from include/uapi/linux/bpf.h: the kind of a kernel BPF link.</summary>
public enum BpfLinkType : uint
{
    /// <summary>BPF_LINK_TYPE_UNSPEC.</summary>
    Unspecified = 0,
    /// <summary>BPF_LINK_TYPE_RAW_TRACEPOINT (raw_tp, and tp_btf/fentry/fexit/lsm opened through BPF_RAW_TRACEPOINT_OPEN).</summary>
    RawTracepoint = 1,
    /// <summary>BPF_LINK_TYPE_TRACING (tp_btf, fentry, fexit, fmod_ret, lsm, freplace).</summary>
    Tracing = 2,
    /// <summary>BPF_LINK_TYPE_CGROUP.</summary>
    Cgroup = 3,
    /// <summary>BPF_LINK_TYPE_ITER.</summary>
    Iter = 4,
    /// <summary>BPF_LINK_TYPE_NETNS (sk_lookup, flow_dissector).</summary>
    NetNs = 5,
    /// <summary>BPF_LINK_TYPE_XDP.</summary>
    Xdp = 6,
    /// <summary>BPF_LINK_TYPE_PERF_EVENT (tracepoints, kprobes, uprobes, perf events).</summary>
    PerfEvent = 7,
    /// <summary>BPF_LINK_TYPE_KPROBE_MULTI.</summary>
    KprobeMulti = 8,
    /// <summary>BPF_LINK_TYPE_STRUCT_OPS.</summary>
    StructOps = 9,
    /// <summary>BPF_LINK_TYPE_NETFILTER.</summary>
    Netfilter = 10,
    /// <summary>BPF_LINK_TYPE_TCX.</summary>
    Tcx = 11,
    /// <summary>BPF_LINK_TYPE_UPROBE_MULTI.</summary>
    UprobeMulti = 12,
    /// <summary>BPF_LINK_TYPE_NETKIT.</summary>
    Netkit = 13,
    /// <summary>BPF_LINK_TYPE_SOCKMAP (sk_msg and sk_skb programs on a sockmap or sockhash).</summary>
    SockMap = 14,
}
