using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Ebpf.Internal.Netlink;

namespace Ebpf.Tests.Networking;

/// <summary>The rtnetlink encoder and decoders against hand-built bytes (layouts from include/uapi/linux/netlink.h).</summary>
public sealed class NetlinkCodecTests
{
    [Fact]
    public void Message_has_header_family_header_and_padded_nested_attributes()
    {
        var m = new NetlinkMessage(Rtnl.RTM_SETLINK, Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK);
        m.Append(new IfInfoMsg { Index = 7 });
        int nest = m.BeginNested(Rtnl.IFLA_XDP);
        m.AddI32(Rtnl.IFLA_XDP_FD, -1);
        m.AddU32(Rtnl.IFLA_XDP_FLAGS, Rtnl.XDP_FLAGS_SKB_MODE);
        m.EndNested(nest);
        m.AddString(99, "ab"); // 3 bytes: padded to 4
        var bytes = m.Finish(42).ToArray();

        Assert.Equal(16 + 16 + (4 + 8 + 8) + 8, bytes.Length);
        Assert.Equal((uint)bytes.Length, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        Assert.Equal(Rtnl.RTM_SETLINK, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(4)));
        Assert.Equal(Rtnl.NLM_F_REQUEST | Rtnl.NLM_F_ACK, BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(6)));
        Assert.Equal(42u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(7, BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(16 + 4)));
        var attrs = bytes.AsSpan(32);
        Assert.Equal(20, BinaryPrimitives.ReadUInt16LittleEndian(attrs));
        Assert.Equal(Rtnl.IFLA_XDP | Rtnl.NLA_F_NESTED, BinaryPrimitives.ReadUInt16LittleEndian(attrs[2..]));

