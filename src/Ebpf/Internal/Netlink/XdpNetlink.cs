
namespace Ebpf.Internal.Netlink;

/// <summary>
/// XDP through rtnetlink (IFLA_XDP on RTM_SETLINK), the way before BPF links (kernel &lt; 5.9) and what
/// <c>ip link set dev X xdp</c> does. An attachment made this way is not tied to any descriptor: it stays until it is
/// replaced or removed, so the caller removes it explicitly, and only while it is still its own program
/// (XDP_FLAGS_REPLACE with the expected fd, kernel 5.7+).
/// </summary>
internal static class XdpNetlink
{
    /// <summary>Attaches <paramref name="programFd"/> (or detaches, with -1). <paramref name="expectedFd"/> &gt;= 0 adds
    /// XDP_FLAGS_REPLACE: the kernel refuses (EEXIST) unless that program is the one attached. Returns 0 or the errno.</summary>
    internal static int TrySet(NetlinkSocket socket, int ifindex, int programFd, uint flags, int expectedFd, out string? kernelMessage)
    {
        var message = new NetlinkMessage(Rtnl.RTM_SETLINK, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK);
        message.Append(new IfInfoMsg { Family = (byte)Ebpf.Internal.Unix.Libc.AF_UNSPEC, Index = ifindex });
        int xdp = message.BeginNested(Rtnl.IFLA_XDP);
        message.AddI32(Rtnl.IFLA_XDP_FD, programFd);
        if (expectedFd >= 0) flags |= Rtnl.XDP_FLAGS_REPLACE;
        if (flags != 0) message.AddU32(Rtnl.IFLA_XDP_FLAGS, flags);
        if (expectedFd >= 0) message.AddI32(Rtnl.IFLA_XDP_EXPECTED_FD, expectedFd);
        message.EndNested(xdp);
        return socket.TryRequest(message, out _, out kernelMessage);
    }

    /// <summary>What is attached to interface <paramref name="ifindex"/>: the mode (XDP_ATTACHED_*) and the program id
    /// per mode (0 where none).</summary>
    internal static XdpState Query(NetlinkSocket socket, int ifindex, string subject)
    {
        var message = new NetlinkMessage(Rtnl.RTM_GETLINK, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK);
        message.Append(new IfInfoMsg { Family = (byte)Ebpf.Internal.Unix.Libc.AF_UNSPEC, Index = ifindex });
        foreach (var reply in socket.Request(message, subject))
        {
            if (reply.Type != Rtnl.RTM_NEWLINK || reply.Payload.Length < System.Runtime.CompilerServices.Unsafe.SizeOf<IfInfoMsg>()) continue;
            return Parse(reply.Payload.AsSpan(System.Runtime.CompilerServices.Unsafe.SizeOf<IfInfoMsg>()));
        }
        return default;
    }

    internal static XdpState Parse(ReadOnlySpan<byte> linkAttributes)
    {
        if (!NetlinkAttributes.TryFind(linkAttributes, Rtnl.IFLA_XDP, out var xdp)) return default;
        byte attached = NetlinkAttributes.FindU8(xdp, Rtnl.IFLA_XDP_ATTACHED) ?? 0;
        uint prog = NetlinkAttributes.FindU32(xdp, Rtnl.IFLA_XDP_PROG_ID) ?? 0;
        uint drv = NetlinkAttributes.FindU32(xdp, Rtnl.IFLA_XDP_DRV_PROG_ID) ?? 0;
        uint skb = NetlinkAttributes.FindU32(xdp, Rtnl.IFLA_XDP_SKB_PROG_ID) ?? 0;
        uint hw = NetlinkAttributes.FindU32(xdp, Rtnl.IFLA_XDP_HW_PROG_ID) ?? 0;
        // With one mode attached the kernel reports only IFLA_XDP_PROG_ID: place it under its mode.
        switch (attached)
        {
            case Rtnl.XDP_ATTACHED_DRV when drv == 0: drv = prog; break;
            case Rtnl.XDP_ATTACHED_SKB when skb == 0: skb = prog; break;
            case Rtnl.XDP_ATTACHED_HW when hw == 0: hw = prog; break;
        }
        return new XdpState(attached, drv, skb, hw);
    }
}

/// <summary>The XDP programs attached to one interface, per mode (0 = none).</summary>
internal readonly record struct XdpState(byte Attached, uint DriverProgramId, uint GenericProgramId, uint OffloadProgramId)
{
    internal bool Has(uint programId) => programId != 0 && (DriverProgramId == programId || GenericProgramId == programId || OffloadProgramId == programId);
}
