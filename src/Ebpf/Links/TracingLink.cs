using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.Linking;

namespace Ebpf.Links;

/// <summary>
/// A program loaded against a kernel BTF target (<c>tp_btf</c>, <c>fentry</c>, <c>fexit</c>, <c>fmod_ret</c>, <c>lsm</c>)
/// attached to that target: a BPF link from BPF_LINK_CREATE, or, on kernels whose BPF_LINK_CREATE does not take
/// these programs, BPF_RAW_TRACEPOINT_OPEN with no name (which attaches to the target the program was loaded with).
/// </summary>
public sealed class TracingLink : BpfLink
{
    private readonly SafeFd _fd;

    private TracingLink(string programName, BpfAttachType attachType, string? target, SafeFd fd) : base(programName)
    {
        AttachType = attachType;
        Target = target;
        _fd = fd;
    }

    /// <summary>How the program is attached: <see cref="BpfAttachType.TraceRawTp"/> (tp_btf), <see cref="BpfAttachType.TraceFentry"/>...</summary>
    public BpfAttachType AttachType { get; }

    /// <summary>The target as the section names it (the tracepoint, function or LSM hook), or null when it named none.</summary>
    public string? Target { get; }

    /// <inheritdoc/>
    public override bool IsDisposed => _fd.IsClosed;

    private protected override SafeFd? LinkFd => _fd;

    internal static TracingLink Attach(BpfProgram program)
    {
        var attach = program.ExpectedAttachType;
        if (!BtfAttachTarget.IsBtfTargeted(program.Type, attach) || attach is BpfAttachType.TraceIter or BpfAttachType.LsmCgroup)
            throw new InvalidOperationException(
                $"Program '{program.Name}' is a {program.Type} program with attach type {attach}; only tp_btf, fentry, fexit, fmod_ret and lsm programs attach this way.");
        string kind = BtfAttachTarget.KindName(attach);
        string subject = $"{kind} program '{program.Name}' ({program.SectionName})";
        var attr = new LinkCreateAttr { ProgFd = (uint)program.Fd, AttachType = (uint)attach };
        long r = Bpf.TryLinkCreate(ref attr);
        // Kernels before tracing links (and before raw_tp links, for tp_btf) answer EINVAL: use the older command.
        if (r == -Errno.EINVAL) r = Bpf.TryRawTracepointOpenLoadedTarget(program.Handle);
        if (r < 0)
        {
            int errno = (int)-r;
            if (errno is Errno.EOPNOTSUPP or Errno.ENOTSUPP && BtfAttachTarget.UsesTrampoline(attach))
                throw BtfAttachTarget.NotSupported("BPF_LINK_CREATE", errno, attach, "attach", program.Name, program.SectionName,
                    $"Attaching failed with {Errno.Name(errno)}.");
            throw Errno.ToException("BPF_LINK_CREATE", errno, subject);
        }
        return new TracingLink(program.Name, attach, program.AttachTarget, SafeFd.FromSyscall((int)r));
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _fd.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> {BtfAttachTarget.KindName(AttachType)}/{Target}";
}
