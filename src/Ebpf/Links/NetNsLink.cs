using System.Runtime.InteropServices;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>
/// A program attached to a network namespace: <c>sk_lookup</c> (picks the socket for an incoming connection or
/// datagram, kernel 5.9+) or <c>flow_dissector</c> (replaces the kernel's flow dissector). A BPF link on the namespace
/// (BPF_LINK_CREATE; 5.8+ for flow_dissector); on older kernels a flow dissector is attached with BPF_PROG_ATTACH
/// inside the namespace and detached again by Dispose.
/// </summary>
public sealed class NetNsLink : BpfLink
{
    private readonly SafeFd? _link;
    private readonly ProgAttachment? _legacy;

    private NetNsLink(string programName, string netns, BpfAttachType attachType, SafeFd? link, ProgAttachment? legacy) : base(programName)
    {
        NetworkNamespace = netns;
        AttachType = attachType;
        _link = link;
        _legacy = legacy;
    }

    /// <summary>The namespace, as named when attaching (a path, or <c>fd N</c>).</summary>
    public string NetworkNamespace { get; }

    /// <summary><see cref="BpfAttachType.SkLookup"/> or <see cref="BpfAttachType.FlowDissector"/>.</summary>
    public BpfAttachType AttachType { get; }

    /// <inheritdoc/>
    public override bool IsDisposed => _link?.IsClosed ?? _legacy!.IsClosed;

    private protected override SafeFd? LinkFd => _link;

    private protected override ProgAttachment? ProgAttachment => _legacy;

    private protected override string TargetDescription => $"network namespace '{NetworkNamespace}' ({Kind(AttachType)})";

    internal const string CurrentNamespace = "/proc/self/ns/net";

    internal static NetNsLink Attach(BpfProgram program, BpfAttachType attach, string? netnsPath, bool forceLegacy = false)
    {
        string path = netnsPath ?? CurrentNamespace;
        CheckType(program, attach, $"network namespace '{path}'");
        long r = PathFd.TryOpen(path);
        if (r < 0)
            throw new BpfAttachException("open", (int)-r, program.Name, $"network namespace '{path}'",
                $"Cannot attach {Kind(attach)} program '{program.Name}' to network namespace '{path}': {Errno.Name((int)-r)}. Name a namespace file (/var/run/netns/NAME, /proc/PID/ns/net).");
        using var fd = SafeFd.FromSyscall((int)r);
        return Attach(program, attach, fd, path, forceLegacy);
    }

    internal static NetNsLink Attach(BpfProgram program, BpfAttachType attach, SafeHandle netns, bool forceLegacy = false)
    {
        ArgumentNullException.ThrowIfNull(netns);
        bool added = false;
        netns.DangerousAddRef(ref added);
        try
        {
            int raw = (int)netns.DangerousGetHandle();
            CheckType(program, attach, $"network namespace fd {raw}");
            using var fd = SafeFd.Duplicate(raw);
            return Attach(program, attach, fd, $"fd {raw}", forceLegacy);
        }
        finally
        {
            if (added) netns.DangerousRelease();
        }
    }

    private static void CheckType(BpfProgram program, BpfAttachType attach, string target)
    {
        var expected = attach == BpfAttachType.SkLookup ? BpfProgramType.SkLookup : BpfProgramType.FlowDissector;
        if (program.Type != expected)
            throw AttachErrors.WrongType(program, target, $"only {Kind(attach)} programs (SEC(\"{Kind(attach)}\")) attach to a network namespace's {Kind(attach)} hook.");
    }

    private static string Kind(BpfAttachType attach) => attach == BpfAttachType.SkLookup ? "sk_lookup" : "flow_dissector";

    private static NetNsLink Attach(BpfProgram program, BpfAttachType attach, SafeFd netns, string name, bool forceLegacy)
    {
        string target = $"network namespace '{name}'";
        if (!forceLegacy)
        {
            var attr = new LinkCreateAttr { ProgFd = (uint)program.Fd, TargetFd = (uint)netns.Fd, AttachType = (uint)attach };
            long r = Bpf.TryLinkCreate(ref attr);
            if (r >= 0) return new NetNsLink(program.Name, name, attach, SafeFd.FromSyscall((int)r), null);
            int errno = (int)-r;
            if (attach != BpfAttachType.FlowDissector || !AttachErrors.KernelPredates(errno, 5, 8))
                throw AttachErrors.Kernel("BPF_LINK_CREATE", errno, program, Kind(attach), target, errno switch
                {
                    Errno.EEXIST or Errno.E2BIG => $"The namespace has a {Kind(attach)} program already{(attach == BpfAttachType.FlowDissector ? " (one per namespace)" : "")}.",
                    Errno.EINVAL => "Is the file a network namespace?",
                    _ => null,
                });
        }
        if (attach != BpfAttachType.FlowDissector)
            throw AttachErrors.Kernel("BPF_LINK_CREATE", Errno.EINVAL, program, Kind(attach), target, "sk_lookup programs attach only as links (Linux 5.9+).");
        // BPF_PROG_ATTACH attaches a flow dissector to the caller's namespace: enter the target one to do it.
        var legacy = ProgAttachment.AttachInNamespace(program, netns, attach, $"flow_dissector program '{program.Name}'",
            errno => AttachErrors.Kernel("BPF_PROG_ATTACH", errno, program, Kind(attach), target,
                errno == Errno.EEXIST ? "The namespace has a flow dissector already." : null));
        return new NetNsLink(program.Name, name, attach, null, legacy);
    }

    private protected override void UpdateCore(BpfProgram program, BpfProgram? expectedProgram)
    {
        if (_link is null)
            throw new NotSupportedException($"The flow dissector '{ProgramName}' was attached with BPF_PROG_ATTACH; dispose it and attach the new program.");
        base.UpdateCore(program, expectedProgram);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        _link?.Dispose();
        _legacy?.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> {Kind(AttachType)} on network namespace '{NetworkNamespace}'{(_link is null ? " (BPF_PROG_ATTACH)" : "")}";
}
