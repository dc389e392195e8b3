using Ebpf.Events;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Events;

/// <summary>One compiled object (events_channel_test.bpf.o, over ebpf_net/events.bpf.h) on both transports, read with one API.</summary>
[Trait("Category", "Kernel")]
public sealed class EventChannelTests
{
    [Theory]
    [InlineData(EventTransport.RingBuf, false)]
    [InlineData(EventTransport.PerfBuffer, false)]
    [InlineData(EventTransport.RingBuf, true)]
    [InlineData(EventTransport.PerfBuffer, true)]
    public void The_same_object_runs_over_either_transport_and_every_record_is_accounted(EventTransport transport, bool output)
    {
        using var producer = new ChannelProducer(transport);
        Assert.Equal(transport == EventTransport.RingBuf ? BpfMapType.RingBuf : BpfMapType.PerfEventArray, producer.Object.Map("events").Type);
        var seen = new List<(ulong Ts, uint Cpu, uint Index, ulong Seq)>();
        using var reader = EventReader.Open(producer.Object, "events", record => seen.Add(ChannelProducer.Parse(record)));
        Assert.Equal(transport, reader.Transport);
        producer.Emit(cpu: 0, count: 100, ts0: 1000, step: 10, output: output);
        reader.Consume();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (1000 + 10 * (ulong)i, 0u, (uint)i, (ulong)i)), seen);
        var loss = reader.Loss;
        Assert.True(loss.CountedByProgram);
        Assert.Equal((100ul, 0ul, 100ul), (loss.Received, loss.Dropped, loss.Produced));
    }

    [Fact]
    public void Auto_picks_the_ring_buffer_on_a_kernel_that_has_one()
    {
        KernelGuard.RequireRoot();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("events_channel_test.bpf.o"));
        Assert.True(Ebpf.Features.KernelFeatures.HasMapType(BpfMapType.RingBuf));
        Assert.Equal(EventTransport.RingBuf, EventChannel.Configure(spec, "events"));
        Assert.Equal(BpfMapType.RingBuf, spec.Maps["events"].Type);
        // Switching to perf and back keeps nothing of the perf shape, and a size can be given.
        EventChannel.Configure(spec, "events", EventTransport.PerfBuffer);
        EventChannel.Configure(spec, "events", EventTransport.RingBuf, ringBytes: 64 * 1024);
        using var obj = spec.Load();
        Assert.Equal((BpfMapType.RingBuf, 64u * 1024, 0u, 0u), (obj.Map("events").Type, obj.Map("events").MaxEntries, obj.Map("events").KeySize, obj.Map("events").ValueSize));
    }
}
