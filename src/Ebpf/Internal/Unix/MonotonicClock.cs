namespace Ebpf.Internal.Unix;

/// <summary>CLOCK_MONOTONIC in nanoseconds: the clock of <c>bpf_ktime_get_ns()</c>, so BPF timestamps compare with it.</summary>
internal static unsafe class MonotonicClock
{
    internal static ulong NowNs()
    {
        TimeSpec ts;
        // SAFETY: ts is a stack local the call fills; CLOCK_MONOTONIC cannot fail on Linux.
        _ = Libc.ClockGetTime(Libc.CLOCK_MONOTONIC, &ts);
        return (ulong)ts.Seconds * 1_000_000_000UL + (ulong)ts.Nanoseconds;
    }
}
