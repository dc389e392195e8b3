namespace Ebpf.Links;

/// <summary>
/// Where <see cref="BpfProgram.Attach(AttachOptions)"/> attaches a program whose section names a hook but not its
/// target: the interface for XDP and tc, the cgroup for cgroup programs, the namespace for sk_lookup and
/// flow_dissector, the netfilter hook. What the program's type does not use is ignored; tracing programs attach where
/// their section says. The shape of <c>ebpf attach --iface DEV --xdp-mode skb|drv --cgroup PATH</c>.
/// </summary>
public sealed record AttachOptions
{
    /// <summary>The network interface (by name) for XDP, tcx and tc programs.</summary>
    public string? Interface { get; init; }

    /// <summary>The XDP mode (default: the kernel chooses).</summary>
    public XdpMode XdpMode { get; init; }

    /// <summary>The direction for tc programs whose section names none (<c>SEC("tc")</c>: default ingress); overrides a
    /// <c>tcx/ingress</c> or <c>tcx/egress</c> section.</summary>
    public TcDirection? TcDirection { get; init; }

    /// <summary>True to attach <c>tc</c>/<c>classifier</c> sections through tcx links (kernel 6.6+) instead of a classic
    /// clsact filter. <c>tcx/*</c> (and libbpf's alias <c>tc/ingress</c>, <c>tc/egress</c>) always use tcx.</summary>
    public bool PreferTcx { get; init; }

    /// <summary>The cgroup (a cgroup v2 directory, or a path inside the hierarchy) for cgroup programs.</summary>
    public string? Cgroup { get; init; }

    /// <summary>The hook, for sections that name none (<c>cgroup/skb</c>, <c>sk_skb</c>, programs opened from a pin).</summary>
    public BpfAttachType? AttachType { get; init; }

    /// <summary>How a cgroup program shares its hook where BPF_PROG_ATTACH is used (kernels before cgroup links).</summary>
    public CgroupAttachMode CgroupMode { get; init; } = CgroupAttachMode.Multi;

    /// <summary>The network namespace file for sk_lookup, flow_dissector and netfilter programs (default: this process's).</summary>
    public string? NetworkNamespace { get; init; }

    /// <summary>The netfilter hook for netfilter programs.</summary>
    public NetfilterHook? NetfilterHook { get; init; }

    /// <summary>The netfilter protocol family (default IPv4).</summary>
    public NetfilterProtocolFamily NetfilterFamily { get; init; } = NetfilterProtocolFamily.IPv4;

    /// <summary>The netfilter priority (default 0).</summary>
    public int NetfilterPriority { get; init; }
}
