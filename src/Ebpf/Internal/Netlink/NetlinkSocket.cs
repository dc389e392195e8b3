using System.Runtime.InteropServices;
using Ebpf.Internal.Unix;

namespace Ebpf.Internal.Netlink;

/// <summary>
/// A NETLINK_ROUTE socket for requests to the kernel, with extended acknowledgements on (the kernel then says why it
/// refused, and the message ends up in the exception). The socket lives in the network namespace of the thread that
/// opened it, for its whole life: an attachment keeps the socket it was made with, so its removal reaches the same
/// namespace whichever thread disposes it.
/// </summary>
internal sealed unsafe class NetlinkSocket : IDisposable
{
    private const int ReceiveBufferSize = 64 * 1024;

    private readonly SafeFd _fd;
    private readonly Lock _lock = new();
    private readonly byte[] _receive = new byte[ReceiveBufferSize];
    private uint _sequence;

    private NetlinkSocket(SafeFd fd) => _fd = fd;

    internal static NetlinkSocket OpenRoute()
    {
        int fd = Libc.Socket(Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.NETLINK_ROUTE);
        if (fd < 0) throw Errno.ToException("socket(AF_NETLINK)", Marshal.GetLastPInvokeError(), "NETLINK_ROUTE");
        var handle = SafeFd.FromSyscall(fd);
        int on = 1;
        // Best effort: kernels before 4.12 have no extended acks, and the requests work the same without them.
        _ = Libc.SetSockOpt(handle.Fd, Libc.SOL_NETLINK, Libc.NETLINK_EXT_ACK, &on, 4);
        _ = Libc.SetSockOpt(handle.Fd, Libc.SOL_NETLINK, Libc.NETLINK_CAP_ACK, &on, 4);
        return new NetlinkSocket(handle);
    }

    internal bool IsDisposed => _fd.IsClosed;

    /// <summary>
    /// The socket's network namespace, as a name that no later namespace takes: <c>cookie:N</c> from SO_NETNS_COOKIE
    /// (Linux 5.14+; the cookie is never reused while the system runs), else the kernel's <c>net:[inode]</c> of the calling
    /// thread's namespace (where the socket was made), whose inode a namespace created after this one is gone may get.
    /// </summary>
    internal string NamespaceIdentity()
    {
        ulong cookie = 0;
        uint length = sizeof(ulong);
        // SAFETY: cookie and length are locals, alive for the synchronous call; the kernel writes at most length bytes.
        if (Libc.GetSockOpt(_fd.Fd, Libc.SOL_SOCKET, Libc.SO_NETNS_COOKIE, &cookie, &length) == 0 && length == sizeof(ulong))
            return $"cookie:{cookie}";
        return NetNs.CurrentIdentity();
    }

    /// <summary>Sends <paramref name="message"/> and collects the kernel's answer. Returns the messages it sent back
    /// (an echo, a GET's answer, a dump); throws the typed exception for an error.</summary>
    internal List<NetlinkReply> Request(NetlinkMessage message, string subject)
    {
        int errno = TryRequest(message, out var replies, out string? kernelMessage);
        if (errno != 0) throw Error(message, errno, kernelMessage, subject);
        return replies;
    }

    /// <summary>As <see cref="Request"/>, but returns the errno (0 on success) for callers to whom some errors are answers.</summary>
    internal int TryRequest(NetlinkMessage message, out List<NetlinkReply> replies, out string? kernelMessage)
    {
        lock (_lock)
        {
            uint sequence = ++_sequence;
            var bytes = message.Finish(sequence);
            fixed (byte* p = bytes)
            {
                // SAFETY: p is the pinned request, bytes.Length long, alive for the call.
                if (Libc.Send(_fd.Fd, p, (nuint)bytes.Length, 0) < 0)
                    throw Errno.ToException("send(netlink)", Marshal.GetLastPInvokeError(), Rtnl.MessageName(message.Type));
            }
            replies = [];
            while (true)
            {
                nint n;
                fixed (byte* p = _receive)
                {
                    // SAFETY: p is the pinned receive buffer; the kernel writes at most its length.
                    do n = Libc.Recv(_fd.Fd, p, (nuint)_receive.Length, 0);
                    while (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR);
                }
                if (n < 0) throw Errno.ToException("recv(netlink)", Marshal.GetLastPInvokeError(), Rtnl.MessageName(message.Type));
                if (NetlinkReply.Read(_receive.AsSpan(0, (int)n), sequence, replies, out int errno, out kernelMessage))
                    return errno;
            }
        }
    }

    internal static BpfException Error(NetlinkMessage message, int errno, string? kernelMessage, string subject) =>
        Errno.ToException(Rtnl.MessageName(message.Type), errno, subject, kernelMessage is null ? null : $"The kernel says: {kernelMessage}.");

    public void Dispose() => _fd.Dispose();
}
