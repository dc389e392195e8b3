using System.CommandLine;
using System.Globalization;

namespace Ebpf.Cli.Bench;

/// <summary>
/// <c>ebpf bench latency</c>: submit-to-handler latency with an idle consumer. One producer calls getpgid() and then
/// sleeps (<c>--gap-us</c>), so every record meets a consumer asleep in epoll_wait: what is measured is the wake-up
/// path plus the dispatch, for every record (consumer CLOCK_MONOTONIC minus the record's bpf_ktime_get_ns()).
/// C (libbpf, cref_stream) and C# (Ebpf.Net) with the same settings, both transports, a wake-up per record.
/// </summary>
internal static class LatencyCommand
{
    private static readonly string[] BothTransports = ["ringbuf", "perf"];

    internal static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table." };
        var transport = new Option<string>("--transport") { Description = "ringbuf, perf or both.", DefaultValueFactory = _ => "both" };
        transport.AcceptOnlyFromAmong("ringbuf", "perf", "both");
        var seconds = new Option<double>("--seconds") { Description = "Duration of each run.", DefaultValueFactory = _ => 3 };
        var gap = new Option<int>("--gap-us") { Description = "Producer sleep after each record, in microseconds.", DefaultValueFactory = _ => 100 };
        var pin = new Option<bool>("--pin") { Description = "Pin the consumer to the last CPU and the producer to the others (both consumers alike): every wake-up crosses CPUs." };
        var rounds = new Option<int>("--rounds") { Description = "Runs per consumer, C and C# alternating; the summary takes the median of the per-round ratios.", DefaultValueFactory = _ => 3 };
        var cref = new Option<string?>("--cref") { Description = "Path of libebpf_cref.so." };
        var command = new Command("latency", "Submit-to-handler latency (p50/p99/p99.9) with an idle consumer, a wake-up per record; C and C#.")
        {
            json, transport, seconds, gap, pin, rounds, cref,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(seconds) <= 0 || parse.GetValue(gap) < 0) throw new ArgumentException("--seconds must be positive and --gap-us not negative.");
            if (parse.GetValue(rounds) < 1) throw new ArgumentException("--rounds must be at least 1.");
            CRef.Use(parse.GetValue(cref) ?? CRef.DefaultPath());
            int producerCpus = StreamBenchmark.PinConsumer(parse.GetValue(pin));
            using var obj = new BenchObject();
            var rows = new List<(StreamBenchmark.Settings Settings, StreamResult Result)>();
            string which = parse.GetValue(transport)!;
            foreach (string t in which == "both" ? BothTransports : [which])
            {
                var settings = new StreamBenchmark.Settings(t, RecordSize: 64, Batch: 1, Producers: 1, (int)(parse.GetValue(seconds) * 1000),
                    WakeupEvery: 0, PerfWakeup: 1, PerfPages: 64, ProducerGapNs: parse.GetValue(gap) * 1000L, SampleEvery: 1, ProducerCpus: producerCpus);
                StreamBenchmark.RunRounds(obj.Path, settings, parse.GetValue(rounds), rows);
            }
            if (producerCpus > 0) StreamBenchmark.Unpin();
            if (parse.GetValue(json)) WriteJson(rows, parse.GetValue(gap));
            else WriteTable(rows, parse.GetValue(gap));
            return rows.All(r => r.Result.Received == r.Result.Emitted && r.Result.LatencySamples > 0) ? 0 : 1;
        });
        return command;
    }

    private static string Notification(StreamBenchmark.Settings s) => s.Transport == "perf" ? "wakeup_events 1" : "adaptive wake-up";

    /// <summary>A C# row's p99 over the p99 of the C row of its round, the one before it (above 1: C# later); null for C rows.</summary>
    private static double? P99Ratio(List<(StreamBenchmark.Settings Settings, StreamResult Result)> rows, int i)
    {
        if (rows[i].Result.Consumer == StreamBenchmark.CConsumer || i == 0) return null;
        var c = rows[i - 1];
        return c.Result.Consumer == StreamBenchmark.CConsumer && c.Result.LatencyP99Ns is long cp99 && rows[i].Result.LatencyP99Ns is long p99 && cp99 > 0
            ? (double)p99 / cp99
            : null;
    }

    private static void WriteTable(List<(StreamBenchmark.Settings Settings, StreamResult Result)> rows, int gapUs)
    {
        Console.WriteLine($"latency: machine {MachineInfo.Current()}");
        Console.WriteLine($"one producer, 64-byte records, getpgid() then a {gapUs} µs sleep; every record timed (µs: consumer CLOCK_MONOTONIC - bpf_ktime_get_ns)");
        Console.WriteLine($"{"transport",-9} {"consumer",-14} {"notification",-17} {"records",8} {"drops",6} {"mean",7} {"p50",7} {"p99",7} {"p99.9",7} {"max",8} {"p99/C",6}");
        for (int i = 0; i < rows.Count; i++)
        {
            var (s, r) = rows[i];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{s.Transport,-9} {r.Consumer,-14} {Notification(s),-17} {r.Received,8} {r.Dropped + r.Lost,6} {r.LatencyMeanNs / 1e3,7:F1} {Us(r.LatencyP50Ns),7} {Us(r.LatencyP99Ns),7} {Us(r.LatencyP999Ns),7} {r.LatencyMaxNs / 1e3,8:F1} {(P99Ratio(rows, i) is double q ? q.ToString("F2", CultureInfo.InvariantCulture) : "-"),6}"));
        }
        foreach (var m in StreamSummary.Of(rows))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{m.Transport}: {m.Rounds} rounds, median of the per-round p99 ratios C#/C {(m.P99Ratio is { } p ? p.ToString("F2", CultureInfo.InvariantCulture) : "-")}; median p99 C {Us((long?)m.CP99Ns)} µs, C# {Us((long?)m.CSharpP99Ns)} µs"));
    }

    private static string Us(long? ns) => ns is long v ? (v / 1e3).ToString("F1", CultureInfo.InvariantCulture) : "-";

    private static void WriteJson(List<(StreamBenchmark.Settings Settings, StreamResult Result)> rows, int gapUs)
    {
        using var w = JsonOutput.Stdout();
        w.WriteStartObject();
        w.WriteString("mode", "latency");
        w.WriteString("machine", MachineInfo.Current().ToString());
        w.WriteNumber("producer_gap_us", gapUs);
        w.WriteNumber("record_size", 64);
        w.WriteStartArray("results");
        for (int i = 0; i < rows.Count; i++)
        {
            var (s, r) = rows[i];
            w.WriteStartObject();
            w.WriteString("transport", s.Transport);
            w.WriteString("consumer", r.Consumer);
            w.WriteString("notification", Notification(s));
            w.WriteNumber("received", r.Received);
            w.WriteNumber("emitted", r.Emitted);
            w.WriteNumber("dropped", r.Dropped + r.Lost);
            w.WriteNumber("latency_samples", r.LatencySamples);
            w.WriteNumber("latency_mean_ns", Math.Round(r.LatencyMeanNs));
            if (r.LatencyP50Ns is { } p50) w.WriteNumber("latency_p50_ns", p50);
            if (r.LatencyP99Ns is { } p99) w.WriteNumber("latency_p99_ns", p99);
            if (r.LatencyP999Ns is { } p999) w.WriteNumber("latency_p999_ns", p999);
            w.WriteNumber("latency_max_ns", r.LatencyMaxNs);
            if (P99Ratio(rows, i) is double ratio) w.WriteNumber("p99_ratio_vs_c", Math.Round(ratio, 3));
            w.WriteNumber("consumer_cpu_ns", r.ConsumerCpuNs);
            w.WriteNumber("jit_compiles_during_run", r.JitCompilesDuringRun);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("summary");
        foreach (var m in StreamSummary.Of(rows))
        {
            w.WriteStartObject();
            w.WriteString("transport", m.Transport);
            w.WriteNumber("rounds", m.Rounds);
            if (m.CP99Ns is { } c99) w.WriteNumber("c_p99_ns", Math.Round(c99));
            if (m.CSharpP99Ns is { } cs99) w.WriteNumber("csharp_p99_ns", Math.Round(cs99));
            if (m.P99Ratio is { } ratio) w.WriteNumber("p99_ratio", Math.Round(ratio, 3));
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        Console.WriteLine();
    }
}
