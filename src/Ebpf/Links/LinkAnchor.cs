using Ebpf.Internal.Sys;

namespace Ebpf.Links;

/// <summary>
/// Where a program goes in a hook that runs several in order (tcx, kernel 6.6+): first, last, or just before or after a
/// given program or link (the kernel's BPF_F_BEFORE / BPF_F_AFTER, with BPF_F_LINK for a link). Without an anchor a
/// program is appended.
/// </summary>
public sealed class LinkAnchor
{
    private readonly BpfProgram? _program;
    private readonly BpfLink? _link;
    private readonly uint _flags;

    private LinkAnchor(uint flags, BpfProgram? program, BpfLink? link, string description)
    {
        _flags = flags;
        _program = program;
        _link = link;
        Description = description;
    }

    /// <summary>Before every program attached now.</summary>
    public static LinkAnchor First { get; } = new(BpfAttach.BPF_F_BEFORE, null, null, "first");

    /// <summary>After every program attached now.</summary>
    public static LinkAnchor Last { get; } = new(BpfAttach.BPF_F_AFTER, null, null, "last");

    /// <summary>Just before <paramref name="program"/>, which must be attached to the same hook.</summary>
    public static LinkAnchor Before(BpfProgram program) => new(BpfAttach.BPF_F_BEFORE, Require(program), null, $"before program '{program.Name}'");

    /// <summary>Just after <paramref name="program"/>, which must be attached to the same hook.</summary>
    public static LinkAnchor After(BpfProgram program) => new(BpfAttach.BPF_F_AFTER, Require(program), null, $"after program '{program.Name}'");

    /// <summary>Just before the program of <paramref name="link"/>, a BPF link on the same hook.</summary>
    public static LinkAnchor Before(BpfLink link) => new(BpfAttach.BPF_F_BEFORE | BpfAttach.BPF_F_LINK, null, Require(link), $"before the link of '{link.ProgramName}'");

    /// <summary>Just after the program of <paramref name="link"/>, a BPF link on the same hook.</summary>
    public static LinkAnchor After(BpfLink link) => new(BpfAttach.BPF_F_AFTER | BpfAttach.BPF_F_LINK, null, Require(link), $"after the link of '{link.ProgramName}'");

    /// <summary>How messages name the anchor.</summary>
    public string Description { get; }

    /// <summary>The BPF_F_* flags and the relative fd (0 for none) for BPF_LINK_CREATE.</summary>
    internal (uint Flags, uint RelativeFd) Resolve()
    {
        if (_program is not null) return (_flags, (uint)_program.Fd);
        if (_link is not null)
        {
            ObjectDisposedException.ThrowIf(_link.IsDisposed, _link);
            return (_flags, (uint)(_link.KernelLinkFd ?? throw new ArgumentException($"The link of '{_link.ProgramName}' is not a BPF link; anchor to its program instead.")).Fd);
        }
        return (_flags, 0);
    }

    private static BpfProgram Require(BpfProgram program)
    {
        ArgumentNullException.ThrowIfNull(program);
        return program;
    }

    private static BpfLink Require(BpfLink link)
    {
        ArgumentNullException.ThrowIfNull(link);
        return link;
    }

    /// <inheritdoc/>
    public override string ToString() => Description;
}
