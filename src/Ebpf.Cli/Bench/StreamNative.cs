using System.Runtime.InteropServices;

namespace Ebpf.Cli.Bench;

/// <summary>The libc calls the stream benchmark needs: the producer's syscall and pacing, the consumer thread's CPU clock.</summary>
internal static partial class StreamNative
{
    [LibraryImport("libc", EntryPoint = "getpgid")]
    internal static partial int GetPgid(int pid);

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec ts);

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    private static partial int ClockNanoSleep(int clock, int flags, in TimeSpec request, nint remaining);

    private const int CLOCK_MONOTONIC = 1, CLOCK_THREAD_CPUTIME_ID = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds, Nanoseconds;
    }

    /// <summary>Sleeps <paramref name="ns"/> nanoseconds (as the C producer does: clock_nanosleep on CLOCK_MONOTONIC).</summary>
    internal static void SleepNs(long ns)
    {
        var request = new TimeSpec { Seconds = ns / 1_000_000_000, Nanoseconds = ns % 1_000_000_000 };
        _ = ClockNanoSleep(CLOCK_MONOTONIC, 0, request, 0);
    }

    /// <summary>CPU time of the calling thread, in nanoseconds.</summary>
    internal static long ThreadCpuNs()
    {
        _ = ClockGetTime(CLOCK_THREAD_CPUTIME_ID, out var ts);
        return ts.Seconds * 1_000_000_000 + ts.Nanoseconds;
    }
}
