namespace Ebpf.Internal.Netlink;

/// <summary>Netlink and rtnetlink constants from include/uapi/linux/netlink.h, rtnetlink.h, if_link.h, pkt_sched.h
/// and pkt_cls.h (the subset the XDP and tc attach paths use).</summary>
internal static class Rtnl
{
    // struct nlmsghdr types and flags.
    internal const ushort NLMSG_ERROR = 2, NLMSG_DONE = 3;
    internal const ushort NLM_F_REQUEST = 0x1, NLM_F_MULTI = 0x2, NLM_F_ACK = 0x4, NLM_F_ECHO = 0x8;
    internal const ushort NLM_F_ROOT = 0x100, NLM_F_MATCH = 0x200, NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
    internal const ushort NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400;
    internal const ushort NLM_F_CAPPED = 0x100, NLM_F_ACK_TLVS = 0x200;
    internal const ushort NLMSGERR_ATTR_MSG = 1;
    internal const ushort NLA_F_NESTED = 1 << 15;
    internal const ushort NLA_TYPE_MASK = 0x3fff;
    internal const int HeaderSize = 16;

    // rtnetlink message types.
    internal const ushort RTM_NEWLINK = 16, RTM_GETLINK = 18, RTM_SETLINK = 19;
    internal const ushort RTM_NEWQDISC = 36, RTM_DELQDISC = 37, RTM_GETQDISC = 38;
    internal const ushort RTM_NEWTFILTER = 44, RTM_DELTFILTER = 45, RTM_GETTFILTER = 46;

    // Links: IFLA_XDP and its nested attributes; XDP_FLAGS_*; XDP_ATTACHED_*.
    internal const ushort IFLA_XDP = 43;
    internal const ushort IFLA_XDP_FD = 1, IFLA_XDP_ATTACHED = 2, IFLA_XDP_FLAGS = 3, IFLA_XDP_PROG_ID = 4,
        IFLA_XDP_DRV_PROG_ID = 5, IFLA_XDP_SKB_PROG_ID = 6, IFLA_XDP_HW_PROG_ID = 7, IFLA_XDP_EXPECTED_FD = 8;
    internal const uint XDP_FLAGS_UPDATE_IF_NOEXIST = 1, XDP_FLAGS_SKB_MODE = 2, XDP_FLAGS_DRV_MODE = 4,
        XDP_FLAGS_HW_MODE = 8, XDP_FLAGS_REPLACE = 16;
    internal const byte XDP_ATTACHED_NONE = 0, XDP_ATTACHED_DRV = 1, XDP_ATTACHED_SKB = 2, XDP_ATTACHED_HW = 3, XDP_ATTACHED_MULTI = 4;

    // Traffic control: handles, the clsact qdisc, the bpf classifier.
    internal const uint TC_H_CLSACT = 0xFFFFFFF1, TC_H_MIN_INGRESS = 0xFFF2, TC_H_MIN_EGRESS = 0xFFF3;
    internal const uint TC_H_MAJ_MASK = 0xFFFF0000, TC_H_MIN_MASK = 0x0000FFFF;
    internal const ushort TCA_KIND = 1, TCA_OPTIONS = 2;
    internal const ushort TCA_BPF_FD = 6, TCA_BPF_NAME = 7, TCA_BPF_FLAGS = 8, TCA_BPF_ID = 11;
    internal const uint TCA_BPF_FLAG_ACT_DIRECT = 1;
    internal const ushort ETH_P_ALL = 0x0003;

    internal static uint MakeHandle(uint major, uint minor) => (major & TC_H_MAJ_MASK) | (minor & TC_H_MIN_MASK);

    /// <summary><c>tcm_info</c> of a filter: the priority in the upper 16 bits, the protocol in network byte order below.</summary>
    internal static uint FilterInfo(ushort priority, ushort protocol) =>
        ((uint)priority << 16) | (BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(protocol) : protocol);

    internal static string MessageName(ushort type) => type switch
    {
        RTM_NEWLINK => "RTM_NEWLINK", RTM_GETLINK => "RTM_GETLINK", RTM_SETLINK => "RTM_SETLINK",
        RTM_NEWQDISC => "RTM_NEWQDISC", RTM_DELQDISC => "RTM_DELQDISC", RTM_GETQDISC => "RTM_GETQDISC",
        RTM_NEWTFILTER => "RTM_NEWTFILTER", RTM_DELTFILTER => "RTM_DELTFILTER", RTM_GETTFILTER => "RTM_GETTFILTER",
        _ => $"netlink message {type}",
    };
}
