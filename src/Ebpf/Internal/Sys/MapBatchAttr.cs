using System.Runtime.InteropServices;

namespace Ebpf.Internal.Sys;

/// <summary>The <c>batch</c> member of <c>union bpf_attr</c> (BPF_MAP_*_BATCH, 48 bytes): <c>in_batch</c> and
/// <c>out_batch</c> point at an opaque position (a key for the generic walk, a u32 bucket for hash maps).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct MapBatchAttr
{
    internal ulong InBatch, OutBatch, Keys, Values;
    internal uint Count, MapFd;
    internal ulong ElemFlags, Flags;
}
