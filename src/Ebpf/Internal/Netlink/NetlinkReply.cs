using System.Runtime.CompilerServices;

namespace Ebpf.Internal.Netlink;

/// <summary>One message the kernel sent back (its type and the bytes after the <c>nlmsghdr</c>).</summary>
internal readonly record struct NetlinkReply(ushort Type, byte[] Payload)
{
    /// <summary>
    /// Reads the messages of one received datagram that answer request <paramref name="sequence"/> into
    /// <paramref name="replies"/>. Returns true when the answer is complete: an acknowledgement (<paramref name="errno"/>
    /// 0), an error (<paramref name="errno"/> &gt; 0, with the kernel's extended-ack text when it sent one), or the end of
    /// a dump. Messages for other sequence numbers are skipped.
    /// </summary>
    internal static bool Read(ReadOnlySpan<byte> datagram, uint sequence, List<NetlinkReply> replies, out int errno, out string? kernelMessage)
    {
        errno = 0;
        kernelMessage = null;
        var rest = datagram;
        while (rest.Length >= Rtnl.HeaderSize)
        {
            uint length = Unsafe.ReadUnaligned<uint>(in rest[0]);
            if (length < Rtnl.HeaderSize || length > rest.Length) break;
            ushort type = Unsafe.ReadUnaligned<ushort>(in rest[4]);
            ushort flags = Unsafe.ReadUnaligned<ushort>(in rest[6]);
            uint seq = Unsafe.ReadUnaligned<uint>(in rest[8]);
            var payload = rest[Rtnl.HeaderSize..(int)length];
            int next = NetlinkMessage.Align((int)length);
            rest = next >= rest.Length ? default : rest[next..];
            if (seq != sequence) continue;
            switch (type)
            {
                case Rtnl.NLMSG_DONE:
                    return true;
                case Rtnl.NLMSG_ERROR:
                    if (payload.Length < 4) return true;
                    errno = -Unsafe.ReadUnaligned<int>(in payload[0]);
                    kernelMessage = ExtendedAck(payload, flags);
                    return true;
                default:
                    replies.Add(new NetlinkReply(type, payload.ToArray()));
                    break;
            }
        }
        return false;
    }

    /// <summary>NLMSGERR_ATTR_MSG of an error: the TLVs follow <c>struct nlmsgerr</c> (the error and the request's
    /// header, plus the request's payload unless the kernel capped it).</summary>
    private static string? ExtendedAck(ReadOnlySpan<byte> payload, ushort flags)
    {
        if ((flags & Rtnl.NLM_F_ACK_TLVS) == 0 || payload.Length < 4 + Rtnl.HeaderSize) return null;
        int offset = 4 + Rtnl.HeaderSize;
        if ((flags & Rtnl.NLM_F_CAPPED) == 0)
        {
            uint requestLength = Unsafe.ReadUnaligned<uint>(in payload[4]);
            offset = 4 + NetlinkMessage.Align((int)Math.Min(requestLength, (uint)payload.Length));
        }
        if (offset >= payload.Length) return null;
        string? text = NetlinkAttributes.FindString(payload[offset..], Rtnl.NLMSGERR_ATTR_MSG);
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim();
    }
}
