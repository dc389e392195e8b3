using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ebpf.RingBuf;

/// <summary>Typed, zero-copy views of a record inside a <see cref="RingBufferHandler"/>.</summary>
public static class RingRecord
{
    /// <summary>
    /// The record's first <c>sizeof(T)</c> bytes as a <typeparamref name="T"/>, in place (no copy). Ring buffer payloads
    /// start 8-byte aligned, so any C struct lines up. Valid only while the record's span is (during the handler).
    /// </summary>
    /// <exception cref="ArgumentException">The record is shorter than <typeparamref name="T"/>.</exception>
    public static ref readonly T As<T>(ReadOnlySpan<byte> record) where T : unmanaged
    {
        if (record.Length < Unsafe.SizeOf<T>())
            throw new ArgumentException(
                $"The record has {record.Length} bytes, fewer than {typeof(T).Name} ({Unsafe.SizeOf<T>()} bytes). Check that the C# struct matches the BPF record.",
                nameof(record));
        return ref MemoryMarshal.AsRef<T>(record[..Unsafe.SizeOf<T>()]);
    }

    /// <summary>Like <see cref="As{T}"/> but returns false instead of throwing when the record is too short.</summary>
    public static bool TryRead<T>(ReadOnlySpan<byte> record, out T value) where T : unmanaged => MemoryMarshal.TryRead(record, out value);
}
