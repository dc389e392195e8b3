namespace Ebpf.Streaming;

/// <summary>
/// What the async streams of one reader did, summed over every stream it has run. Safe to read from any thread.
/// Records the BPF side failed to write (ring full) are not here: the kernel reports those only to the BPF program.
/// </summary>
public sealed class RecordStreamCounters
{
    private long _delivered;
    private long _dropped;
    private long _abandoned;

    /// <summary>Records taken from the kernel, decoded and queued for the reader (including any later <see cref="Abandoned"/>).
    /// Records taken from the kernel by streams = <see cref="Delivered"/> + <see cref="Dropped"/>; records the readers saw =
    /// <see cref="Delivered"/> − <see cref="Abandoned"/>.</summary>
    public long Delivered => Volatile.Read(ref _delivered);

    /// <summary>Records consumed from the kernel but dropped because the queue was full (<see cref="RecordStreamFullMode.DropNewest"/>).</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    /// <summary>Queued records nobody read because their stream ended first (the caller left the loop, cancelled, or disposed the reader).</summary>
    public long Abandoned => Volatile.Read(ref _abandoned);

    internal void AddAbandoned() => Interlocked.Increment(ref _abandoned);

    internal void AddDelivered() => Interlocked.Increment(ref _delivered);

    internal void AddDropped() => Interlocked.Increment(ref _dropped);

    /// <inheritdoc/>
    public override string ToString() => $"delivered {Delivered}, dropped {Dropped}, abandoned {Abandoned}";
}
