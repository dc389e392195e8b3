using System.Buffers.Binary;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Perf;

/// <summary>
/// tests/testdata/perf_test.bpf.o: the raw_tp program <c>emit</c>, run with BPF_PROG_TEST_RUN, writes <c>count</c>
/// records of <c>size</c> bytes into the perf event array <c>events</c> on the CPU it runs on, and counts what it did.
/// </summary>
internal sealed class PerfTestProgram : IDisposable
{
    internal const ulong Golden = 0x9E3779B97F4A7C15UL;
    internal const int MaxRecordSize = 24 + 13 * 8;
    internal const int MaxPerRun = 256;

    private readonly BpfObject _object;

    internal PerfTestProgram() => _object = BpfObject.Load(TestObjects.Path("perf_test.bpf.o"));

    internal BpfObject Object => _object;

    internal BpfMap Events => _object.Map("events");

    internal ulong Attempts => _object.ReadVariable<ulong>("attempts");
    internal ulong Successes => _object.ReadVariable<ulong>("successes");
    internal ulong Failures => _object.ReadVariable<ulong>("failures");
    internal long LastError => _object.ReadVariable<long>("last_error");

    /// <summary>Runs the program once on <paramref name="cpu"/>: it tries to emit <paramref name="count"/> records of <paramref name="size"/> bytes.</summary>
    internal void Emit(int cpu, uint count, uint size)
    {
        // .data holds `count` then `size` (declaration order); ReadVariable below proves the layout.
        Span<byte> data = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(data, count);
        BinaryPrimitives.WriteUInt32LittleEndian(data[4..], size);
        _object.Map(".data").Update(stackalloc byte[4], data);
        Assert.Equal(count, _object.ReadVariable<uint>("count"));
        Assert.Equal(size, _object.ReadVariable<uint>("size"));
        Assert.Equal(0, _object.Program("emit").TestRun(cpu: cpu));
    }

    /// <summary>Checks one sample: kernel padding rule, word pattern, checksum. Returns (cpu field, seq).</summary>
    internal static (int Cpu, ulong Seq, int Size) Verify(ReadOnlySpan<byte> data)
    {
        Assert.True(data.Length >= 24, $"sample of {data.Length} bytes is shorter than the record head");
        int cpu = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
        int size = (int)BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        ulong seq = BinaryPrimitives.ReadUInt64LittleEndian(data[8..]);
        ulong checksum = BinaryPrimitives.ReadUInt64LittleEndian(data[16..]);
        // The kernel pads raw data to keep records 8-byte aligned: the span is round_up(size + 4, 8) - 4 bytes.
        Assert.Equal(((size + 4 + 7) & ~7) - 4, data.Length);
        ulong sum = 0;
        int words = (size - 24) / 8;
        for (int w = 0; w < words; w++)
        {
            ulong word = BinaryPrimitives.ReadUInt64LittleEndian(data[(24 + 8 * w)..]);
            Assert.Equal(seq * Golden + (ulong)w, word);
            sum += word;
        }
        Assert.Equal(checksum, sum);
        return (cpu, seq, size);
    }

    public void Dispose() => _object.Dispose();
}
