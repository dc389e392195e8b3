using Ebpf.Diagnostics;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.RingBuf;
using Ebpf.RingBuf;

namespace Ebpf.KernelTests.Diagnostics;

/// <summary>The Ebpf.Net meter over real rings, read through a MeterListener while records flow: every count is checked
/// against what the handler received or what the BPF program itself counted.</summary>
[Trait("Category", "Kernel")]
public sealed class RingBufferMetricsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static long Footprint(int length) => (length + 8 + 7) & ~7; // 8-byte header, 8-byte aligned

    [Fact]
    public void Counters_and_gauges_follow_the_records_batch_by_batch()
    {
        KernelGuard.RequireRoot();
        using var metrics = new MetricsRecorder();
        using var p = new RingProducer();
        long delivered = 0, bytes = 0;
        using var rb = new RingBuffer(p.Rb, r =>
        {
            RingProducer.Verify(r);
            delivered++;
            bytes += Footprint(r.Length);
            return 0;
        });
        var ring = rb.Rings[0];
        uint[] sizes = [24, 40, 100, 1000];
        int polls = 0;
        for (int batch = 0; batch < 8; batch++)
        {
            p.Produce(50, sizes[batch % sizes.Length]);
            // The gauges read the mapped positions when collected: what is waiting now.
            ulong waiting = ring.AvailableBytes;
            Assert.Equal(50 * Footprint((int)sizes[batch % sizes.Length]), (long)waiting);
            Assert.Equal(waiting, metrics.Observe(EbpfMetrics.UnreadBytes, "rb"));
            Assert.Equal((double)waiting / ring.Size, metrics.Observe(EbpfMetrics.FillRatio, "rb"));

            Assert.Equal(50, rb.Poll(TimeSpan.FromSeconds(5), Ct));
            polls++;
            // Added once per drain: already there when Poll returns.
            Assert.Equal(delivered, metrics.Sum(EbpfMetrics.Records, "rb"));
            Assert.Equal(bytes, metrics.Sum(EbpfMetrics.Bytes, "rb"));
        }

        Assert.Equal(400, delivered);
        Assert.Equal(0.0, metrics.Observe(EbpfMetrics.UnreadBytes, "rb"));
        Assert.Equal(0.0, metrics.Observe(EbpfMetrics.FillRatio, "rb"));
        // Each Poll slept until epoll reported the ring; a late notification of a batch already read may add one.
        Assert.InRange(metrics.Sum(EbpfMetrics.Wakeups, "rb"), polls, 2 * polls);
        Assert.Equal([-1], metrics.CpusSeen(EbpfMetrics.Records, "rb")); // no CPU tag on a ring buffer
        Assert.Equal(0, metrics.Sum(EbpfMetrics.Lost, "rb"));
    }

    [Fact]
    public async Task Counters_match_the_handler_under_a_concurrent_producer_and_collector()
    {
        KernelGuard.RequireRoot();
        const int Batches = 200, PerBatch = 100;
        using var metrics = new MetricsRecorder();
        using var p = new RingProducer();
        long delivered = 0, bytes = 0;
        using var rb = new RingBuffer(p.RbBig, r =>
        {
            RingProducer.Verify(r);
            delivered++;
            bytes += Footprint(r.Length);
            return 0;
        });
        ulong size = rb.Rings[0].Size;
        using var done = new CancellationTokenSource();
        var producer = Task.Run(() =>
        {
            uint[] sizes = [24, 32, 40, 64, 100, 256]; // the sizes the test program reserves
            for (int i = 0; i < Batches; i++) p.Produce(PerBatch, sizes[i % sizes.Length], target: RingTarget.RbBig);
        }, Ct);
        var collector = Task.Run(() =>
        {
            // An exporter collecting while the consumer walks: snapshots stay within the ring.
            int collections = 0;
            while (!done.IsCancellationRequested)
            {
                double unread = metrics.Observe(EbpfMetrics.UnreadBytes, "rb_big") ?? -1;
                Assert.InRange(unread, 0, size);
                collections++;
            }
            return collections;
        }, Ct);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (Interlocked.Read(ref delivered) < Batches * PerBatch && DateTime.UtcNow < deadline) rb.Poll(TimeSpan.FromMilliseconds(100), Ct);
        await producer;
        await done.CancelAsync();
        Assert.True(await collector > 0);

        Assert.Equal(0ul, p.Failed);
        Assert.Equal(Batches * PerBatch, delivered);
        Assert.Equal(delivered, metrics.Sum(EbpfMetrics.Records, "rb_big"));
        Assert.Equal(bytes, metrics.Sum(EbpfMetrics.Bytes, "rb_big"));
        Assert.True(metrics.Sum(EbpfMetrics.Wakeups, "rb_big") >= 1);
    }

    [Fact]
    public void Drops_counted_by_the_program_are_published_from_the_registered_counter()
    {
        KernelGuard.RequireRoot();
        using var metrics = new MetricsRecorder();
        using var p = new RingProducer();
        using var rb = new RingBuffer(p.Rb2, r => 0);
        Assert.Null(metrics.Observe(EbpfMetrics.Dropped, "rb2")); // nothing registered: nothing published
        rb.Rings[0].DropCounter = BpfDropCounter.FromVariable(p.Object, "failed");
        Assert.Equal(0.0, metrics.Observe(EbpfMetrics.Dropped, "rb2"));

        const int Attempts = 300; // 300 × 112 bytes into a 16 KiB ring: most reservations fail
        p.Produce(Attempts, 100, target: RingTarget.Rb2);
        int received = rb.Consume();
        double? dropped = metrics.Observe(EbpfMetrics.Dropped, "rb2");
        Assert.True(received > 0 && received < Attempts, $"{received} received");
        Assert.Equal(Attempts - received, dropped);
        Assert.Equal(received, metrics.Sum(EbpfMetrics.Records, "rb2"));
    }

    [Fact]
    public void A_disposed_buffer_is_no_longer_observed()
    {
        KernelGuard.RequireRoot();
        using var metrics = new MetricsRecorder();
        using var p = new RingProducer();
        var rb = new RingBuffer(p.Rb2, r => 0);
        p.Produce(3, 24, target: RingTarget.Rb2);
        Assert.Equal(3 * 32.0, metrics.Observe(EbpfMetrics.UnreadBytes, "rb2"));
        rb.Dispose();
        Assert.Null(metrics.Observe(EbpfMetrics.UnreadBytes, "rb2"));
    }
}
