using System.Numerics;

namespace Ebpf.RingBuf;

/// <summary>The ring buffer's size rule: a power of two and a multiple of the page size (the kernel returns EINVAL otherwise).</summary>
public static class RingBufferSize
{
    /// <summary>True when <paramref name="bytes"/> is a valid <c>max_entries</c> for BPF_MAP_TYPE_RINGBUF on this machine.</summary>
    public static bool IsValid(ulong bytes, int pageSize) =>
        bytes >= (ulong)pageSize && BitOperations.IsPow2(bytes) && bytes % (ulong)pageSize == 0 && bytes <= 1UL << 31;

    /// <summary>The valid sizes just below and just above <paramref name="bytes"/> (equal when it is valid).</summary>
    public static (ulong Below, ulong Above) Nearest(ulong bytes, int pageSize)
    {
        ulong page = (ulong)pageSize;
        if (bytes <= page) return (page, page);
        ulong above = Math.Min(BitOperations.RoundUpToPowerOf2(bytes), 1UL << 31);
        ulong below = bytes >= 1UL << 31 ? 1UL << 31 : above == bytes ? bytes : above / 2;
        return (Math.Max(below, page), above);
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the map and the nearest valid sizes.</summary>
    public static void Validate(string mapName, ulong bytes, int pageSize) => Validate(mapName, bytes, pageSize, "Ring buffer");

    /// <summary>As <see cref="Validate(string, ulong, int)"/>, naming the map as <paramref name="kind"/> ("User ring buffer").</summary>
    internal static void Validate(string mapName, ulong bytes, int pageSize, string kind)
    {
        if (Problem(mapName, bytes, pageSize, kind) is { } problem) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, problem);
    }

    /// <summary>Why <paramref name="bytes"/> is not a valid size, naming the map and the nearest valid sizes; null when it is valid.</summary>
    internal static string? Problem(string mapName, ulong bytes, int pageSize, string kind = "Ring buffer")
    {
        if (IsValid(bytes, pageSize)) return null;
        var (below, above) = Nearest(bytes, pageSize);
        string nearest = below == above ? $"{below}" : $"{below} or {above}";
        return $"{kind} map '{mapName}': max_entries {bytes} is not a valid size. It must be a power of two and a multiple " +
            $"of the page size ({pageSize} bytes), at most 2 GiB. Nearest valid sizes: {nearest}. Set MapSpec.MaxEntries.";
    }
}
