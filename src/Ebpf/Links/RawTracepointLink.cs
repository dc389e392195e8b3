using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>A raw tracepoint attachment (BPF_RAW_TRACEPOINT_OPEN): the program sees the tracepoint's raw u64 arguments.</summary>
public sealed class RawTracepointLink : BpfLink
{
    private readonly SafeFd _fd;

    private RawTracepointLink(string programName, string tracepoint, SafeFd fd) : base(programName)
    {
        Tracepoint = tracepoint;
        _fd = fd;
    }

    internal static RawTracepointLink Attach(BpfProgram program, string tracepoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(tracepoint);
        if (program.Type is not (BpfProgramType.RawTracepoint or BpfProgramType.RawTracepointWritable))
            throw new InvalidOperationException($"Program '{program.Name}' is a {program.Type} program; only raw tracepoint programs (raw_tp/...) attach to raw tracepoints.");
        return new RawTracepointLink(program.Name, tracepoint, Bpf.RawTracepointOpen(program.Handle, tracepoint));
    }

    /// <summary>The raw tracepoint, for example <c>sys_enter</c>.</summary>
    public string Tracepoint { get; }

    /// <inheritdoc/>
    public override bool IsDisposed => _fd.IsClosed;

    private protected override SafeFd? LinkFd => _fd;

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _fd.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> raw_tp/{Tracepoint}";
}
