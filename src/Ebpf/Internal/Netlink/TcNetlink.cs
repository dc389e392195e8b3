using System.Runtime.InteropServices;
using Ebpf.Internal.Unix;

namespace Ebpf.Internal.Netlink;

/// <summary>
/// Classic tc through rtnetlink, as <c>tc qdisc add dev X clsact</c> and <c>tc filter add dev X ingress bpf da fd N</c>
/// do it: the clsact qdisc (handle ffff:, parent TC_H_CLSACT) and bpf classifiers in direct-action mode under its
/// ingress (ffff:fff2) or egress (ffff:fff3) hook.
/// </summary>
internal static class TcNetlink
{
    private static readonly int TcMsgSize = System.Runtime.CompilerServices.Unsafe.SizeOf<TcMsg>();

    internal static uint HookParent(bool egress) => Rtnl.MakeHandle(Rtnl.TC_H_CLSACT, egress ? Rtnl.TC_H_MIN_EGRESS : Rtnl.TC_H_MIN_INGRESS);

    /// <summary>Adds the clsact qdisc; true when this call created it, false when one was already there.</summary>
    internal static bool AddClsact(NetlinkSocket socket, int ifindex, string subject)
    {
        var message = Qdisc(Rtnl.RTM_NEWQDISC, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK | Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL, ifindex);
        int errno = socket.TryRequest(message, out _, out string? kernelMessage);
        if (errno == Errno.EEXIST) return false;
        if (errno != 0) throw NetlinkSocket.Error(message, errno, kernelMessage, subject);
        return true;
    }

    /// <summary>Deletes the clsact qdisc (and with it every filter under it); 0 or the errno.</summary>
    internal static int TryDeleteClsact(NetlinkSocket socket, int ifindex) =>
        socket.TryRequest(Qdisc(Rtnl.RTM_DELQDISC, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK, ifindex), out _, out _);

    private static NetlinkMessage Qdisc(ushort type, ushort flags, int ifindex)
    {
        var message = new NetlinkMessage(type, flags);
        message.Append(new TcMsg { Family = (byte)Libc.AF_UNSPEC, Ifindex = ifindex, Handle = Rtnl.MakeHandle(Rtnl.TC_H_CLSACT, 0), Parent = Rtnl.TC_H_CLSACT });
        message.AddString(Rtnl.TCA_KIND, "clsact");
        return message;
    }

    /// <summary>
    /// Adds (or, with <paramref name="replace"/>, replaces) a bpf classifier in direct-action mode. A zero priority or
    /// handle lets the kernel choose; the filter it created is echoed back, and its handle and priority returned.
    /// </summary>
    internal static (uint Handle, ushort Priority) AddFilter(NetlinkSocket socket, int ifindex, uint parent, ushort priority, uint handle,
        int programFd, string programName, bool replace, string subject)
    {
        ushort flags = (ushort)(Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK | Rtnl.NLM_F_ECHO | Rtnl.NLM_F_CREATE | (replace ? Rtnl.NLM_F_REPLACE : Rtnl.NLM_F_EXCL));
        var message = Filter(Rtnl.RTM_NEWTFILTER, flags, ifindex, parent, priority, handle);
        int options = message.BeginNested(Rtnl.TCA_OPTIONS);
        message.AddU32(Rtnl.TCA_BPF_FD, (uint)programFd);
        message.AddString(Rtnl.TCA_BPF_NAME, programName);
        message.AddU32(Rtnl.TCA_BPF_FLAGS, Rtnl.TCA_BPF_FLAG_ACT_DIRECT);
        message.EndNested(options);
        foreach (var reply in socket.Request(message, subject))
        {
            if (reply.Type != Rtnl.RTM_NEWTFILTER || reply.Payload.Length < TcMsgSize) continue;
            var echoed = MemoryMarshal.Read<TcMsg>(reply.Payload);
            if (echoed.Handle != 0) return (echoed.Handle, (ushort)(echoed.Info >> 16));
        }
        if (handle != 0 && priority != 0) return (handle, priority);
        throw new BpfException(Rtnl.MessageName(Rtnl.RTM_NEWTFILTER), 0,
            $"The kernel added the tc filter for {subject} but did not echo its handle and priority; it cannot be removed safely. Pass an explicit handle and priority.");
    }

