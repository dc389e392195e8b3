namespace Ebpf.Streaming;

/// <summary>
/// What the async streams of one reader did, summed over every stream it has run. Safe to read from any thread.
/// Records the BPF side failed to write (ring full) are not here: the kernel reports those only to the BPF program.
/// </summary>
public sealed class RecordStreamCounters
{
    private long _delivered;
    private long _dropped;

    /// <summary>Records decoded and queued for the reader.</summary>
    public long Delivered => Volatile.Read(ref _delivered);

    /// <summary>Records consumed from the kernel but dropped because the queue was full (<see cref="RecordStreamFullMode.DropNewest"/>).</summary>
    public long Dropped => Volatile.Read(ref _dropped);

    internal void AddDelivered() => Interlocked.Increment(ref _delivered);

    internal void AddDropped() => Interlocked.Increment(ref _dropped);

    /// <inheritdoc/>
    public override string ToString() => $"delivered {Delivered}, dropped {Dropped}";
}
