namespace Ebpf.UserRingBuf;

/// <summary>
/// A record reserved in a <see cref="UserRingBuffer"/>: <see cref="Data"/> is the record's payload in the mapped ring,
/// to be filled and then handed to the BPF side with <see cref="UserRingBuffer.Submit"/> (or dropped with
/// <see cref="UserRingBuffer.Discard"/>). Until then the kernel's drain stops at it: records behind it wait too.
/// </summary>
/// <remarks>A <c>ref struct</c>, so it cannot outlive the stack frame that reserved it; the default value is not reserved.</remarks>
public readonly ref struct UserRingRecord
{
    internal UserRingRecord(UserRingBuffer owner, ulong position, Span<byte> data)
    {
        Owner = owner;
        Position = position;
        Data = data;
    }

    internal UserRingBuffer? Owner { get; }

    /// <summary>The record's header position in the ring (free-running, like the kernel's producer_pos).</summary>
    internal ulong Position { get; }

    /// <summary>The payload: exactly the size that was reserved, 8-byte aligned, contiguous even where the ring wraps.</summary>
    public Span<byte> Data { get; }

    /// <summary>The payload length in bytes.</summary>
    public int Length => Data.Length;

    /// <summary>True for a record a reservation returned; false for <c>default</c>.</summary>
    public bool IsReserved => Owner is not null;
}
