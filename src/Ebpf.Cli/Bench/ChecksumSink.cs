using System.Runtime.InteropServices;

namespace Ebpf.Cli.Bench;

/// <summary>The minimal per-record work, the same on the C side: add the record's first 8 bytes (its seq) to a sum.</summary>
internal sealed class ChecksumSink
{
    internal ulong Sum;
    internal long Records;

    internal int OnRingRecord(ReadOnlySpan<byte> record)
    {
        Sum += MemoryMarshal.Read<ulong>(record);
        Records++;
        return 0;
    }

    internal void OnPerfSample(int cpu, ReadOnlySpan<byte> data)
    {
        Sum += MemoryMarshal.Read<ulong>(data);
        Records++;
    }

    internal void Reset()
    {
        Sum = 0;
        Records = 0;
    }
}
