using Ebpf.KernelTests.Infrastructure;
using Ebpf.RingBuf;

namespace Ebpf.KernelTests.RingBuf;

/// <summary>Several rings, stop values, ConsumeN, positions, misuse, validation.</summary>
[Trait("Category", "Kernel")]
public sealed class RingBufferControlTests
{
    [Fact]
    public void Several_rings_on_one_reader_each_deliver_to_their_own_handler()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var first = new List<int>();
        var second = new List<int>();
        using var rb = new RingBuffer(p.Rb, r => { RingProducer.Verify(r); first.Add(r.Length); return 0; });
        var ring2 = rb.Add(p.Rb2, r => { RingProducer.Verify(r); second.Add(r.Length); return 0; });
        Assert.Equal(2, rb.Rings.Count);
        Assert.Same(ring2, rb.Rings[1]);
        Assert.Equal("rb2", ring2.MapName);
        Assert.Equal(16384ul, ring2.Size);

        p.Produce(50, 64, target: RingTarget.Rb);
        p.Produce(30, 40, target: RingTarget.Rb2);
        Assert.Equal(80, rb.Poll(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(Enumerable.Repeat(64, 50), first);
        Assert.Equal(Enumerable.Repeat(40, 30), second);

        // Only one ring has data: Poll drains that one; Ring.Consume drains one ring alone.
        p.Produce(4, 40, target: RingTarget.Rb2);
        Assert.Equal(4, rb.Poll(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        p.Produce(3, 64, target: RingTarget.Rb);
        p.Produce(2, 40, target: RingTarget.Rb2);
        Assert.Equal(2, ring2.Consume());
        Assert.Equal(36, second.Count);
        Assert.Equal(3, rb.Rings[0].Consume());
        Assert.Equal(53, first.Count);
    }

    [Fact]
    public void A_handler_stop_value_surfaces_and_the_rest_stays_for_the_next_consume()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var seqs = new List<ulong>();
        using var rb = new RingBuffer(p.Rb, r =>
        {
            ulong seq = RingProducer.Verify(r);
            seqs.Add(seq);
            return seq == 3 ? -7 : 0;
        });
        p.Produce(10, 40);
        Assert.Equal(-7, rb.Consume());
        Assert.Equal(new ulong[] { 0, 1, 2, 3 }, seqs); // the stopping record counts as consumed
        Assert.Equal(6ul * 48, rb.Rings[0].AvailableBytes);
        Assert.Equal(6, rb.Consume());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (ulong)i), seqs);
    }

