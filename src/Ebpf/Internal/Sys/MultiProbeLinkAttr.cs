using System.Runtime.InteropServices;

namespace Ebpf.Internal.Sys;

// BPF_LINK_CREATE's kprobe_multi and uprobe_multi members (include/uapi/linux/bpf.h, kernel 6.6+ for uprobe_multi):
// the common head (prog_fd, target_fd, attach_type, flags) then the union at offset 16.

/// <summary><c>link_create.kprobe_multi</c>: <c>syms</c> points at <c>cnt</c> C-string pointers (or <c>addrs</c> at
/// addresses), <c>cookies</c> at <c>cnt</c> u64 values or is 0. Flag 1 = BPF_F_KPROBE_MULTI_RETURN.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct KprobeMultiLinkCreateAttr
{
    internal uint ProgFd, TargetFd, AttachType, Flags;
    internal uint MultiFlags, Count;
    internal ulong Symbols, Addresses, Cookies;
}

/// <summary><c>link_create.uprobe_multi</c>: <c>path</c> a C string; <c>offsets</c>, <c>ref_ctr_offsets</c>, <c>cookies</c>
/// each <c>cnt</c> u64 values (the last two may be 0); <c>pid</c> 0 for every process. Flag 1 = BPF_F_UPROBE_MULTI_RETURN.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct UprobeMultiLinkCreateAttr
{
    internal uint ProgFd, TargetFd, AttachType, Flags;
    internal ulong Path, Offsets, RefCounterOffsets, Cookies;
    internal uint Count, MultiFlags, Pid;
    private readonly uint _pad;
}
