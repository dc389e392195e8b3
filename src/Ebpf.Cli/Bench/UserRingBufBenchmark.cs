using System.Buffers.Binary;
using System.Diagnostics;
using Ebpf.UserRingBuf;

namespace Ebpf.Cli.Bench;

/// <summary>
/// Fill mode for the user ring buffer: a producer writes records into an empty ring with no drain running, timed alone;
/// then the BPF drain program (bpf/user_ringbuf_bench.bpf.o, BPF_PROG_TEST_RUN) consumes them and checksums in the kernel
/// what it read. A round is <c>records</c> records in chunks of what the ring holds (fill, drain, fill, ...), the fills
/// timed. C (libbpf's user_ring_buffer__reserve/submit, bench/c-reference) and C#
/// (<see cref="UserRingBuffer.TryReserve(int, out UserRingRecord)"/>/<see cref="UserRingBuffer.Submit"/>) write the SAME
/// map of the same loaded object, alternating round by round after two untimed warm-up laps each. Per record, both do
/// the same minimal touch: reserve, write the sequence number in the first 8 bytes, submit.
/// </summary>
internal static class UserRingBufBenchmark
{
    private const long JitWarmUpRecords = 256;
    private static readonly byte[] TestRunContext = new byte[8];

    internal static UserRingBufResult Run(long records, int recordSize, int rounds, uint ringBytes)
    {
        var spec = BpfObjectSpec.FromBytes(EmbeddedObjects.Read("user_ringbuf_bench.bpf.o"), "user_ringbuf_bench.bpf.o");
        spec.Maps["urb"].MaxEntries = ringBytes; // validated (power-of-two page multiple) before the map is created
        using var obj = spec.Load();
        var map = obj.Map("urb");
        var drain = new Drain(obj);
        using var producer = new UserRingBuffer(map);
        long chunk = ringBytes / ((recordSize + 8 + 7) & ~7);
        if (chunk < 1) throw new ArgumentException($"A {ringBytes}-byte ring cannot hold a {recordSize}-byte record; use a larger --ring-bytes.");
        CRef.Check(CRef.UserRingNew(map.Fd, out nint c), "cref_urb_new");
        try
        {
            ulong seq = 1;
            // Tier-1 code for the C# loop (see DrainBenchmark.WarmUpJit), then two full laps per side: every page of both
            // mappings touched before anything is timed.
            for (int pass = 0; pass < 3; pass++)
            {
                for (int i = 0; i < 50; i++)
                {
                    long n = Math.Min(JitWarmUpRecords, chunk);
                    FillCSharp(producer, n, recordSize, seq);
                    seq += (ulong)n;
                    drain.Check(n, null);
                }
                Thread.Sleep(300);
            }
            for (int lap = 0; lap < 2; lap++)
            {
                RoundC(c, drain, records, chunk, recordSize, ref seq);
                RoundCSharp(producer, drain, records, chunk, recordSize, ref seq);
            }

            var cRounds = new List<Round>();
            var csRounds = new List<Round>();
            for (int r = 0; r < rounds; r++)
            {
                cRounds.Add(RoundC(c, drain, records, chunk, recordSize, ref seq));
                csRounds.Add(RoundCSharp(producer, drain, records, chunk, recordSize, ref seq));
            }
            return new UserRingBufResult(records, recordSize, ringBytes,
                UserRingBufResult.Median(csRounds.Select(x => records * 1e9 / x.WallNs)), UserRingBufResult.Median(cRounds.Select(x => records * 1e9 / x.WallNs)),
                [.. cRounds.Zip(csRounds, (x, y) => (double)x.WallNs / y.WallNs)],
                csRounds.All(x => x.Ok), cRounds.All(x => x.Ok), csRounds.Max(x => x.Allocated))
            {
                CSharpCpuNsPerRecord = UserRingBufResult.Median(csRounds.Select(x => (double)x.CpuNs / records)),
                CCpuNsPerRecord = UserRingBufResult.Median(cRounds.Select(x => (double)x.CpuNs / records)),
                CpuRatioPerRound = [.. cRounds.Zip(csRounds, (x, y) => (double)x.CpuNs / y.CpuNs)],
            };
        }
        finally
        {
            CRef.UserRingFree(c);
        }
    }

