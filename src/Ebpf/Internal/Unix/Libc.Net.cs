using System.Runtime.InteropServices;

namespace Ebpf.Internal.Unix;

/// <summary>The libc entry points the networking attach paths call: sockets (netlink, SO_ATTACH_BPF), interface
/// names, network namespaces, and open(2) for directories (.NET's file APIs refuse to open a directory).</summary>
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Lib, EntryPoint = "bind", SetLastError = true)]
    internal static partial int Bind(int fd, void* addr, uint addrLen);

    [LibraryImport(Lib, EntryPoint = "send", SetLastError = true)]
    internal static partial nint Send(int fd, void* buf, nuint len, int flags);

    [LibraryImport(Lib, EntryPoint = "recv", SetLastError = true)]
    internal static partial nint Recv(int fd, void* buf, nuint len, int flags);

    [LibraryImport(Lib, EntryPoint = "setsockopt", SetLastError = true)]
    internal static partial int SetSockOpt(int fd, int level, int name, void* value, uint valueLen);

    [LibraryImport(Lib, EntryPoint = "getsockopt", SetLastError = true)]
    internal static partial int GetSockOpt(int fd, int level, int name, void* value, uint* valueLen);

    [LibraryImport(Lib, EntryPoint = "if_nametoindex", SetLastError = true)]
    internal static partial uint IfNameToIndex(byte* name);

    [LibraryImport(Lib, EntryPoint = "if_indextoname", SetLastError = true)]
    internal static partial byte* IfIndexToName(uint index, byte* name);

    [LibraryImport(Lib, EntryPoint = "setns", SetLastError = true)]
    internal static partial int SetNs(int fd, int nsType);

    [LibraryImport(Lib, EntryPoint = "open", SetLastError = true)]
    internal static partial int Open(byte* path, int flags);

    internal const int AF_UNSPEC = 0, AF_NETLINK = 16;
    internal const int SOCK_RAW = 3, SOCK_CLOEXEC = O_CLOEXEC;
    internal const int NETLINK_ROUTE = 0;
    internal const int SOL_SOCKET = 1, SOL_NETLINK = 270;
    internal const int SO_DETACH_BPF = 27, SO_ATTACH_BPF = 50, SO_RCVBUF = 8, SO_NETNS_COOKIE = 71;
    internal const int NETLINK_CAP_ACK = 10, NETLINK_EXT_ACK = 11;
    internal const int MSG_TRUNC = 0x20;
    internal const int CLONE_NEWNET = 0x40000000;
    internal const int O_RDONLY = 0;
    internal const int IF_NAMESIZE = 16;
}
