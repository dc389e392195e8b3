using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ebpf.Maps;

/// <summary>An LPM trie key for IPv6 prefixes (20 bytes: prefix length, then the address in network order), usable as
/// the key of the typed map calls.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct LpmKeyIPv6 : IEquatable<LpmKeyIPv6>
{
    private readonly uint _prefixLength;
    private readonly AddressBytes _address;

    /// <summary>A key for <paramref name="address"/>/<paramref name="prefixLength"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="address"/> is not IPv6, or the prefix is not 0 to 128 bits.</exception>
    public LpmKeyIPv6(IPAddress address, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            throw new ArgumentException($"{address} is not an IPv6 address; use LpmKeyIPv4 (or IPAddress.MapToIPv6 for a mapped key).", nameof(address));
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 128);
        _prefixLength = (uint)prefixLength;
        var bytes = default(AddressBytes);
        if (!address.TryWriteBytes(bytes, out _))
            throw new ArgumentException($"{address} could not be written as 16 bytes.", nameof(address));
        _address = bytes;
    }

    /// <summary>The prefix length in bits.</summary>
    public int PrefixLength => (int)_prefixLength;

    /// <summary>The address.</summary>
    public IPAddress Address => new(_address);

    /// <inheritdoc/>
    public bool Equals(LpmKeyIPv6 other) =>
        _prefixLength == other._prefixLength && ((ReadOnlySpan<byte>)_address).SequenceEqual(other._address);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is LpmKeyIPv6 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(_prefixLength);
        hash.AddBytes(_address);
        return hash.ToHashCode();
    }

    /// <summary>Equality.</summary>
    public static bool operator ==(LpmKeyIPv6 left, LpmKeyIPv6 right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(LpmKeyIPv6 left, LpmKeyIPv6 right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => $"{Address}/{PrefixLength}";

    [InlineArray(16)]
    private struct AddressBytes
    {
        private byte _first;
    }
}
