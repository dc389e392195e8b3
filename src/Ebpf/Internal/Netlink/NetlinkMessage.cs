using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Ebpf.Internal.Netlink;

/// <summary>
/// One netlink request being built: the 16-byte <c>nlmsghdr</c>, a fixed family header (<c>ifinfomsg</c>,
/// <c>tcmsg</c>), then attributes (<c>nlattr</c>: u16 length, u16 type, the value, padded to 4 bytes), nested ones
/// flagged NLA_F_NESTED. Host byte order throughout, as the kernel reads it.
/// </summary>
internal sealed class NetlinkMessage
{
    private byte[] _buffer = new byte[256];
    private int _length = Rtnl.HeaderSize;

    internal NetlinkMessage(ushort type, ushort flags)
    {
        Type = type;
        Flags = flags;
    }

    internal ushort Type { get; }

    internal ushort Flags { get; }

    /// <summary>Appends a fixed header struct (its size is a multiple of 4 for every family header used here).</summary>
    internal void Append<T>(in T header) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in header));
        bytes.CopyTo(Reserve(bytes.Length));
    }

    internal void AddU8(ushort type, byte value) => AddAttribute(type, [value]);

    internal void AddU32(ushort type, uint value)
    {
        Span<byte> v = stackalloc byte[4];
        WriteU32(v, value);
        AddAttribute(type, v);
    }

    internal void AddI32(ushort type, int value) => AddU32(type, unchecked((uint)value));

    /// <summary>A NUL-terminated string attribute (NLA_STRING / NLA_NUL_STRING).</summary>
    internal void AddString(ushort type, string value)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        AddAttribute(type, bytes);
    }

    internal void AddAttribute(ushort type, ReadOnlySpan<byte> value)
    {
        int total = 4 + value.Length;
        var span = Reserve(total);
        WriteU16(span, (ushort)total);
        WriteU16(span[2..], type);
        value.CopyTo(span[4..]);
    }

    /// <summary>Opens a nested attribute; returns its offset for <see cref="EndNested"/>.</summary>
    internal int BeginNested(ushort type)
    {
        int start = _length;
        var span = Reserve(4);
        WriteU16(span[2..], (ushort)(type | Rtnl.NLA_F_NESTED));
        return start;
    }

    internal void EndNested(int start) => WriteU16(_buffer.AsSpan(start), checked((ushort)(_length - start)));

    /// <summary>Fills in the header (length, type, flags, sequence number; port id 0 = the kernel) and returns the bytes.</summary>
    internal ReadOnlySpan<byte> Finish(uint sequence)
    {
        var header = _buffer.AsSpan();
        WriteU32(header, (uint)_length);
        WriteU16(header[4..], Type);
        WriteU16(header[6..], Flags);
        WriteU32(header[8..], sequence);
        WriteU32(header[12..], 0);
        return _buffer.AsSpan(0, _length);
    }

    /// <summary>Reserves <paramref name="size"/> bytes (plus padding to 4), zeroed.</summary>
    private Span<byte> Reserve(int size)
    {
        int aligned = Align(size);
        if (_length + aligned > _buffer.Length) Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + aligned));
        var span = _buffer.AsSpan(_length, aligned);
        span.Clear();
        _length += aligned;
        return span[..size];
    }

    internal static int Align(int size) => (size + 3) & ~3;

    private static void WriteU16(Span<byte> span, ushort value) => Unsafe.WriteUnaligned(ref span[0], value);

    private static void WriteU32(Span<byte> span, uint value) => Unsafe.WriteUnaligned(ref span[0], value);
}
