namespace Ebpf.RingBuf;

/// <summary>What wakes a <see cref="RingBuffer"/> that waits in Poll (its epoll registration of the rings).</summary>
public enum RingBufferWaitMode
{
    /// <summary>
    /// The BPF side's notifications (edge-triggered): a commit that finds the consumer caught up (the kernel's adaptive
    /// wake-up) or one with <c>BPF_RB_FORCE_WAKEUP</c>; never one with <c>BPF_RB_NO_WAKEUP</c>. So a program that
    /// notifies every Nth record gets a consumer that wakes every Nth record, as a perf buffer's <c>wakeup_events</c>
    /// does. Records committed without a notification are read at the next notification, or when Poll times out.
    /// </summary>
    Notification,

    /// <summary>
    /// Any unread data (level-triggered, libbpf's <c>ring_buffer__poll</c>): a Poll that starts while a ring holds
    /// records returns at once, whether or not the BPF side asked to notify. A producer that suppresses notifications
    /// then still has a consumer that wakes far more often than every Nth record (it never sleeps while data flows).
    /// </summary>
    DataAvailable,
}
