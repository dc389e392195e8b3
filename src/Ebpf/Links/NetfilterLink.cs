using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>
/// A netfilter program (<c>SEC("netfilter")</c>) on a netfilter hook (BPF_LINK_CREATE, BPF_NETFILTER; kernel 6.4+),
/// in one network namespace. It returns NF_DROP (0) or NF_ACCEPT (1) for each packet.
/// </summary>
public sealed class NetfilterLink : BpfLink
{
    /// <summary>BPF_F_NETFILTER_IP_DEFRAG.</summary>
    private const uint DefragFlag = 1;

    private readonly SafeFd _fd;

    private NetfilterLink(string programName, NetfilterProtocolFamily family, NetfilterHook hook, int priority, bool defragment, string? netns, SafeFd fd)
        : base(programName)
    {
        Family = family;
        Hook = hook;
        Priority = priority;
        Defragment = defragment;
        NetworkNamespace = netns;
        _fd = fd;
    }

    /// <summary>IPv4 or IPv6.</summary>
    public NetfilterProtocolFamily Family { get; }

    /// <summary>The hook.</summary>
    public NetfilterHook Hook { get; }

    /// <summary>The priority (lower runs first).</summary>
    public int Priority { get; }

    /// <summary>True when packets are defragmented before the program sees them.</summary>
    public bool Defragment { get; }

    /// <summary>The namespace named when attaching, or null for the caller's.</summary>
    public string? NetworkNamespace { get; }

    /// <inheritdoc/>
    public override bool IsDisposed => _fd.IsClosed;

    private protected override SafeFd? LinkFd => _fd;

    private protected override string TargetDescription => Describe(Family, Hook, Priority, NetworkNamespace);

    private static string Describe(NetfilterProtocolFamily family, NetfilterHook hook, int priority, string? netns) =>
        $"netfilter {family} {hook} priority {priority}{(netns is null ? "" : $" in network namespace '{netns}'")}";

    internal static NetfilterLink Attach(BpfProgram program, NetfilterProtocolFamily family, NetfilterHook hook, int priority, bool defragment, string? netns)
    {
        string target = Describe(family, hook, priority, netns);
        if (program.Type != BpfProgramType.Netfilter)
            throw AttachErrors.WrongType(program, target, "only netfilter programs (SEC(\"netfilter\")) attach to a netfilter hook.");
        if (!Enum.IsDefined(family)) throw new ArgumentOutOfRangeException(nameof(family), family, "IPv4 or IPv6.");
        if (!Enum.IsDefined(hook)) throw new ArgumentOutOfRangeException(nameof(hook), hook, "A netfilter hook.");
        if (priority is int.MinValue or int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(priority), priority, "The kernel reserves the lowest and highest priorities (NF_IP_PRI_FIRST, NF_IP_PRI_LAST).");
        var attr = new LinkCreateNetfilterAttr
        {
            ProgFd = (uint)program.Fd,
            AttachType = (uint)BpfAttachType.Netfilter,
            Pf = (uint)family,
            HookNum = (uint)hook,
            Priority = priority,
            NetfilterFlags = defragment ? DefragFlag : 0,
        };
        // The link attaches to the namespace of the thread that creates it.
        long r;
        if (netns is null)
        {
            r = BpfAttach.LinkCreate(ref attr);
        }
        else
        {
            using var ns = NetNs.Open(netns, $"netfilter program '{program.Name}'");
            r = NetNs.RunIn(ns, () => BpfAttach.LinkCreate(ref attr), $"netfilter program '{program.Name}'");
        }
        if (r >= 0) return new NetfilterLink(program.Name, family, hook, priority, defragment, netns, SafeFd.FromSyscall((int)r));
        int errno = (int)-r;
        throw AttachErrors.Kernel("BPF_LINK_CREATE", errno, program, "netfilter", target, errno switch
        {
            Errno.EINVAL when AttachErrors.KernelPredates(errno, 6, 4) => "Netfilter links need Linux 6.4 or later.",
            Errno.EINVAL => "The kernel refused the hook, priority or flags (with defragmentation the priority must be above NF_IP_PRI_CONNTRACK_DEFRAG, -400).",
            Errno.EBUSY => "Another BPF netfilter program has this hook and priority in the namespace: choose another priority.",
            Errno.EOPNOTSUPP or Errno.ENOTSUPP => "The kernel was built without netfilter BPF links (CONFIG_NETFILTER_BPF_LINK), or without defragmentation support.",
            _ => null,
        });
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _fd.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> {TargetDescription}";
}
