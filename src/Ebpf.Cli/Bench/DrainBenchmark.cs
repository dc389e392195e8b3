using System.Diagnostics;
using Ebpf.Perf;
using Ebpf.RingBuf;

namespace Ebpf.Cli.Bench;

/// <summary>
/// Drain mode: the BPF producer fills a ring large enough for a whole round while nobody consumes (the C reference's
/// <c>cref_fill</c>, BPF_PROG_TEST_RUN on CPU 0), then one consumer drains it, timed alone. C (libbpf's
/// ring_buffer__consume / perf_buffer__consume) and C# (RingBuffer.Consume / PerfBuffer.Consume) drain the SAME maps
/// of the same loaded object, alternating round by round after two untimed warm-up laps each.
/// </summary>
internal static class DrainBenchmark
{
    private const int FillCpu = 0;
    private const int NoWakeups = 1 << 30;
    private const long JitWarmUpRecords = 256;

    internal static DrainResult Run(string objectPath, string transport, int recordSize, long records, int rounds)
    {
        return transport == "perf"
            ? RunPerf(objectPath, recordSize, records, rounds)
            : RunRing(objectPath, recordSize, records, rounds);
    }

    private static DrainResult RunRing(string objectPath, int recordSize, long records, int rounds)
    {
        long ringBytes = CRef.RingBytesFor(records, recordSize);
        CRef.Check(CRef.Open(objectPath, CRef.ModeRingReserve, recordSize, 1, 0, 0, ringBytes, out nint h), "cref_open");
        try
        {
            using var map = BpfMap.FromFd(CRef.RingBufFd(h), "rb");
            var sink = new ChecksumSink();
            using var ring = new RingBuffer(map, sink.OnRingRecord);
            var rounds_ = new Rounds(rounds);
            WarmUpJit(() =>
            {
                Fill(h, JitWarmUpRecords);
                ring.Consume();
                var warm = new ChecksumHandler();
                Fill(h, JitWarmUpRecords);
                ring.Consume(ref warm);
            });
            for (int lap = 0; lap < 2; lap++)
            {
                Fill(h, records);
                CRef.Check(CRef.DrainRingBuf(h, out _, out _, out _), "cref_drain_ringbuf");
                Fill(h, records);
                ring.Consume();
                var warm = new ChecksumHandler();
                Fill(h, records);
                ring.Consume(ref warm);
            }
            for (int r = 0; r < rounds; r++)
            {
                ulong expected = Fill(h, records);
                long cpu = StreamNative.ThreadCpuNs();
                CRef.Check(CRef.DrainRingBuf(h, out long cRecords, out long cNs, out long cSum), "cref_drain_ringbuf");
                cpu = StreamNative.ThreadCpuNs() - cpu;
                rounds_.AddC(cRecords, cNs, cpu, (ulong)cSum == expected && cRecords == records);

                expected = Fill(h, records);
                sink.Reset();
                long allocated = GC.GetAllocatedBytesForCurrentThread();
                cpu = StreamNative.ThreadCpuNs();
                long start = Stopwatch.GetTimestamp();
                int n = ring.Consume();
                long elapsed = Stopwatch.GetTimestamp() - start;
                cpu = StreamNative.ThreadCpuNs() - cpu;
                allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
                rounds_.AddCSharp(n, ToNs(elapsed), cpu, allocated, sink.Sum == expected && n == records);

                expected = Fill(h, records);
                var handler = new ChecksumHandler();
                allocated = GC.GetAllocatedBytesForCurrentThread();
                cpu = StreamNative.ThreadCpuNs();
                start = Stopwatch.GetTimestamp();
                n = ring.Consume(ref handler);
                elapsed = Stopwatch.GetTimestamp() - start;
                cpu = StreamNative.ThreadCpuNs() - cpu;
                allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
                rounds_.AddCSharpStruct(n, ToNs(elapsed), cpu, allocated, handler.Sum == expected && n == records);
            }
            return rounds_.Result("ringbuf", recordSize, records, 0, "none during the drain (filled first)");
        }
        finally
        {
            CRef.Close(h);
        }
    }

