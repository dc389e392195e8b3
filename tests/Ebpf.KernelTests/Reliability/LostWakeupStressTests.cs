using System.Runtime.InteropServices;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.Perf;
using Ebpf.RingBuf;

namespace Ebpf.KernelTests.Reliability;

/// <summary>
/// The lost wake-up race (aya#1598): the consumer publishes consumer_pos and re-checks producer_pos before sleeping while
/// the kernel commits a record and checks consumer_pos to decide whether to wake it. Without a full fence between the
/// two steps on the consumer side, both can miss each other and the consumer sleeps forever with a record in the ring.
/// Producer and consumer on different CPUs, many short bursts with the kernel's adaptive wake-up, and a Poll with no
/// timeout: a lost wake-up leaves the consumer asleep with records waiting, which the deadline turns into a failure. The
/// books must balance too: every attempt emitted or counted as dropped by the BPF side, every emitted record received.
/// CI runs 250,000 bursts (about 6 s); the Soak trait runs 5,000,000.
/// </summary>
[Collection(PerfSerialCollection.Name)]
public sealed class LostWakeupStressTests
{

    [Fact]
    public void Short_bursts_across_cpus_never_leave_a_blocked_consumer_behind() => Bursts(250_000);

    /// <summary>Run by hand: tests/Ebpf.KernelTests/bin/Release/net10.0/Ebpf.KernelTests -trait Category=Soak</summary>
    [Fact]
    [Trait("Category", "Soak")]
    public void Soak_five_million_short_bursts_never_leave_a_blocked_consumer_behind() => Bursts(5_000_000);

    private static void Bursts(int count)
    {
        KernelGuard.RequireRoot();
        if (Environment.ProcessorCount < 2) KernelGuard.Unavailable("the race needs two CPUs");
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("bench.bpf.o"));
        spec.SetVariable("record_size", 16u);
        // 16 MiB: the consumer would have to be descheduled for seconds before a reservation fails. If one does (a
        // loaded machine), the BPF side counts it and the books below still balance: a drop is not a lost wake-up.
        spec.Maps["rb"].MaxEntries = 16 << 20;
        using var obj = spec.Load();
        var program = obj.Program("bench_fill");
        long received = 0;
        var ring = new RingBuffer(obj.Map("rb"), _ => { received++; return 0; });
        var random = new Random(1598);
        var bursts = Enumerable.Range(0, count).Select(_ => (ulong)random.Next(1, 4)).ToArray();
        long attempted = bursts.Sum(b => (long)b);
        var consumer = new Thread(() =>
        {
            // Pinned away from the producer's CPU so the two really race.
            PinToCpu(1);
            try
            {
                while (true) ring.Poll(-1); // no timeout: only a wake-up (or Dispose) ends the wait
            }
            catch (ObjectDisposedException)
            {
                // the end of the test
            }
        }) { IsBackground = true };
        consumer.Start();

        foreach (ulong burst in bursts)
        {
            ulong n = burst;
            Assert.Equal(0, program.TestRun(MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(ref n)), cpu: 0));
        }
        var (emitted, dropped) = Stats(obj);

        // Every emitted record must reach the consumer, woken by the kernel alone.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30 + count / 10_000);
        while (Interlocked.Read(ref received) < emitted && DateTime.UtcNow < deadline) Thread.Sleep(1);
        long got = Interlocked.Read(ref received);
        ulong pending = ring.Rings[0].AvailableBytes;
        ring.Dispose(); // wakes the consumer, stuck or not, so the test ends either way
        Assert.True(consumer.Join(TimeSpan.FromSeconds(5)), "the consumer did not leave Poll after Dispose");
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{count} bursts: attempted {attempted}, emitted {emitted}, dropped {dropped} (ring full), received {got}");
        Assert.True(got == emitted,
            $"the consumer slept with {pending} bytes waiting: {got} of {emitted} emitted records received (a lost wake-up)");
        Assert.Equal(attempted, emitted + dropped);
    }

    private static (long Emitted, long Dropped) Stats(BpfObject obj)
    {
        long emitted = 0, dropped = 0;
        foreach (var s in obj.Map("stats").LookupPerCpu<uint, BenchStats>(0))
        {
            emitted += (long)s.Emitted;
            dropped += (long)s.Dropped;
        }
        return (emitted, dropped);
    }

    /// <summary><c>struct bench_stats</c> of bench/bench_record.h.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct BenchStats
    {
        public ulong Attempted, Emitted, Dropped, AvailMax, Runs;
    }

    private static unsafe void PinToCpu(int cpu)
    {
        ulong mask = 1UL << cpu;
        _ = Ebpf.Internal.Unix.Libc.SchedSetAffinity(0, sizeof(ulong), &mask);
    }
}
