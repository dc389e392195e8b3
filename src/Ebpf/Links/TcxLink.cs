using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>
/// A tc program attached to an interface's ingress or egress through tcx (BPF_LINK_CREATE with BPF_TCX_INGRESS /
/// BPF_TCX_EGRESS, kernel 6.6+): no qdisc, several programs in a defined order (<see cref="LinkAnchor"/>), each a link.
/// The program's return value is the verdict (TCX_NEXT, TCX_PASS, TCX_DROP, TCX_REDIRECT; the TC_ACT_* values).
/// </summary>
public sealed class TcxLink : BpfLink
{
    private const int ESTALE = 116;

    private readonly SafeFd _fd;

    private TcxLink(string programName, NetworkTarget target, TcDirection direction, SafeFd fd) : base(programName)
    {
        InterfaceName = target.Name;
        InterfaceIndex = target.Index;
        Direction = direction;
        _fd = fd;
    }

    /// <summary>The interface's name.</summary>
    public string InterfaceName { get; }

    /// <summary>The interface's index.</summary>
    public int InterfaceIndex { get; }

    /// <summary>Ingress or egress.</summary>
    public TcDirection Direction { get; }

    /// <inheritdoc/>
    public override bool IsDisposed => _fd.IsClosed;

    private protected override SafeFd? LinkFd => _fd;

    private protected override string TargetDescription => $"interface '{InterfaceName}' (tcx {Direction.ToString().ToLowerInvariant()})";

    /// <summary>The direction the program was loaded for (<c>tcx/ingress</c>, <c>tc/egress</c>...), or null.</summary>
    internal static TcDirection? SectionDirection(BpfProgram program) => program.ExpectedAttachType switch
    {
        BpfAttachType.TcxIngress => TcDirection.Ingress,
        BpfAttachType.TcxEgress => TcDirection.Egress,
        _ => null,
    };

    internal static TcxLink Attach(BpfProgram program, NetworkTarget target, TcDirection? direction, LinkAnchor? anchor, ulong expectedRevision)
    {
        string kind = "tcx";
        if (program.Type != BpfProgramType.SchedCls)
            throw AttachErrors.WrongType(program, target.Description, "only tc classifier programs (SEC(\"tcx/ingress\"), SEC(\"tcx/egress\"), SEC(\"tc\")) attach through tcx.");
        var dir = direction ?? SectionDirection(program)
            ?? throw AttachErrors.WrongType(program, target.Description, "its section names no direction (tcx/ingress or tcx/egress): pass one.");
        if (!Enum.IsDefined(dir)) throw new ArgumentOutOfRangeException(nameof(direction), dir, "Ingress or Egress.");
        var (flags, relative) = anchor?.Resolve() ?? (0u, 0u);
        var attr = new LinkCreateRelativeAttr
        {
            ProgFd = (uint)program.Fd,
            TargetFd = (uint)target.Index,
            AttachType = (uint)(dir == TcDirection.Ingress ? BpfAttachType.TcxIngress : BpfAttachType.TcxEgress),
            Flags = flags,
            RelativeFdOrId = relative,
            ExpectedRevision = expectedRevision,
        };
        long r = BpfAttach.LinkCreate(ref attr);
        if (r >= 0) return new TcxLink(program.Name, target, dir, SafeFd.FromSyscall((int)r));
        int errno = (int)-r;
        string where = $"{target.Description} (tcx {dir.ToString().ToLowerInvariant()}{(anchor is null ? "" : ", " + anchor.Description)})";
        string? detail = errno switch
        {
            Errno.EINVAL when AttachErrors.KernelPredates(errno, 6, 6) => "tcx needs Linux 6.6 or later; attach a classic tc filter instead (AttachTc).",
            Errno.EEXIST => "This program is attached to that hook already.",
            Errno.ENOENT => $"The anchor ({anchor?.Description}) is not attached to that hook.",
            ESTALE => $"The hook's programs changed: its revision is no longer {expectedRevision}.",
            Errno.ERANGE => "The hook holds the most programs it can.",
            _ => null,
        };
        throw AttachErrors.Kernel("BPF_LINK_CREATE", errno, program, kind, where, detail);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _fd.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> tcx/{Direction.ToString().ToLowerInvariant()} on {InterfaceName}";
}
