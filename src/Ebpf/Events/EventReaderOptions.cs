namespace Ebpf.Events;

/// <summary>Settings for <see cref="EventReader"/>. The perf settings apply only when the map is a perf event array.</summary>
public sealed class EventReaderOptions
{
    /// <summary>Pages per CPU for a perf buffer (a power of two). Default 64 (256 KiB per CPU with 4 KiB pages).</summary>
    public int PerfPagesPerCpu { get; init; } = 64;

    /// <summary>How a ring buffer's poll waits (<see cref="RingBuf.RingBufferOptions.WaitMode"/>): Notification (the
    /// default: sleep until the BPF side notifies) or DataAvailable (libbpf's: return whenever records are waiting).
    /// A perf buffer wakes per its wake-up setting.</summary>
    public RingBuf.RingBufferWaitMode WaitMode { get; init; } = RingBuf.RingBufferWaitMode.Notification;

    /// <summary>Called when the kernel reports lost perf records; the total is also in <see cref="EventReader.LostCount"/>.</summary>
    public LostRecordsHandler? OnLost { get; init; }
}
