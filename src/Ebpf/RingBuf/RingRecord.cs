using Ebpf.Records;

namespace Ebpf.RingBuf;

/// <summary>Typed, zero-copy views of a record inside a <see cref="RingBufferHandler"/> (the same as
/// <see cref="RecordView"/>, which serves both transports).</summary>
public static class RingRecord
{
    /// <summary>
    /// The record's first <c>sizeof(T)</c> bytes as a <typeparamref name="T"/>, in place (no copy). Ring buffer payloads
    /// start 8-byte aligned, so any C struct lines up. Valid only while the record's span is (during the handler).
    /// See <see cref="RecordView.As{T}"/>: given a perf sample (4-byte aligned), a type that needs 8 is refused.
    /// </summary>
    /// <exception cref="ArgumentException">The record is shorter than <typeparamref name="T"/>, or not aligned for it.</exception>
    public static ref readonly T As<T>(ReadOnlySpan<byte> record) where T : unmanaged => ref RecordView.As<T>(record);

    /// <summary>Like <see cref="As{T}"/> but copies, and returns false instead of throwing when the record is too short.</summary>
    public static bool TryRead<T>(ReadOnlySpan<byte> record, out T value) where T : unmanaged => RecordView.TryRead(record, out value);
}
