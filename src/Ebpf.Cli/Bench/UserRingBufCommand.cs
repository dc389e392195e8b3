using System.CommandLine;
using System.Globalization;

namespace Ebpf.Cli.Bench;

/// <summary>
/// <c>ebpf bench user-ringbuf</c>: Ebpf.Net's user ring buffer producer against libbpf's, writing the same map that one
/// BPF drain program consumes and checksums (<see cref="UserRingBufBenchmark"/>).
/// </summary>
internal static class UserRingBufCommand
{
    internal static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object: {\"records\",\"csharp\":{\"records_per_s\",\"checksum_ok\"},\"c\":{...},\"ratio\"}." };
        var records = new Option<long>("--records") { Description = "Records per round, written in chunks of what the ring holds (a drain between chunks).", DefaultValueFactory = _ => 1_000_000 };
        var ring = new Option<uint>("--ring-bytes") { Description = "Size of the user ring buffer (a power of two, a multiple of the page size).", DefaultValueFactory = _ => 1024 * 1024 };
        var size = new Option<int>("--size") { Description = "Record payload in bytes (8 to 4096).", DefaultValueFactory = _ => 64 };
        var rounds = new Option<int>("--rounds") { Description = "Timed rounds per producer, C and C# alternating; the medians are reported.", DefaultValueFactory = _ => 7 };
        var cref = new Option<string?>("--cref") { Description = "Path of libebpf_cref.so." };
        var command = new Command("user-ringbuf", "Fill a user ring buffer with each producer (C libbpf, C# Ebpf.Net), timed alone; a BPF program drains and checksums both.")
        {
            json, records, size, rounds, ring, cref,
        };
        command.SetAction(parse =>
        {
            long n = parse.GetValue(records);
            int bytes = parse.GetValue(size), roundCount = parse.GetValue(rounds);
            if (n < 1 || roundCount < 1) throw new ArgumentException("--records and --rounds must be at least 1.");
            if (bytes is < 8 or > 4096) throw new ArgumentException("--size must be between 8 and 4096 bytes (the sequence number takes the first 8).");
            if (!Features.KernelFeatures.HasMapType(BpfMapType.UserRingBuf))
                throw new BpfFeatureNotSupportedException("BPF_MAP_CREATE", 0, "BPF_MAP_TYPE_USER_RINGBUF", "This kernel has no user ring buffers (Linux 6.1+).");
            CRef.Use(parse.GetValue(cref) ?? CRef.DefaultPath());
            var result = UserRingBufBenchmark.Run(n, bytes, roundCount, parse.GetValue(ring));
            if (parse.GetValue(json)) WriteJson(result, roundCount);
            else WriteTable(result, roundCount);
            return result.CSharpChecksumOk && result.CChecksumOk ? 0 : 1;
        });
        return command;
    }

    private static void WriteTable(UserRingBufResult r, int rounds)
    {
        Console.WriteLine($"user-ringbuf: {r.Records} records of {r.RecordSize} bytes per round, written into an empty {r.RingBytes / 1024} KiB ring a ringful at a time (fills timed, drains not); median of {rounds} rounds, C and C# alternating");
        Console.WriteLine($"machine: {MachineInfo.Current()}");
        Console.WriteLine("per record, both: reserve, write the sequence number (first 8 bytes), submit; the BPF drain checksums every round");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"producer",-16} {"records/s",12} {"ns/record",10} {"cpu ns/rec",10} {"checksum",8}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"C (libbpf)",-16} {r.CRecordsPerSecond,12:F0} {1e9 / r.CRecordsPerSecond,10:F2} {r.CCpuNsPerRecord,10:F2} {(r.CChecksumOk ? "ok" : "BAD"),8}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"C# (Ebpf.Net)",-16} {r.CSharpRecordsPerSecond,12:F0} {1e9 / r.CSharpRecordsPerSecond,10:F2} {r.CSharpCpuNsPerRecord,10:F2} {(r.CSharpChecksumOk ? "ok" : "BAD"),8}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ratio C#/C records per second: {r.Ratio:F2} (median of the rounds' ratios: {Join(r.RatioPerRound)}); on CPU time {r.CpuRatio:F2} ({Join(r.CpuRatioPerRound)})"));
        Console.WriteLine($"C# allocated {r.CSharpAllocatedBytes} bytes in a round's fills");
    }

    private static string Join(double[] values) => string.Join(' ', values.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)));

    private static void WriteJson(UserRingBufResult r, int rounds)
    {
        var machine = MachineInfo.Current();
        using var w = JsonOutput.Stdout();
        w.WriteStartObject();
        w.WriteString("mode", "user-ringbuf");
        w.WriteNumber("records", r.Records);
        w.WriteNumber("record_size", r.RecordSize);
        w.WriteNumber("ring_bytes", r.RingBytes);
        w.WriteNumber("rounds", rounds);
        w.WriteString("machine", machine.ToString());
        w.WriteStartObject("csharp");
        w.WriteNumber("records_per_s", Math.Round(r.CSharpRecordsPerSecond));
        w.WriteBoolean("checksum_ok", r.CSharpChecksumOk);
        w.WriteNumber("cpu_ns_per_record", Math.Round(r.CSharpCpuNsPerRecord, 3));
        w.WriteNumber("allocated_bytes", r.CSharpAllocatedBytes);
        w.WriteEndObject();
        w.WriteStartObject("c");
        w.WriteNumber("records_per_s", Math.Round(r.CRecordsPerSecond));
        w.WriteBoolean("checksum_ok", r.CChecksumOk);
        w.WriteNumber("cpu_ns_per_record", Math.Round(r.CCpuNsPerRecord, 3));
        w.WriteEndObject();
        w.WriteNumber("ratio", Math.Round(r.Ratio, 3));
        w.WriteStartArray("ratio_per_round");
        foreach (double x in r.RatioPerRound) w.WriteNumberValue(Math.Round(x, 3));
        w.WriteEndArray();
        w.WriteNumber("cpu_ratio", Math.Round(r.CpuRatio, 3));
        w.WriteEndObject();
        w.Flush();
        Console.WriteLine();
    }
}