    /// <summary>The program id of the bpf filter at (<paramref name="priority"/>, <paramref name="handle"/>), or null
    /// when no such filter exists any more.</summary>
    internal static uint? FilterProgramId(NetlinkSocket socket, int ifindex, uint parent, ushort priority, uint handle, string subject)
    {
        var message = Filter(Rtnl.RTM_GETTFILTER, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK, ifindex, parent, priority, handle);
        int errno = socket.TryRequest(message, out var replies, out string? kernelMessage);
        if (errno is Errno.ENOENT or Errno.EINVAL or Errno.ENODEV) return null;
        if (errno != 0) throw NetlinkSocket.Error(message, errno, kernelMessage, subject);
        foreach (var reply in replies)
        {
            if (reply.Type != Rtnl.RTM_NEWTFILTER || reply.Payload.Length < TcMsgSize) continue;
            if (ParseFilter(reply.Payload) is { } f && f.Handle == handle) return f.ProgramId;
        }
        return null;
    }

    /// <summary>Deletes exactly the filter at (<paramref name="priority"/>, <paramref name="handle"/>); 0 or the errno.</summary>
    internal static int TryDeleteFilter(NetlinkSocket socket, int ifindex, uint parent, ushort priority, uint handle)
    {
        // A zero handle would delete every filter of the priority: never send one.
        if (handle == 0 || priority == 0) return Errno.EINVAL;
        return socket.TryRequest(Filter(Rtnl.RTM_DELTFILTER, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK, ifindex, parent, priority, handle), out _, out _);
    }

    /// <summary>The filters under <paramref name="parent"/> (a dump, as <c>tc filter show</c>).</summary>
    internal static List<TcFilter> List(NetlinkSocket socket, int ifindex, uint parent, string subject)
    {
        var message = new NetlinkMessage(Rtnl.RTM_GETTFILTER, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_DUMP);
        message.Append(new TcMsg { Family = (byte)Libc.AF_UNSPEC, Ifindex = ifindex, Parent = parent });
        var result = new List<TcFilter>();
        foreach (var reply in socket.Request(message, subject))
            if (reply.Type == Rtnl.RTM_NEWTFILTER && ParseFilter(reply.Payload) is { Handle: not 0 } f) result.Add(f);
        return result;
    }

    internal static TcFilter? ParseFilter(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < TcMsgSize) return null;
        var header = MemoryMarshal.Read<TcMsg>(payload);
        var attributes = payload[TcMsgSize..];
        string? kind = NetlinkAttributes.FindString(attributes, Rtnl.TCA_KIND);
        uint programId = 0;
        string? name = null;
        if (kind == "bpf" && NetlinkAttributes.TryFind(attributes, Rtnl.TCA_OPTIONS, out var options))
        {
            programId = NetlinkAttributes.FindU32(options, Rtnl.TCA_BPF_ID) ?? 0;
            name = NetlinkAttributes.FindString(options, Rtnl.TCA_BPF_NAME);
        }
        return new TcFilter(header.Handle, (ushort)(header.Info >> 16), kind ?? "", programId, name);
    }

    private static NetlinkMessage Filter(ushort type, ushort flags, int ifindex, uint parent, ushort priority, uint handle)
    {
        var message = new NetlinkMessage(type, flags);
        message.Append(new TcMsg
        {
            Family = (byte)Libc.AF_UNSPEC,
            Ifindex = ifindex,
            Handle = handle,
            Parent = parent,
            Info = Rtnl.FilterInfo(priority, Rtnl.ETH_P_ALL),
        });
        message.AddString(Rtnl.TCA_KIND, "bpf");
        return message;
    }
}

/// <summary>One tc filter as the kernel lists it: handle, priority, kind, and for bpf filters the program id and name.</summary>
internal readonly record struct TcFilter(uint Handle, ushort Priority, string Kind, uint ProgramId, string? Name);
