namespace Ebpf.Perf;

/// <summary>
/// Tuning for a <see cref="PerfBuffer"/>: when the kernel wakes the reader, and which CPUs get a buffer.
/// Wake-ups dominate the cost of a perf buffer, so batching them (a larger <see cref="WakeupEvents"/> or a
/// <see cref="WatermarkBytes"/>) is the main knob; samples below the threshold stay in the buffer until the next wake-up,
/// a <see cref="PerfBuffer.Consume"/>, or a <see cref="PerfBuffer.Poll(int)"/> that times out and drains.
/// </summary>
public sealed class PerfBufferOptions
{
    private int? _wakeupEvents;

    /// <summary>
    /// Wake the reader after this many samples (<c>perf_event_attr.wakeup_events</c>). Default 1: every sample wakes.
    /// Mutually exclusive with <see cref="WatermarkBytes"/>.
    /// </summary>
    public int WakeupEvents
    {
        get => _wakeupEvents ?? 1;
        set => _wakeupEvents = value;
    }

    /// <summary>
    /// Wake the reader once this many bytes are pending (<c>watermark</c> + <c>wakeup_watermark</c>) instead of counting
    /// samples. Must be at least 1 and at most the per-CPU data size. Mutually exclusive with <see cref="WakeupEvents"/>.
    /// </summary>
    public int? WatermarkBytes { get; set; }

    /// <summary>
    /// The CPU numbers to open buffers for; each is stored in the map at key = CPU number, and each must be below the map's
    /// <c>max_entries</c> and online. Default (null): every online CPU (offline CPUs are skipped, as are CPUs whose number is
    /// not below the map's <c>max_entries</c>, as in libbpf).
    /// </summary>
    public IReadOnlyList<int>? Cpus { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> for contradictory or out-of-range settings.</summary>
    internal void Validate()
    {
        if (_wakeupEvents is not null && WatermarkBytes is not null)
            throw new ArgumentException(
                "PerfBufferOptions: set either WakeupEvents or WatermarkBytes, not both (the kernel wakes on one or the other).");
        if (WakeupEvents < 1)
            throw new ArgumentOutOfRangeException(nameof(WakeupEvents), WakeupEvents, "PerfBufferOptions.WakeupEvents must be at least 1.");
        if (WatermarkBytes is < 1)
            throw new ArgumentOutOfRangeException(nameof(WatermarkBytes), WatermarkBytes, "PerfBufferOptions.WatermarkBytes must be at least 1.");
        if (Cpus is not null)
        {
            if (Cpus.Count == 0)
                throw new ArgumentException("PerfBufferOptions.Cpus is empty: give at least one CPU number, or leave it null for every online CPU.");
            var seen = new HashSet<int>();
            foreach (int cpu in Cpus)
            {
                if (cpu < 0)
                    throw new ArgumentOutOfRangeException(nameof(Cpus), cpu, "PerfBufferOptions.Cpus holds a negative CPU number.");
                if (!seen.Add(cpu))
                    throw new ArgumentException($"PerfBufferOptions.Cpus lists CPU {cpu} twice.");
            }
        }
    }
}
