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
/// timeout: a lost wake-up hangs the consumer, which the watchdog turns into a failure. CI runs 250,000 bursts (about 6 s); the Soak trait runs 5,000,000.
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
        spec.Maps["rb"].MaxEntries = 1 << 20;
        using var obj = spec.Load();
        var program = obj.Program("bench_fill");
        long received = 0;
        var ring = new RingBuffer(obj.Map("rb"), _ => { received++; return 0; });
        var random = new Random(1598);
        var bursts = Enumerable.Range(0, count).Select(_ => (ulong)random.Next(1, 4)).ToArray();
        long expected = bursts.Sum(b => (long)b);
        var consumerDone = new ManualResetEventSlim();
        var consumer = new Thread(() =>
        {
            // Pinned away from the producer's CPU so the two really race.
            PinToCpu(1);
            while (received < expected)
                ring.Poll(-1); // no timeout: only a wake-up (or Dispose) ends the wait
            consumerDone.Set();
        }) { IsBackground = true };
        consumer.Start();

        foreach (ulong burst in bursts)
        {
            ulong n = burst;
            Assert.Equal(0, program.TestRun(MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(ref n)), cpu: 0));
        }
        long total = expected;

        bool finished = consumerDone.Wait(TimeSpan.FromSeconds(30 + count / 10_000), TestContext.Current.CancellationToken);
        long got = Interlocked.Read(ref received);
        ring.Dispose(); // wakes the consumer if it is stuck, so the test ends either way
        Assert.True(finished, $"the consumer slept with records waiting: {got} of {total} received (a lost wake-up)");
        Assert.Equal(total, got);
    }

    private static unsafe void PinToCpu(int cpu)
    {
        ulong mask = 1UL << cpu;
        _ = Ebpf.Internal.Unix.Libc.SchedSetAffinity(0, sizeof(ulong), &mask);
    }
}
