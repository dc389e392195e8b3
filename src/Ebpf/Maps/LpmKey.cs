using System.Buffers.Binary;

namespace Ebpf.Maps;

/// <summary>
/// Keys of longest-prefix-match tries (BPF_MAP_TYPE_LPM_TRIE): <c>struct bpf_lpm_trie_key { __u32 prefixlen; __u8
/// data[]; }</c> with the prefix length in host byte order and the data in network (big-endian) order, the most
/// significant bit first. The map's key size is 4 + the data size; its flags must include
/// <see cref="BpfMapFlags.NoPrealloc"/>. <see cref="LpmKeyIPv4"/> and <see cref="LpmKeyIPv6"/> are the two usual
/// shapes as unmanaged structs; this writes any other.
/// </summary>
public static class LpmKey
{
    /// <summary>Writes a key of <paramref name="prefixLength"/> bits over <paramref name="data"/> into
    /// <paramref name="destination"/>, which must be exactly 4 + <paramref name="data"/>.Length bytes.</summary>
    /// <exception cref="ArgumentException">The destination size or prefix length does not fit the data.</exception>
    public static void Write(Span<byte> destination, int prefixLength, ReadOnlySpan<byte> data)
    {
        if (destination.Length != 4 + data.Length)
            throw new ArgumentException($"An LPM key over {data.Length} data bytes is {4 + data.Length} bytes; the destination is {destination.Length}.", nameof(destination));
        if (prefixLength < 0 || prefixLength > data.Length * 8)
            throw new ArgumentOutOfRangeException(nameof(prefixLength), prefixLength, $"A prefix over {data.Length} bytes is 0 to {data.Length * 8} bits long.");
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)prefixLength);
        data.CopyTo(destination[4..]);
    }

    /// <summary>A new key of <paramref name="prefixLength"/> bits over <paramref name="data"/>.</summary>
    public static byte[] Create(int prefixLength, ReadOnlySpan<byte> data)
    {
        var key = new byte[4 + data.Length];
        Write(key, prefixLength, data);
        return key;
    }
}
