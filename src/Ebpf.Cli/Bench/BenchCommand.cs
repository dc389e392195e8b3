using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Ebpf.RingBuf;

namespace Ebpf.Cli.Bench;

/// <summary><c>ebpf bench</c>: Ebpf.Net's consumers against libbpf's C consumers, side by side in one process.</summary>
internal static class BenchCommand
{
    private static readonly string[] BothTransports = ["ringbuf", "perf"];

    internal static Command Create()
    {
        var command = new Command("bench", "Measure Ebpf.Net's consumers and loader against libbpf's in one run.");
        command.Subcommands.Add(CreateDrain());
        command.Subcommands.Add(CreateStream());
        command.Subcommands.Add(CreateQuestions());
        command.Subcommands.Add(LatencyCommand.Create());
        command.Subcommands.Add(UserRingBufCommand.Create());
        command.Subcommands.Add(LoadBenchCommand.Create());
        return command;
    }

    private static Command CreateQuestions()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of tables." };
        var burst = new Option<long>("--burst") { Description = "Records in the burst for the memory question.", DefaultValueFactory = _ => 100_000 };
        var command = new Command("questions", "The lesson's questions: memory per transport for a burst, order across CPUs, the cost of bpf_ringbuf_query.")
        {
            json, burst,
        };
        command.SetAction(parse =>
        {
            using var obj = new BenchObject();
            long records = parse.GetValue(burst);
            if (records < 2) throw new ArgumentException("--burst must be at least 2.");
            var memory = new[] { QuestionsBenchmark.Memory(obj.Path, records, 64, spread: true), QuestionsBenchmark.Memory(obj.Path, records, 64, spread: false) };
            var order = new[] { QuestionsBenchmark.Order(obj.Path, "ringbuf", 200_000), QuestionsBenchmark.Order(obj.Path, "perf", 200_000) };
            var query = new[] { QuestionsBenchmark.Query(obj.Path, full: false, 1_000_000), QuestionsBenchmark.Query(obj.Path, full: true, 1_000_000) };
            if (parse.GetValue(json)) WriteQuestionsJson(memory, order, query);
            else WriteQuestionsTable(memory, order, query);
            return 0;
        });
        return command;
    }

    private static void WriteQuestionsTable(QuestionsBenchmark.MemoryAnswer[] memory, QuestionsBenchmark.OrderAnswer[] order, QuestionsBenchmark.QueryAnswer[] query)
    {
        Console.WriteLine($"machine: {MachineInfo.Current()}");
        Console.WriteLine("1. memory to absorb a burst with no consumer and no drop (smallest power-of-two sizes that worked)");
        Console.WriteLine($"   {"burst",-22} {"records",8} {"size",5} {"ringbuf",12} {"perf per CPU",13} {"perf total",12} {"perf/ringbuf",12}");
        foreach (var m in memory)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   {m.Burst,-22} {m.Records,8} {m.RecordSize,5} {Kib(m.RingBytes),12} {Kib(m.PerfBytesPerCpu),13} {Kib(m.PerfBytes),12} {(double)m.PerfBytes / m.RingBytes,12:F1}"));
        Console.WriteLine("2. order: producers on every CPU at once; records whose timestamp is earlier than the previous one received");
        foreach (var o in order)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   {o.Transport,-8} received {o.Received,9}  out of order {o.OutOfOrder,9} ({100.0 * o.OutOfOrder / Math.Max(1, o.Received):F2}%)"));
        Console.WriteLine("3. bpf_ringbuf_query(BPF_RB_AVAIL_DATA) before each reserve: producer ns per record (kernel run statistics)");
        foreach (var q in query)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   ring {q.RingState,-9} without {q.NsPerRecordWithout,7:F1} ns   with {q.NsPerRecordWith,7:F1} ns   ({q.NsPerRecordWith / q.NsPerRecordWithout:F2}x)"));
    }

    private static string Kib(ulong bytes) => $"{bytes / 1024} KiB";

    private static void WriteQuestionsJson(QuestionsBenchmark.MemoryAnswer[] memory, QuestionsBenchmark.OrderAnswer[] order, QuestionsBenchmark.QueryAnswer[] query)
    {
        using var w = JsonOutput.Stdout();
        w.WriteStartObject();
        w.WriteString("mode", "questions");
        w.WriteString("machine", MachineInfo.Current().ToString());
        w.WriteStartArray("memory");
        foreach (var m in memory)
        {
            w.WriteStartObject();
            w.WriteString("burst", m.Burst);
            w.WriteNumber("records", m.Records);
            w.WriteNumber("record_size", m.RecordSize);
            w.WriteNumber("ringbuf_bytes", m.RingBytes);
            w.WriteNumber("perf_bytes_per_cpu", m.PerfBytesPerCpu);
            w.WriteNumber("perf_bytes", m.PerfBytes);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("order");
        foreach (var o in order)
        {
            w.WriteStartObject();
            w.WriteString("transport", o.Transport);
            w.WriteNumber("received", o.Received);
            w.WriteNumber("out_of_order", o.OutOfOrder);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("ringbuf_query");
        foreach (var q in query)
        {
            w.WriteStartObject();
            w.WriteString("ring", q.RingState);
            w.WriteNumber("ns_per_record_without", Math.Round(q.NsPerRecordWithout, 2));
            w.WriteNumber("ns_per_record_with", Math.Round(q.NsPerRecordWith, 2));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        Console.WriteLine();
    }

    private static Command CreateStream()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table." };
        var transport = new Option<string>("--transport") { Description = "ringbuf, perf or both.", DefaultValueFactory = _ => "both" };
        transport.AcceptOnlyFromAmong("ringbuf", "perf", "both");
        var size = new Option<int>("--size") { Description = "Record size in bytes (a power of two, 16 to 1024).", DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch") { Description = "Records per producer syscall.", DefaultValueFactory = _ => 1 };
        var producers = new Option<int>("--producers") { Description = "Producer threads calling getpgid().", DefaultValueFactory = _ => 1 };
        var seconds = new Option<double>("--seconds") { Description = "Duration of each run.", DefaultValueFactory = _ => 2 };
        var wakeupEvery = new Option<int>("--wakeup-every") { Description = "Ring buffer: 0 = adaptive wake-up; N = wake the consumer every Nth record only.", DefaultValueFactory = _ => 0 };
        var perfWakeup = new Option<int>("--perf-wakeup") { Description = "Perf buffer: records per wake-up (wakeup_events).", DefaultValueFactory = _ => 1 };
        var perfPages = new Option<int>("--perf-pages") { Description = "Perf buffer pages per CPU (a power of two).", DefaultValueFactory = _ => 256 };
        var publish = new Option<int>("--publish-interval") { Description = "C# ring buffer: publish the consumer position every N records (RingBufferOptions.PublishInterval).", DefaultValueFactory = _ => 1 };
        var waitMode = new Option<RingBufferWaitMode>("--wait-mode") { Description = "C# ring buffer: Notification (the default: wakes on the BPF side's notifications) or DataAvailable (libbpf's level-triggered wait).", DefaultValueFactory = _ => RingBufferWaitMode.Notification };
        var pin = new Option<bool>("--pin") { Description = "Pin the consumer to the last CPU and the producers to the others (both consumers alike): less run-to-run noise." };
        var rounds = new Option<int>("--rounds") { Description = "Runs per consumer, C and C# alternating; the summary takes the medians.", DefaultValueFactory = _ => 3 };
        var cref = new Option<string?>("--cref") { Description = "Path of libebpf_cref.so." };
        var command = new Command("stream", "Producers and one consumer for a fixed time: received/s, dropped/s, consumer CPU, latency; C and C#.")
        {
            json, transport, size, batch, producers, seconds, wakeupEvery, perfWakeup, perfPages, publish, waitMode, pin, rounds, cref,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(rounds) < 1) throw new ArgumentException("--rounds must be at least 1.");
            CRef.Use(parse.GetValue(cref) ?? CRef.DefaultPath());
            using var obj = new BenchObject();
            var rows = new List<(StreamBenchmark.Settings Settings, StreamResult Result)>();
            string which = parse.GetValue(transport)!;
            int producerCpus = StreamBenchmark.PinConsumer(parse.GetValue(pin));
            foreach (string t in which == "both" ? BothTransports : [which])
            {
                var settings = new StreamBenchmark.Settings(t, parse.GetValue(size), parse.GetValue(batch), parse.GetValue(producers),
                    (int)(parse.GetValue(seconds) * 1000), parse.GetValue(wakeupEvery), parse.GetValue(perfWakeup), parse.GetValue(perfPages),
                    PublishInterval: parse.GetValue(publish), ProducerCpus: producerCpus, WaitMode: parse.GetValue(waitMode));
                StreamBenchmark.RunRounds(obj.Path, settings, parse.GetValue(rounds), rows);
            }
            if (producerCpus > 0) StreamBenchmark.Unpin();
            if (parse.GetValue(json)) WriteStreamJson(rows);
            else WriteStreamTable(rows);
            return 0;
        });
        return command;
    }

    private static string Notification(StreamBenchmark.Settings s) => s.Transport == "perf"
        ? $"wakeup_events {s.PerfWakeup}"
        : s.WakeupEvery == 0 ? "adaptive wake-up" : $"wake every {s.WakeupEvery}th record";

    private static void WriteStreamTable(List<(StreamBenchmark.Settings Settings, StreamResult Result)> rows)
    {
        Console.WriteLine($"stream: machine {MachineInfo.Current()}");
        Console.WriteLine($"{"transport",-9} {"consumer",-14} {"notification",-22} {"recv/s",11} {"drop/s",9} {"cpu ns/rec",10} {"rec/wake",8} {"lat mean",9} {"p50",8} {"p99",8} {"p99.9",8} {"max",9}");
        foreach (var (s, r) in rows)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Transport,-9} {r.Consumer,-14} {Notification(s),-22} {r.ReceivedPerSecond,11:F0} {r.DroppedPerSecond,9:F0} {r.CpuNsPerRecord,10:F0} {r.RecordsPerWakeup,8:F1} {r.LatencyMeanNs,9:F0} {Show(r.LatencyP50Ns),8} {Show(r.LatencyP99Ns),8} {Show(r.LatencyP999Ns),8} {r.LatencyMaxNs,9}"));
        Console.WriteLine("latency in ns: consumer CLOCK_MONOTONIC minus bpf_ktime_get_ns() for every 64th record (nearest-rank percentiles, both sides);");
        Console.WriteLine("rec/wake: records per poll that returned records");
        foreach (var m in StreamSummary.Of(rows))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{m.Transport}: {m.Rounds} rounds, medians of the per-round C#/C ratios: received/s {m.ReceivedRatio:F2} (per round {string.Join(' ', m.ReceivedRatioPerRound.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))}), " +
                $"CPU per record {m.CpuRatio:F2}, p99 {(m.P99Ratio is { } p ? p.ToString("F2", CultureInfo.InvariantCulture) : "-")}; records per wake-up C {m.CRecordsPerWakeup:F1} C# {m.CSharpRecordsPerWakeup:F1}; drops C {m.CDropped} C# {m.CSharpDropped}"));
    }

    private static string Show(long? ns) => ns?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static void WriteStreamJson(List<(StreamBenchmark.Settings Settings, StreamResult Result)> rows)
    {
        var machine = MachineInfo.Current();
        using var w = JsonOutput.Stdout();
        w.WriteStartObject();
        w.WriteString("mode", "stream");
        w.WriteString("machine", machine.ToString());
        w.WriteStartArray("results");
        foreach (var (s, r) in rows)
        {
            w.WriteStartObject();
            w.WriteString("transport", s.Transport);
            w.WriteString("consumer", r.Consumer);
            w.WriteString("notification", Notification(s));
            if (s.Transport == "ringbuf" && r.Consumer != StreamBenchmark.CConsumer) w.WriteString("wait_mode", s.WaitMode.ToString());
            w.WriteNumber("record_size", s.RecordSize);
            w.WriteNumber("batch", s.Batch);
            w.WriteNumber("producers", s.Producers);
            w.WriteNumber("received", r.Received);
            w.WriteNumber("emitted", r.Emitted);
            w.WriteNumber("dropped", r.Dropped);
            w.WriteNumber("lost", r.Lost);
            w.WriteNumber("wall_ns", r.WallNs);
            w.WriteNumber("consumer_cpu_ns", r.ConsumerCpuNs);
            w.WriteNumber("wakeups", r.Wakeups);
            w.WriteNumber("producer_calls", r.ProducerCalls);
            w.WriteNumber("jit_compiles_during_run", r.JitCompilesDuringRun);
            w.WriteNumber("received_per_s", Math.Round(r.ReceivedPerSecond));
            w.WriteNumber("dropped_per_s", Math.Round(r.DroppedPerSecond));
            w.WriteNumber("latency_samples", r.LatencySamples);
            w.WriteNumber("latency_mean_ns", Math.Round(r.LatencyMeanNs));
            w.WriteNumber("latency_max_ns", r.LatencyMaxNs);
            if (r.LatencyP50Ns is { } p50) w.WriteNumber("latency_p50_ns", p50);
            if (r.LatencyP99Ns is { } p99) w.WriteNumber("latency_p99_ns", p99);
            if (r.LatencyP999Ns is { } p999) w.WriteNumber("latency_p999_ns", p999);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("summary");
        foreach (var m in StreamSummary.Of(rows))
        {
            w.WriteStartObject();
            w.WriteString("transport", m.Transport);
            w.WriteNumber("rounds", m.Rounds);
            w.WriteNumber("c_received_per_s", Math.Round(m.CReceivedPerSecond));
            w.WriteNumber("csharp_received_per_s", Math.Round(m.CSharpReceivedPerSecond));
            w.WriteNumber("received_ratio", Math.Round(m.ReceivedRatio, 3));
            w.WriteStartArray("received_ratio_per_round");
            foreach (double x in m.ReceivedRatioPerRound) w.WriteNumberValue(Math.Round(x, 3));
            w.WriteEndArray();
            w.WriteNumber("c_cpu_ns_per_record", Math.Round(m.CCpuNsPerRecord, 1));
            w.WriteNumber("csharp_cpu_ns_per_record", Math.Round(m.CSharpCpuNsPerRecord, 1));
            w.WriteNumber("cpu_ratio", Math.Round(m.CpuRatio, 3));
            w.WriteNumber("c_records_per_wakeup", Math.Round(m.CRecordsPerWakeup, 1));
            w.WriteNumber("csharp_records_per_wakeup", Math.Round(m.CSharpRecordsPerWakeup, 1));
            if (m.P99Ratio is { } p99) w.WriteNumber("p99_ratio", Math.Round(p99, 3));
            w.WriteNumber("c_dropped", m.CDropped);
            w.WriteNumber("csharp_dropped", m.CSharpDropped);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        Console.WriteLine();
    }

    private static Command CreateDrain()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table." };
        var sizes = new Option<int[]>("--sizes")
        {
            Description = "Record sizes in bytes (powers of two, 16 to 1024).",
            DefaultValueFactory = _ => [16, 64, 256, 1024],
            AllowMultipleArgumentsPerToken = true,
        };
        var records = new Option<long>("--records") { Description = "Records per round (a quarter of it for 1024-byte records).", DefaultValueFactory = _ => 1_000_000 };
        var rounds = new Option<int>("--rounds") { Description = "Timed rounds per consumer (the median is reported).", DefaultValueFactory = _ => 7 };
        var transport = new Option<string>("--transport") { Description = "ringbuf, perf or both.", DefaultValueFactory = _ => "both" };
        transport.AcceptOnlyFromAmong("ringbuf", "perf", "both");
        var cref = new Option<string?>("--cref") { Description = "Path of libebpf_cref.so (default: bench/c-reference/build/ above the working directory)." };

        var command = new Command("drain", "Fill a ring with no consumer, then time each consumer draining it (C and C# interleaved).")
        {
            json, sizes, records, rounds, transport, cref,
        };
        command.SetAction(parse =>
        {
            CRef.Use(parse.GetValue(cref) ?? CRef.DefaultPath());
            string which = parse.GetValue(transport)!;
            int roundCount = parse.GetValue(rounds);
            long perRound = parse.GetValue(records);
            if (roundCount < 1 || perRound < 1) throw new ArgumentException("--rounds and --records must be at least 1.");
            using var obj = new BenchObject();
            var results = new List<DrainResult>();
            foreach (string t in which == "both" ? BothTransports : [which])
            {
                foreach (int size in parse.GetValue(sizes)!)
                {
                    if (size is < 16 or > 1024 || (size & (size - 1)) != 0)
                        throw new ArgumentException($"--sizes: {size} is not a power of two between 16 and 1024.");
                    long n = size >= 1024 ? Math.Max(1, perRound / 4) : perRound;
                    var result = DrainBenchmark.Run(obj.Path, t, size, n, roundCount);
                    results.Add(result);
                    if (!parse.GetValue(json))
                        Console.Error.WriteLine($"  {t,-8} {size,5} B: C# {result.CSharpMillionPerSecond,7:F1} M/s  C# struct {result.CSharpStructMillionPerSecond,7:F1} M/s  C {result.CMillionPerSecond,7:F1} M/s  {result.Ratio:F2}x / {result.StructRatio:F2}x");
                }
            }
            if (parse.GetValue(json)) WriteJson(results, roundCount);
            else WriteTable(results, roundCount);
            return results.All(r => r.ChecksumsOk) ? 0 : 1;
        });
        return command;
    }

    private static void WriteTable(List<DrainResult> results, int rounds)
    {
        Console.WriteLine($"drain: median of {rounds} rounds after 2 warm-up laps, C and C# interleaved on the same maps");
        Console.WriteLine($"machine: {MachineInfo.Current()}");
        Console.WriteLine("C#: RingBuffer/PerfBuffer.Consume() with a delegate handler; C# struct: Consume(ref handler) with a struct handler");
        Console.WriteLine("ratios: C time / C# time (above 1: C# faster); wall clock, and 'cpu': the draining thread's CPU time (leaves out preemption)");
        Console.WriteLine($"{"transport",-9} {"size",6} {"records",9} {"C# M/s",8} {"struct",8} {"C M/s",8} {"C#/C",6} {"struct/C",8} {"C# ns",7} {"C ns",7} {"cpu C#/C",8} {"cpu st/C",8} {"alloc B",8} {"ok",3}");
        foreach (var r in results)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Transport,-9} {r.RecordSize,6} {r.RecordsPerRound,9} {r.CSharpMillionPerSecond,8:F1} {r.CSharpStructMillionPerSecond,8:F1} {r.CMillionPerSecond,8:F1} {r.Ratio,6:F2} {r.StructRatio,8:F2} {r.CSharpNsPerRecord,7:F2} {r.CNsPerRecord,7:F2} {r.CpuRatio,8:F2} {r.CpuStructRatio,8:F2} {r.CSharpAllocatedBytes,8} {(r.ChecksumsOk ? "yes" : "NO"),3}"));
    }

    private static void WriteJson(List<DrainResult> results, int rounds)
    {
        var machine = MachineInfo.Current();
        using var w = JsonOutput.Stdout();
        w.WriteStartObject();
        w.WriteString("mode", "drain");
        w.WriteNumber("rounds", rounds);
        w.WriteNumber("warmup_laps", 2);
        w.WriteStartObject("machine");
        w.WriteString("cpu", machine.Cpu);
        w.WriteNumber("cores", machine.Cores);
        w.WriteString("kernel", machine.Kernel);
        w.WriteString("runtime", machine.Runtime);
        w.WriteEndObject();
        w.WriteStartArray("results");
        foreach (var r in results)
        {
            w.WriteStartObject();
            w.WriteString("transport", r.Transport);
            w.WriteNumber("record_size", r.RecordSize);
            w.WriteNumber("records_per_round", r.RecordsPerRound);
            w.WriteNumber("csharp_million_per_s", Math.Round(r.CSharpMillionPerSecond, 2));
            w.WriteNumber("c_million_per_s", Math.Round(r.CMillionPerSecond, 2));
            w.WriteNumber("csharp_struct_million_per_s", Math.Round(r.CSharpStructMillionPerSecond, 2));
            w.WriteNumber("ratio", Math.Round(r.Ratio, 3));
            w.WriteNumber("ratio_struct", Math.Round(r.StructRatio, 3));
            w.WriteNumber("csharp_ns_per_record", Math.Round(r.CSharpNsPerRecord, 3));
            w.WriteNumber("c_ns_per_record", Math.Round(r.CNsPerRecord, 3));
            w.WriteNumber("csharp_cpu_ns_per_record", Math.Round(r.CSharpCpuNsPerRecord, 3));
            w.WriteNumber("csharp_struct_cpu_ns_per_record", Math.Round(r.CSharpStructCpuNsPerRecord, 3));
            w.WriteNumber("c_cpu_ns_per_record", Math.Round(r.CCpuNsPerRecord, 3));
            w.WriteNumber("cpu_ratio", Math.Round(r.CpuRatio, 3));
            w.WriteNumber("cpu_ratio_struct", Math.Round(r.CpuStructRatio, 3));
            w.WriteNumber("csharp_allocated_bytes", r.CSharpAllocatedBytes);
            w.WriteNumber("lost", r.Lost);
            w.WriteBoolean("checksums_ok", r.ChecksumsOk);
            w.WriteString("notification", r.Notification);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        Console.WriteLine();
    }
}