    private static DrainResult RunPerf(string objectPath, int recordSize, long records, int rounds)
    {
        CRef.Check(CRef.Open(objectPath, CRef.ModePerfOutput, recordSize, 1, 0, 0, Environment.SystemPageSize, out nint h), "cref_open");
        try
        {
            long pages = CRef.PerfPagesFor(records, recordSize);
            // Wake-ups are irrelevant to a drain and cost ~5 µs per record while filling: effectively none, both sides.
            CRef.Check(CRef.PerfBufOpen(h, pages, NoWakeups), "cref_perfbuf_open");
            using var map = BpfMap.FromFd(CRef.PerfBufFd(h), "pb");
            var sink = new ChecksumSink();
            ulong lost = 0;
            using var perf = new PerfBuffer(map, (int)pages, sink.OnPerfSample, (_, n) => lost += n,
                new PerfBufferOptions { WakeupEvents = NoWakeups, Cpus = [FillCpu] });
            var rounds_ = new Rounds(rounds);
            long cLost = 0;
            perf.Resume();
            WarmUpJit(() =>
            {
                Fill(h, JitWarmUpRecords);
                perf.Consume();
                var warm = new ChecksumHandler();
                Fill(h, JitWarmUpRecords);
                perf.Consume(ref warm);
            });
            for (int lap = 0; lap < 2; lap++)
            {
                CRef.Check(CRef.PerfBufClaim(h), "cref_perfbuf_claim");
                Fill(h, records);
                CRef.Check(CRef.DrainPerfBuf(h, out _, out _, out _, out _), "cref_drain_perfbuf");
                perf.Resume();
                Fill(h, records);
                perf.Consume();
                var warm = new ChecksumHandler();
                Fill(h, records);
                perf.Consume(ref warm);
            }
            for (int r = 0; r < rounds; r++)
            {
                CRef.Check(CRef.PerfBufClaim(h), "cref_perfbuf_claim");
                ulong expected = Fill(h, records);
                long cpu = StreamNative.ThreadCpuNs();
                CRef.Check(CRef.DrainPerfBuf(h, out long cRecords, out long cLostRound, out long cNs, out long cSum), "cref_drain_perfbuf");
                cpu = StreamNative.ThreadCpuNs() - cpu;
                cLost += cLostRound;
                rounds_.AddC(cRecords, cNs, cpu, (ulong)cSum == expected && cRecords == records);

                perf.Resume();
                expected = Fill(h, records);
                sink.Reset();
                long allocated = GC.GetAllocatedBytesForCurrentThread();
                cpu = StreamNative.ThreadCpuNs();
                long start = Stopwatch.GetTimestamp();
                int n = perf.Consume();
                long elapsed = Stopwatch.GetTimestamp() - start;
                cpu = StreamNative.ThreadCpuNs() - cpu;
                allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
                rounds_.AddCSharp(sink.Records, ToNs(elapsed), cpu, allocated, sink.Sum == expected && n == records);

                expected = Fill(h, records);
                var handler = new ChecksumHandler();
                allocated = GC.GetAllocatedBytesForCurrentThread();
                cpu = StreamNative.ThreadCpuNs();
                start = Stopwatch.GetTimestamp();
                n = perf.Consume(ref handler);
                elapsed = Stopwatch.GetTimestamp() - start;
                cpu = StreamNative.ThreadCpuNs() - cpu;
                allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
                rounds_.AddCSharpStruct(handler.Records, ToNs(elapsed), cpu, allocated, handler.Sum == expected && n == records);
            }
            return rounds_.Result("perf", recordSize, records, cLost + (long)lost, "wakeup_events 2^30 (none during the drain)");
        }
        finally
        {
            CRef.Close(h);
        }
    }

    /// <summary>
    /// A long-running consumer calls Consume/Poll thousands of times, so the JIT's final tier (Tier1) runs its drain loop.
    /// A benchmark that enters the loop only a few dozen times would instead time the on-stack-replacement variant the
    /// runtime makes for a hot loop in a method called rarely (more stack traffic per record). So, before timing: small
    /// fills drained through both C# paths, beyond the runtime's call-count threshold (30), three times, with pauses between
    /// for the background Tier1 compile. The C side is compiled ahead of time and needs nothing of the sort.
    /// </summary>
    private static void WarmUpJit(Action smallRound)
    {
        for (int pass = 0; pass < 3; pass++)
        {
            for (int i = 0; i < 50; i++) smallRound();
            Thread.Sleep(300);
        }
    }

    /// <summary>Fills with <paramref name="records"/> records on CPU 0; returns the checksum a drain must produce.</summary>
    private static ulong Fill(nint h, long records)
    {
        CRef.Check(CRef.ReadStats(h, out long attempted0, out _, out _, out _, out _), "cref_read_stats");
        CRef.Check(CRef.Fill(h, records, FillCpu, out long emitted, out long dropped), "cref_fill");
        if (emitted != records || dropped != 0)
            throw new InvalidOperationException($"Fill emitted {emitted} of {records} records ({dropped} dropped): the buffer is too small.");
        // Each record's seq is (cpu << 48) | per-CPU attempt number (bench/bench_record.h).
        ulong sum = 0;
        for (long i = 0; i < records; i++) sum += ((ulong)FillCpu << 48) | (ulong)(attempted0 + i);
        return sum;
    }

    private static long ToNs(long ticks) => (long)(ticks * (1e9 / Stopwatch.Frequency));

    /// <summary>Per-round figures and their medians.</summary>
    private sealed class Rounds(int capacity)
    {
        private readonly List<double> _c = new(capacity), _cs = new(capacity), _csStruct = new(capacity);
        private readonly List<double> _cCpu = new(capacity), _csCpu = new(capacity), _csStructCpu = new(capacity);
        private long _maxAllocated;
        private bool _ok = true;

        internal void AddC(long records, long ns, long cpuNs, bool ok)
        {
            _c.Add((double)ns / records);
            _cCpu.Add((double)cpuNs / records);
            _ok &= ok;
        }

        internal void AddCSharp(long records, long ns, long cpuNs, long allocated, bool ok)
        {
            _cs.Add((double)ns / records);
            _csCpu.Add((double)cpuNs / records);
            _maxAllocated = Math.Max(_maxAllocated, allocated);
            _ok &= ok;
        }

        internal void AddCSharpStruct(long records, long ns, long cpuNs, long allocated, bool ok)
        {
            _csStruct.Add((double)ns / records);
            _csStructCpu.Add((double)cpuNs / records);
            _maxAllocated = Math.Max(_maxAllocated, allocated);
            _ok &= ok;
        }

        internal DrainResult Result(string transport, int size, long records, long lost, string notification) =>
            new(transport, size, records, _c.Count, Median(_cs), Median(_csStruct), Median(_c), _maxAllocated, _ok, lost, notification)
            {
                CSharpCpuNsPerRecord = Median(_csCpu),
                CSharpStructCpuNsPerRecord = Median(_csStructCpu),
                CCpuNsPerRecord = Median(_cCpu),
            };

        private static double Median(List<double> values)
        {
            var sorted = values.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }
}
