using Ebpf.Events;
using Ebpf.Tests.Loader;

namespace Ebpf.Tests.Events;

public sealed class EventLossTests
{
    [Fact]
    public void Dropped_counts_the_programs_failures_once_and_the_kernels_perf_losses_only_without_them()
    {
        var counted = new EventLoss(Received: 100, RingFull: 3, PerfFull: 4, OtherFailures: 5, PerfLost: 4, StreamDropped: 2, CountedByProgram: true);
        Assert.Equal(14ul, counted.Dropped); // the perf losses are the perf-full failures, seen again
        Assert.Equal(114ul, counted.Produced);
        var uncounted = counted with { CountedByProgram = false };
        Assert.Equal(6ul, uncounted.Dropped);
        Assert.Equal(106ul, uncounted.Produced);
    }

    [Fact]
    public void Configure_for_perf_edits_the_map_and_the_switch_without_the_kernel()
    {
        var spec = BpfObjectSpec.FromFile(TestObjectFiles.Path("events_channel_test.bpf.o"));
        Assert.Equal(BpfMapType.RingBuf, spec.Maps["events"].Type);
        Assert.Equal(16u * 1024, spec.Maps["events"].MaxEntries);
        Assert.Equal(1u, spec.GetVariable<uint>("events_ringbuf"));

        Assert.Equal(EventTransport.PerfBuffer, EventChannel.Configure(spec, "events", EventTransport.PerfBuffer));
        var map = spec.Maps["events"];
        Assert.Equal((BpfMapType.PerfEventArray, 4u, 4u, 0u), (map.Type, map.KeySize, map.ValueSize, map.MaxEntries));
        Assert.Equal(0u, spec.GetVariable<uint>("events_ringbuf"));
        Assert.Equal(BpfMapType.PerCpuArray, spec.Maps["events_drops"].Type);
        Assert.Equal(24u, spec.Maps["events_drops"].ValueSize); // struct ebpf_net_drops, mirrored by DropCounts
    }

    [Fact]
    public void Configure_names_what_is_missing_when_the_object_has_no_such_channel()
    {
        var spec = BpfObjectSpec.FromFile(TestObjectFiles.Path("events_channel_test.bpf.o"));
        var e = Assert.Throws<ArgumentException>(() => EventChannel.Configure(spec, "nope", EventTransport.PerfBuffer));
        Assert.Contains("EBPF_NET_EVENTS(nope", e.Message, StringComparison.Ordinal);
        var ring = BpfObjectSpec.FromFile(TestObjectFiles.Path("ringbuf_test.bpf.o"));
        Assert.Throws<ArgumentException>(() => EventChannel.Configure(ring, "rb", EventTransport.PerfBuffer)); // a map, but no switch
    }
}
