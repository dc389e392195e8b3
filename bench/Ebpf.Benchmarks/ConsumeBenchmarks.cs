using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Ebpf.Perf;
using Ebpf.RingBuf;

namespace Ebpf.Benchmarks;

/// <summary>
/// Per-record cost of the consumer hot paths over a ring filled beforehand (drain mode: the producer is not timed).
/// One operation = one record. The handler adds each record's first 8 bytes, as the C reference's does.
/// </summary>
[MemoryDiagnoser]
[WarmupCount(6)]
public class ConsumeBenchmarks
{
    private const int Records = 100_000;
    private BenchProducer _producer = null!;
    private RingBuffer _ring = null!;
    private PerfBuffer _perf = null!;
    private ulong _sum;

    [Params(16, 64, 256)]
    public int RecordSize { get; set; }

    [Params("ringbuf", "perf")]
    public string Transport { get; set; } = "ringbuf";

    [GlobalSetup]
    public void Setup()
    {
        bool perf = Transport == "perf";
        // Sized to hold one iteration's records and no more, so the warm-up iterations touch every page once: the first
        // touch of a mapped page costs ~1.3 µs here and would otherwise be charged to the records that land on it.
        uint bytes = (uint)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Records * (ulong)(RecordSize + 16));
        _producer = new BenchProducer(perf ? BenchProducer.ModePerfOutput : BenchProducer.ModeRingReserve, RecordSize, bytes);
        if (perf)
            _perf = new PerfBuffer(_producer.Perf, (int)(bytes / (uint)Environment.SystemPageSize), (_, d) => _sum += MemoryMarshal.Read<ulong>(d), null,
                new PerfBufferOptions { WakeupEvents = 1 << 30, Cpus = [0] });
        else
            _ring = new RingBuffer(_producer.Ring, r => { _sum += MemoryMarshal.Read<ulong>(r); return 0; });
    }

    [IterationSetup]
    public void Fill() => _producer.Fill(Records);

    [Benchmark(OperationsPerInvoke = Records, Description = "Consume() with a delegate handler")]
    public int Delegate() => Transport == "perf" ? _perf.Consume() : _ring.Consume();

    [Benchmark(OperationsPerInvoke = Records, Description = "Consume(ref handler) with a struct handler")]
    public int Struct()
    {
        var handler = new SumHandler();
        int n = Transport == "perf" ? _perf.Consume(ref handler) : _ring.Consume(ref handler);
        _sum += handler.Sum;
        return n;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _ring?.Dispose();
        _perf?.Dispose();
        _producer.Dispose();
    }

    private struct SumHandler : IRingBufferHandler, IPerfBufferHandler
    {
        public ulong Sum;

        public int OnRecord(ReadOnlySpan<byte> record)
        {
            Sum += MemoryMarshal.Read<ulong>(record);
            return 0;
        }

        public void OnSample(int cpu, ReadOnlySpan<byte> data) => Sum += MemoryMarshal.Read<ulong>(data);

        public readonly void OnLost(int cpu, ulong lost) { }
    }
}
