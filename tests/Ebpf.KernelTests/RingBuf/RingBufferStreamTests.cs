using System.Runtime.InteropServices;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.RingBuf;
using Ebpf.Streaming;

namespace Ebpf.KernelTests.RingBuf;

/// <summary>The async layer: ReadAllAsync over a real ring, cancellation, dispose, backpressure and drops.</summary>
[Trait("Category", "Kernel")]
[Collection(nameof(RingBufFdCollection))] // checks that no poller thread is left: run alone
public sealed class RingBufferStreamTests
{
    /// <summary>
    /// True if a poller thread still exists after 5 s. The stream has joined its thread when the loop ends, but the
    /// runtime signals a join before the OS thread has finished tearing down, so /proc may list it for a moment.
    /// A thread left blocked in epoll_wait would stay listed.
    /// </summary>
    private static bool PollerThreadAlive()
    {
        var until = DateTime.UtcNow.AddSeconds(5);
        while (ThreadState.ThreadNames().Any(n => n.StartsWith("Ebpf ringbuf", StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > until) return true;
            Thread.Sleep(1);
        }
        return false;
    }

    [Fact]
    public async Task Typed_stream_delivers_in_order_and_ends_with_cancellation()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        using var rb = new RingBuffer(p.Rb, r => throw new InvalidOperationException("handlers are not used while streaming"));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        p.Produce(300, 64);
        var seqs = new List<ulong>();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var head in rb.ReadAllAsync<RecordHead>(cts.Token))
            {
                Assert.Equal(seqs.Count < 300 ? 64u : 40u, head.Size);
                seqs.Add(head.Seq);
                if (seqs.Count == 300) p.Produce(200, 40, ProduceMode.Output); // arrives while the stream waits
                if (seqs.Count == 500) await cts.CancelAsync();
            }
        });
        Assert.Equal(Enumerable.Range(0, 500).Select(i => (ulong)i), seqs);
        Assert.False(PollerThreadAlive());
        Assert.Equal(500, rb.StreamCounters.Delivered);
        Assert.Equal(0, rb.StreamCounters.Dropped);
        Assert.Equal(0, rb.StreamCounters.Abandoned);
        // The reader is usable again with its handlers.
        Assert.Throws<InvalidOperationException>(() => { p.Produce(1, 24); rb.Consume(); });
    }

    [Fact]
    public async Task Decoder_stream_copies_whole_records_and_ends_normally_on_dispose()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var rb = new RingBuffer(p.Rb, r => 0);
        rb.Add(p.Rb2, r => 0);
        p.Produce(20, 100);
        p.Produce(10, 1000, target: RingTarget.Rb2);
        int count = 0;
        await foreach (ulong seq in rb.ReadAllAsync(r => RingProducer.Verify(r), ct: TestContext.Current.CancellationToken))
        {
            if (++count == 30) rb.Dispose(); // the stream completes instead of throwing
        }
        Assert.Equal(30, count);
        Assert.False(PollerThreadAlive());
    }

    [Fact]
    public async Task Leaving_the_loop_early_stops_the_poller_thread()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        using var rb = new RingBuffer(p.Rb, r => 0);
        p.Produce(50, 24);
        int n = 0;
        await foreach (var head in rb.ReadAllAsync<RecordHead>(TestContext.Current.CancellationToken))
            if (++n == 10) break;
        Assert.False(PollerThreadAlive());
        // What the poller took from the kernel but nobody read is counted as abandoned; the rest is still in the ring.
        var c = rb.StreamCounters;
        Assert.Equal(10, c.Delivered - c.Abandoned);
        Assert.Equal(0, c.Dropped);
        Assert.Equal(50 - c.Delivered, rb.Consume());
    }

    [Fact]
    public async Task DropNewest_counts_every_record_that_did_not_fit()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        using var rb = new RingBuffer(p.Rb, r => 0);
        p.Produce(100, 40);
        var options = new RecordStreamOptions { Capacity = 10, FullMode = RecordStreamFullMode.DropNewest };
        await using var e = rb.ReadAllAsync<RecordHead>(options, TestContext.Current.CancellationToken).GetAsyncEnumerator(TestContext.Current.CancellationToken);
        Assert.True(await e.MoveNextAsync()); // starts the poller, which drains the ring into the 10-slot queue
        var until = DateTime.UtcNow.AddSeconds(10);
        while (rb.StreamCounters.Delivered + rb.StreamCounters.Dropped < 100 && DateTime.UtcNow < until) await Task.Delay(5, TestContext.Current.CancellationToken);
        Assert.Equal(100, rb.StreamCounters.Delivered + rb.StreamCounters.Dropped);
        // 10 queued, plus 1 if the reader took the first record before the queue filled.
        Assert.InRange(rb.StreamCounters.Dropped, 89, 90);
        var seqs = new List<ulong> { e.Current.Seq };
        while (seqs.Count < rb.StreamCounters.Delivered && await e.MoveNextAsync()) seqs.Add(e.Current.Seq);
        Assert.Equal(rb.StreamCounters.Delivered, seqs.Count);
        Assert.Equal(0ul, seqs[0]);
        Assert.True(seqs.Zip(seqs.Skip(1)).All(pair => pair.First < pair.Second), "kept records stay in order");
        Assert.Equal(0ul, rb.Rings[0].AvailableBytes);
    }

    [Fact]
    public async Task Wait_mode_applies_backpressure_and_loses_nothing()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        using var rb = new RingBuffer(p.Rb, r => 0);
        var options = new RecordStreamOptions { Capacity = 4 };
        var seqs = new List<ulong>();
        p.Produce(200, 64);
        await foreach (var head in rb.ReadAllAsync<RecordHead>(options, TestContext.Current.CancellationToken))
        {
            seqs.Add(head.Seq);
            if (seqs.Count == 1)
            {
                // The queue holds 4 and the poller holds one more: the kernel ring still has the rest.
                var until = DateTime.UtcNow.AddSeconds(10);
                while (rb.StreamCounters.Delivered < 5 && DateTime.UtcNow < until) await Task.Delay(5, TestContext.Current.CancellationToken);
                Assert.True(rb.Rings[0].AvailableBytes >= 72ul * 190);
            }
            if (seqs.Count == 200) break;
        }
        Assert.Equal(Enumerable.Range(0, 200).Select(i => (ulong)i), seqs);
        Assert.Equal(0, rb.StreamCounters.Dropped);
    }

    [Fact]
    public async Task A_record_shorter_than_the_type_faults_the_stream_clearly()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        using var rb = new RingBuffer(p.Rb, r => 0);
        p.Produce(1, 24);
        var e = await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            await foreach (var big in rb.ReadAllAsync<BigRecord>(TestContext.Current.CancellationToken)) { }
        });
        Assert.Contains("24 bytes", e.Message, StringComparison.Ordinal);
        Assert.Contains("'rb'", e.Message, StringComparison.Ordinal);
        Assert.False(PollerThreadAlive());
    }

    [Fact]
    public void Invalid_stream_options_are_refused_up_front()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        using var rb = new RingBuffer(p.Rb, r => 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => rb.ReadAllAsync<RecordHead>(new RecordStreamOptions { Capacity = 0 }, TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentNullException>(() => rb.ReadAllAsync<int>(null!, null, TestContext.Current.CancellationToken));
    }

    [StructLayout(LayoutKind.Sequential, Size = 32)]
    private struct BigRecord
    {
        public ulong Seq;
    }
}
