using System.Runtime.InteropServices;
using Ebpf.Perf;
using Ebpf.RingBuf;

namespace Ebpf.Cli.Bench;

/// <summary>The same minimal work as <see cref="ChecksumSink"/>, as a struct handler the JIT specialises and inlines.</summary>
internal struct ChecksumHandler : IRingBufferHandler, IPerfBufferHandler
{
    internal ulong Sum;
    internal long Records;

    public int OnRecord(ReadOnlySpan<byte> record)
    {
        Sum += MemoryMarshal.Read<ulong>(record);
        Records++;
        return 0;
    }

    public void OnSample(int cpu, ReadOnlySpan<byte> data)
    {
        Sum += MemoryMarshal.Read<ulong>(data);
        Records++;
    }

    public readonly void OnLost(int cpu, ulong lost) { }
}
