using System.Diagnostics.Metrics;
using Ebpf.Diagnostics;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.RingBuf;

namespace Ebpf.KernelTests.RingBuf;

/// <summary>The hot path allocates nothing per record: Consume/Poll over 100 000 records, typed access included, with
/// and without a metrics listener attached to the Ebpf.Net meter.</summary>
[Trait("Category", "Kernel")]
public sealed class RingBufferAllocationTests
{
    private const int Records = 100_000;

    private sealed class Sum
    {
        public ulong Total;
        public int Count;
    }

    /// <summary>Sums the Ebpf.Net record counter, allocating nothing per measurement (as an exporter's aggregator
    /// should: a per-measurement allocation there would be its own, not the reader's).</summary>
    private sealed class RecordsListener : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _records;

        public RecordsListener()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == EbpfMetrics.MeterName) listener.EnableMeasurementEvents(instrument, this);
            };
            _listener.SetMeasurementEventCallback<long>(static (instrument, value, _, state) =>
            {
                if (instrument.Name == EbpfMetrics.Records) Interlocked.Add(ref ((RecordsListener)state!)._records, value);
            });
            _listener.Start();
        }

        public long Records => Interlocked.Read(ref _records);

        public void Dispose() => _listener.Dispose();
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(64, false)]
    [InlineData(1, true)]
    [InlineData(64, true)]
    public void Consume_and_poll_allocate_nothing_per_record(int publishInterval, bool listening)
    {
        KernelGuard.RequireRoot();
        using var listener = listening ? new RecordsListener() : null;
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
        // The listener really was fed (warm-up included), once per drain and not per record.
        if (listener is not null) Assert.Equal(100 + 2L * Records, listener.Records);
    }
}
