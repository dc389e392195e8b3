using Ebpf.KernelTests.Infrastructure;
using Ebpf.RingBuf;

namespace Ebpf.KernelTests.RingBuf;

/// <summary>What arrives: order, integrity, discards, output, wrap-around, a full ring, reopening.</summary>
[Trait("Category", "Kernel")]
public sealed class RingBufferRecordTests
{
    private static IEnumerable<ulong> Seqs(ulong from, int count) => Enumerable.Range(0, count).Select(i => from + (ulong)i);

    [Fact]
    public void Submitted_records_arrive_intact_and_in_order()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var seqs = new List<ulong>();
        using var rb = new RingBuffer(p.Rb, r => { seqs.Add(RingProducer.Verify(r)); return 0; });
        foreach (uint size in new uint[] { 24, 32, 40, 64, 100, 256, 1000, 4000 })
            Assert.Equal(5, p.Produce(5, size));
        Assert.Equal(40, rb.Consume());
        Assert.Equal(40ul, p.Produced);
        Assert.Equal(0ul, p.Failed);
        Assert.Equal(Seqs(0, 40), seqs);
        Assert.Equal(0, rb.Consume());
    }

    [Fact]
    public void Discarded_records_are_skipped_and_their_space_reclaimed()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        int handled = 0;
        using var rb = new RingBuffer(p.Rb, r => { RingProducer.Verify(r); handled++; return 0; });
        var ring = rb.Rings[0];
        // 900 discarded 64-byte records take 900 * 72 = 64800 of the 65536 bytes.
        p.Produce(900, 64, ProduceMode.Discard);
        Assert.Equal(900ul, p.Discarded);
        Assert.Equal(64800ul, ring.AvailableBytes);
        Assert.Equal(0, rb.Consume());
        Assert.Equal(0, handled);
        Assert.Equal(900, ring.DiscardedRecords);
        Assert.Equal(0ul, ring.AvailableBytes);
        Assert.Equal(ring.ProducerPosition, ring.ConsumerPosition);
        // The space is free again: as many submitted records fit, none fails.
        p.Produce(900, 64);
        Assert.Equal(0ul, p.Failed);
        Assert.Equal(900, rb.Consume());
        Assert.Equal(900, handled);
    }

    [Fact]
    public void Alternating_submit_and_discard_delivers_only_the_submitted()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var seqs = new List<ulong>();
        using var rb = new RingBuffer(p.Rb, r => { seqs.Add(RingProducer.Verify(r)); return 0; });
        p.Produce(20, 40, ProduceMode.AlternateSubmitDiscard);
        Assert.Equal(10, rb.Consume());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (ulong)(2 * i)), seqs); // odd loop indices were discarded
        Assert.Equal(10, rb.Rings[0].DiscardedRecords);
    }

    [Fact]
    public void Output_records_of_any_size_arrive_intact()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var sizes = new List<int>();
        using var rb = new RingBuffer(p.Rb, r => { RingProducer.Verify(r); sizes.Add(r.Length); return 0; });
        uint[] wanted = [24, 28, 36, 44, 52, 100, 1236, 2052, 4096];
        foreach (uint size in wanted) p.Produce(1, size, ProduceMode.Output);
        Assert.Equal(wanted.Length, rb.Consume());
        Assert.Equal(wanted.Select(s => (int)s), sizes);
    }

    [Theory]
    [InlineData(1000u, ProduceMode.Submit)]
    [InlineData(100u, ProduceMode.Submit)]
    [InlineData(1236u, ProduceMode.Output)]
    [InlineData(4096u, ProduceMode.Output)]
    public void Records_that_wrap_the_end_of_the_ring_are_intact(uint size, ProduceMode mode)
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        Ring? ring = null;
        int wrapped = 0, seen = 0;
        ulong footprint = (size + 8 + 7) & ~7u;
        using var rb = new RingBuffer(p.Rb, r =>
        {
            RingProducer.Verify(r);
            // consumer_pos is published after the handler: it still points at this record's header.
            ulong start = ring!.ConsumerPosition & (ring.Size - 1);
            if (start + footprint > ring.Size) wrapped++;
            seen++;
            return 0;
        });
        ring = rb.Rings[0];
        // Three laps around the 64 KiB ring in batches of at most half of it.
        int perBatch = (int)(ring.Size / 2 / footprint);
        int total = 0;
        while ((ulong)total * footprint < 3 * ring.Size)
        {
            p.Produce((ulong)perBatch, size, mode);
            total += perBatch;
            Assert.Equal(perBatch, rb.Consume());
        }
        Assert.Equal(0ul, p.Failed);
        Assert.Equal(total, seen);
        Assert.True(wrapped >= 2, $"expected records straddling the end of the ring, saw {wrapped}");
        Assert.True(ring.ConsumerPosition > 2 * ring.Size);
    }

    [Fact]
    public void A_full_ring_counts_every_failed_reservation_on_the_bpf_side()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var seqs = new List<ulong>();
        using var rb = new RingBuffer(p.Rb, r => { seqs.Add(RingProducer.Verify(r)); return 0; });
        const int attempts = 2000;
        p.Produce(attempts, 64);
        int received = rb.Consume();
        Assert.True(p.Failed > 0);
        Assert.Equal((ulong)attempts, (ulong)received + p.Failed);
        Assert.Equal(p.Produced, (ulong)received);
        Assert.Equal(Seqs(0, received), seqs);
        // 72 bytes per record; the kernel keeps producer - consumer below the ring size.
        Assert.Equal((int)((p.Rb.MaxEntries - 1) / 72), received);

        // Output path, same accounting (and failed outputs do not burn sequence numbers).
        ulong failedBefore = p.Failed;
        seqs.Clear();
        p.Produce(attempts, 64, ProduceMode.Output);
        received = rb.Consume();
        Assert.Equal((ulong)attempts, (ulong)received + (p.Failed - failedBefore));
        Assert.Equal(Seqs(seqs[0], received), seqs);
    }

    [Fact]
    public void Reopening_a_used_ring_starts_at_the_live_consumer_position()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        using (var first = new RingBuffer(p.Rb, r => 0))
        {
            p.Produce(7, 40);
            Assert.Equal(7, first.Consume());
        }
        p.Produce(3, 40);
        var seqs = new List<ulong>();
        using var second = new RingBuffer(p.Rb, r => { seqs.Add(RingProducer.Verify(r)); return 0; });
        Assert.Equal(7ul * 48, second.Rings[0].ConsumerPosition);
        Assert.Equal(3, second.Consume());
        Assert.Equal(new ulong[] { 7, 8, 9 }, seqs);
    }

    [Fact]
    public void Batched_publishing_still_frees_everything_at_the_end_of_a_drain()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var seqs = new List<ulong>();
        using var rb = new RingBuffer(p.Rb, r => { seqs.Add(RingProducer.Verify(r)); return 0; }, new RingBufferOptions { PublishInterval = 16 });
        var ring = rb.Rings[0];
        for (int lap = 0; lap < 5; lap++)
        {
            p.Produce(800, 64);
            Assert.Equal(800, rb.Consume());
            Assert.Equal(0ul, ring.AvailableBytes);
        }
        Assert.Equal(0ul, p.Failed);
        Assert.Equal(Seqs(0, 4000), seqs);
    }

    [Fact]
    public void A_ring_created_by_hand_starts_empty()
    {
        KernelGuard.RequireRoot();
        using var map = BpfMap.Create(new MapSpec { Name = "by_hand", Type = BpfMapType.RingBuf, MaxEntries = (uint)Environment.SystemPageSize * 4 });
        using var rb = new RingBuffer(map, r => throw new InvalidOperationException("no records expected"));
        var ring = Assert.Single(rb.Rings);
        Assert.Equal("by_hand", ring.MapName);
        Assert.Equal((ulong)Environment.SystemPageSize * 4, ring.Size);
        Assert.Equal(0ul, ring.ConsumerPosition);
        Assert.Equal(0ul, ring.ProducerPosition);
        Assert.Equal(0ul, ring.AvailableBytes);
        Assert.Equal(0, rb.Consume());
        Assert.Equal(0, rb.Poll(0));
        Assert.Equal(0, ring.Consume());
        Assert.NotEqual(map.Fd, ring.MapFd); // the ring holds its own descriptor
    }
}