        Assert.True(NetlinkAttributes.TryFind(attrs, Rtnl.IFLA_XDP, out var xdp));
        Assert.Equal(uint.MaxValue, NetlinkAttributes.FindU32(xdp, Rtnl.IFLA_XDP_FD));
        Assert.Equal(Rtnl.XDP_FLAGS_SKB_MODE, NetlinkAttributes.FindU32(xdp, Rtnl.IFLA_XDP_FLAGS));
        Assert.Equal("ab", NetlinkAttributes.FindString(attrs, 99));
    }

    [Fact]
    public void Attribute_walk_stops_at_a_length_that_overruns()
    {
        byte[] attrs = [8, 0, 1, 0, 1, 2, 3, 4, /* overrun: */ 200, 0, 2, 0, 9, 9, 9, 9];
        var walk = new NetlinkAttributes(attrs);
        Assert.True(walk.MoveNext());
        Assert.Equal(1, walk.Type);
        Assert.False(walk.MoveNext());
        Assert.Null(NetlinkAttributes.FindU32(attrs, 2));
        Assert.Null(NetlinkAttributes.FindU32([3, 0, 1, 0], 1)); // shorter than a header
    }

    private static byte[] Message(ushort type, ushort flags, uint seq, byte[] payload)
    {
        var b = new byte[NetlinkMessage.Align(16 + payload.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)(16 + payload.Length));
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(6), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(8), seq);
        payload.CopyTo(b, 16);
        return b;
    }

    private static byte[] Error(int errno, string? extack)
    {
        var payload = new List<byte>();
        payload.AddRange(BitConverter.GetBytes(-errno));
        payload.AddRange(new byte[16]); // the request's header (capped: no payload)
        if (extack is not null)
        {
            byte[] text = Encoding.ASCII.GetBytes(extack + "\0");
            payload.AddRange(BitConverter.GetBytes((ushort)(4 + text.Length)));
            payload.AddRange(BitConverter.GetBytes(Rtnl.NLMSGERR_ATTR_MSG));
            payload.AddRange(text);
            while (payload.Count % 4 != 0) payload.Add(0);
        }
        return Message(Rtnl.NLMSG_ERROR, extack is null ? Rtnl.NLM_F_CAPPED : (ushort)(Rtnl.NLM_F_CAPPED | Rtnl.NLM_F_ACK_TLVS), 5, [.. payload]);
    }

    [Fact]
    public void Reply_collects_messages_until_the_ack_and_skips_other_sequences()
    {
        byte[] datagram = [.. Message(Rtnl.RTM_NEWTFILTER, 0, 4, [1, 2, 3, 4]), .. Message(Rtnl.RTM_NEWTFILTER, 0, 5, [5, 6, 7, 8]), .. Error(0, null)];
        var replies = new List<NetlinkReply>();
        Assert.True(NetlinkReply.Read(datagram, 5, replies, out int errno, out string? text));
        Assert.Equal(0, errno);
        Assert.Null(text);
        Assert.Equal([5, 6, 7, 8], Assert.Single(replies).Payload);
    }

    [Fact]
    public void Reply_error_carries_the_errno_and_the_extended_ack_text()
    {
        var replies = new List<NetlinkReply>();
        Assert.True(NetlinkReply.Read(Error(16, "XDP program already attached"), 5, replies, out int errno, out string? text));
        Assert.Equal(16, errno);
        Assert.Equal("XDP program already attached", text);
    }

    [Fact]
    public void A_dump_ends_at_done_and_a_partial_datagram_asks_for_more()
    {
        var replies = new List<NetlinkReply>();
        Assert.False(NetlinkReply.Read(Message(Rtnl.RTM_NEWTFILTER, Rtnl.NLM_F_MULTI, 5, [1, 0, 0, 0]), 5, replies, out _, out _));
        Assert.True(NetlinkReply.Read(Message(Rtnl.NLMSG_DONE, Rtnl.NLM_F_MULTI, 5, [0, 0, 0, 0]), 5, replies, out int errno, out _));
        Assert.Equal(0, errno);
        Assert.Single(replies);
        // A header whose length overruns the datagram is not read past.
        byte[] broken = Message(Rtnl.RTM_NEWTFILTER, 0, 5, [1, 2, 3, 4]);
        BinaryPrimitives.WriteUInt32LittleEndian(broken, 4096);
        Assert.False(NetlinkReply.Read(broken, 5, replies, out _, out _));
    }

    [Fact]
    public void Filter_reply_parses_handle_priority_and_program()
    {
        var m = new NetlinkMessage(Rtnl.RTM_NEWTFILTER, 0);
        m.Append(new TcMsg { Ifindex = 3, Handle = 1, Parent = TcNetlink.HookParent(false), Info = Rtnl.FilterInfo(49152, Rtnl.ETH_P_ALL) });
        m.AddString(Rtnl.TCA_KIND, "bpf");
        int options = m.BeginNested(Rtnl.TCA_OPTIONS);
        m.AddU32(Rtnl.TCA_BPF_ID, 77);
        m.AddString(Rtnl.TCA_BPF_NAME, "tc_drop");
        m.EndNested(options);
        var f = TcNetlink.ParseFilter(m.Finish(1)[16..]);
        Assert.Equal(new TcFilter(1, 49152, "bpf", 77, "tc_drop"), f);
        Assert.Equal(0xFFFFFFF2u, TcNetlink.HookParent(false));
        Assert.Equal(0xFFFFFFF3u, TcNetlink.HookParent(true));
        Assert.Equal(0xC0000300u, Rtnl.FilterInfo(0xC000, Rtnl.ETH_P_ALL)); // ETH_P_ALL in network byte order
        Assert.Equal(20, Marshal.SizeOf<TcMsg>());
        Assert.Equal(16, Marshal.SizeOf<IfInfoMsg>());
    }

    [Fact]
    public void Xdp_state_places_a_single_program_under_its_mode()
    {
        var m = new NetlinkMessage(Rtnl.RTM_NEWLINK, 0);
        int xdp = m.BeginNested(Rtnl.IFLA_XDP);
        m.AddU8(Rtnl.IFLA_XDP_ATTACHED, Rtnl.XDP_ATTACHED_SKB);
        m.AddU32(Rtnl.IFLA_XDP_PROG_ID, 12);
        m.EndNested(xdp);
        var state = XdpNetlink.Parse(m.Finish(1)[16..]);
        Assert.Equal(new XdpState(Rtnl.XDP_ATTACHED_SKB, 0, 12, 0), state);
        Assert.True(state.Has(12));
        Assert.False(state.Has(13));
        Assert.False(state.Has(0));
        Assert.Equal(default, XdpNetlink.Parse([]));
    }
}
