using System.Runtime.InteropServices;

namespace Ebpf.Benchmarks;

/// <summary>bpf/bench.bpf.o loaded with Ebpf.Net: bench_fill (raw_tp, run with BPF_PROG_TEST_RUN on CPU 0) writes
/// <c>records</c> records of <c>record_size</c> bytes into the ring buffer <c>rb</c> or the perf buffer <c>pb</c>.</summary>
internal sealed class BenchProducer : IDisposable
{
    internal const int ModeRingReserve = 0, ModePerfOutput = 2;
    private readonly BpfObject _object;

    internal BenchProducer(int mode, int recordSize, uint ringBytes)
    {
        var spec = BpfObjectSpec.FromFile(Path.Combine(AppContext.BaseDirectory, "bench.bpf.o"));
        spec.SetVariable("record_size", (uint)recordSize);
        spec.SetVariable("mode", (uint)mode);
        spec.Maps["rb"].MaxEntries = ringBytes;
        _object = spec.Load();
    }

    internal BpfMap Ring => _object.Map("rb");

    internal BpfMap Perf => _object.Map("pb");

    /// <summary>Emits <paramref name="records"/> records on CPU 0, in runs of at most 65536.</summary>
    internal void Fill(long records)
    {
        var program = _object.Program("bench_fill");
        while (records > 0)
        {
            ulong n = (ulong)Math.Min(records, 65536);
            program.TestRun(MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(ref n)), cpu: 0);
            records -= (long)n;
        }
    }

    public void Dispose() => _object.Dispose();
}
