using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Ebpf.Internal.Unix;

/// <summary>
/// Network namespaces: open one by path (<c>/var/run/netns/NAME</c>, <c>/proc/PID/ns/net</c>), and run a piece of
/// work inside one. A namespace belongs to a thread, and .NET code does not control which thread it runs on, so the
/// work runs on a fresh thread that enters the namespace (setns) and ends with the work: nothing else ever runs in
/// the namespace by accident. Sockets (netlink ones included) created there stay in that namespace for their life.
/// </summary>
internal static class NetNs
{
    /// <summary>The calling thread's network namespace.</summary>
    internal const string CurrentThreadPath = "/proc/thread-self/ns/net";

    /// <summary>Opens the namespace file at <paramref name="path"/>.</summary>
    /// <exception cref="BpfException">It does not exist or is not a network namespace.</exception>
    internal static SafeFd Open(string path, string subject)
    {
        long r = PathFd.TryOpen(path);
        if (r < 0)
            throw new BpfException("open", (int)-r,
                $"Cannot open network namespace '{path}' for {subject}: {Errno.Name((int)-r)}. Name a namespace file such as /var/run/netns/NAME (ip netns add NAME) or /proc/PID/ns/net.");
        return SafeFd.FromSyscall((int)r);
    }

    /// <summary>The kernel's name for the calling thread's namespace (<c>net:[inode]</c>), to tell namespaces apart.</summary>
    internal static string CurrentIdentity() => new FileInfo(CurrentThreadPath).LinkTarget ?? CurrentThreadPath;

    /// <summary>Runs <paramref name="work"/> on a new thread inside namespace <paramref name="netns"/> and returns its
    /// result (or rethrows its exception).</summary>
    internal static T RunIn<T>(SafeFd netns, Func<T> work, string subject)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        int fd = netns.Fd;
        var thread = new Thread(() =>
        {
            try
            {
                if (Libc.SetNs(fd, Libc.CLONE_NEWNET) != 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    throw new BpfException("setns", errno,
                        $"Cannot enter the network namespace for {subject}: {Errno.Name(errno)}. Is the file a network namespace, and does the process hold CAP_SYS_ADMIN?");
                }
                result = work();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        { IsBackground = true, Name = "ebpf-netns" };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }
}
