using System.Runtime.InteropServices;
using Ebpf.Perf;
using Ebpf.RingBuf;

namespace Ebpf.Cli.Bench;

/// <summary>
/// The lesson's questions, measured with Ebpf.Net on this machine (bpf/bench.bpf.o's bench_fill, BPF_PROG_TEST_RUN):
/// how much memory each transport needs to absorb a burst without drops, whether events arrive in order across CPUs,
/// and what <c>bpf_ringbuf_query(BPF_RB_AVAIL_DATA)</c> before each reserve costs the producer.
/// </summary>
internal static class QuestionsBenchmark
{
    private const int ModeRingReserve = 0, ModePerfOutput = 2;

    internal sealed record MemoryAnswer(string Burst, long Records, int RecordSize, ulong RingBytes, ulong PerfBytesPerCpu, int Cpus)
    {
        internal ulong PerfBytes => PerfBytesPerCpu * (ulong)Cpus;
    }

    internal sealed record OrderAnswer(string Transport, long Received, long OutOfOrder);

    internal sealed record QueryAnswer(string RingState, double NsPerRecordWithout, double NsPerRecordWith);

    private static int[] Cpus() => Environment.ProcessorCount >= 2 ? [0, 1] : [0];

    /// <summary>The smallest ring / perf buffer (powers of two) that takes a burst of <paramref name="records"/> with no consumer and no drop.</summary>
    internal static MemoryAnswer Memory(string objectPath, long records, int recordSize, bool spread)
    {
        int page = Environment.SystemPageSize;
        int[] cpus = Cpus();
        long[] perCpu = spread ? [.. cpus.Select(_ => records / cpus.Length)] : [.. cpus.Select((_, i) => i == 0 ? records : 0L)];
        ulong ring = (ulong)page;
        while (Drops(objectPath, ModeRingReserve, recordSize, ring, 0, perCpu) > 0) ring *= 2;
        int pages = 1;
        while (Drops(objectPath, ModePerfOutput, recordSize, (ulong)page, pages, perCpu) > 0) pages *= 2;
        return new MemoryAnswer(spread ? $"spread over {cpus.Length} CPUs" : "all on one CPU", records, recordSize, ring, (ulong)pages * (ulong)page, cpus.Length);
    }

    private static ulong Drops(string objectPath, int mode, int recordSize, ulong ringBytes, int perfPages, long[] perCpu)
    {
        using var obj = Load(objectPath, mode, recordSize, (uint)ringBytes, query: false);
        using var perf = mode == ModePerfOutput
            ? new PerfBuffer(obj.Map("pb"), perfPages, (_, _) => { }, null, new PerfBufferOptions { WakeupEvents = 1 << 30 })
            : null;
        var program = obj.Program("bench_fill");
        // The burst: every CPU fills at once, nobody consumes.
        Parallel.For(0, perCpu.Length, cpu => Fill(program, perCpu[cpu], cpu));
        return BenchBpf.BenchStats.Read(obj).Dropped;
    }

    /// <summary>Producers on every CPU at once, one consumer: how many records arrive with an earlier timestamp than the one before.</summary>
    internal static OrderAnswer Order(string objectPath, string transport, long recordsPerCpu)
    {
        bool perf = transport == "perf";
        using var obj = Load(objectPath, perf ? ModePerfOutput : ModeRingReserve, 32, 64u << 20, query: false); // 32: seq, ts, cpu, len
        var order = new OrderCounter();
        using var ring = perf ? null : new RingBuffer(obj.Map("rb"), r => { order.Add(MemoryMarshal.Read<ulong>(r[8..])); return 0; });
        using var pb = perf ? new PerfBuffer(obj.Map("pb"), 4096, (_, d) => order.Add(MemoryMarshal.Read<ulong>(d[8..])), null, new PerfBufferOptions { WakeupEvents = 64 }) : null;
        var program = obj.Program("bench_fill");
        var producers = Task.Run(() => Parallel.For(0, Cpus().Length, cpu =>
        {
            for (long done = 0; done < recordsPerCpu; done += 256) Fill(program, 256, cpu);
        }));
        while (!producers.IsCompleted)
        {
            if (perf) pb!.Poll(10);
            else ring!.Poll(10);
        }
        producers.GetAwaiter().GetResult();
        if (perf) pb!.Consume();
        else ring!.Consume();
        return new OrderAnswer(transport, order.Count, order.OutOfOrder);
    }

    /// <summary>Producer cost per record with and without the query, measured by the kernel's own run statistics.</summary>
    internal static QueryAnswer Query(string objectPath, bool full, long records)
    {
        double NsPerRecord(bool query)
        {
            // Not full: a ring with room for every record. Full: a one-page ring, so nearly every reservation fails.
            uint ringBytes = full ? (uint)Environment.SystemPageSize : 64u << 20;
            using var obj = Load(objectPath, ModeRingReserve, 64, ringBytes, query);
            var program = obj.Program("bench_fill");
            Fill(program, 10_000, 0); // warm-up: touches the pages
            using var ring = new RingBuffer(obj.Map("rb"), _ => 0);
            ring.Consume();
            using var stats = BpfProgram.EnableRunStats();
            var before = program.GetRunStats();
            for (long done = 0; done < records; done += 10_000)
            {
                Fill(program, 10_000, 0);
                if (!full) ring.Consume(); // keep it from filling, outside the program's measured run time
            }
            var after = program.GetRunStats();
            return (after.RunTimeNanoseconds - before.RunTimeNanoseconds) / (double)records;
        }

        double without = NsPerRecord(query: false), with = NsPerRecord(query: true);
        return new QueryAnswer(full ? "full" : "not full", without, with);
    }

    private static BpfObject Load(string objectPath, int mode, int recordSize, uint ringBytes, bool query)
    {
        var spec = BpfObjectSpec.FromFile(objectPath);
        spec.SetVariable("record_size", (uint)recordSize);
        spec.SetVariable("mode", (uint)mode);
        spec.SetVariable("query_avail", query ? 1u : 0u);
        spec.Maps["rb"].MaxEntries = ringBytes;
        return spec.Load();
    }

    private static void Fill(BpfProgram program, long records, int cpu)
    {
        while (records > 0)
        {
            ulong n = (ulong)Math.Min(records, 65_536);
            _ = program.TestRun(MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(ref n)), cpu);
            records -= (long)n;
        }
    }

    private sealed class OrderCounter
    {
        private ulong _last;
        internal long Count, OutOfOrder;

        internal void Add(ulong timestamp)
        {
            Count++;
            if (timestamp < _last) OutOfOrder++;
            else _last = timestamp;
        }
    }
}
