using System.Diagnostics;
using System.Runtime.InteropServices;
using Ebpf.Perf;
using Ebpf.RingBuf;

namespace Ebpf.Cli.Bench;

/// <summary>
/// Stream mode: producer threads call getpgid() for a fixed time; bench_stream (tracepoint sys_enter_getpgid,
/// filtered to this process) emits a batch of records per call; one consumer polls until the producers stop, then
/// drains the rest. C (cref_stream: libbpf's ring_buffer__poll / perf_buffer__poll) and C# (RingBuffer / PerfBuffer
/// Poll) run one after the other with the same settings. Latency: for records whose seq is a multiple of 64, consumer
/// CLOCK_MONOTONIC minus the BPF side's bpf_ktime_get_ns() (the same clock), as the C side samples it.
/// </summary>
internal static class StreamBenchmark
{
    internal sealed record Settings(string Transport, int RecordSize, int Batch, int Producers, int DurationMs, int WakeupEvery, int PerfWakeup, int PerfPages);

    private const int MaxLatencySamples = 1 << 20;
    private const int WarmupMs = 500;

    internal static StreamResult RunC(string objectPath, Settings s)
    {
        int mode = s.Transport == "perf" ? CRef.ModePerfOutput : CRef.ModeRingReserve;
        CRef.Check(CRef.Open(objectPath, mode, s.RecordSize, s.Batch, s.WakeupEvery, 0, s.Transport == "perf" ? Environment.SystemPageSize : 0, out nint h), "cref_open");
        try
        {
            // An untimed warm-up run first, as on the C# side (there it also lets the JIT reach its final code).
            CRef.Check(CRef.Stream(h, WarmupMs, s.Producers, s.PerfWakeup, s.PerfPages, out _), "cref_stream (warm-up)");
            CRef.Check(CRef.Stream(h, s.DurationMs, s.Producers, s.PerfWakeup, s.PerfPages, out var r), "cref_stream");
            double mean = r.LatencySamples == 0 ? 0 : (double)r.LatencySumNs / r.LatencySamples;
            return new StreamResult("C (libbpf)", r.Received, r.Emitted, r.Dropped, r.Lost, r.WallNs, r.ConsumerCpuNs,
                r.LatencySamples, mean, r.LatencyMaxNs, r.LatencyP50Ns, r.LatencyP99Ns, r.LatencyP999Ns);
        }
        finally
        {
            CRef.Close(h);
        }
    }

    internal static StreamResult RunCSharp(string objectPath, Settings s)
    {
        bool perf = s.Transport == "perf";
        var spec = BpfObjectSpec.FromFile(objectPath);
        spec.SetVariable("record_size", (uint)s.RecordSize);
        spec.SetVariable("batch", (uint)s.Batch);
        spec.SetVariable("mode", (uint)(perf ? CRef.ModePerfOutput : CRef.ModeRingReserve));
        spec.SetVariable("wakeup_every", (uint)s.WakeupEvery);
        spec.SetVariable("target_tgid", (uint)Environment.ProcessId);
        if (perf) spec.Maps["rb"].MaxEntries = (uint)Environment.SystemPageSize;
        using var obj = spec.Load();
        using var link = obj.Program("bench_stream").Attach();

        var sink = new LatencySink(MaxLatencySamples);
        using var ring = perf ? null : new RingBuffer(obj.Map("rb"), sink.OnRecord);
        ulong lost = 0;
        using var perfBuffer = perf
            ? new PerfBuffer(obj.Map("pb"), s.PerfPages, (_, d) => sink.OnRecord(d), (_, n) => lost += n,
                new PerfBufferOptions { WakeupEvents = s.PerfWakeup })
            : null;
        (long Wall, long Cpu) Run(int durationMs)
        {
            using var stop = new CancellationTokenSource();
            var producers = Enumerable.Range(0, s.Producers).Select(_ => new Thread(() =>
            {
                while (!stop.IsCancellationRequested) _ = StreamNative.GetPgid(0);
            }) { IsBackground = true }).ToList();
            long wallStart = Stopwatch.GetTimestamp();
            long cpuStart = StreamNative.ThreadCpuNs();
            foreach (var t in producers) t.Start();
            var deadline = Stopwatch.StartNew();
            while (deadline.ElapsedMilliseconds < durationMs)
            {
                if (perf) perfBuffer!.Poll(100);
                else ring!.Poll(100);
            }
            stop.Cancel();
            foreach (var t in producers) t.Join();
            if (perf) perfBuffer!.Consume();
            else ring!.Consume();
            return ((long)((Stopwatch.GetTimestamp() - wallStart) * (1e9 / Stopwatch.Frequency)), StreamNative.ThreadCpuNs() - cpuStart);
        }

        Run(WarmupMs); // untimed: the JIT reaches its final code for the poll loop and the handler
        sink.Reset();
        lost = 0;
        var before = BenchStats.Read(obj);
        var (wall, cpu) = Run(s.DurationMs);
        var after = BenchStats.Read(obj);
        var (mean, max, p50, p99, p999) = sink.Latency();
        return new StreamResult("C# (Ebpf.Net)", sink.Received, (long)(after.Emitted - before.Emitted), (long)(after.Dropped - before.Dropped),
            (long)lost, wall, cpu, sink.Samples, mean, max, p50, p99, p999);
    }

    /// <summary>Counts records and keeps the latency of every 64th one (preallocated: nothing allocated per record).</summary>
    private sealed class LatencySink(int capacity)
    {
        private readonly long[] _latencies = new long[capacity];
        private static readonly double TicksToNs = 1e9 / Stopwatch.Frequency;
        internal long Received;
        internal int Samples;

        internal int OnRecord(ReadOnlySpan<byte> record)
        {
            Received++;
            ulong seq = MemoryMarshal.Read<ulong>(record);
            if ((seq & 63) == 0 && Samples < _latencies.Length && record.Length >= 16)
            {
                // Stopwatch on Linux reads CLOCK_MONOTONIC, the clock bpf_ktime_get_ns() reads.
                long now = (long)(Stopwatch.GetTimestamp() * TicksToNs);
                _latencies[Samples++] = now - (long)MemoryMarshal.Read<ulong>(record[8..]);
            }
            return 0;
        }

        internal void Reset()
        {
            Received = 0;
            Samples = 0;
        }

        internal (double Mean, long Max, long? P50, long? P99, long? P999) Latency()
        {
            if (Samples == 0) return (0, 0, null, null, null);
            var sorted = _latencies.AsSpan(0, Samples).ToArray();
            Array.Sort(sorted);
            long At(double q) => sorted[Math.Min(sorted.Length - 1, (int)(q * sorted.Length))];
            return (sorted.Average(), sorted[^1], At(0.50), At(0.99), At(0.999));
        }
    }
}
