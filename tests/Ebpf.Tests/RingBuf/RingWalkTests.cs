using CsCheck;
using Ebpf.RingBuf;

namespace Ebpf.Tests.RingBuf;

/// <summary>The record walk against a ring laid out like the kernel's: order, wrap, BUSY, DISCARD, corrupt lengths, stop values.</summary>
public class RingWalkTests
{
    private static byte[] Payload(int length, int seed) => Enumerable.Range(0, length).Select(i => (byte)(seed * 31 + i)).ToArray();

    [Fact]
    public void Records_arrive_in_order_and_consumer_pos_is_published_after_each_handler()
    {
        var seen = new List<byte[]>();
        var published = new List<ulong>();
        FakeKernelRing? ring = null;
        using var r = ring = new FakeKernelRing(handler: span =>
        {
            seen.Add(span.ToArray());
            published.Add(ring!.ConsumerPos);
            return 0;
        });
        ulong a = r.Append(Payload(5, 1));
        ulong b = r.Append(Payload(16, 2));
        ulong c = r.Append(Payload(0, 3));
        Assert.Equal(3, r.Drain(long.MaxValue, out int stop));
        Assert.Equal(0, stop);
        Assert.Equal(new[] { Payload(5, 1), Payload(16, 2), Payload(0, 3) }, seen);
        Assert.Equal(new[] { a, b, c }, published); // during each handler: the position of its own record
        Assert.Equal(r.ProducerPos, r.ConsumerPos);
        Assert.Equal(3, r.Ring.RecordsConsumed);
    }

    [Fact]
    public void A_record_that_wraps_is_handed_over_contiguous()
    {
        byte[]? got = null;
        using var r = new FakeKernelRing(size: 4096, handler: span => { got = span.ToArray(); return 0; });
        r.ConsumerPos = r.ProducerPos = 4096 * 3 - 16; // free-running positions, near the end of the data area
        var payload = Payload(200, 9);
        r.Append(payload);
        Assert.Equal(1, r.Drain(long.MaxValue, out _));
        Assert.Equal(payload, got);
        Assert.Equal(4096ul * 3 - 16 + 208, r.ConsumerPos);
    }

    [Fact]
    public void A_busy_record_stops_the_walk_until_it_is_committed()
    {
        var seen = new List<int>();
        using var r = new FakeKernelRing(handler: span => { seen.Add(span.Length); return 0; });
        r.Append(Payload(8, 1));
        ulong busy = r.Append(Payload(24, 2), RingRecordHeader.BusyBit);
        r.Append(Payload(40, 3));
        Assert.Equal(1, r.Drain(long.MaxValue, out _));
        Assert.Equal(busy, r.ConsumerPos);
        Assert.Equal(0, r.Drain(long.MaxValue, out _));
        r.SetLength(busy, 24); // commit
        Assert.Equal(2, r.Drain(long.MaxValue, out _));
        Assert.Equal(new[] { 8, 24, 40 }, seen);
    }

    [Fact]
    public void Discarded_records_are_skipped_but_their_space_is_released()
    {
        var seen = new List<int>();
        using var r = new FakeKernelRing(handler: span => { seen.Add(span.Length); return 0; });
        r.Append(Payload(8, 1), RingRecordHeader.DiscardBit);
        r.Append(Payload(16, 2));
        r.Append(Payload(24, 3), RingRecordHeader.DiscardBit);
        Assert.Equal(1, r.Drain(long.MaxValue, out _));
        Assert.Equal(new[] { 16 }, seen);
        Assert.Equal(r.ProducerPos, r.ConsumerPos);
        Assert.Equal(2, r.Ring.DiscardedRecords);
    }

