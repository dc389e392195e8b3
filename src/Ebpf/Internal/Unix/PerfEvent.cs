using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Ebpf.Internal.Sys;

namespace Ebpf.Internal.Unix;

/// <summary>perf_event_open(2) and the ioctls Ebpf.Net issues on perf event fds.</summary>
internal static unsafe class PerfEvent
{
    /// <summary>Opens an event; returns the fd or -errno (callers decide: ENODEV means an offline CPU).</summary>
    internal static int TryOpen(ref PerfEventAttr attr, int pid, int cpu, int groupFd = -1)
    {
        attr.Size = (uint)Unsafe.SizeOf<PerfEventAttr>();
        fixed (PerfEventAttr* p = &attr)
        {
            long r = Libc.Syscall(SyscallNumbers.PerfEventOpen, (long)p, pid, cpu, groupFd, PerfEventAttr.PERF_FLAG_FD_CLOEXEC);
            return r < 0 ? -Marshal.GetLastPInvokeError() : (int)r;
        }
    }

    internal static SafeFd Open(ref PerfEventAttr attr, int pid, int cpu, string subject)
    {
        int r = TryOpen(ref attr, pid, cpu);
        if (r < 0) throw Errno.ToException("perf_event_open", -r, subject);
        return SafeFd.FromSyscall(r);
    }

    internal static void Ioctl(SafeFd fd, ulong request, nint arg, string subject)
    {
        if (Libc.Ioctl(fd.Fd, request, arg) < 0)
            throw Errno.ToException($"ioctl(0x{request:x})", Marshal.GetLastPInvokeError(), subject);
    }
}
