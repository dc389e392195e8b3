using System.Runtime.CompilerServices;
using System.Text;

namespace Ebpf.Internal.Netlink;

/// <summary>
/// Walks the attributes (<c>nlattr</c>) of a netlink payload. Every length is checked against what is left, so a
/// malformed reply ends the walk instead of reading past it.
/// </summary>
internal ref struct NetlinkAttributes
{
    private ReadOnlySpan<byte> _rest;

    internal NetlinkAttributes(ReadOnlySpan<byte> attributes) => _rest = attributes;

    /// <summary>The current attribute's type, without the NESTED / byte-order flags.</summary>
    internal ushort Type { get; private set; }

    /// <summary>The current attribute's value.</summary>
    internal ReadOnlySpan<byte> Value { get; private set; }

    internal bool MoveNext()
    {
        if (_rest.Length < 4) return false;
        ushort length = Unsafe.ReadUnaligned<ushort>(in _rest[0]);
        if (length < 4 || length > _rest.Length) return false;
        Type = (ushort)(Unsafe.ReadUnaligned<ushort>(in _rest[2]) & Rtnl.NLA_TYPE_MASK);
        Value = _rest[4..length];
        int next = NetlinkMessage.Align(length);
        _rest = next >= _rest.Length ? default : _rest[next..];
        return true;
    }

    /// <summary>The value of the first attribute of <paramref name="type"/> in <paramref name="attributes"/>, or false.</summary>
    internal static bool TryFind(ReadOnlySpan<byte> attributes, ushort type, out ReadOnlySpan<byte> value)
    {
        var walk = new NetlinkAttributes(attributes);
        while (walk.MoveNext())
        {
            if (walk.Type != type) continue;
            value = walk.Value;
            return true;
        }
        value = default;
        return false;
    }

    internal static uint? FindU32(ReadOnlySpan<byte> attributes, ushort type) =>
        TryFind(attributes, type, out var v) && v.Length >= 4 ? Unsafe.ReadUnaligned<uint>(in v[0]) : null;

    internal static byte? FindU8(ReadOnlySpan<byte> attributes, ushort type) =>
        TryFind(attributes, type, out var v) && v.Length >= 1 ? v[0] : null;

    /// <summary>A string attribute, without its terminating NUL.</summary>
    internal static string? FindString(ReadOnlySpan<byte> attributes, ushort type)
    {
        if (!TryFind(attributes, type, out var v)) return null;
        int nul = v.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul < 0 ? v : v[..nul]);
    }
}
