using Ebpf.Perf;

namespace Ebpf.Tests.Perf;

public class PerfBufferOptionsTests
{
    [Fact]
    public void Defaults_wake_on_every_sample_and_are_valid()
    {
        var o = new PerfBufferOptions();
        Assert.Equal(1, o.WakeupEvents);
        Assert.Null(o.WatermarkBytes);
        Assert.Null(o.Cpus);
        o.Validate();
    }

    [Fact]
    public void Wakeup_events_and_watermark_are_exclusive()
    {
        var e = Assert.Throws<ArgumentException>(() => new PerfBufferOptions { WakeupEvents = 10, WatermarkBytes = 4096 }.Validate());
        Assert.Contains("not both", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Watermark_alone_is_valid() => new PerfBufferOptions { WatermarkBytes = 4096 }.Validate();

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void Wakeup_events_must_be_positive(int n) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerfBufferOptions { WakeupEvents = n }.Validate());

    [Fact]
    public void Watermark_must_be_positive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerfBufferOptions { WatermarkBytes = 0 }.Validate());

    [Fact]
    public void Cpus_must_be_distinct_non_negative_and_not_empty()
    {
        Assert.Throws<ArgumentException>(() => new PerfBufferOptions { Cpus = [0, 0] }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerfBufferOptions { Cpus = [-1] }.Validate());
        Assert.Throws<ArgumentException>(() => new PerfBufferOptions { Cpus = [] }.Validate());
        new PerfBufferOptions { Cpus = [1, 0] }.Validate();
    }
}
