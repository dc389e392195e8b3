using System.Runtime.InteropServices;

namespace Ebpf.Internal.Sys;

// The bpf_attr members for attaching programs to network and cgroup hooks and for managing links, laid out as in
// include/uapi/linux/bpf.h (libbpf's copy of the 6.x header: relative_fd, expected_revision and the link_create
// variants are newer than Debian 12's /usr/include). Callers start from `default`: the kernel wants unused bytes zero.

/// <summary>BPF_PROG_ATTACH / BPF_PROG_DETACH (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ProgAttachAttr
{
    /// <summary>The cgroup, map or netns fd (or ifindex for tcx/netkit).</summary>
    internal uint TargetFd;
    internal uint AttachBpfFd, AttachType, AttachFlags, ReplaceBpfFd, RelativeFdOrId;
    internal ulong ExpectedRevision;
}

/// <summary>BPF_PROG_QUERY (56 bytes). <see cref="ProgIds"/> and <see cref="LinkIds"/> point at arrays of
/// <see cref="ProgCount"/> u32s; the kernel writes the count it has.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ProgQueryAttr
{
    internal uint TargetFd, AttachType, QueryFlags, AttachFlags;
    internal ulong ProgIds;
    internal uint ProgCount;
    private readonly uint _pad;
    internal ulong ProgAttachFlags, LinkIds, LinkAttachFlags, Revision;
}

/// <summary>BPF_LINK_CREATE with the tcx / netkit / cgroup member: an anchor (relative fd or id) and the expected
/// revision of the hook's program list (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LinkCreateRelativeAttr
{
    internal uint ProgFd, TargetFd, AttachType, Flags;
    internal uint RelativeFdOrId;
    private readonly uint _pad;
    internal ulong ExpectedRevision;
}

/// <summary>BPF_LINK_CREATE with the netfilter member (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LinkCreateNetfilterAttr
{
    internal uint ProgFd, TargetFd, AttachType, Flags;
    internal uint Pf, HookNum;
    internal int Priority;
    internal uint NetfilterFlags;
}

/// <summary>BPF_LINK_UPDATE (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LinkUpdateAttr
{
    internal uint LinkFd, NewProgFd, Flags, OldProgFd;
}

/// <summary>BPF_LINK_DETACH.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LinkDetachAttr
{
    internal uint LinkFd;
}

/// <summary><c>struct bpf_link_info</c>: type, id, prog_id, then a union (at offset 16) that
/// <c>Links.LinkInfoDecoder</c> reads per link type. 64 bytes cover every member of the 6.x header.</summary>
[StructLayout(LayoutKind.Sequential, Size = Size)]
internal unsafe struct BpfLinkInfoRaw
{
    internal const int Size = 64;
    internal const int UnionOffset = 16;

    internal uint Type, Id, ProgId;
    private readonly uint _pad;
    internal fixed byte Union[Size - UnionOffset];
}
