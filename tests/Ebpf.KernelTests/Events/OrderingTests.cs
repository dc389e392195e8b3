using Ebpf.Events;
using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Events;

/// <summary>
/// Records from two CPUs (the program test-run on CPU 0 and on CPU 1, timestamps interleaved) arrive out of order on
/// both transports; with an ordering window they come out in order, none before its window is over, and a record that
/// comes later than the window is delivered, flagged and counted.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class OrderingTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(200);

    /// <summary>Five runs per CPU, CPU 1 first, each of 10 records; CPU 1 stamps odd, CPU 0 even timestamps.</summary>
    private static void EmitInterleaved(ChannelProducer producer, ulong t0)
    {
        for (ulong run = 0; run < 5; run++)
        {
            producer.Emit(cpu: 1, count: 10, ts0: t0 + run * 20 + 1, step: 2);
            producer.Emit(cpu: 0, count: 10, ts0: t0 + run * 20, step: 2);
        }
    }

    [Theory]
    [InlineData(EventTransport.RingBuf)]
    [InlineData(EventTransport.PerfBuffer)]
    public void Records_from_two_CPUs_come_out_in_timestamp_order_within_the_window(EventTransport transport)
    {
        ChannelProducer.RequireTwoCpus();
        using var producer = new ChannelProducer(transport);

        // Without a window: the transport's order.
        var unordered = new List<ulong>();
        using (var reader = EventReader.Open(producer.Object, "events", record => unordered.Add(ChannelProducer.Parse(record).Ts)))
        {
            EmitInterleaved(producer, MonotonicClock.NowNs());
            reader.Consume();
        }
        Assert.Equal(100, unordered.Count);
        int before = ChannelProducer.Inversions(unordered);
        Assert.True(before > 0, "records from two CPUs arrived in order without a window: nothing to show");

        // With a window: the same emission, in order, each delivered no earlier than its window allows.
        var ordered = new List<(ulong Ts, ulong At, bool Late)>();
        var options = new EventReaderOptions { OrderWindow = Window, Timestamp = r => ChannelProducer.Parse(r).Ts };
        using var ordering = EventReader.Open(producer.Object, "events", (record, late) => ordered.Add((ChannelProducer.Parse(record).Ts, MonotonicClock.NowNs(), late)), options);
        ulong t0 = MonotonicClock.NowNs();
        EmitInterleaved(producer, t0);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (ordered.Count < 100 && DateTime.UtcNow < deadline) ordering.Poll(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
        Assert.Equal(100, ordered.Count);
        Assert.Equal(0, ChannelProducer.Inversions(ordered.Select(o => o.Ts).ToList()));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => t0 + (ulong)i), ordered.Select(o => o.Ts));
        Assert.DoesNotContain(ordered, o => o.Late);
        Assert.Equal(0, ordering.LateCount);
        Assert.All(ordered, o => Assert.True(o.At >= o.Ts + (ulong)Window.Ticks * 100, "delivered before its window was over"));
        TestContext.Current.SendDiagnosticMessage($"{transport}: {before} inversions in 100 records without a window, 0 with {Window.TotalMilliseconds} ms");
    }

    [Theory]
    [InlineData(EventTransport.RingBuf)]
    [InlineData(EventTransport.PerfBuffer)]
    public void A_record_later_than_the_window_is_delivered_flagged_and_counted(EventTransport transport)
    {
        ChannelProducer.RequireTwoCpus();
        using var producer = new ChannelProducer(transport);
        var seen = new List<(ulong Ts, uint Cpu, bool Late)>();
        var options = new EventReaderOptions { OrderWindow = TimeSpan.FromMilliseconds(20), Timestamp = r => ChannelProducer.Parse(r).Ts };
        using var reader = EventReader.Open(producer.Object, "events", (record, late) =>
        {
            var r = ChannelProducer.Parse(record);
            seen.Add((r.Ts, r.Cpu, late));
        }, options);
        ulong now = MonotonicClock.NowNs();
        producer.Emit(cpu: 0, count: 3, ts0: now, step: 1000);
        while (seen.Count < 3) reader.Poll(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken); // delivered once 20 ms old
        // CPU 1 now sends records stamped before those: too late for the order.
        producer.Emit(cpu: 1, count: 2, ts0: now - 1_000_000, step: 1);
        producer.Emit(cpu: 1, count: 1, ts0: now + 10_000, step: 1); // stamped after them: in order
        reader.Consume();
        reader.Flush();
        Assert.Equal(6, seen.Count);
        Assert.Equal([false, false, false, true, true, false], seen.Select(s => s.Late));
        Assert.Equal([0u, 0u, 0u, 1u, 1u, 1u], seen.Select(s => s.Cpu));
        Assert.Equal(2, reader.LateCount);
        Assert.Equal(6ul, reader.Loss.Received);
        Assert.Equal(0ul, reader.Loss.Dropped);
    }
}
