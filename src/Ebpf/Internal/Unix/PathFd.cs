using System.Runtime.InteropServices;
using Ebpf.Internal.Sys;

namespace Ebpf.Internal.Unix;

/// <summary>open(2) read-only and close-on-exec, for the files and directories the kernel takes as fds: cgroup
/// directories and network namespace files (.NET's file APIs refuse to open a directory).</summary>
internal static unsafe class PathFd
{
    /// <summary>The fd, or -errno.</summary>
    internal static long TryOpen(string path)
    {
        byte[] p = Bpf.NulTerminated(path);
        fixed (byte* pp = p)
        {
            // SAFETY: pp is a pinned NUL-terminated copy alive for the call.
            int fd = Libc.Open(pp, Libc.O_RDONLY | Libc.O_CLOEXEC);
            return fd < 0 ? -Marshal.GetLastPInvokeError() : fd;
        }
    }
}
