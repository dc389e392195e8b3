namespace Ebpf.RingBuf;

/// <summary>Settings of a <see cref="RingBuffer"/>.</summary>
public sealed class RingBufferOptions
{
    internal static readonly RingBufferOptions Default = new();

    /// <summary>
    /// Publish the consumer position (which frees ring space for the BPF producers) after every this many records.
    /// 1, the default, frees each record as soon as its handler returns (libbpf does this). Larger values save a
    /// shared-memory store per record, but the space of up to N − 1 consumed records stays taken a little longer.
    /// The position is always published at the end of every drain, when a handler stops or throws, and before waiting.
    /// </summary>
    public int PublishInterval { get; init; } = 1;

    /// <summary>
    /// What wakes a waiting Poll. <see cref="RingBufferWaitMode.Notification"/>, the default, honours the BPF side's
    /// choice of when to notify (<c>BPF_RB_NO_WAKEUP</c>, <c>BPF_RB_FORCE_WAKEUP</c>, the adaptive wake-up);
    /// <see cref="RingBufferWaitMode.DataAvailable"/> returns whenever unread data is there, as libbpf does. The two
    /// differ only for programs that suppress notifications. A caller that waits on <see cref="RingBuffer.EpollFd"/>
    /// itself in Notification mode must drain completely (Consume until it returns 0) before waiting again: a ring left
    /// with records after a handler stopped is not reported again until the next notification.
    /// </summary>
    public RingBufferWaitMode WaitMode { get; init; } = RingBufferWaitMode.Notification;

    internal void Validate()
    {
        if (PublishInterval < 1)
            throw new ArgumentOutOfRangeException(nameof(PublishInterval), PublishInterval, "RingBufferOptions.PublishInterval must be at least 1.");
        if (!Enum.IsDefined(WaitMode))
            throw new ArgumentOutOfRangeException(nameof(WaitMode), WaitMode, "RingBufferOptions.WaitMode must be Notification or DataAvailable.");
    }
}
