using System.Runtime.InteropServices;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.Perf;
using Ebpf.Perf;
using Ebpf.RingBuf;

namespace Ebpf.KernelTests.Reliability;

/// <summary>
/// Sustained overload with several producers and a deliberately slow consumer (reliability_producer.bpf.o: a bpf_loop
/// batch per BPF_PROG_TEST_RUN; four producer threads, two per CPU, each with its own producer id). The books must
/// balance exactly, per producer and in total:
/// kernel run count × records per run = Σ attempted = Σ (emitted + dropped); received = emitted; perf losses reported by
/// PERF_RECORD_LOST = the BPF side's -ENOSPC count; and no record duplicated, reordered, torn or corrupt (each carries
/// its producer's sequence number and a checksum of it).
/// </summary>
[Collection(PerfSerialCollection.Name)]
public sealed class SustainedOverloadTests
{
    private const ulong PerRun = 65_536;
    private const int Producers = 4;
    private const ulong RingTransport = 0, PerfTransport = 1;

    [Fact]
    public void Ring_buffer_ten_million_events_from_four_producers_balance_exactly() => Ring(10_000_000);

    [Fact]
    public void Perf_buffer_ten_million_events_from_four_producers_balance_exactly() => Perf(10_000_000);

    /// <summary>Run by hand: tests/Ebpf.KernelTests/bin/Release/net10.0/Ebpf.KernelTests -trait Category=Soak</summary>
    [Fact]
    [Trait("Category", "Soak")]
    public void Soak_ring_buffer_a_hundred_million_events_from_four_producers_balance_exactly() => Ring(100_000_000);

    /// <summary>Run by hand: tests/Ebpf.KernelTests/bin/Release/net10.0/Ebpf.KernelTests -trait Category=Soak</summary>
    [Fact]
    [Trait("Category", "Soak")]
    public void Soak_perf_buffer_a_hundred_million_events_from_four_producers_balance_exactly() => Perf(100_000_000);

    private static void Ring(ulong events)
    {
        KernelGuard.RequireRoot();
        using var obj = Load(ringBytes: 1 << 18);
        var check = new RecordChecker();
        using var ring = new RingBuffer(obj.Map("rb"), r => { check.Add(r); return 0; });
        var (runs, kernelRuns) = Produce(obj, RingTransport, events, () => Slowly(() => ring.Poll(1)));
        ring.Consume();
        Balance(obj, runs, kernelRuns, check, lost: null, "ringbuf");
    }

    private static void Perf(ulong events)
    {
        KernelGuard.RequireRoot();
        using var obj = Load(ringBytes: 1 << 16);
        var check = new RecordChecker();
        ulong lost = 0;
        using var perf = new PerfBuffer(obj.Map("pb"), 16, (_, d) => check.Add(d), (_, n) => lost += n,
            new PerfBufferOptions { WakeupEvents = 256 });
        var (runs, kernelRuns) = Produce(obj, PerfTransport, events, () => Slowly(() => perf.Poll(1)));
        perf.Consume();
        // The kernel reports losses with the next record it can write: one more (successful) record per CPU flushes
        // them. These are attempted by producer 15, outside the timed books, and checked like the rest.
        var program = obj.Program("produce");
        foreach (int cpu in Cpus()) Run(program, 15, 1, PerfTransport, cpu);
        perf.Consume();
        Assert.Equal(lost, perf.LostCount);
        Balance(obj, runs, kernelRuns, check, lost, "perf");
    }

