using Ebpf.KernelTests.Infrastructure;
using Ebpf.RingBuf;

namespace Ebpf.KernelTests.RingBuf;

/// <summary>The hot path allocates nothing per record: Consume/Poll over 100 000 records, typed access included.</summary>
[Trait("Category", "Kernel")]
public sealed class RingBufferAllocationTests
{
    private const int Records = 100_000;

    private sealed class Sum
    {
        public ulong Total;
        public int Count;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(64)]
    public void Consume_and_poll_allocate_nothing_per_record(int publishInterval)
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var sum = new Sum();
        RingBufferHandler handler = r =>
        {
            ref readonly var head = ref RingRecord.As<RecordHead>(r);
            sum.Total += head.Seq;
            sum.Count++;
            return 0;
        };
        using var rb = new RingBuffer(p.RbBig, handler, new RingBufferOptions { PublishInterval = publishInterval });
        // Warm up every path once (JIT, statics) before measuring.
        p.Produce(100, 24, target: RingTarget.RbBig);
        Assert.Equal(50, rb.ConsumeN(50));
        Assert.Equal(50, rb.Poll(0));
        Assert.Equal(0, rb.Consume());

        p.Produce(Records, 24, target: RingTarget.RbBig);
        Assert.Equal(0ul, p.Failed);
        sum.Count = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        int consumed = rb.Consume();
        long after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(Records, consumed);
        Assert.Equal(Records, sum.Count);
        // One allocation per record would be at least 2.4 MB here; allow a few bytes of incidental runtime noise.
        Assert.True(after - before < 256, $"Consume allocated {after - before} bytes for {Records} records");

        p.Produce(Records, 24, target: RingTarget.RbBig);
        before = GC.GetAllocatedBytesForCurrentThread();
        int polled = rb.Poll(0);
        after = GC.GetAllocatedBytesForCurrentThread();
        Assert.Equal(Records, polled);
        Assert.True(after - before < 256, $"Poll allocated {after - before} bytes for {Records} records");
    }
}
