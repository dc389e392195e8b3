namespace Ebpf.RingBuf;

/// <summary>
/// The kernel's 8-byte record header <c>{ u32 len; u32 pg_off; }</c> (include/uapi/linux/bpf.h, BPF_RINGBUF_*):
/// bit 31 of <c>len</c> = BUSY (reserved, not committed yet), bit 30 = DISCARD (skip, but reclaim its space).
/// </summary>
internal static class RingRecordHeader
{
    internal const uint BusyBit = 1u << 31;
    internal const uint DiscardBit = 1u << 30;
    internal const uint LengthMask = ~(BusyBit | DiscardBit);
    internal const int Size = 8;

    /// <summary>Bytes the record occupies in the ring: header plus payload, rounded up to 8 (every record is 8-byte aligned).</summary>
    internal static ulong Footprint(uint len) => ((ulong)(len & LengthMask) + Size + 7) & ~7UL;

    internal static bool IsBusy(uint len) => (len & BusyBit) != 0;

    internal static bool IsDiscarded(uint len) => (len & DiscardBit) != 0;

    internal static int PayloadLength(uint len) => (int)(len & LengthMask);
}
