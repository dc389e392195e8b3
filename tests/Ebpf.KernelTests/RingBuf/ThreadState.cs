namespace Ebpf.KernelTests.RingBuf;

/// <summary>Lets a test wait until another thread is really asleep in epoll_wait (from /proc), instead of sleeping and hoping.</summary>
internal static class ThreadState
{
    internal static int CurrentTid() => Ebpf.Internal.Unix.Libc.GetTid();

    internal static bool IsInEpollWait(int tid)
    {
        try
        {
            string wchan = File.ReadAllText($"/proc/self/task/{tid}/wchan");
            return wchan.Contains("ep_poll", StringComparison.Ordinal) || wchan.Contains("epoll_wait", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Waits (up to 10 s) until thread <paramref name="tid"/> sleeps in epoll_wait; fails the test otherwise.</summary>
    internal static void WaitUntilInEpollWait(ref int tid)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < until)
        {
            int t = Volatile.Read(ref tid);
            if (t != 0 && IsInEpollWait(t)) return;
            Thread.Sleep(1);
        }
        Assert.Fail("the polling thread never reached epoll_wait");
    }

    /// <summary>Names of this process's threads (as the kernel sees them, at most 15 characters).</summary>
    internal static List<string> ThreadNames()
    {
        var names = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc/self/task"))
        {
            try { names.Add(File.ReadAllText(Path.Combine(dir, "comm")).TrimEnd('\n')); }
            catch (IOException) { /* exited while listing */ }
        }
        return names;
    }
}
