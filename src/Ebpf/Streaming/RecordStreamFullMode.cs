namespace Ebpf.Streaming;

/// <summary>What a record stream does when its bounded queue is full because the reader is slower than the producer.</summary>
public enum RecordStreamFullMode
{
    /// <summary>
    /// Backpressure: the poller thread stops consuming until the reader makes room. The kernel ring then fills and
    /// the BPF side sees its reservations or outputs fail (count them there). Nothing is dropped in user space.
    /// </summary>
    Wait = 0,

    /// <summary>
    /// Keep consuming the kernel ring and drop the record that does not fit (the newest one). Every drop is counted in
    /// <see cref="RecordStreamCounters.Dropped"/>.
    /// </summary>
    DropNewest = 1,
}
