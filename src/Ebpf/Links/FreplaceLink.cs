using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>
/// An extension program (<c>freplace/FUNCTION</c>) attached in place of the function of the program it was loaded against
/// (BPF_LINK_CREATE with no target: the load-time one). While the link lives, every call of that function in the target
/// program runs the extension instead; disposing restores the original.
/// </summary>
public sealed class FreplaceLink : BpfLink
{
    private readonly SafeFd _fd;

    private FreplaceLink(string programName, string? target, string? targetProgram, SafeFd fd) : base(programName)
    {
        Function = target;
        TargetProgram = targetProgram;
        _fd = fd;
    }

    /// <summary>The replaced function.</summary>
    public string? Function { get; }

    /// <summary>The name of the program whose function is replaced, when known.</summary>
    public string? TargetProgram { get; }

    /// <inheritdoc/>
    public override bool IsDisposed => _fd.IsClosed;

    private protected override SafeFd? LinkFd => _fd;

    internal static FreplaceLink Attach(BpfProgram program, string? targetProgram)
    {
        if (program.Type != BpfProgramType.Ext)
            throw new InvalidOperationException($"Program '{program.Name}' is a {program.Type} program; only freplace (extension) programs replace functions.");
        string subject = $"freplace program '{program.Name}' ({program.SectionName}) replacing '{program.AttachTarget}'" +
            (targetProgram is null ? "" : $" of program '{targetProgram}'");
        var attr = new LinkCreateAttr { ProgFd = (uint)program.Fd };
        long r = Bpf.TryLinkCreate(ref attr);
        // Kernels before BPF_LINK_CREATE took extensions: the raw tracepoint command attaches to the load-time target.
        if (r == -Errno.EINVAL) r = Bpf.TryRawTracepointOpenLoadedTarget(program.Handle);
        if (r < 0)
        {
            int errno = (int)-r;
            if (errno is Errno.EOPNOTSUPP or Errno.ENOTSUPP)
                throw new BpfFeatureNotSupportedException("BPF_LINK_CREATE", errno, "freplace",
                    $"Cannot attach {subject}: this kernel cannot patch the target program ({Errno.Name(errno)}); freplace needs a JIT with BPF " +
                    "trampolines (x86-64, arm64...) and the target program JIT-compiled.");
            throw Errno.ToException("BPF_LINK_CREATE", errno, subject,
                errno == Errno.EBUSY ? "Another extension already replaces this function, or the target program is attached where extensions are not allowed." : null);
        }
        return new FreplaceLink(program.Name, program.AttachTarget, targetProgram, SafeFd.FromSyscall((int)r));
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _fd.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> freplace/{Function}{(TargetProgram is null ? "" : $" in {TargetProgram}")}";
}
