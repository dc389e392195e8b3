namespace Ebpf.Events;

/// <summary>Bounds and clock for an <see cref="OrderedMerger"/>.</summary>
public sealed class OrderedMergerOptions
{
    /// <summary>
    /// Records held at most (default 4096). When it is reached, the oldest held record is delivered before its window is
    /// over (counted in <see cref="OrderedMerger.ReleasedEarly"/>): memory stays bounded, and a record that then arrives
    /// with an earlier timestamp is delivered as late.
    /// </summary>
    public int Capacity { get; init; } = 4096;

    /// <summary>The longest record, in bytes (default 512). Held records are copied into slots of this size, allocated 256 at a
    /// time as needed and then reused: at most <see cref="Capacity"/> × this, plus 24 bytes per slot of bookkeeping.</summary>
    public int MaxRecordSize { get; init; } = 512;

    /// <summary>"Now" in the timestamps' clock and unit. Default: CLOCK_MONOTONIC in nanoseconds, the clock of
    /// <c>bpf_ktime_get_ns()</c>. (Use <c>bpf_ktime_get_boot_ns()</c> timestamps with a CLOCK_BOOTTIME clock.)</summary>
    public Func<ulong>? Clock { get; init; }

    internal void Validate()
    {
        if (Capacity < 1) throw new ArgumentOutOfRangeException(nameof(Capacity), Capacity, "OrderedMergerOptions.Capacity must be at least 1.");
        if (MaxRecordSize < 1) throw new ArgumentOutOfRangeException(nameof(MaxRecordSize), MaxRecordSize, "OrderedMergerOptions.MaxRecordSize must be at least 1.");
        if ((long)Capacity * MaxRecordSize > int.MaxValue * 16L)
            throw new ArgumentOutOfRangeException(nameof(Capacity), Capacity, $"OrderedMergerOptions: {Capacity} records of {MaxRecordSize} bytes is more memory than a merger should hold; lower Capacity or MaxRecordSize.");
    }
}
