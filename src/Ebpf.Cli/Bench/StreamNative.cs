using System.Runtime.InteropServices;

namespace Ebpf.Cli.Bench;

/// <summary>The consumer thread's CPU clock, for the stream benchmark (the producers are the C reference's threads).</summary>
internal static partial class StreamNative
{
    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec ts);

    private const int CLOCK_THREAD_CPUTIME_ID = 3;

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds, Nanoseconds;
    }

    /// <summary>CPU time of the calling thread, in nanoseconds.</summary>
    internal static long ThreadCpuNs()
    {
        _ = ClockGetTime(CLOCK_THREAD_CPUTIME_ID, out var ts);
        return ts.Seconds * 1_000_000_000 + ts.Nanoseconds;
    }
}
