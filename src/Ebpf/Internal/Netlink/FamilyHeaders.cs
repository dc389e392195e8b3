using System.Runtime.InteropServices;

namespace Ebpf.Internal.Netlink;

/// <summary><c>struct ifinfomsg</c> (16 bytes): the header of RTM_*LINK messages.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct IfInfoMsg
{
    internal byte Family;
    private readonly byte _pad;
    internal ushort Type;
    internal int Index;
    internal uint Flags, Change;
}

/// <summary><c>struct tcmsg</c> (20 bytes): the header of RTM_*QDISC and RTM_*TFILTER messages.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TcMsg
{
    internal byte Family;
    private readonly byte _pad1;
    private readonly ushort _pad2;
    internal int Ifindex;
    internal uint Handle, Parent, Info;
}
