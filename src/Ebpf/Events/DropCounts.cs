using System.Runtime.InteropServices;

namespace Ebpf.Events;

/// <summary><c>struct ebpf_net_drops</c> (bpf/include/ebpf_net/events.bpf.h): one per CPU in the <c>&lt;name&gt;_drops</c> map.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DropCounts
{
    internal ulong RingFull;
    internal ulong PerfFull;
    internal ulong Other;
}
