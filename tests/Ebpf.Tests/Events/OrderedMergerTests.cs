using System.Buffers.Binary;
using CsCheck;
using Ebpf.Events;

namespace Ebpf.Tests.Events;

/// <summary>The ordering logic on a fake clock: records in, records out in timestamp order, late ones flagged, nothing lost.</summary>
public sealed class OrderedMergerTests
{
    private const ulong Ms = 1_000_000;

    /// <summary>A merger on a clock the test moves; every delivery is kept as (timestamp, id, late).</summary>
    private sealed class Harness
    {
        internal ulong Now;
        internal readonly List<(ulong Timestamp, int Id, bool Late)> Out = [];
        internal readonly OrderedMerger Merger;

        internal Harness(TimeSpan window, int capacity = 4096, int maxRecordSize = 16)
        {
            Merger = new OrderedMerger(window, (record, late) =>
                Out.Add((BinaryPrimitives.ReadUInt64LittleEndian(record), BinaryPrimitives.ReadInt32LittleEndian(record[8..]), late)),
                new OrderedMergerOptions { Capacity = capacity, MaxRecordSize = maxRecordSize, Clock = () => Now });
        }

        internal void Add(ulong timestamp, int id)
        {
            Span<byte> record = stackalloc byte[12];
            BinaryPrimitives.WriteUInt64LittleEndian(record, timestamp);
            BinaryPrimitives.WriteInt32LittleEndian(record[8..], id);
            Merger.Add(timestamp, record);
        }
    }

    [Fact]
    public void Records_that_arrive_within_the_window_come_out_in_timestamp_order()
    {
        // Records stamped t = 0, 1, 2 ms ... arriving each up to 9 ms after its stamp, in a random order; window 10 ms.
        Gen.Int[0, 9].Array[1, 300].Sample(delays =>
        {
            var h = new Harness(TimeSpan.FromMilliseconds(10));
            var arrivals = delays.Select((d, i) => (At: (ulong)(i + d) * Ms, Timestamp: (ulong)i * Ms, Id: i)).OrderBy(a => a.At).ToList();
            foreach (var a in arrivals)
            {
                h.Now = a.At;
                h.Merger.ReleaseDue();
                h.Add(a.Timestamp, a.Id);
            }
            h.Now += 10 * Ms;
            h.Merger.ReleaseDue();
            Assert.Equal(0, h.Merger.Held);
            Assert.Equal(Enumerable.Range(0, delays.Length), h.Out.Select(o => o.Id));
            Assert.DoesNotContain(h.Out, o => o.Late);
            Assert.Equal(0, h.Merger.Late);
            Assert.Equal(delays.Length, h.Merger.Delivered);
        });
    }

    [Fact]
    public void A_record_later_than_the_window_is_delivered_at_once_flagged_and_counted()
    {
        var h = new Harness(TimeSpan.FromMilliseconds(10));
        h.Now = 0;
        h.Add(5 * Ms, 1);
        h.Now = 14 * Ms;
        Assert.Equal(0, h.Merger.ReleaseDue()); // due at 15 ms
        h.Now = 15 * Ms;
        Assert.Equal(1, h.Merger.ReleaseDue());
        h.Now = 20 * Ms;
        h.Add(3 * Ms, 2); // stamped before the record already delivered: late
        h.Add(6 * Ms, 3); // stamped after it: in order, held
        Assert.Equal([(5 * Ms, 1, false), (3 * Ms, 2, true)], h.Out);
        Assert.Equal(1, h.Merger.Late);
        Assert.Equal(1, h.Merger.Held);
        Assert.Equal(1, h.Merger.ReleaseAll());
        Assert.Equal((6 * Ms, 3, false), h.Out[^1]);
        Assert.Equal(3, h.Merger.Delivered);
    }

