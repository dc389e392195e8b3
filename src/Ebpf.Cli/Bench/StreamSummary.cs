namespace Ebpf.Cli.Bench;

/// <summary>
/// One transport's stream rounds condensed: the median of each consumer's figures over the rounds, and C#'s ratios
/// to C as the median of the per-round ratios (round i's C# run against round i's C run, which ran just before it: a
/// shared machine that changes speed mid-run shifts both halves of a pair, but not a ratio of medians taken apart).
/// The per-round received/s ratios are kept: their spread says how far one run can be trusted.
/// </summary>
internal sealed record StreamSummary(
    string Transport,
    int Rounds,
    double CReceivedPerSecond,
    double CSharpReceivedPerSecond,
    double CCpuNsPerRecord,
    double CSharpCpuNsPerRecord,
    double CRecordsPerWakeup,
    double CSharpRecordsPerWakeup,
    double? CP99Ns,
    double? CSharpP99Ns,
    long CDropped,
    long CSharpDropped,
    IReadOnlyList<double> ReceivedRatioPerRound,
    double CpuRatio,
    double? P99Ratio)
{
    internal double ReceivedRatio => Median(ReceivedRatioPerRound);

    /// <summary>Summaries per transport, in the order the rows first name them; rows alternate C, C# within a transport.</summary>
    internal static List<StreamSummary> Of(IReadOnlyList<(StreamBenchmark.Settings Settings, StreamResult Result)> rows)
    {
        var summaries = new List<StreamSummary>();
        foreach (string transport in rows.Select(r => r.Settings.Transport).Distinct())
        {
            var c = rows.Where(r => r.Settings.Transport == transport && r.Result.Consumer == StreamBenchmark.CConsumer).Select(r => r.Result).ToList();
            var cs = rows.Where(r => r.Settings.Transport == transport && r.Result.Consumer != StreamBenchmark.CConsumer).Select(r => r.Result).ToList();
            if (c.Count == 0 || c.Count != cs.Count) continue;
            summaries.Add(new StreamSummary(transport, c.Count,
                Median(c, r => r.ReceivedPerSecond), Median(cs, r => r.ReceivedPerSecond),
                Median(c, r => r.CpuNsPerRecord), Median(cs, r => r.CpuNsPerRecord),
                Median(c, r => r.RecordsPerWakeup), Median(cs, r => r.RecordsPerWakeup),
                MedianOrNull(c, r => r.LatencyP99Ns), MedianOrNull(cs, r => r.LatencyP99Ns),
                c.Sum(r => r.Dropped + r.Lost), cs.Sum(r => r.Dropped + r.Lost),
                c.Zip(cs, (x, y) => y.ReceivedPerSecond / x.ReceivedPerSecond).ToList(),
                Median(c.Zip(cs, (x, y) => y.CpuNsPerRecord / x.CpuNsPerRecord)),
                c.Zip(cs).All(p => p.First.LatencyP99Ns is > 0 && p.Second.LatencyP99Ns is not null)
                    ? Median(c.Zip(cs, (x, y) => (double)y.LatencyP99Ns!.Value / x.LatencyP99Ns!.Value))
                    : null));
        }
        return summaries;
    }

    private static double Median(List<StreamResult> results, Func<StreamResult, double> value) => Median(results.Select(value));

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        int n = sorted.Count;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double? MedianOrNull(List<StreamResult> results, Func<StreamResult, long?> value) =>
        results.All(r => value(r) is not null) ? Median(results, r => value(r)!.Value) : null;
}
