using System.Diagnostics;

namespace Ebpf.Cli.Bench;

/// <summary>
/// Loading an object, Ebpf.Net against libbpf, in one process: each round opens and loads the object with libbpf
/// (cref_load_object: bpf_object__open_file, bpf_object__load) and then with Ebpf.Net (BpfObjectSpec.FromFile, Load),
/// and closes both. The first Ebpf.Net load of the process is reported on its own (it pays the JIT and the shared
/// kernel BTF index); then two warm-up laps, then the timed rounds.
/// </summary>
internal static class LoadBenchmark
{
    internal sealed record Result(
        string Object,
        int Programs,
        int Rounds,
        double FirstLoadMs,
        long FirstLoadAllocatedBytes,
        double CSharpParseMs,
        double CSharpLoadMs,
        double COpenMs,
        double CLoadMs,
        long CSharpParseAllocatedBytes,
        long CSharpLoadAllocatedBytes,
        double LoadRatioMedian)
    {
        /// <summary>Ebpf.Net's open + load over libbpf's (medians): above 1, Ebpf.Net is slower.</summary>
        internal double TotalRatio => (CSharpParseMs + CSharpLoadMs) / (COpenMs + CLoadMs);
    }

    internal static Result Run(string path, int rounds)
    {
        var (firstMs, firstBytes, programs) = CSharpOnce(path, out _, out _);
        for (int lap = 0; lap < 2; lap++)
        {
            COnce(path);
            CSharpOnce(path, out _, out _);
        }
        var c = new List<(double Open, double Load)>();
        var cs = new List<(double Parse, double Load, long ParseBytes, long LoadBytes)>();
        for (int round = 0; round < rounds; round++)
        {
            c.Add(COnce(path));
            var (_, _, _) = CSharpOnce(path, out var parse, out var load);
            cs.Add((parse.Ms, load.Ms, parse.Bytes, load.Bytes));
        }
        return new Result(Path.GetFileName(path), programs, rounds, firstMs, firstBytes,
            Median(cs.Select(r => r.Parse)), Median(cs.Select(r => r.Load)), Median(c.Select(r => r.Open)), Median(c.Select(r => r.Load)),
            (long)Median(cs.Select(r => (double)r.ParseBytes)), (long)Median(cs.Select(r => (double)r.LoadBytes)),
            Median(c.Zip(cs, (x, y) => y.Load / x.Load)));
    }

    private static (double Open, double Load) COnce(string path)
    {
        int r = CRef.LoadObject(path, out long openNs, out long loadNs);
        CRef.Check(r, $"cref_load_object({Path.GetFileName(path)}): libbpf could not load it");
        return (openNs / 1e6, loadNs / 1e6);
    }

    /// <summary>One Ebpf.Net parse + load + close; returns the whole (ms, bytes allocated) and the two phases apart.</summary>
    private static (double Ms, long Bytes, int Programs) CSharpOnce(string path, out (double Ms, long Bytes) parse, out (double Ms, long Bytes) load)
    {
        long a0 = GC.GetTotalAllocatedBytes(precise: true);
        long t0 = Stopwatch.GetTimestamp();
        var spec = BpfObjectSpec.FromFile(path);
        long t1 = Stopwatch.GetTimestamp();
        long a1 = GC.GetTotalAllocatedBytes(precise: true);
        int programs;
        long t2, a2;
        using (var obj = spec.Load())
        {
            t2 = Stopwatch.GetTimestamp();
            a2 = GC.GetTotalAllocatedBytes(precise: true);
            programs = obj.Programs.Count;
        }
        parse = (Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds, a1 - a0);
        load = (Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds, a2 - a1);
        return (Stopwatch.GetElapsedTime(t0, t2).TotalMilliseconds, a2 - a0, programs);
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