    [Fact]
    public void Any_arrival_order_delivers_every_record_once_and_only_late_ones_out_of_order()
    {
        // Arbitrary stamps, delays (some far beyond the window) and capacities: nothing lost or duplicated, and the
        // records not flagged late are in timestamp order.
        Gen.Select(Gen.ULong[0, 50].Array[1, 200], Gen.ULong[0, 40].Array[200], Gen.Int[1, 64]).Sample((stamps, delays, capacity) =>
        {
            var h = new Harness(TimeSpan.FromMilliseconds(5), capacity);
            var arrivals = stamps.Select((t, i) => (At: (t + delays[i]) * Ms, Timestamp: t * Ms, Id: i)).OrderBy(a => a.At).ThenBy(a => a.Id).ToList();
            foreach (var a in arrivals)
            {
                h.Now = a.At;
                h.Merger.ReleaseDue();
                h.Add(a.Timestamp, a.Id);
                Assert.True(h.Merger.Held <= capacity);
            }
            h.Merger.ReleaseAll();
            Assert.Equal(Enumerable.Range(0, stamps.Length), h.Out.Select(o => o.Id).Order());
            var inOrder = h.Out.Where(o => !o.Late).Select(o => o.Timestamp).ToList();
            Assert.Equal(inOrder.Order(), inOrder);
            Assert.Equal(h.Out.Count(o => o.Late), h.Merger.Late);
            // Every inversion in what came out is a flagged record's doing.
            long inversions = 0;
            for (int i = 1; i < h.Out.Count; i++) if (h.Out[i].Timestamp < h.Out[i - 1].Timestamp) inversions++;
            Assert.True(inversions <= h.Merger.Late);
        });
    }

    [Fact]
    public void A_full_merger_lets_the_oldest_out_early_and_stays_bounded()
    {
        var h = new Harness(TimeSpan.FromSeconds(1), capacity: 4);
        for (int i = 0; i < 10; i++) h.Add((ulong)(i + 1) * Ms, i); // a second's window: nothing is due
        Assert.Equal(4, h.Merger.Held);
        Assert.Equal(4, h.Merger.PeakHeld);
        Assert.Equal(6, h.Merger.ReleasedEarly);
        Assert.Equal(0, h.Merger.Late);
        Assert.Equal([0, 1, 2, 3, 4, 5], h.Out.Select(o => o.Id));
        h.Merger.ReleaseAll();
        Assert.Equal(Enumerable.Range(0, 10), h.Out.Select(o => o.Id));

        // Full, and a newcomer older than everything held: it goes out first, as it would anyway. Older ones after it
        // come too late for the order and are flagged.
        var g = new Harness(TimeSpan.FromSeconds(1), capacity: 2);
        g.Add(50 * Ms, 0);
        g.Add(40 * Ms, 1);
        g.Add(30 * Ms, 2); // full: 30 ms goes straight out
        g.Add(20 * Ms, 3); // older than what went out: late
        Assert.Equal([(30 * Ms, 2, false), (20 * Ms, 3, true)], g.Out);
        Assert.Equal((1, 1, 2), (g.Merger.ReleasedEarly, g.Merger.Late, g.Merger.Held));
    }

    [Fact]
    public void Equal_timestamps_keep_their_arrival_order()
    {
        var h = new Harness(TimeSpan.Zero);
        for (int i = 0; i < 50; i++) h.Add(7, i);
        h.Now = 7;
        h.Merger.ReleaseDue();
        Assert.Equal(Enumerable.Range(0, 50), h.Out.Select(o => o.Id));
    }

    [Fact]
    public void A_steady_stream_allocates_nothing()
    {
        ulong now = 0;
        var merger = new OrderedMerger(TimeSpan.FromMilliseconds(1), static (_, _) => { }, new OrderedMergerOptions { Capacity = 1024, MaxRecordSize = 64, Clock = () => now });
        byte[] record = new byte[40];
        void Run(int rounds)
        {
            for (int i = 0; i < rounds; i++)
            {
                now += Ms / 4;
                merger.Add(now - (ulong)(i % 3) * Ms / 8, record);
                merger.ReleaseDue();
            }
        }
        Run(10_000); // warm: every slot chunk the stream needs is allocated
        long before = GC.GetAllocatedBytesForCurrentThread();
        Run(100_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(merger.Delivered > 100_000);
    }

    [Fact]
    public void A_record_longer_than_the_slots_is_refused_with_the_setting_to_change()
    {
        var merger = new OrderedMerger(TimeSpan.Zero, static (_, _) => { }, new OrderedMergerOptions { MaxRecordSize = 8 });
        var e = Assert.Throws<ArgumentException>(() => merger.Add(1, new byte[9]));
        Assert.Contains("MaxRecordSize", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new OrderedMerger(TimeSpan.FromTicks(-1), static (_, _) => { }));
    }
}
