using Ebpf.KernelTests.RingBuf;

namespace Ebpf.KernelTests.Async;

/// <summary>Finds the thread behind a buffer's PollAsync ("Ebpf poll &lt;map&gt;", cut to 15 characters by the kernel).</summary>
internal static class AsyncPollerThreads
{
    /// <summary>Waits (up to 10 s) until the PollAsync thread of <paramref name="map"/> sleeps in epoll_wait.</summary>
    internal static void WaitUntilBlocked(string map)
    {
        string comm = $"Ebpf poll {map}";
        if (comm.Length > 15) comm = comm[..15];
        var until = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < until)
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc/self/task"))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(dir, "comm")).TrimEnd('\n') == comm
                        && RingBuf.ThreadState.IsInEpollWait(int.Parse(Path.GetFileName(dir), System.Globalization.CultureInfo.InvariantCulture)))
                        return;
                }
                catch (IOException) { /* exited while listing */ }
            }
            Thread.Sleep(1);
        }
        Assert.Fail($"no thread '{comm}' reached epoll_wait");
    }
}
