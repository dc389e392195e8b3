using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Ebpf.Internal.Unix;

/// <summary>
/// An epoll set plus an eventfd registered in it, so that Dispose or cancellation on another thread wakes a
/// thread blocked in <see cref="Wait"/> at once, without a polling timer.
/// </summary>
internal sealed unsafe class Epoll : IDisposable
{
    /// <summary>The epoll data token of the wake-up eventfd; rings use their index.</summary>
    internal const ulong WakeToken = ulong.MaxValue;

    /// <summary>x86_64 declares <c>struct epoll_event</c> packed: 12 bytes, the data at offset 4.</summary>
    private static readonly bool PackedAbi = RuntimeInformation.ProcessArchitecture == Architecture.X64;

    private readonly SafeFd _epoll;
    private readonly SafeFd _wake;

    internal Epoll()
    {
        int ep = Libc.EpollCreate1(Libc.EPOLL_CLOEXEC);
        if (ep < 0) throw Errno.ToException("epoll_create1", Marshal.GetLastPInvokeError(), null);
        _epoll = SafeFd.FromSyscall(ep);
        int ev = Libc.EventFd(0, Libc.EFD_CLOEXEC | Libc.EFD_NONBLOCK);
        if (ev < 0)
        {
            int err = Marshal.GetLastPInvokeError();
            _epoll.Dispose();
            throw Errno.ToException("eventfd", err, null);
        }
        _wake = SafeFd.FromSyscall(ev);
        Add(_wake, WakeToken);
    }

    /// <summary>The epoll descriptor, for callers with their own event loop (libbpf's <c>*_epoll_fd</c>).</summary>
    internal int Fd => _epoll.Fd;

    /// <summary>
    /// Registers <paramref name="fd"/> for input (or, with <paramref name="writable"/>, for output). Level-triggered by
    /// default: the fd is reported as long as it is readable (writable). <paramref name="edgeTriggered"/>: reported once
    /// per wake-up of the fd's wait queue (and once at registration if it is ready then).
    /// </summary>
    internal void Add(SafeFd fd, ulong token, bool edgeTriggered = false, bool writable = false)
    {
        // SAFETY: a 16-byte stack buffer holds either layout; the kernel copies it before epoll_ctl returns.
        byte* ev = stackalloc byte[16];
        *(uint*)ev = (writable ? Libc.EPOLLOUT : Libc.EPOLLIN) | (edgeTriggered ? Libc.EPOLLET : 0);
        *(ulong*)(ev + (PackedAbi ? 4 : 8)) = token;
        if (Libc.EpollCtl(_epoll.Fd, Libc.EPOLL_CTL_ADD, fd.Fd, ev) < 0)
            throw Errno.ToException("epoll_ctl(EPOLL_CTL_ADD)", Marshal.GetLastPInvokeError(), $"fd {fd.Fd}");
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> (-1 = forever). Returns the ready count; EINTR reads as 0 ready.</summary>
    internal int Wait(Span<EpollEvent> events, int timeoutMs)
    {
        fixed (EpollEvent* p = events)
        {
            // SAFETY: the span holds events.Length 16-byte entries; the kernel writes at most that many records,
            // 12 or 16 bytes each, inside it.
            int n = Libc.EpollWait(_epoll.Fd, (byte*)p, events.Length, timeoutMs);
            if (n > 0 && PackedAbi) Unpack((byte*)p, n);
            if (n >= 0) return n;
            int errno = Marshal.GetLastPInvokeError();
            if (errno == Errno.EINTR) return 0;
            throw Errno.ToException("epoll_wait", errno, null);
        }
    }

    /// <summary>Spreads <paramref name="count"/> packed 12-byte records into 16-byte entries in place. Last first:
    /// record i moves from 12i to 16i, over bytes only records after it occupied, which have already moved.</summary>
    private static void Unpack(byte* buffer, int count)
    {
        for (int i = count - 1; i >= 0; i--)
        {
            uint events = *(uint*)(buffer + 12 * i);
            ulong data = Unsafe.ReadUnaligned<ulong>(buffer + 12 * i + 4);
            var entry = (EpollEvent*)(buffer + 16 * i);
            entry->Events = events;
            entry->Data = data;
        }
    }

    /// <summary>Wakes any thread blocked in <see cref="Wait"/>. Safe from any thread, including after the wait returned.</summary>
    internal void Wake()
    {
        // The reference keeps the eventfd number from being closed (and reused by an unrelated open) during the write;
        // a wake-up after Dispose has nobody to wake and is dropped.
        bool added = false;
        try
        {
            _wake.DangerousAddRef(ref added);
            ulong one = 1;
            _ = Libc.Write((int)_wake.DangerousGetHandle(), &one, sizeof(ulong));
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            if (added) _wake.DangerousRelease();
        }
    }

    /// <summary>Clears a pending wake-up so the next wait blocks again.</summary>
    internal void ResetWake()
    {
        ulong value;
        _ = Libc.Read(_wake.Fd, &value, sizeof(ulong));
    }

    public void Dispose()
    {
        _wake.Dispose();
        _epoll.Dispose();
    }
}
