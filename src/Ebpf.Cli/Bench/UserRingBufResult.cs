namespace Ebpf.Cli.Bench;

/// <summary>`ebpf bench user-ringbuf`: both producers' medians from the same run, and the per-round ratios.</summary>
internal sealed record UserRingBufResult(
    long Records,
    int RecordSize,
    uint RingBytes,
    double CSharpRecordsPerSecond,
    double CRecordsPerSecond,
    double[] RatioPerRound,
    bool CSharpChecksumOk,
    bool CChecksumOk,
    long CSharpAllocatedBytes)
{
    /// <summary>C# records per second over C records per second, the median of the rounds' ratios (above 1: C# faster).</summary>
    internal double Ratio => Median(RatioPerRound);

    /// <summary>Medians of the producing thread's CPU time per record (CLOCK_THREAD_CPUTIME_ID around each fill): on a shared
    /// machine they leave out the time the thread was preempted, which wall time includes.</summary>
    internal double CSharpCpuNsPerRecord { get; init; }
    internal double CCpuNsPerRecord { get; init; }
    internal double[] CpuRatioPerRound { get; init; } = [];
    internal double CpuRatio => Median(CpuRatioPerRound);

    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
