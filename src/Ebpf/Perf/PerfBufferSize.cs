using System.Numerics;

namespace Ebpf.Perf;

/// <summary>
/// The perf buffer's size rule: each CPU gets one metadata page plus <c>pageCount</c> data pages, and the kernel's
/// <c>perf_mmap</c> accepts only a power-of-two data page count (EINVAL otherwise). Memory is per CPU, so the total is
/// <c>(1 + pageCount) × pageSize × CPUs</c>, and it counts against <c>kernel.perf_event_mlock_kb</c> / RLIMIT_MEMLOCK.
/// </summary>
public static class PerfBufferSize
{
    /// <summary>The largest page count accepted (2^30 pages: 4 TiB per CPU with 4 KiB pages, far beyond any mlock limit).</summary>
    public const int MaxPageCount = 1 << 30;

    /// <summary>True when <paramref name="pageCount"/> is a valid data page count per CPU: a power of two, at least 1.</summary>
    public static bool IsValid(long pageCount) => pageCount is >= 1 and <= MaxPageCount && BitOperations.IsPow2(pageCount);

    /// <summary>The valid page counts just below and just above <paramref name="pageCount"/> (equal when it is valid or below 1).</summary>
    public static (int Below, int Above) Nearest(long pageCount)
    {
        if (pageCount <= 1) return (1, 1);
        if (pageCount >= MaxPageCount) return (MaxPageCount, MaxPageCount);
        long above = (long)BitOperations.RoundUpToPowerOf2((ulong)pageCount);
        long below = above == pageCount ? above : above / 2;
        return ((int)below, (int)above);
    }

    /// <summary>Bytes of data area per CPU for <paramref name="pageCount"/> pages.</summary>
    public static ulong DataBytesPerCpu(long pageCount, int pageSize) => (ulong)Math.Max(pageCount, 0) * (ulong)pageSize;

    /// <summary>Bytes mapped in total: <c>(1 + pageCount) × pageSize × cpuCount</c> (the metadata page included).</summary>
    public static ulong TotalBytes(long pageCount, int pageSize, int cpuCount) =>
        (DataBytesPerCpu(pageCount, pageSize) + (ulong)pageSize) * (ulong)Math.Max(cpuCount, 0);

    /// <summary>The smallest valid page count whose data area holds at least <paramref name="bytesPerCpu"/> bytes (cilium sizes in bytes this way).</summary>
    public static int PagesFor(ulong bytesPerCpu, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        ulong pages = Math.Max(1, (bytesPerCpu + (ulong)pageSize - 1) / (ulong)pageSize);
        if (pages > MaxPageCount)
            throw new ArgumentOutOfRangeException(nameof(bytesPerCpu), bytesPerCpu, $"{bytesPerCpu} bytes per CPU needs more than {MaxPageCount} pages.");
        return (int)BitOperations.RoundUpToPowerOf2(pages);
    }

    /// <summary>
    /// Throws <see cref="ArgumentOutOfRangeException"/> when <paramref name="pageCount"/> is not a power of two ≥ 1; the
    /// message names the map, what the request would cost on <paramref name="cpuCount"/> CPUs and the nearest valid counts.
    /// </summary>
    public static void Validate(string mapName, long pageCount, int pageSize, int cpuCount)
    {
        if (IsValid(pageCount)) return;
        var (below, above) = Nearest(pageCount);
        string cost = pageCount >= 1
            ? $"As asked it would map {pageCount} × {pageSize} bytes × {cpuCount} CPUs = {Describe(DataBytesPerCpu(pageCount, pageSize) * (ulong)cpuCount)} of data. "
            : "";
        string nearest = below == above
            ? $"{below} ({Describe(TotalBytes(below, pageSize, cpuCount))} in total)"
            : $"{below} ({Describe(TotalBytes(below, pageSize, cpuCount))} in total) or {above} ({Describe(TotalBytes(above, pageSize, cpuCount))} in total)";
        throw new ArgumentOutOfRangeException(nameof(pageCount), pageCount,
            $"Perf buffer for map '{mapName}': pageCountPerCpu {pageCount} is not valid. The kernel maps only a power of two ≥ 1 " +
            $"of data pages per CPU (plus one metadata page), and every CPU gets its own buffer. {cost}" +
            $"Nearest valid values: {nearest}, counting one metadata page per CPU, {pageSize}-byte pages and {cpuCount} CPUs.");
    }

    /// <summary>A byte count for people: "16 KiB", "2 MiB", "12345 bytes".</summary>
    internal static string Describe(ulong bytes) => bytes switch
    {
        >= 1UL << 30 when bytes % (1UL << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1UL << 20 when bytes % (1UL << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1UL << 10 when bytes % (1UL << 10) == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes} bytes",
    };
}
