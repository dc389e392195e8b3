using Ebpf.Events;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Events;

/// <summary>
/// produced = received + dropped, exactly, when the consumer stops mid-burst: a reader drains while the program sends,
/// stops, a burst overflows the buffer, and the reader drains again. The program's own attempt counter is the truth.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class LossAccountTests
{
    [Theory]
    [InlineData(EventTransport.RingBuf)]
    [InlineData(EventTransport.PerfBuffer)]
    public void A_consumer_stopped_mid_burst_still_accounts_for_every_record(EventTransport transport)
    {
        using var producer = new ChannelProducer(transport);
        long received = 0;
        // A 16 KiB ring holds 227 records; a one-page perf buffer per CPU holds 56.
        using var reader = EventReader.Open(producer.Object, "events", _ => received++, new EventReaderOptions { PerfPagesPerCpu = 1 });

        // Consumer running: a polling thread drains while the program sends in small runs that always fit.
        using var stop = new CancellationTokenSource();
        var poller = new Thread(() =>
        {
            try { while (true) reader.Poll(stop.Token); }
            catch (OperationCanceledException) { }
        });
        poller.Start();
        for (int i = 0; i < 20; i++)
        {
            producer.Emit(cpu: 0, count: 10);
            int expected = 10 * (i + 1);
            Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref received) == expected, TimeSpan.FromSeconds(10)), $"run {i} not received");
        }

        // Consumer stopped: a burst far larger than the buffer.
        stop.Cancel();
        Assert.True(poller.Join(TimeSpan.FromSeconds(10)));
        producer.Emit(cpu: 0, count: 1000);
        producer.Emit(cpu: 0, count: 300, output: true);

        // Consumer back: drain what the buffer kept.
        reader.Consume();
        reader.Consume();
        var loss = reader.Loss;
        ulong attempted = producer.Attempted;
        Assert.Equal(1500ul, attempted);
        Assert.Equal((ulong)received, loss.Received);
        Assert.True(loss.Dropped > 0, loss.ToString());
        Assert.Equal(attempted, loss.Produced); // exact: received + dropped is every attempt
        Assert.Equal(0ul, loss.OtherFailures);
        Assert.Equal(0ul, loss.StreamDropped);
        if (transport == EventTransport.RingBuf)
        {
            Assert.Equal(loss.Dropped, loss.RingFull);
            Assert.Equal(0ul, loss.PerfFull);
        }
        else
        {
            Assert.Equal(loss.Dropped, loss.PerfFull);
            Assert.Equal(0ul, loss.RingFull);
            // The kernel's own LOST records name the same records, and only once it had room to write one.
            Assert.True(loss.PerfLost <= loss.PerfFull, loss.ToString());
            producer.Emit(cpu: 0, count: 1); // room now: the kernel writes the pending LOST record before this one
            reader.Consume();
            Assert.Equal(reader.Loss.PerfFull, reader.Loss.PerfLost);
        }
        TestContext.Current.SendDiagnosticMessage($"{transport}: {loss}");
    }
}
