using Ebpf.KernelTests.Infrastructure;
using Ebpf.RingBuf;

namespace Ebpf.KernelTests.RingBuf;

/// <summary>
/// RingBufferOptions.WaitMode against the real kernel: Notification (edge-triggered, the default) sleeps through records
/// committed with BPF_RB_NO_WAKEUP and wakes on the BPF side's notification; DataAvailable (level-triggered, libbpf's
/// behaviour) returns at once when a Poll starts with unread records. In both, records a stopped drain left behind are
/// read by the next Poll without waiting for a notification.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class RingBufferWaitModeTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public void Notification_mode_sleeps_through_unnotified_records_and_wakes_on_the_next_notification()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var seqs = new List<ulong>();
        using var rb = new RingBuffer(p.Rb, r => { seqs.Add(RingProducer.Verify(r)); return 0; });
        // One notified record, read by a Poll that was woken by it: epoll has reported the ring once.
        p.Produce(1, 40, flags: RingProducer.ForceWakeup);
        Assert.Equal(1, rb.Poll(Bound, TestContext.Current.CancellationToken));

        p.Produce(3, 40, flags: RingProducer.NoWakeup);
        using var poller = new PollingThread(rb, r => r.Poll(Timeout.Infinite));
        poller.WaitUntilAsleep();
        Thread.Sleep(200);
        Assert.False(poller.Finished, "a Poll in Notification mode returned for records committed with BPF_RB_NO_WAKEUP");

        p.Produce(1, 40, flags: RingProducer.ForceWakeup);
        Assert.Equal(4, poller.Returned(Bound));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => (ulong)i), seqs);
    }

    [Fact]
    public void DataAvailable_mode_returns_at_once_for_records_committed_without_a_notification()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        int records = 0;
        using var rb = new RingBuffer(p.Rb, r => { RingProducer.Verify(r); records++; return 0; },
            new RingBufferOptions { WaitMode = RingBufferWaitMode.DataAvailable });
        p.Produce(1, 40, flags: RingProducer.ForceWakeup);
        Assert.Equal(1, rb.Poll(Bound, TestContext.Current.CancellationToken));

        // Level-triggered: the ring reported last time is looked at again when the next wait starts, and it has data.
        p.Produce(3, 40, flags: RingProducer.NoWakeup);
        using var poller = new PollingThread(rb, r => r.Poll(Timeout.Infinite));
        Assert.Equal(3, poller.Returned(Bound));
        Assert.Equal(4, records);
    }

    [Theory]
    [InlineData(RingBufferWaitMode.Notification)]
    [InlineData(RingBufferWaitMode.DataAvailable)]
    public void Records_a_stopped_poll_left_are_read_by_the_next_poll_without_a_new_notification(RingBufferWaitMode mode)
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        int calls = 0;
        using var rb = new RingBuffer(p.Rb, r => ++calls == 2 ? -5 : 0, new RingBufferOptions { WaitMode = mode });
        p.Produce(6, 40, flags: RingProducer.ForceWakeup);
        Assert.Equal(-5, rb.Poll(Bound, TestContext.Current.CancellationToken));

        // No record is produced from here on: only the reader's own memory of the stop can make this Poll return.
        using var poller = new PollingThread(rb, r => r.Poll(Timeout.Infinite));
        Assert.Equal(4, poller.Returned(Bound));
        Assert.Equal(6, calls);
    }

    [Fact]
    public void Records_consumen_left_are_read_by_the_next_poll_without_a_new_notification()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        using var rb = new RingBuffer(p.Rb, r => 0);
        p.Produce(1, 40, flags: RingProducer.ForceWakeup);
        Assert.Equal(1, rb.Poll(Bound, TestContext.Current.CancellationToken)); // takes the one pending notification
        p.Produce(5, 40, flags: RingProducer.NoWakeup);
        Assert.Equal(2, rb.ConsumeN(2)); // leaves three, and no notification will announce them
        using var poller = new PollingThread(rb, r => r.Poll(Timeout.Infinite));
        Assert.Equal(3, poller.Returned(Bound));
    }

    [Fact]
    public void Wait_mode_is_validated()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new RingBuffer(p.Rb, r => 0, new RingBufferOptions { WaitMode = (RingBufferWaitMode)9 }));
        Assert.Contains("WaitMode", e.Message);
    }
}
