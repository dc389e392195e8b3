using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>
/// A tracepoint attachment: a perf event for the tracepoint (perf_event_open, PERF_TYPE_TRACEPOINT) with the program
/// attached through a BPF link (BPF_LINK_CREATE, BPF_PERF_EVENT; kernel 5.15+) or, on older kernels, the
/// PERF_EVENT_IOC_SET_BPF ioctl.
/// </summary>
public sealed class TracepointLink : BpfLink
{
    private readonly SafeFd _perfEvent;
    private readonly SafeFd? _link;

    private TracepointLink(string programName, string category, string name, uint tracepointId, SafeFd perfEvent, SafeFd? link) : base(programName)
    {
        Category = category;
        Name = name;
        TracepointId = tracepointId;
        _perfEvent = perfEvent;
        _link = link;
    }

    internal static TracepointLink Attach(BpfProgram program, string category, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(category);
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (program.Type != BpfProgramType.Tracepoint)
            throw new InvalidOperationException($"Program '{program.Name}' is a {program.Type} program; only tracepoint programs (tracepoint/... or tp/...) attach to tracepoints.");
        uint id = Tracefs.GetTracepointId(category, name);
        var attr = new PerfEventAttr
        {
            Type = PerfEventAttr.PERF_TYPE_TRACEPOINT,
            Config = id,
            SamplePeriodOrFreq = 1,
            WakeupEventsOrWatermark = 1,
        };
        // pid -1, cpu 0: a tracepoint's BPF program runs on every CPU; the perf event only carries the attachment.
        var perf = PerfEvent.Open(ref attr, -1, 0, $"tracepoint {category}:{name}");
        SafeFd? link = null;
        try
        {
            link = PerfEventAttachment.Attach(program, perf, $"tracepoint {category}:{name}");
            return new TracepointLink(program.Name, category, name, id, perf, link);
        }
        catch
        {
            link?.Dispose();
            perf.Dispose();
            throw;
        }
    }

    /// <summary>The tracepoint's category (tracefs events/ directory), for example <c>syscalls</c>.</summary>
    public string Category { get; }

    /// <summary>The tracepoint's name, for example <c>sys_enter_openat</c>.</summary>
    public string Name { get; }

    /// <summary>The tracepoint's id from tracefs.</summary>
    public uint TracepointId { get; }

    private protected override SafeFd? LinkFd => _link;

    /// <inheritdoc/>
    public override bool IsDisposed => _perfEvent.IsClosed;

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        _link?.Dispose();
        _perfEvent.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> tracepoint/{Category}/{Name}";
}
