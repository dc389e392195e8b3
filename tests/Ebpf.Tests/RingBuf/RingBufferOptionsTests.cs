using Ebpf.RingBuf;
using Ebpf.Streaming;

namespace Ebpf.Tests.RingBuf;

public class RingBufferOptionsTests
{
    [Fact]
    public void Defaults_publish_every_record_as_libbpf_and_wait_for_notifications()
    {
        Assert.Equal(1, new RingBufferOptions().PublishInterval);
        Assert.Equal(RingBufferWaitMode.Notification, new RingBufferOptions().WaitMode);
        Assert.Equal(4096, new RecordStreamOptions().Capacity);
        Assert.Equal(RecordStreamFullMode.Wait, new RecordStreamOptions().FullMode);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    public void Publish_interval_below_one_is_refused(int interval) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RingBufferOptions { PublishInterval = interval }.Validate());

    [Fact]
    public void An_undefined_wait_mode_is_refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new RingBufferOptions { WaitMode = (RingBufferWaitMode)2 }.Validate());

    [Fact]
    public void Stream_options_are_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecordStreamOptions { Capacity = 0 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new RecordStreamOptions { FullMode = (RecordStreamFullMode)7 }.Validate());
        new RecordStreamOptions { Capacity = 1, FullMode = RecordStreamFullMode.DropNewest }.Validate();
    }
}