    [Theory]
    [InlineData(4096u)]            // footprint 4104 > ring size
    [InlineData(0x3FFF_FFFFu)]     // the largest length the bits allow
    [InlineData(64u)]              // fits the ring, but more than the producer published
    public void A_corrupt_length_is_refused_before_it_is_used(uint claimed)
    {
        int calls = 0;
        using var r = new FakeKernelRing(handler: _ => { calls++; return 0; });
        r.Append(Payload(8, 1));
        ulong bad = r.AppendRaw(claimed, Payload(8, 2)); // header lies: only 16 bytes were published
        var e = Assert.Throws<InvalidDataException>(() => r.Drain(long.MaxValue, out _));
        Assert.Contains("'fake'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"position {bad}", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, calls);
        Assert.Equal(bad, r.ConsumerPos); // the good record is consumed, the corrupt one is left where it is
    }

    [Fact]
    public void A_stop_value_ends_the_walk_after_consuming_that_record()
    {
        int calls = 0;
        using var r = new FakeKernelRing(handler: _ => ++calls == 2 ? -5 : 0);
        r.Append(Payload(8, 1));
        ulong third = 0;
        r.Append(Payload(8, 2));
        third = r.Append(Payload(8, 3));
        Assert.Equal(2, r.Drain(long.MaxValue, out int stop));
        Assert.Equal(-5, stop);
        Assert.Equal(third, r.ConsumerPos);
    }

    [Fact]
    public void A_throwing_handler_still_consumes_its_record()
    {
        using var r = new FakeKernelRing(handler: _ => throw new FormatException());
        r.Append(Payload(8, 1));
        ulong second = r.Append(Payload(8, 2));
        Assert.Throws<FormatException>(() => r.Drain(long.MaxValue, out _));
        Assert.Equal(second, r.ConsumerPos);
    }

    [Fact]
    public void Max_limits_the_records_handed_out()
    {
        using var r = new FakeKernelRing();
        for (int i = 0; i < 10; i++) r.Append(Payload(8, i));
        Assert.Equal(3, r.Drain(3, out _));
        Assert.Equal(3ul * 16, r.ConsumerPos);
        Assert.Equal(7, r.Drain(100, out _));
    }

    [Fact]
    public void Batched_publishing_stores_every_n_records_and_at_the_end()
    {
        var published = new List<ulong>();
        FakeKernelRing? ring = null;
        using var r = ring = new FakeKernelRing(handler: _ => { published.Add(ring!.ConsumerPos); return 0; }, publishInterval: 4);
        for (int i = 0; i < 10; i++) r.Append(Payload(8, i));
        Assert.Equal(10, r.Drain(long.MaxValue, out _));
        // Seen during handlers 1..10: 0 until four records are done, then 64, then 128.
        Assert.Equal(new ulong[] { 0, 0, 0, 0, 64, 64, 64, 64, 128, 128 }, published);
        Assert.Equal(160ul, r.ConsumerPos);
    }

    [Fact]
    public void Closing_the_gate_from_a_handler_stops_after_that_record()
    {
        FakeKernelRing? ring = null;
        using var r = ring = new FakeKernelRing(handler: _ => { ring!.Gate.Close(); return 0; });
        for (int i = 0; i < 4; i++) r.Append(Payload(8, i));
        Assert.Equal(1, r.Drain(long.MaxValue, out _));
        Assert.Equal(16ul, r.ConsumerPos);
    }

    [Fact]
    public void Any_mix_of_sizes_discards_and_chunks_arrives_intact_and_in_order()
    {
        var gen = Gen.Select(
            Gen.Select(Gen.Int[0, 500], Gen.Bool, (len, discard) => (len, discard)).Array[1, 60],
            Gen.Int[1, 7],
            Gen.ULong[0, 1UL << 40]);
        gen.Sample((records, chunk, start) =>
        {
            var seen = new List<byte[]>();
            using var r = new FakeKernelRing(size: 4096, handler: span => { seen.Add(span.ToArray()); return 0; });
            r.ConsumerPos = r.ProducerPos = start & ~7UL;
            var expected = new List<byte[]>();
            int next = 0;
            while (next < records.Length)
            {
                // Produce while there is room (as the kernel would), then drain in chunks.
                while (next < records.Length && r.ProducerPos - r.ConsumerPos + (ulong)records[next].len + 16 < r.Size)
                {
                    var payload = Payload(records[next].len, next);
                    r.Append(payload, records[next].discard ? RingRecordHeader.DiscardBit : 0);
                    if (!records[next].discard) expected.Add(payload);
                    next++;
                }
                while (r.Drain(chunk, out _) > 0) { }
                Assert.Equal(r.ProducerPos, r.ConsumerPos);
            }
            Assert.Equal(expected, seen);
        });
    }
}
