using Ebpf.Internal.Unix;

namespace Ebpf.Perf;

/// <summary>One CPU's perf event: its descriptor, its mapping, and the ring reader over that mapping.</summary>
internal sealed class PerfCpuBuffer(int cpu, SafeFd perfEvent, MappedRegion region, PerfRing ring)
{
    internal int Cpu { get; } = cpu;
    internal SafeFd PerfEvent { get; } = perfEvent;
    internal MappedRegion Region { get; } = region;
    internal PerfRing Ring { get; } = ring;
    /// <summary>True once the event fd is stored in the map at key = <see cref="Cpu"/> (so Dispose deletes it).</summary>
    internal bool InMap { get; set; }
}
