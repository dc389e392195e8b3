using System.Buffers.Binary;
using Ebpf.Streaming;

namespace Ebpf.Tests.Streaming;

/// <summary>The transport-neutral pump, driven by a fake source that hands out numbered 8-byte records.</summary>
public class RecordPumpTests
{
    /// <summary>A source with <see cref="Pending"/> records; Poll blocks (cancellably) when there are none, like an epoll wait.</summary>
    private sealed class FakeSource
    {
        private readonly SemaphoreSlim _available = new(0);
        private long _next;
        private long _end;
        public volatile bool Closed;
        public int Polls;

        public void Add(int count)
        {
            Interlocked.Add(ref _end, count);
            _available.Release();
        }

        public void Close()
        {
            Closed = true;
            _available.Release();
        }

        public RecordPump.Binder Binder => sink => ct =>
        {
            Interlocked.Increment(ref Polls);
            if (Closed) return false;
            if (Interlocked.Read(ref _next) >= Interlocked.Read(ref _end)) _available.Wait(ct);
            Span<byte> record = stackalloc byte[8];
            while (_next < Interlocked.Read(ref _end))
            {
                BinaryPrimitives.WriteInt64LittleEndian(record, _next++);
                if (sink(record) != 0) break;
            }
            return !Closed;
        };

        public long Taken => Interlocked.Read(ref _next);
    }

    private static readonly RecordDecoder<long> Decode = r => BinaryPrimitives.ReadInt64LittleEndian(r);

    [Fact]
    public async Task Delivers_in_order_and_completes_when_the_source_closes()
    {
        var source = new FakeSource();
        var counters = new RecordStreamCounters();
        source.Add(1000);
        var got = new List<long>();
        await foreach (long v in RecordPump.Stream(source.Binder, Decode, new RecordStreamOptions { Capacity = 8 }, counters, "test pump", TestContext.Current.CancellationToken))
        {
            got.Add(v);
            if (got.Count == 1000) source.Close();
        }
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), got);
        Assert.Equal(1000, counters.Delivered);
        Assert.Equal(0, counters.Dropped);
    }

    [Fact]
    public async Task Wait_mode_stops_taking_from_the_source_while_the_queue_is_full()
    {
        var source = new FakeSource();
        var counters = new RecordStreamCounters();
        source.Add(100);
        await using var e = RecordPump.Stream(source.Binder, Decode, new RecordStreamOptions { Capacity = 3 }, counters, "test pump", TestContext.Current.CancellationToken)
            .GetAsyncEnumerator(TestContext.Current.CancellationToken);
        Assert.True(await e.MoveNextAsync());
        var until = DateTime.UtcNow.AddSeconds(10);
        while (source.Taken < 5 && DateTime.UtcNow < until) await Task.Delay(2, TestContext.Current.CancellationToken);
        await Task.Delay(20, TestContext.Current.CancellationToken);
        // 1 read + 3 queued + 1 parked: the rest stays in the source.
        Assert.Equal(5, source.Taken);
        var got = new List<long> { e.Current };
        while (got.Count < 100 && await e.MoveNextAsync()) got.Add(e.Current);
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), got);
        Assert.Equal(0, counters.Dropped);
    }

    [Fact]
    public async Task DropNewest_keeps_taking_and_counts_what_did_not_fit()
    {
        var source = new FakeSource();
        var counters = new RecordStreamCounters();
        await using var e = RecordPump.Stream(source.Binder, Decode, new RecordStreamOptions { Capacity = 4, FullMode = RecordStreamFullMode.DropNewest }, counters, "test pump", TestContext.Current.CancellationToken)
            .GetAsyncEnumerator(TestContext.Current.CancellationToken);
        var first = e.MoveNextAsync();
        source.Add(1);
        Assert.True(await first);
        source.Add(50);
        var until = DateTime.UtcNow.AddSeconds(10);
        while (source.Taken < 51 && DateTime.UtcNow < until) await Task.Delay(2, TestContext.Current.CancellationToken);
        while (counters.Delivered + counters.Dropped < 51 && DateTime.UtcNow < until) await Task.Delay(2, TestContext.Current.CancellationToken);
        Assert.Equal(51, counters.Delivered + counters.Dropped);
        Assert.Equal(46, counters.Dropped); // record 0 was read, 1..4 queued, 5..50 dropped
        var got = new List<long>();
        for (int i = 0; i < 4; i++)
        {
            Assert.True(await e.MoveNextAsync());
            got.Add(e.Current);
        }
        Assert.Equal(new long[] { 1, 2, 3, 4 }, got);
    }

    [Fact]
    public async Task Cancellation_ends_the_loop_with_operation_canceled_and_stops_the_thread()
    {
        var source = new FakeSource();
        var counters = new RecordStreamCounters();
        using var cts = new CancellationTokenSource();
        source.Add(3);
        int n = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (long v in RecordPump.Stream(source.Binder, Decode, null, counters, "test pump cancel", cts.Token))
                if (++n == 3) await cts.CancelAsync(); // the poller is blocked waiting for more
        });
        Assert.Equal(3, n);
        int polls = source.Polls;
        source.Add(10);
        await Task.Delay(20, TestContext.Current.CancellationToken);
        Assert.Equal(polls, source.Polls); // nobody polls any more
        Assert.Equal(3, source.Taken);
    }

    [Fact]
    public async Task A_decoder_failure_surfaces_to_the_reader()
    {
        var source = new FakeSource();
        source.Add(5);
        RecordDecoder<long> failing = r => BinaryPrimitives.ReadInt64LittleEndian(r) == 2 ? throw new FormatException("bad record") : 0;
        var got = 0;
        var e = await Assert.ThrowsAsync<FormatException>(async () =>
        {
            await foreach (long v in RecordPump.Stream(source.Binder, failing, null, new RecordStreamCounters(), "test pump", TestContext.Current.CancellationToken))
                got++;
        });
        Assert.Equal("bad record", e.Message);
        Assert.Equal(2, got);
    }

    [Fact]
    public async Task Leaving_early_counts_what_was_queued_but_never_read()
    {
        var source = new FakeSource();
        var counters = new RecordStreamCounters();
        source.Add(10);
        await foreach (long v in RecordPump.Stream(source.Binder, Decode, new RecordStreamOptions { Capacity = 100 }, counters, "test pump", TestContext.Current.CancellationToken))
        {
            var until = DateTime.UtcNow.AddSeconds(10);
            while (counters.Delivered < 10 && DateTime.UtcNow < until) await Task.Delay(2, TestContext.Current.CancellationToken);
            break;
        }
        Assert.Equal(10, counters.Delivered);
        Assert.Equal(9, counters.Abandoned);
    }

    [Fact]
    public void Bad_arguments_are_refused_before_enumeration()
    {
        var source = new FakeSource();
        Assert.Throws<ArgumentNullException>(() => RecordPump.Stream<long>(source.Binder, null!, null, new RecordStreamCounters(), "x", TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentOutOfRangeException>(() => RecordPump.Stream(source.Binder, Decode, new RecordStreamOptions { Capacity = -1 }, new RecordStreamCounters(), "x", TestContext.Current.CancellationToken));
    }
}
