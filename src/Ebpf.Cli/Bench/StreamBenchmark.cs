using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ebpf.Perf;
using Ebpf.RingBuf;

namespace Ebpf.Cli.Bench;

/// <summary>
/// Stream mode: producer threads call getpgid() for a fixed time; bench_stream (tracepoint sys_enter_getpgid,
/// filtered to this process) emits a batch of records per call; one consumer polls until the producers stop, then
/// drains the rest. C (cref_stream: libbpf's ring_buffer__poll / perf_buffer__poll) and C# (RingBuffer / PerfBuffer
/// Poll) run one after the other with the same settings, and with the same producers: the C reference's threads
/// (cref_producers_start), so only the consumer differs between the two runs. Latency: for records whose seq is a multiple of 64, consumer
/// CLOCK_MONOTONIC minus the BPF side's bpf_ktime_get_ns() (the same clock), as the C side samples it. Latency mode is
/// the same run with paced producers (a sleep after every call) and every record sampled.
/// </summary>
internal static class StreamBenchmark
{
    /// <param name="ProducerGapNs">Latency mode: each producer sleeps this long after every call (0 = flat out).</param>
    /// <param name="SampleEvery">Latency of every Nth record per CPU (a power of two; 1 = every record).</param>
    /// <param name="PublishInterval">C# ring buffer: RingBufferOptions.PublishInterval.</param>
    /// <param name="WaitMode">C# ring buffer: RingBufferOptions.WaitMode (libbpf's C consumer is always DataAvailable).</param>
    /// <param name="ProducerCpus">Producers pinned to CPUs 0..N-1 (0 = not pinned); the caller pins the consumer thread.</param>
    internal sealed record Settings(string Transport, int RecordSize, int Batch, int Producers, int DurationMs, int WakeupEvery, int PerfWakeup, int PerfPages,
        long ProducerGapNs = 0, int SampleEvery = 64, int PublishInterval = 1, int ProducerCpus = 0,
        RingBufferWaitMode WaitMode = RingBufferWaitMode.Notification);

    internal const string CConsumer = "C (libbpf)";

    /// <summary>
    /// `--pin`: pins the calling (consumer) thread to the last CPU and returns the number of CPUs left for the producers
    /// (Settings.ProducerCpus); without it, returns 0 (nothing pinned). Undo with <see cref="Unpin"/>.
    /// </summary>
    internal static int PinConsumer(bool pin)
    {
        if (!pin) return 0;
        if (Environment.ProcessorCount < 2) throw new ArgumentException("--pin needs at least 2 CPUs (one for the consumer, the others for the producers).");
        CRef.Check(CRef.PinThread(Environment.ProcessorCount - 1), "cref_pin_thread");
        return Environment.ProcessorCount - 1;
    }

    /// <summary>Lets the calling thread run on every CPU again.</summary>
    internal static void Unpin() => CRef.Check(CRef.PinThread(-1), "cref_pin_thread");

    private const int MaxLatencySamples = 1 << 20;
    private const int WarmupMs = 500;

    /// <summary>
    /// <paramref name="rounds"/> rounds of the C run and then the C# run with the same settings, appended to
    /// <paramref name="rows"/> in that order: <see cref="StreamSummary"/> and the per-row ratios pair each C# row with
    /// the C row just before it.
    /// </summary>
    internal static void RunRounds(string objectPath, Settings s, int rounds, List<(Settings Settings, StreamResult Result)> rows)
    {
        for (int round = 0; round < rounds; round++)
        {
            rows.Add((s, RunC(objectPath, s)));
            rows.Add((s, RunCSharp(objectPath, s)));
        }
    }

