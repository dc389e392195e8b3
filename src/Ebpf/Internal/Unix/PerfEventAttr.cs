using System.Runtime.InteropServices;

namespace Ebpf.Internal.Unix;

/// <summary><c>struct perf_event_attr</c> (PERF_ATTR_SIZE_VER7, 128 bytes), offsets checked with offsetof.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PerfEventAttr
{
    internal uint Type, Size;
    internal ulong Config;
    internal ulong SamplePeriodOrFreq;
    internal ulong SampleType;
    internal ulong ReadFormat;
    internal ulong Flags;
    internal uint WakeupEventsOrWatermark;
    internal uint BpType;
    internal ulong Config1, Config2;
    internal ulong BranchSampleType, SampleRegsUser;
    internal uint SampleStackUser;
    internal int ClockId;
    internal ulong SampleRegsIntr;
    internal uint AuxWatermark;
    internal ushort SampleMaxStack;
    private readonly ushort _reserved2;
    internal uint AuxSampleSize;
    private readonly uint _reserved3;
    internal ulong SigData;

    internal const uint PERF_TYPE_SOFTWARE = 1, PERF_TYPE_TRACEPOINT = 2;
    internal const ulong PERF_COUNT_SW_BPF_OUTPUT = 10;
    internal const ulong PERF_SAMPLE_RAW = 0x400;
    /// <summary>Bit positions in the flags bitfield word (offset 40).</summary>
    internal const ulong FlagDisabled = 1UL << 0, FlagWatermark = 1UL << 14;
    internal const int PERF_FLAG_FD_CLOEXEC = 0x8;
    internal const ulong PERF_EVENT_IOC_ENABLE = 0x2400, PERF_EVENT_IOC_DISABLE = 0x2401, PERF_EVENT_IOC_SET_BPF = 0x40042408;
}
