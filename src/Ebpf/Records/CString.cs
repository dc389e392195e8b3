using System.Text;

namespace Ebpf.Records;

/// <summary>
/// C strings in fixed buffers (<c>char comm[16]</c>, <c>char filename[256]</c>): the bytes up to the first NUL, decoded as
/// UTF-8 (invalid sequences become U+FFFD, as <see cref="Encoding.UTF8"/> does). A buffer with no NUL is a string that
/// fills it. <see cref="Bytes"/>, <see cref="TryDecode"/> and <see cref="Matches"/> allocate nothing.
/// </summary>
public static class CString
{
    /// <summary>The bytes before the first NUL (all of <paramref name="buffer"/> when it has none). No copy.</summary>
    public static ReadOnlySpan<byte> Bytes(ReadOnlySpan<byte> buffer)
    {
        int end = buffer.IndexOf((byte)0);
        return end < 0 ? buffer : buffer[..end];
    }

    /// <summary>The string's length in bytes (before the first NUL).</summary>
    public static int Length(ReadOnlySpan<byte> buffer) => Bytes(buffer).Length;

    /// <summary>The string, decoded from UTF-8.</summary>
    public static string ToString(ReadOnlySpan<byte> buffer) => Encoding.UTF8.GetString(Bytes(buffer));

    /// <summary>Decodes the string into <paramref name="destination"/> without allocating; false (and nothing written)
    /// when it does not fit. A buffer of <c>N</c> bytes never needs more than <c>N</c> chars.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> buffer, Span<char> destination, out int charsWritten) =>
        Encoding.UTF8.TryGetChars(Bytes(buffer), destination, out charsWritten);

    /// <summary>True when the string equals <paramref name="utf8"/> (compare with a literal: <c>CString.Matches(e.Comm, "bash"u8)</c>).</summary>
    public static bool Matches(ReadOnlySpan<byte> buffer, ReadOnlySpan<byte> utf8) => Bytes(buffer).SequenceEqual(utf8);

    /// <summary>
    /// Writes <paramref name="value"/> into <paramref name="buffer"/> as UTF-8 followed by a NUL, zero-filling the rest
    /// (what a BPF program reading the buffer as a C string expects).
    /// </summary>
    /// <exception cref="ArgumentException">The string and its NUL do not fit; the message gives both lengths.</exception>
    public static void Write(Span<byte> buffer, ReadOnlySpan<char> value)
    {
        int bytes = Encoding.UTF8.GetByteCount(value);
        if (bytes >= buffer.Length)
            throw new ArgumentException($"The string takes {bytes} bytes in UTF-8, but the buffer holds {buffer.Length} bytes including the terminating NUL.", nameof(value));
        int written = Encoding.UTF8.GetBytes(value, buffer);
        buffer[written..].Clear();
    }
}
