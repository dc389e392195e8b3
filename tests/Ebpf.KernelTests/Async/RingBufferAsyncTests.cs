using System.Diagnostics;
using System.Runtime.InteropServices;
using Ebpf.Events;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.RingBuf;
using Ebpf.RingBuf;
using Ebpf.Streaming;

namespace Ebpf.KernelTests.Async;

/// <summary>PollAsync, DisposeAsync and the handler-less EventReader stream over real rings.</summary>
[Trait("Category", "Kernel")]
public sealed class RingBufferAsyncTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PollAsync_completes_with_the_records_handled()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var seqs = new List<ulong>();
        await using var rb = new RingBuffer(p.Rb, r => { seqs.Add(RingProducer.Verify(r)); return 0; });
        var pending = rb.PollAsync(Ct);
        AsyncPollerThreads.WaitUntilBlocked("rb");
        Assert.False(pending.IsCompleted);
        p.Produce(10, 40);
        Assert.Equal(10, await pending.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (ulong)i), seqs);
        p.Produce(3, 24);
        Assert.Equal(3, await rb.PollAsync(Ct)); // the same thread serves the next call
    }

    [Fact]
    public async Task Cancelling_a_blocked_PollAsync_completes_it_within_milliseconds()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        await using var rb = new RingBuffer(p.Rb, r => 0);
        using var cts = new CancellationTokenSource();
        var pending = rb.PollAsync(cts.Token);
        AsyncPollerThreads.WaitUntilBlocked("rb");
        var clock = Stopwatch.StartNew();
        await cts.CancelAsync();
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
        clock.Stop();
        Assert.Equal(cts.Token, ex.CancellationToken);
        Assert.True(clock.ElapsedMilliseconds < 200, $"PollAsync took {clock.Elapsed.TotalMilliseconds:F1} ms to return after cancel");
        // The reader is usable again afterwards.
        p.Produce(2, 24);
        Assert.Equal(2, rb.Consume());
    }

    [Fact]
    public async Task DisposeAsync_ends_a_blocked_PollAsync_with_zero_and_waits_for_its_thread()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var rb = new RingBuffer(p.Rb, r => 0);
        var pending = rb.PollAsync(Ct);
        AsyncPollerThreads.WaitUntilBlocked("rb");
        await rb.DisposeAsync();
        Assert.True(pending.IsCompleted); // DisposeAsync returned only after the poll did
        Assert.Equal(0, await pending);
        Assert.DoesNotContain("Ebpf poll rb", RingBuf.ThreadState.ThreadNames());
        Assert.Throws<ObjectDisposedException>(() => { _ = rb.PollAsync(Ct); });
    }

    [Fact]
    public async Task A_second_concurrent_PollAsync_faults_as_a_second_Poll_would()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        await using var rb = new RingBuffer(p.Rb, r => 0);
        using var cts = new CancellationTokenSource();
        var first = rb.PollAsync(cts.Token);
        AsyncPollerThreads.WaitUntilBlocked("rb");
        await Assert.ThrowsAsync<InvalidOperationException>(() => rb.PollAsync(Ct));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct Head(ulong Seq, uint Size);

    [Fact]
    public async Task A_reader_without_a_handler_streams_decoded_records_with_its_own_counters()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        await using var reader = EventReader.Open(p.Rb, new EventReaderOptions { WaitMode = RingBufferWaitMode.DataAvailable });
        Assert.Throws<InvalidOperationException>(() => reader.Poll(TimeSpan.Zero, TestContext.Current.CancellationToken)); // nobody to hand records to
        Assert.Throws<InvalidOperationException>(() => reader.Consume());

        p.Produce(20, 40);
        var stream = new RecordStreamOptions { Capacity = 8, FullMode = RecordStreamFullMode.Wait };
        var got = new List<Head>();
        await foreach (var h in reader.ReadAllAsync(r => new Head(RingProducer.Verify(r), (uint)r.Length), stream, Ct))
        {
            got.Add(h);
            if (got.Count == 20) break;
        }
        Assert.Equal(Enumerable.Range(0, 20).Select(i => new Head((ulong)i, 40)), got);
        // Backpressure (Wait): nothing dropped although the queue holds 8; what was queued beyond the 20 read is abandoned.
        Assert.Equal(0, reader.StreamCounters.Dropped);
        Assert.Equal(20, reader.StreamCounters.Delivered - reader.StreamCounters.Abandoned);
    }

    [Fact]
    public async Task DropNewest_counts_what_a_full_queue_could_not_take()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        await using var reader = EventReader.Open(p.Rb);
        p.Produce(100, 24);
        var stream = new RecordStreamOptions { Capacity = 4, FullMode = RecordStreamFullMode.DropNewest };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        int read = 0;
        await using var e = reader.ReadAllAsync(r => RingProducer.Verify(r), stream, cts.Token).GetAsyncEnumerator(cts.Token);
        // Let the poller drain all 100 into a 4-slot queue before reading anything.
        var until = DateTime.UtcNow.AddSeconds(10);
        Assert.True(await e.MoveNextAsync());
        read++;
        while (reader.StreamCounters.Delivered + reader.StreamCounters.Dropped < 100 && DateTime.UtcNow < until) await Task.Delay(5, Ct);
        while (read < reader.StreamCounters.Delivered && await e.MoveNextAsync()) read++;
        Assert.Equal(100, reader.StreamCounters.Delivered + reader.StreamCounters.Dropped);
        Assert.True(reader.StreamCounters.Dropped > 0);
        Assert.Equal(reader.StreamCounters.Delivered, read);
    }
}
