using System.Runtime.InteropServices;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.Perf;
using Ebpf.Perf;
using Ebpf.RingBuf;

namespace Ebpf.KernelTests.Reliability;

/// <summary>
/// Sustained overload: one producer per CPU (bench.bpf.o's bench_fill, BPF_PROG_TEST_RUN on that CPU, 65,536 records a
/// run) against a small ring and a deliberately slow consumer. Afterwards the books must balance exactly:
/// attempted = emitted + dropped on the BPF side (checked against the kernel's own run count), received = emitted,
/// perf losses reported by PERF_RECORD_LOST = the BPF side's failures; every record seen once, in order per CPU.
/// </summary>
[Collection(PerfSerialCollection.Name)]
public sealed class OverloadAccountingTests
{
    private const ulong PerRun = 65_536;
    private const int ModeRingReserve = 0, ModePerfOutput = 2;

    [Fact]
    public void Ring_buffer_ten_million_attempts_balance_exactly() => RingBufferAttemptsBalance(10_000_000);

    /// <summary>The soak: 10^8 attempts. Excluded from the default run (scripts/test.sh passes -trait- Category=Soak);
    /// run it with: tests/Ebpf.KernelTests/bin/Release/net10.0/Ebpf.KernelTests -trait Category=Soak</summary>
    [Fact]
    [Trait("Category", "Soak")]
    public void Soak_ring_buffer_a_hundred_million_attempts_balance_exactly() => RingBufferAttemptsBalance(100_000_000);

    private static void RingBufferAttemptsBalance(ulong attempts)
    {
        KernelGuard.RequireRoot();
        using var obj = LoadBench(ModeRingReserve, ringBytes: 1 << 20);
        var seen = new SeqChecker();
        using var ring = new RingBuffer(obj.Map("rb"), r => { seen.Add(MemoryMarshal.Read<ulong>(r)); return 0; });
        var (runs, runCount) = Produce(obj, totalAttempts: attempts, consume: () => SlowPoll(() => ring.Poll(1)));
        ring.Consume();

        var stats = Stats(obj);
        Assert.Equal(runs, runCount);                                  // the kernel ran the program exactly as often as we asked
        Assert.Equal(runs * PerRun, stats.Attempted);
        Assert.Equal(stats.Attempted, stats.Emitted + stats.Dropped);
        TestContext.Current.TestOutputHelper?.WriteLine($"ringbuf: runs {runs}, attempted {stats.Attempted}, emitted {stats.Emitted}, dropped {stats.Dropped}, received {seen.Count}");
        Assert.True(stats.Dropped > 0, "the ring never filled: not an overload");
        Assert.Equal(stats.Emitted, seen.Count);
        Assert.Equal(0, seen.Duplicates);
        Assert.Equal(0, seen.OutOfOrder);
    }

    [Fact]
    public void Perf_buffer_losses_reported_by_the_kernel_equal_the_bpf_side_failures()
    {
        KernelGuard.RequireRoot();
        using var obj = LoadBench(ModePerfOutput, ringBytes: (uint)Environment.SystemPageSize);
        var seen = new SeqChecker();
        ulong lost = 0;
        using var perf = new PerfBuffer(obj.Map("pb"), 8, (_, d) => seen.Add(MemoryMarshal.Read<ulong>(d)), (_, n) => lost += n,
            new PerfBufferOptions { WakeupEvents = 64 });
        var (runs, runCount) = Produce(obj, totalAttempts: 2_000_000, consume: () => SlowPoll(() => perf.Poll(1)));
        perf.Consume();
        // The kernel reports a loss with the next record it manages to write: one more record per CPU flushes them.
        var program = obj.Program("bench_fill");
        foreach (int cpu in CpusToUse()) RunFill(program, 1, cpu);
        perf.Consume();

        var stats = Stats(obj);
        Assert.Equal(runs, runCount); // counted while the producers ran (run stats are off again for the flush)
        Assert.Equal(stats.Attempted, stats.Emitted + stats.Dropped);
        TestContext.Current.TestOutputHelper?.WriteLine($"perf: runs {runs}, attempted {stats.Attempted}, emitted {stats.Emitted}, dropped {stats.Dropped}, lost reported {lost}, received {seen.Count}");
        Assert.True(stats.Dropped > 0, "the buffers never filled: not an overload");
        Assert.Equal(stats.Dropped, lost);
        Assert.Equal(stats.Dropped, perf.LostCount);
        Assert.Equal(stats.Emitted, seen.Count);
        Assert.Equal(0, seen.Duplicates);
        Assert.Equal(0, seen.OutOfOrder);
    }

    private static int[] CpusToUse() => Environment.ProcessorCount >= 2 ? [0, 1] : [0];

    /// <summary>Runs producers (one thread per CPU) until <paramref name="totalAttempts"/> records were attempted, while
    /// <paramref name="consume"/> runs on this thread; returns the runs made and the kernel's run count for the program.</summary>
    private static (ulong Runs, ulong KernelRunCount) Produce(BpfObject obj, ulong totalAttempts, Action consume)
    {
        var program = obj.Program("bench_fill");
        using var stats = BpfProgram.EnableRunStats();
        ulong before = program.GetRunStats().RunCount;
        int[] cpus = CpusToUse();
        ulong runsPerCpu = totalAttempts / PerRun / (ulong)cpus.Length + 1;
        using var done = new CountdownEvent(cpus.Length);
        foreach (int cpu in cpus)
        {
            new Thread(() =>
            {
                for (ulong i = 0; i < runsPerCpu; i++) RunFill(program, PerRun, cpu);
                done.Signal();
            }) { IsBackground = true }.Start();
        }
        while (!done.IsSet) consume();
        return (runsPerCpu * (ulong)cpus.Length, program.GetRunStats().RunCount - before);
    }

    private static void RunFill(BpfProgram program, ulong count, int cpu) =>
        Assert.Equal(0, program.TestRun(MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(ref count)), cpu));

    /// <summary>The slow consumer: polls, then dawdles, so the producers outrun it.</summary>
    private static void SlowPoll(Func<int> poll)
    {
        poll();
        Thread.Sleep(1);
    }

    private static BpfObject LoadBench(int mode, uint ringBytes)
    {
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("bench.bpf.o"));
        spec.SetVariable("record_size", 16u);
        spec.SetVariable("mode", (uint)mode);
        spec.Maps["rb"].MaxEntries = ringBytes;
        return spec.Load();
    }

    private static BenchStats Stats(BpfObject obj)
    {
        var total = new BenchStats();
        foreach (var cpu in obj.Map("stats").LookupPerCpu<uint, BenchStats>(0))
        {
            total.Attempted += cpu.Attempted;
            total.Emitted += cpu.Emitted;
            total.Dropped += cpu.Dropped;
        }
        return total;
    }

    /// <summary><c>struct bench_stats</c> (bench/bench_record.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct BenchStats
    {
        public ulong Attempted, Emitted, Dropped, AvailMax, Runs;
    }

    /// <summary>Records arrive once each and, per CPU, in increasing attempt order (seq = cpu &lt;&lt; 48 | attempt).</summary>
    private sealed class SeqChecker
    {
        private readonly Dictionary<ulong, ulong> _last = [];
        public ulong Count;
        public long Duplicates, OutOfOrder;

        public void Add(ulong seq)
        {
            Count++;
            ulong cpu = seq >> 48, n = seq & ((1UL << 48) - 1);
            if (_last.TryGetValue(cpu, out ulong last))
            {
                if (n == last) Duplicates++;
                else if (n < last) OutOfOrder++;
            }
            _last[cpu] = n;
        }
    }
}
