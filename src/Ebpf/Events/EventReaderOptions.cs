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

    /// <summary>
    /// Deliver records in the order of their <see cref="Timestamp"/>, holding each until its timestamp is this old
    /// (<see cref="OrderedMerger"/>): every record then reaches the handler at least this long after its timestamp. Null
    /// (the default): records are delivered as the transport hands them over.
    /// </summary>
    public TimeSpan? OrderWindow { get; init; }

    /// <summary>Where a record's timestamp is (CLOCK_MONOTONIC nanoseconds, as <c>bpf_ktime_get_ns()</c>); required with <see cref="OrderWindow"/>.</summary>
    public RecordTimestamp? Timestamp { get; init; }

    /// <summary>With <see cref="OrderWindow"/>: records held at most (<see cref="OrderedMergerOptions.Capacity"/>). Default 4096.</summary>
    public int OrderCapacity { get; init; } = 4096;

    /// <summary>With <see cref="OrderWindow"/>: the longest record in bytes (<see cref="OrderedMergerOptions.MaxRecordSize"/>).
    /// Default 512. A perf buffer pads records by up to 7 bytes.</summary>
    public int MaxRecordSize { get; init; } = 512;

    internal void Validate()
    {
        if (OrderWindow is { } window && window < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(OrderWindow), window, "EventReaderOptions.OrderWindow cannot be negative.");
        if (OrderWindow is not null && Timestamp is null)
            throw new ArgumentException("EventReaderOptions.OrderWindow needs EventReaderOptions.Timestamp: the function that reads a record's timestamp.");
    }
}