    private static void Balance(BpfObject obj, ulong runs, ulong kernelRuns, RecordChecker check, ulong? lost, string name)
    {
        var stats = obj.Map("producers");
        ulong attempted = 0, emitted = 0, dropped = 0;
        var lines = new List<string>();
        for (uint p = 0; p < 16; p++)
        {
            var s = Stats(stats, p);
            if (s.Attempted == 0) continue;
            Assert.Equal(s.Attempted, s.Emitted + s.DroppedFull);          // per producer: every attempt accounted for
            Assert.Equal(0UL, s.FailedOther);                               // nothing failed for a reason we do not count
            Assert.Equal(s.Emitted, check.Received(p));                     // every emitted record arrived, once
            Assert.True(check.Last(p) < s.Attempted, $"producer {p}: a sequence number beyond its attempts");
            lines.Add($"p{p}: attempted {s.Attempted}, emitted {s.Emitted}, dropped {s.DroppedFull}");
            if (p == 15) continue; // the flush records, not part of the timed run
            attempted += s.Attempted;
            emitted += s.Emitted;
            dropped += s.DroppedFull;
        }
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{name}: kernel run count {kernelRuns} × {PerRun} = {kernelRuns * PerRun}; attempted {attempted} = emitted {emitted} + dropped {dropped}; " +
            $"received {check.Total}; lost reported {(lost is null ? "n/a" : lost.ToString())}; duplicates {check.Duplicates}, out of order {check.OutOfOrder}, corrupt {check.Corrupt}");
        foreach (var line in lines) TestContext.Current.TestOutputHelper?.WriteLine("  " + line);
        Assert.Equal(runs, kernelRuns);                 // the kernel ran the program exactly as often as we asked
        Assert.Equal(kernelRuns * PerRun, attempted);   // ... and each run attempted its batch
        Assert.Equal(attempted, emitted + dropped);
        Assert.True(dropped > 0, "nothing was dropped: the consumer kept up, so this was not an overload");
        Assert.Equal(0L, check.Duplicates);
        Assert.Equal(0L, check.OutOfOrder);
        Assert.Equal(0L, check.Corrupt);
        if (lost is { } reported)
        {
            ulong bpfDropped = 0;
            for (uint p = 0; p < 16; p++) bpfDropped += Stats(stats, p).DroppedFull;
            Assert.Equal(bpfDropped, reported); // every -ENOSPC the BPF side saw came back as PERF_RECORD_LOST
        }
    }

    private static ProducerStats Stats(BpfMap map, uint producer)
    {
        Assert.True(map.TryLookup(producer, out ProducerStats s));
        return s;
    }

    private static int[] Cpus() => Environment.ProcessorCount >= 2 ? [0, 1] : [0];

    /// <summary>Producer threads (two per CPU, ids 0..3) run batches until <paramref name="events"/> were attempted, while
    /// <paramref name="consume"/> runs on this thread. Returns the runs made and the kernel's run count meanwhile.</summary>
    private static (ulong Runs, ulong KernelRuns) Produce(BpfObject obj, ulong transport, ulong events, Action consume)
    {
        var program = obj.Program("produce");
        int[] cpus = Cpus();
        ulong runsPerProducer = (events + PerRun * Producers - 1) / (PerRun * Producers);
        using var stats = BpfProgram.EnableRunStats();
        ulong before = program.GetRunStats().RunCount;
        using var done = new CountdownEvent(Producers);
        for (int p = 0; p < Producers; p++)
        {
            int producer = p, cpu = cpus[p % cpus.Length];
            new Thread(() =>
            {
                try
                {
                    for (ulong i = 0; i < runsPerProducer; i++) Run(program, producer, PerRun, transport, cpu);
                }
                finally
                {
                    done.Signal();
                }
            }) { IsBackground = true, Name = $"producer {producer}" }.Start();
        }
        while (!done.IsSet) consume();
        return (runsPerProducer * Producers, program.GetRunStats().RunCount - before);
    }

    private static void Run(BpfProgram program, int producer, ulong count, ulong transport, int cpu)
    {
        ReadOnlySpan<ulong> args = [(ulong)producer, count, transport];
        Assert.Equal(0, program.TestRun(MemoryMarshal.AsBytes(args), cpu));
    }

    /// <summary>The slow consumer: one poll, then a nap, so the producers outrun it.</summary>
    private static void Slowly(Func<int> poll)
    {
        poll();
        Thread.Sleep(1);
    }

    private static BpfObject Load(uint ringBytes)
    {
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("reliability_producer.bpf.o"));
        spec.Maps["rb"].MaxEntries = ringBytes;
        return spec.Load();
    }

    /// <summary><c>struct producer_stats</c> of reliability_producer.bpf.c.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct ProducerStats
    {
        public ulong Attempted, Emitted, DroppedFull, FailedOther, Runs;
    }

    /// <summary>Per producer: records arrive once, in rising sequence order, with a checksum that matches.</summary>
    private sealed class RecordChecker
    {
        private const ulong CheckMul = 0x9E3779B97F4A7C15, CheckXor = 0x5DEECE66D;
        private readonly ulong[] _received = new ulong[16];
        private readonly ulong[] _next = new ulong[16]; // lowest sequence number still allowed
        private readonly long[] _last = Enumerable.Repeat(-1L, 16).ToArray();
        public ulong Total;
        public long Duplicates, OutOfOrder, Corrupt;

        public void Add(ReadOnlySpan<byte> record)
        {
            Total++;
            if (record.Length < 16)
            {
                Corrupt++;
                return;
            }
            ulong seq = MemoryMarshal.Read<ulong>(record), check = MemoryMarshal.Read<ulong>(record[8..]);
            ulong producer = seq >> 48, n = seq & ((1UL << 48) - 1);
            if (check != (seq * CheckMul ^ CheckXor) || producer >= 16)
            {
                Corrupt++;
                return;
            }
            if (n < _next[producer])
            {
                if (_last[producer] == (long)n) Duplicates++;
                else OutOfOrder++;
                return;
            }
            _received[producer]++;
            _next[producer] = n + 1;
            _last[producer] = (long)n;
        }

        public ulong Received(uint producer) => _received[producer];

        public ulong Last(uint producer) => (ulong)Math.Max(0, _last[producer]);
    }
}
