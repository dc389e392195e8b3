using System.Runtime.InteropServices;

namespace Ebpf.Internal.Unix;

/// <summary>The libc entry points Ebpf.Net calls. Nothing outside Internal/ declares a P/Invoke.</summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";

    // syscall(2) is variadic in C; integer-only arguments through a fixed signature are ABI-safe on x86_64 and arm64.
    [LibraryImport(Lib, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long Syscall(long number, long a1, long a2, long a3, long a4, long a5);

    [LibraryImport(Lib, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Lib, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint Mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport(Lib, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int Munmap(nint addr, nuint length);

    [LibraryImport(Lib, EntryPoint = "epoll_create1", SetLastError = true)]
    internal static partial int EpollCreate1(int flags);

    [LibraryImport(Lib, EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static partial int EpollCtl(int epfd, int op, int fd, byte* ev);

    [LibraryImport(Lib, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static partial int EpollWait(int epfd, byte* events, int maxevents, int timeout);

    [LibraryImport(Lib, EntryPoint = "eventfd", SetLastError = true)]
    internal static partial int EventFd(uint initval, int flags);

    [LibraryImport(Lib, EntryPoint = "read", SetLastError = true)]
    internal static partial nint Read(int fd, void* buf, nuint count);

    [LibraryImport(Lib, EntryPoint = "write", SetLastError = true)]
    internal static partial nint Write(int fd, void* buf, nuint count);

    [LibraryImport(Lib, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, ulong request, nint arg);

    [LibraryImport(Lib, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int cmd, int arg);

    [LibraryImport(Lib, EntryPoint = "mount", SetLastError = true)]
    internal static partial int Mount(byte* source, byte* target, byte* fstype, ulong flags, nint data);

    [LibraryImport(Lib, EntryPoint = "statfs", SetLastError = true)]
    internal static partial int Statfs(byte* path, byte* buf);

    [LibraryImport(Lib, EntryPoint = "sched_setaffinity", SetLastError = true)]
    internal static partial int SchedSetAffinity(int pid, nuint cpusetsize, ulong* mask);

    [LibraryImport(Lib, EntryPoint = "sched_getaffinity", SetLastError = true)]
    internal static partial int SchedGetAffinity(int pid, nuint cpusetsize, ulong* mask);

    [LibraryImport(Lib, EntryPoint = "sched_getcpu")]
    internal static partial int SchedGetCpu();

    [LibraryImport(Lib, EntryPoint = "gettid")]
    internal static partial int GetTid();

    [LibraryImport(Lib, EntryPoint = "clock_gettime", SetLastError = true)]
    internal static partial int ClockGetTime(int clockId, TimeSpec* ts);

    internal const int PROT_READ = 0x1, PROT_WRITE = 0x2;
    internal const int MAP_SHARED = 0x01;
    internal const int O_CLOEXEC = 0x80000;
    internal const int EPOLL_CLOEXEC = O_CLOEXEC, EFD_CLOEXEC = O_CLOEXEC, EFD_NONBLOCK = 0x800;
    internal const int EPOLL_CTL_ADD = 1, EPOLL_CTL_DEL = 2;
    internal const uint EPOLLIN = 0x001, EPOLLOUT = 0x004, EPOLLERR = 0x008, EPOLLHUP = 0x010, EPOLLET = 1u << 31;
    internal const int F_GETFD = 1, F_DUPFD_CLOEXEC = 1030, FD_CLOEXEC = 1;
    internal const int CLOCK_MONOTONIC = 1;
    internal static readonly nint MapFailed = -1;
}

/// <summary>
/// One ready descriptor as <see cref="Epoll.Wait"/> reports it. This is the naturally aligned 16-byte layout of
/// <c>struct epoll_event</c> (arm64 and most architectures); x86_64's kernel ABI packs it into 12 bytes, and
/// <see cref="Epoll"/> converts between the two, so callers see one layout everywhere.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct EpollEvent
{
    internal uint Events;
    internal ulong Data;
}

[StructLayout(LayoutKind.Sequential)]
internal struct TimeSpec
{
    internal long Seconds;
    internal long Nanoseconds;
}
