using Ebpf.Internal;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>
/// A perf_event program attached to a sampling software event (the cpu-clock timer) on every online CPU: the program
/// runs on each sample with the interrupted registers as context (<c>struct bpf_perf_event_data</c>). Disposing
/// closes every CPU's event.
/// </summary>
public sealed class PerfEventLink : BpfLink
{
    private const ulong PERF_COUNT_SW_CPU_CLOCK = 0;
    private const ulong FlagFrequency = 1UL << 10;

    private readonly (SafeFd Perf, SafeFd? Link)[] _events;

    private PerfEventLink(string programName, int frequency, (SafeFd, SafeFd?)[] events) : base(programName)
    {
        Frequency = frequency;
        _events = events;
    }

    /// <summary>Samples per second per CPU.</summary>
    public int Frequency { get; }

    /// <summary>The number of CPUs the program is attached on.</summary>
    public int CpuCount => _events.Length;

    /// <inheritdoc/>
    public override bool IsDisposed => _events.Length == 0 || _events[0].Perf.IsClosed;

    internal static PerfEventLink AttachCpuClock(BpfProgram program, int frequency)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(frequency, 1);
        if (program.Type != BpfProgramType.PerfEvent)
            throw new InvalidOperationException($"Program '{program.Name}' is a {program.Type} program; only perf_event programs (SEC(\"perf_event\")) attach to sampling events.");
        var events = new List<(SafeFd, SafeFd?)>();
        try
        {
            foreach (int cpu in Cpus.Online())
            {
                var attr = new PerfEventAttr
                {
                    Type = PerfEventAttr.PERF_TYPE_SOFTWARE,
                    Config = PERF_COUNT_SW_CPU_CLOCK,
                    SamplePeriodOrFreq = (ulong)frequency,
                    Flags = FlagFrequency,
                };
                string subject = $"cpu-clock sampling on CPU {cpu} (program '{program.Name}')";
                int r = PerfEvent.TryOpen(ref attr, -1, cpu);
                if (r == -Errno.ENODEV) continue; // went offline meanwhile
                if (r < 0) throw Errno.ToException("perf_event_open", -r, subject);
                var perf = SafeFd.FromSyscall(r);
                try
                {
                    events.Add((perf, PerfEventAttachment.Attach(program, perf, subject)));
                }
                catch
                {
                    perf.Dispose();
                    throw;
                }
            }
            return new PerfEventLink(program.Name, frequency, [.. events]);
        }
        catch
        {
            foreach (var (perf, link) in events)
            {
                link?.Dispose();
                perf.Dispose();
            }
            throw;
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        foreach (var (perf, link) in _events)
        {
            link?.Dispose();
            perf.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> perf_event/cpu-clock@{Frequency}Hz on {CpuCount} CPUs";
}
