using System.Text;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.Linking;

namespace Ebpf.Links;

/// <summary>
/// A BPF iterator (<c>iter/&lt;name&gt;</c>, for example <c>iter/task</c>) attached as a link (BPF_LINK_CREATE,
/// BPF_TRACE_ITER). Each <see cref="Read"/> creates a fresh iterator instance (BPF_ITER_CREATE) and reads it: the
/// program runs once per object (task, map, ...) and once more with a null object at the end, and what it writes
/// with <c>bpf_seq_write</c>/<c>bpf_seq_printf</c> is the output.
/// </summary>
public sealed class IterLink : BpfLink
{
    private readonly SafeFd _fd;

    private IterLink(string programName, string? target, SafeFd fd) : base(programName)
    {
        Target = target;
        _fd = fd;
    }

    /// <summary>The iterator as the section names it (<c>task</c> for <c>iter/task</c>), or null.</summary>
    public string? Target { get; }

    /// <inheritdoc/>
    public override bool IsDisposed => _fd.IsClosed;

    private protected override SafeFd? LinkFd => _fd;

    internal static IterLink Attach(BpfProgram program)
    {
        if (program.Type != BpfProgramType.Tracing || program.ExpectedAttachType != BpfAttachType.TraceIter)
            throw new InvalidOperationException($"Program '{program.Name}' is a {program.Type} program with attach type {program.ExpectedAttachType}; only iterator programs (iter/...) attach as iterators.");
        // Iterators that need parameters (a map for iter/bpf_map_elem, a cgroup...) take them in iter_info; none here.
        var attr = new LinkCreateAttr { ProgFd = (uint)program.Fd, AttachType = (uint)BpfAttachType.TraceIter };
        return new IterLink(program.Name, program.AttachTarget, Bpf.LinkCreate(ref attr, $"iterator program '{program.Name}' ({program.SectionName})"));
    }

    /// <summary>Runs the iterator once over every object and returns what the program wrote.</summary>
    public byte[] Read(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        string subject = $"iterator '{ProgramName}'";
        using var instance = Bpf.IterCreate(_fd, subject);
        return FdReader.ReadToEnd(instance, subject, cancellationToken);
    }

    /// <summary><see cref="Read"/> decoded as UTF-8 (for programs that <c>bpf_seq_printf</c>).</summary>
    public string ReadText(CancellationToken cancellationToken = default) => Encoding.UTF8.GetString(Read(cancellationToken));

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _fd.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> {BtfAttachTarget.KindName(BpfAttachType.TraceIter)}/{Target}";
}
