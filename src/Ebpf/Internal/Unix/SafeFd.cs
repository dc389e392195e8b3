using Microsoft.Win32.SafeHandles;

namespace Ebpf.Internal.Unix;

/// <summary>An owned file descriptor (map, program, link, BTF, perf event, epoll, eventfd); closed on release.</summary>
internal sealed class SafeFd : SafeHandleMinusOneIsInvalid
{
    internal SafeFd() : base(ownsHandle: true) { }

    internal SafeFd(int fd) : base(ownsHandle: true) => SetHandle(fd);

    /// <summary>The raw descriptor. Valid while this handle is alive and not disposed.</summary>
    internal int Fd
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsClosed, this);
            return (int)handle;
        }
    }

    /// <summary>Wraps a descriptor a syscall returned. The BPF UAPI reads fd 0 as "no fd", so a 0 is moved to ≥ 1 (cilium does the same).</summary>
    internal static SafeFd FromSyscall(int fd)
    {
        if (fd == 0)
        {
            int moved = Libc.Fcntl(0, Libc.F_DUPFD_CLOEXEC, 1);
            int err = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
            _ = Libc.Close(0);
            if (moved < 0)
                throw Errno.ToException("fcntl(F_DUPFD_CLOEXEC)", err, "moving fd 0 out of the way");
            fd = moved;
        }
        return new SafeFd(fd);
    }

    /// <summary>A close-on-exec duplicate, for readers that must outlive the caller's handle.</summary>
    internal SafeFd Duplicate() => Duplicate(Fd);

    /// <summary>A close-on-exec duplicate of a descriptor this process does not own.</summary>
    internal static SafeFd Duplicate(int existing)
    {
        int fd = Libc.Fcntl(existing, Libc.F_DUPFD_CLOEXEC, 1);
        if (fd < 0)
            throw Errno.ToException("fcntl(F_DUPFD_CLOEXEC)", System.Runtime.InteropServices.Marshal.GetLastPInvokeError(), null);
        return new SafeFd(fd);
    }

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
