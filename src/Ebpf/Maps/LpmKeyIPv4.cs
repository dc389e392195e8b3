using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Ebpf.Maps;

/// <summary>An LPM trie key for IPv4 prefixes (8 bytes: prefix length, then the address in network order), usable as
/// the key of the typed map calls, for example <c>map.Update(new LpmKeyIPv4(IPAddress.Parse("10.0.0.0"), 8), 1u)</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct LpmKeyIPv4 : IEquatable<LpmKeyIPv4>
{
    private readonly uint _prefixLength;
    private readonly uint _address; // the four address bytes as they sit in memory: network order

    /// <summary>A key for <paramref name="address"/>/<paramref name="prefixLength"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="address"/> is not IPv4, or the prefix is not 0 to 32 bits.</exception>
    public LpmKeyIPv4(IPAddress address, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.AddressFamily != AddressFamily.InterNetwork)
            throw new ArgumentException($"{address} is not an IPv4 address; use LpmKeyIPv6.", nameof(address));
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, 32);
        _prefixLength = (uint)prefixLength;
        uint raw = 0;
        if (!address.TryWriteBytes(MemoryMarshal.AsBytes(MemoryMarshal.CreateSpan(ref raw, 1)), out _))
            throw new ArgumentException($"{address} could not be written as 4 bytes.", nameof(address));
        _address = raw;
    }

    /// <summary>The prefix length in bits.</summary>
    public int PrefixLength => (int)_prefixLength;

    /// <summary>The address.</summary>
    public IPAddress Address
    {
        get
        {
            uint raw = _address;
            return new IPAddress(MemoryMarshal.AsBytes(MemoryMarshal.CreateReadOnlySpan(ref raw, 1)));
        }
    }

    /// <inheritdoc/>
    public bool Equals(LpmKeyIPv4 other) => _prefixLength == other._prefixLength && _address == other._address;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is LpmKeyIPv4 other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_prefixLength, _address);

    /// <summary>Equality.</summary>
    public static bool operator ==(LpmKeyIPv4 left, LpmKeyIPv4 right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(LpmKeyIPv4 left, LpmKeyIPv4 right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => $"{Address}/{PrefixLength}";
}
