using System.Buffers.Binary;

namespace Ebpf.Links;

/// <summary>Reads the per-kind union of <c>struct bpf_link_info</c> (bytes from offset 16) into the typed records.</summary>
internal static class LinkInfoDecoder
{
    internal static BpfLinkInfo Decode(uint type, uint id, uint programId, ReadOnlySpan<byte> union)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("Ebpf.Net supports little-endian hosts only.");
        if (union.Length < 16) throw new ArgumentException("bpf_link_info's union is at least 16 bytes.", nameof(union));
        uint u0 = BinaryPrimitives.ReadUInt32LittleEndian(union), u4 = BinaryPrimitives.ReadUInt32LittleEndian(union[4..]),
            u8 = BinaryPrimitives.ReadUInt32LittleEndian(union[8..]), u12 = BinaryPrimitives.ReadUInt32LittleEndian(union[12..]);
        ulong q0 = BinaryPrimitives.ReadUInt64LittleEndian(union);
        return (BpfLinkType)type switch
        {
            // struct { __u32 ifindex; } xdp;
            BpfLinkType.Xdp => new XdpLinkInfo(id, programId, (int)u0),
            // struct { __u32 ifindex; __u32 attach_type; } tcx;
            BpfLinkType.Tcx => new TcxLinkInfo(id, programId, (int)u0, (BpfAttachType)u4),
            // struct { __u64 cgroup_id; __u32 attach_type; } cgroup;
            BpfLinkType.Cgroup => new CgroupLinkInfo(id, programId, q0, (BpfAttachType)u8),
            // struct { __u32 netns_ino; __u32 attach_type; } netns;
            BpfLinkType.NetNs => new NetNsLinkInfo(id, programId, u0, (BpfAttachType)u4),
            // struct { __u32 pf; __u32 hooknum; __s32 priority; __u32 flags; } netfilter;
            BpfLinkType.Netfilter => new NetfilterLinkInfo(id, programId, (NetfilterProtocolFamily)u0, (NetfilterHook)u4, (int)u8, u12),
            // struct { __u32 map_id; __u32 attach_type; } sockmap;
            BpfLinkType.SockMap => new SockMapLinkInfo(id, programId, u0, (BpfAttachType)u4),
            // struct { __u32 attach_type; __u32 target_obj_id; __u32 target_btf_id; } tracing;
            BpfLinkType.Tracing => new TracingLinkInfo(id, programId, (BpfAttachType)u0, u4, u8),
            _ => new BpfLinkInfo((BpfLinkType)type, id, programId),
        };
    }
}
