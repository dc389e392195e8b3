namespace Ebpf.RingBuf;

/// <summary>
/// Called once per record, on the thread that polls or consumes, with the record's bytes in the kernel's ring (zero
/// copy). The span is valid only during the call. Return 0 to continue; any other value stops consumption and is
/// returned by <see cref="RingBuffer.Poll(int)"/> / <see cref="RingBuffer.Consume"/> (libbpf's rule: the record that
/// returned it counts as consumed). Prefer negative stop values, so they cannot be mistaken for a record count.
/// An exception thrown here propagates out of Poll/Consume; that record is consumed as well.
/// </summary>
/// <param name="record">The record's payload (its length is the length the BPF program reserved or output).</param>
public delegate int RingBufferHandler(ReadOnlySpan<byte> record);