    [Fact]
    public void Stop_value_through_poll()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        int calls = 0;
        using var rb = new RingBuffer(p.Rb, r => ++calls == 2 ? 42 : 0);
        p.Produce(5, 24);
        Assert.Equal(42, rb.Poll(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(2, calls);
        Assert.Equal(3, rb.Poll(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_throwing_handler_propagates_and_its_record_is_consumed()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var seqs = new List<ulong>();
        using var rb = new RingBuffer(p.Rb, r =>
        {
            ulong seq = RingProducer.Verify(r);
            seqs.Add(seq);
            return seq == 1 ? throw new FormatException("handler failed") : 0;
        });
        p.Produce(4, 24);
        Assert.Throws<FormatException>(() => rb.Consume());
        Assert.Equal(2, rb.Consume());
        Assert.Equal(new ulong[] { 0, 1, 2, 3 }, seqs);
    }

    [Fact]
    public void ConsumeN_takes_at_most_n_records()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var seqs = new List<ulong>();
        using var rb = new RingBuffer(p.Rb, r => { seqs.Add(RingProducer.Verify(r)); return 0; });
        var ring2 = rb.Add(p.Rb2, r => { seqs.Add(1000 + RingProducer.Verify(r)); return 0; });
        p.Produce(10, 40);
        Assert.Equal(3, rb.ConsumeN(3));
        Assert.Equal(4, rb.Rings[0].ConsumeN(4));
        Assert.Equal(3, rb.ConsumeN(100));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (ulong)i), seqs);
        // Across rings: the first ring's records, then the second's, up to n.
        p.Produce(2, 40);
        p.Produce(5, 40, target: RingTarget.Rb2);
        Assert.Equal(4, rb.ConsumeN(4));
        Assert.Equal(3, ring2.ConsumeN(10));
        Assert.Equal(0, rb.ConsumeN(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => rb.ConsumeN(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ring2.ConsumeN(-1));
    }

    [Fact]
    public void Positions_and_available_bytes_follow_production_and_consumption()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        using var rb = new RingBuffer(p.Rb, r => 0);
        var ring = rb.Rings[0];
        Assert.Equal(65536ul, ring.Size);
        Assert.Equal((0ul, 0ul, 0ul), (ring.ConsumerPosition, ring.ProducerPosition, ring.AvailableBytes));
        p.Produce(5, 64); // 72 bytes each
        Assert.Equal((0ul, 360ul, 360ul), (ring.ConsumerPosition, ring.ProducerPosition, ring.AvailableBytes));
        Assert.Equal(2, rb.ConsumeN(2));
        Assert.Equal((144ul, 360ul, 216ul), (ring.ConsumerPosition, ring.ProducerPosition, ring.AvailableBytes));
        p.Produce(1, 64, ProduceMode.Discard);
        Assert.Equal(432ul, ring.ProducerPosition);
        Assert.Equal(3, rb.Consume());
        Assert.Equal((432ul, 432ul, 0ul), (ring.ConsumerPosition, ring.ProducerPosition, ring.AvailableBytes));
        Assert.Equal(5, ring.RecordsConsumed);
        Assert.Equal(1, ring.DiscardedRecords);
    }

    [Fact]
    public void Consuming_from_inside_a_handler_is_refused_clearly()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        RingBuffer? self = null;
        InvalidOperationException? seen = null;
        using var rb = new RingBuffer(p.Rb, r =>
        {
            seen ??= Assert.Throws<InvalidOperationException>(() => self!.Consume());
            return 0;
        });
        self = rb;
        p.Produce(2, 24);
        Assert.Equal(2, rb.Consume());
        Assert.NotNull(seen);
        Assert.Contains("'rb'", seen.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dispose_from_inside_a_handler_stops_after_that_record()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        RingBuffer? self = null;
        int calls = 0;
        var rb = new RingBuffer(p.Rb, r => { calls++; self!.Dispose(); return 0; });
        self = rb;
        p.Produce(5, 24);
        Assert.Equal(1, rb.Consume());
        Assert.Equal(1, calls);
        Assert.Throws<ObjectDisposedException>(() => rb.Consume());
        rb.Dispose();
    }

    [Fact]
    public void Use_after_dispose_throws_and_double_dispose_is_harmless()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var rb = new RingBuffer(p.Rb, r => 0);
        var ring = rb.Rings[0];
        rb.Dispose();
        rb.Dispose();
        Assert.Throws<ObjectDisposedException>(() => rb.Consume());
        Assert.Throws<ObjectDisposedException>(() => rb.ConsumeN(1));
        Assert.Throws<ObjectDisposedException>(() => rb.Poll(0));
        Assert.Throws<ObjectDisposedException>(() => rb.EpollFd);
        Assert.Throws<ObjectDisposedException>(() => rb.Add(p.Rb2, r => 0));
        Assert.Throws<ObjectDisposedException>(() => rb.ReadAllAsync<RecordHead>(TestContext.Current.CancellationToken));
        Assert.Throws<ObjectDisposedException>(() => ring.ConsumerPosition);
        Assert.Throws<ObjectDisposedException>(() => ring.MapFd);
        Assert.Throws<ObjectDisposedException>(() => ring.Consume());
        // The map itself is untouched.
        p.Produce(1, 24);
        Assert.Equal(1ul, p.Produced);
    }

    [Fact]
    public void The_reader_outlives_the_callers_map_handle()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        using var own = BpfMap.FromFd(p.Rb.Fd);
        using var rb = new RingBuffer(own, r => 0);
        own.Dispose();
        p.Produce(3, 24);
        Assert.Equal(3, rb.Consume());
    }
}