    internal static StreamResult RunC(string objectPath, Settings s)
    {
        int mode = s.Transport == "perf" ? CRef.ModePerfOutput : CRef.ModeRingReserve;
        CRef.Check(CRef.Open(objectPath, mode, s.RecordSize, s.Batch, s.WakeupEvery, 0, s.Transport == "perf" ? Environment.SystemPageSize : 0, out nint h), "cref_open");
        try
        {
            CRef.Check(CRef.StreamPacing(h, s.ProducerGapNs, s.SampleEvery), "cref_stream_pacing");
            CRef.Check(CRef.StreamPinning(h, s.ProducerCpus), "cref_stream_pinning");
            // An untimed warm-up run first, as on the C# side (there it also lets the JIT reach its final code).
            CRef.Check(CRef.Stream(h, WarmupMs, s.Producers, s.PerfWakeup, s.PerfPages, out _), "cref_stream (warm-up)");
            CRef.Check(CRef.Stream(h, s.DurationMs, s.Producers, s.PerfWakeup, s.PerfPages, out var r), "cref_stream");
            double mean = r.LatencySamples == 0 ? 0 : (double)r.LatencySumNs / r.LatencySamples;
            return new StreamResult(CConsumer, r.Received, r.Emitted, r.Dropped, r.Lost, r.WallNs, r.ConsumerCpuNs,
                r.LatencySamples, mean, r.LatencyMaxNs, r.LatencyP50Ns, r.LatencyP99Ns, r.LatencyP999Ns, r.Wakeups, r.ProducerCalls);
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

        var sink = new LatencySink(MaxLatencySamples, (ulong)s.SampleEvery - 1);
        using var ring = perf ? null : new RingBuffer(obj.Map("rb"), sink.OnRecord, new RingBufferOptions { PublishInterval = s.PublishInterval, WaitMode = s.WaitMode });
        ulong lost = 0;
        using var perfBuffer = perf
            ? new PerfBuffer(obj.Map("pb"), s.PerfPages, (_, d) => sink.OnRecord(d), (_, n) => lost += n,
                new PerfBufferOptions { WakeupEvents = s.PerfWakeup })
            : null;
        (long Wall, long Cpu, long Wakeups, long ProducerCalls) Run(int durationMs)
        {
            long wallStart = Stopwatch.GetTimestamp();
            long cpuStart = StreamNative.ThreadCpuNs();
            CRef.Check(CRef.ProducersStart(s.Producers, s.ProducerGapNs, s.ProducerCpus, out nint producers), "cref_producers_start");
            long wakeups = PollFor(ring, perfBuffer, durationMs);
            long calls = CRef.ProducersStop(producers);
            if (perf) perfBuffer!.Consume();
            else ring!.Consume();
            return ((long)((Stopwatch.GetTimestamp() - wallStart) * (1e9 / Stopwatch.Frequency)), StreamNative.ThreadCpuNs() - cpuStart, wakeups, calls);
        }

        WarmUp(() => Run(WarmupMs));
        sink.Reset();
        lost = 0;
        var before = BenchBpf.BenchStats.Read(obj);
        long jitBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        var (wall, cpu, wakeups, producerCalls) = Run(s.DurationMs);
        long jitDuring = System.Runtime.JitInfo.GetCompiledMethodCount() - jitBefore;
        var after = BenchBpf.BenchStats.Read(obj);
        var (mean, max, p50, p99, p999) = sink.Latency();
        return new StreamResult("C# (Ebpf.Net)", sink.Received, (long)(after.Emitted - before.Emitted), (long)(after.Dropped - before.Dropped),
            (long)lost, wall, cpu, sink.Samples, mean, max, p50, p99, p999, wakeups, producerCalls, jitDuring);
    }

    /// <summary>
    /// The consumer's loop. Compiled fully optimised at once: a long-running loop in a method the runtime first runs
    /// unoptimised is recompiled on-stack (OSR) after ~10,000 iterations, synchronously, on the thread running it:
    /// that compile stalled this consumer once for 20–60 ms on a loaded 2-CPU VM (the same holds for a user's own
    /// poll loop; see docs/benchmarks.md).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long PollFor(RingBuffer? ring, PerfBuffer? perf, int durationMs)
    {
        long end = Stopwatch.GetTimestamp() + durationMs * Stopwatch.Frequency / 1000;
        long wakeups = 0;
        while (Stopwatch.GetTimestamp() < end)
        {
            int n = perf is not null ? perf.Poll(100) : ring!.Poll(100);
            if (n > 0) wakeups++;
        }
        return wakeups;
    }

    /// <summary>
    /// Untimed warm-up runs until the JIT has settled: the runtime first runs new code unoptimised, then recompiles hot
    /// methods (Tier1) in the background. That is a start-up cost, not the steady state this compares with C. Repeats
    /// the run until one completes without the JIT compiling any method (at most 20 runs); the timed run reports how
    /// many methods were still compiled during it.
    /// </summary>
    private static void WarmUp(Action run)
    {
        long before = System.Runtime.JitInfo.GetCompiledMethodCount();
        for (int runs = 0; runs < MaxWarmupRuns; runs++)
        {
            run();
            long after = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (after == before) return;
            before = after;
        }
    }

    private const int MaxWarmupRuns = 20;

    /// <summary>Counts records and keeps the latency of every (mask + 1)th one (preallocated: nothing allocated per record).</summary>
    private sealed class LatencySink(int capacity, ulong mask)
    {
        private readonly long[] _latencies = new long[capacity];
        private static readonly double TicksToNs = 1e9 / Stopwatch.Frequency;
        internal long Received;
        internal int Samples;

        internal int OnRecord(ReadOnlySpan<byte> record)
        {
            Received++;
            ulong seq = MemoryMarshal.Read<ulong>(record);
            if ((seq & mask) == 0 && Samples < _latencies.Length && record.Length >= 16)
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