    /// <summary>A round's fills: wall time, the producing thread's CPU time, the kernel's verdict, C# bytes allocated.</summary>
    private readonly record struct Round(long WallNs, long CpuNs, bool Ok, long Allocated);

    /// <summary>One C round: chunks filled by libbpf (wall time taken in C around its loop), each drained and checked.</summary>
    private static Round RoundC(nint c, Drain drain, long records, long chunk, int recordSize, ref ulong seq)
    {
        long wall = 0, cpu = 0;
        bool ok = true;
        for (long done = 0; done < records;)
        {
            long n = Math.Min(chunk, records - done);
            long cpu0 = StreamNative.ThreadCpuNs();
            long written = CRef.UserRingProduce(c, n, recordSize, (long)seq, out long elapsed);
            cpu += StreamNative.ThreadCpuNs() - cpu0;
            if (written < 0) CRef.Check((int)written, "cref_urb_produce");
            ok &= written == n && drain.Check(n, ExpectedSum(seq, n));
            wall += elapsed;
            seq += (ulong)n;
            done += n;
        }
        return new Round(wall, cpu, ok, 0);
    }

    /// <summary>One C# round, the same chunks, timed here around the same loop.</summary>
    private static Round RoundCSharp(UserRingBuffer producer, Drain drain, long records, long chunk, int recordSize, ref ulong seq)
    {
        long ticks = 0, cpu = 0, allocated = 0;
        bool ok = true;
        for (long done = 0; done < records;)
        {
            long n = Math.Min(chunk, records - done);
            long before = GC.GetAllocatedBytesForCurrentThread();
            long cpu0 = StreamNative.ThreadCpuNs();
            long start = Stopwatch.GetTimestamp();
            long written = FillCSharp(producer, n, recordSize, seq);
            ticks += Stopwatch.GetTimestamp() - start;
            cpu += StreamNative.ThreadCpuNs() - cpu0;
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            ok &= written == n && drain.Check(n, ExpectedSum(seq, n));
            seq += (ulong)n;
            done += n;
        }
        return new Round((long)(ticks * (1e9 / Stopwatch.Frequency)), cpu, ok, allocated);
    }

    /// <summary>The C# producer's loop: reserve, write the sequence number, submit.</summary>
    private static long FillCSharp(UserRingBuffer producer, long records, int recordSize, ulong firstSeq)
    {
        for (long i = 0; i < records; i++)
        {
            if (!producer.TryReserve(recordSize, out var record)) return i;
            BinaryPrimitives.WriteUInt64LittleEndian(record.Data, firstSeq + (ulong)i);
            producer.Submit(record);
        }
        return records;
    }

    /// <summary>Sum of firstSeq .. firstSeq + records - 1, modulo 2^64, as the kernel adds them up.</summary>
    private static ulong ExpectedSum(ulong firstSeq, long records) =>
        firstSeq * (ulong)records + ((ulong)records * (ulong)(records - 1) / 2);

    /// <summary>Runs the drain program until the ring is empty and compares the kernel's count and checksum.</summary>
    private sealed class Drain(BpfObject obj)
    {
        private readonly BpfProgram _program = obj.Program("bench_drain");
        private ulong _drained, _sum;

        /// <summary>True when the kernel read exactly <paramref name="records"/> records summing to <paramref name="sum"/>
        /// (null: any sum, for warm-up laps).</summary>
        internal bool Check(long records, ulong? sum)
        {
            while (true)
            {
                int n = _program.TestRun(TestRunContext);
                if (n < 0) throw new InvalidOperationException($"bpf_user_ringbuf_drain returned {n}.");
                if (n == 0) break;
            }
            ulong drained = obj.ReadVariable<ulong>("drained"), total = obj.ReadVariable<ulong>("sum");
            bool ok = drained - _drained == (ulong)records && (sum is null || total - _sum == sum) && obj.ReadVariable<ulong>("short_samples") == 0;
            _drained = drained;
            _sum = total;
            return ok;
        }
    }
}
