using System.Text.Json;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Bench;

/// <summary>`ebpf bench drain/stream/latency/questions --json` on tiny runs: the plumbing (C reference loaded, both consumers read the same
/// maps, checksums matched, nothing allocated), not the speed.</summary>
public sealed class BenchPlumbingTests
{
    [Fact]
    public void A_tiny_drain_run_reports_both_consumers_for_both_transports()
    {
        KernelGuard.RequireRoot();
        string cref = CReferencePath();
        using var tool = new ToolProcess("bench", "drain", "--json", "--records", "3000", "--rounds", "2", "--sizes", "64", "--cref", cref);
        tool.WaitUntil(() => tool.HasExited, TimeSpan.FromSeconds(120), "the bench to finish");
        Assert.True(tool.ExitCode == 0, $"exit {tool.ExitCode}\n{tool.Stderr}");
        using var doc = JsonDocument.Parse(string.Join('\n', tool.StdoutLines));
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["ringbuf", "perf"], results.Select(r => r.GetProperty("transport").GetString()));
        foreach (var r in results)
        {
            Assert.Equal(64, r.GetProperty("record_size").GetInt32());
            Assert.True(r.GetProperty("checksums_ok").GetBoolean(), r.ToString());
            Assert.True(r.GetProperty("csharp_million_per_s").GetDouble() > 0);
            Assert.True(r.GetProperty("c_million_per_s").GetDouble() > 0);
            Assert.Equal(0, r.GetProperty("csharp_allocated_bytes").GetInt64());
            Assert.Equal(0, r.GetProperty("lost").GetInt64());
        }
    }

    [Fact]
    public void A_short_stream_run_reports_c_and_csharp_for_both_transports()
    {
        KernelGuard.RequireRoot();
        using var tool = new ToolProcess("bench", "stream", "--json", "--seconds", "0.3", "--rounds", "2", "--cref", CReferencePath());
        tool.WaitUntil(() => tool.HasExited, TimeSpan.FromSeconds(180), "the bench to finish");
        Assert.True(tool.ExitCode == 0, $"exit {tool.ExitCode}\n{tool.Stderr}");
        using var doc = JsonDocument.Parse(string.Join('\n', tool.StdoutLines));
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["ringbuf", "ringbuf", "ringbuf", "ringbuf", "perf", "perf", "perf", "perf"], results.Select(r => r.GetProperty("transport").GetString()));
        Assert.Equal(["C (libbpf)", "C# (Ebpf.Net)", "C (libbpf)", "C# (Ebpf.Net)"], results.Take(4).Select(r => r.GetProperty("consumer").GetString()));
        foreach (var r in results)
        {
            // Every record the BPF side emitted during the run was received: nothing lost without being counted.
            Assert.True(r.GetProperty("received").GetInt64() > 0, r.ToString());
            Assert.Equal(r.GetProperty("emitted").GetInt64(), r.GetProperty("received").GetInt64());
            Assert.True(r.GetProperty("consumer_cpu_ns").GetInt64() > 0);
            // The same producer threads on both sides, and a consumer that woke with records at least once.
            Assert.True(r.GetProperty("producer_calls").GetInt64() > 0, r.ToString());
            long wakeups = r.GetProperty("wakeups").GetInt64();
            Assert.True(wakeups > 0 && wakeups <= r.GetProperty("received").GetInt64(), r.ToString());
            Assert.False(string.IsNullOrEmpty(r.GetProperty("notification").GetString()));
        }
        // The summary's medians of two rounds are the means of the two runs; its ratio is the mean of the rounds' ratios.
        var summary = doc.RootElement.GetProperty("summary").EnumerateArray().ToList();
        Assert.Equal(["ringbuf", "perf"], summary.Select(m => m.GetProperty("transport").GetString()));
        for (int t = 0; t < 2; t++)
        {
            double PerSecond(int i) => results[4 * t + i].GetProperty("received_per_s").GetDouble();
            var m = summary[t];
            Assert.Equal(2, m.GetProperty("rounds").GetInt32());
            Assert.Equal((PerSecond(0) + PerSecond(2)) / 2, m.GetProperty("c_received_per_s").GetDouble(), 1.0);
            Assert.Equal((PerSecond(1) + PerSecond(3)) / 2, m.GetProperty("csharp_received_per_s").GetDouble(), 1.0);
            Assert.Equal((PerSecond(1) / PerSecond(0) + PerSecond(3) / PerSecond(2)) / 2, m.GetProperty("received_ratio").GetDouble(), 0.002);
            Assert.Equal([PerSecond(1) / PerSecond(0), PerSecond(3) / PerSecond(2)],
                m.GetProperty("received_ratio_per_round").EnumerateArray().Select(x => x.GetDouble()), (x, y) => Math.Abs(x - y) < 0.002);
        }
    }

    [Fact]
    public void A_short_latency_run_times_every_record_for_c_and_csharp_on_both_transports()
    {
        KernelGuard.RequireRoot();
        using var tool = new ToolProcess("bench", "latency", "--json", "--seconds", "0.3", "--gap-us", "200", "--rounds", "1", "--pin", "--cref", CReferencePath());
        tool.WaitUntil(() => tool.HasExited, TimeSpan.FromSeconds(120), "the bench to finish");
        Assert.True(tool.ExitCode == 0, $"exit {tool.ExitCode}\n{tool.Stderr}");
        using var doc = JsonDocument.Parse(string.Join('\n', tool.StdoutLines));
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["ringbuf", "ringbuf", "perf", "perf"], results.Select(r => r.GetProperty("transport").GetString()));
        Assert.Equal(["C (libbpf)", "C# (Ebpf.Net)", "C (libbpf)", "C# (Ebpf.Net)"], results.Select(r => r.GetProperty("consumer").GetString()));
        foreach (var r in results)
        {
            long received = r.GetProperty("received").GetInt64();
            Assert.True(received > 0, r.ToString());
            Assert.Equal(r.GetProperty("emitted").GetInt64(), received);
            // Every record is timed in latency mode, and the percentiles are ordered.
            Assert.Equal(received, r.GetProperty("latency_samples").GetInt64());
            long p50 = r.GetProperty("latency_p50_ns").GetInt64(), p99 = r.GetProperty("latency_p99_ns").GetInt64();
            Assert.True(p50 > 0 && p50 <= p99 && p99 <= r.GetProperty("latency_p999_ns").GetInt64() && r.GetProperty("latency_p999_ns").GetInt64() <= r.GetProperty("latency_max_ns").GetInt64(), r.ToString());
        }
        Assert.False(results[0].TryGetProperty("p99_ratio_vs_c", out _));
        Assert.Equal(results[1].GetProperty("latency_p99_ns").GetDouble() / results[0].GetProperty("latency_p99_ns").GetDouble(),
            results[1].GetProperty("p99_ratio_vs_c").GetDouble(), 0.002);
        var summary = doc.RootElement.GetProperty("summary").EnumerateArray().ToList();
        Assert.Equal(["ringbuf", "perf"], summary.Select(m => m.GetProperty("transport").GetString()));
        Assert.Equal(results[3].GetProperty("p99_ratio_vs_c").GetDouble(), summary[1].GetProperty("p99_ratio").GetDouble(), 0.002);
    }

    [Fact]
    public void The_lesson_questions_run_and_their_answers_are_consistent()
    {
        KernelGuard.RequireRoot();
        using var tool = new ToolProcess("bench", "questions", "--json", "--burst", "4000");
        tool.WaitUntil(() => tool.HasExited, TimeSpan.FromSeconds(120), "the bench to finish");
        Assert.True(tool.ExitCode == 0, $"exit {tool.ExitCode}\n{tool.Stderr}");
        using var doc = JsonDocument.Parse(string.Join('\n', tool.StdoutLines));
        var memory = doc.RootElement.GetProperty("memory").EnumerateArray().ToList();
        Assert.Equal(2, memory.Count);
        foreach (var m in memory)
        {
            // Whatever the sizes, each must hold the burst's bytes.
            long needed = 4000L * 64;
            Assert.True(m.GetProperty("ringbuf_bytes").GetInt64() >= needed);
            Assert.True(m.GetProperty("perf_bytes").GetInt64() >= needed);
        }
        // A burst on one CPU needs that CPU's buffer to hold it all, on every CPU.
        Assert.True(memory[1].GetProperty("perf_bytes").GetInt64() >= memory[1].GetProperty("ringbuf_bytes").GetInt64());
        var order = doc.RootElement.GetProperty("order").EnumerateArray().ToList();
        Assert.All(order, o => Assert.True(o.GetProperty("received").GetInt64() > 0));
        Assert.Equal(2, doc.RootElement.GetProperty("ringbuf_query").GetArrayLength());
    }

    /// <summary>
    /// The C reference library. CI builds it before the tests (.ci/run runs scripts/build-c-reference.sh); when it is
    /// missing, the test builds it with that script (clang, libbpf-dev and pkg-config are installed wherever these
    /// tests run) and fails with the script's output if that does not work.
    /// </summary>
    [Fact]
    public void A_tiny_user_ringbuf_run_has_both_producers_checksummed_by_the_kernel()
    {
        KernelGuard.RequireRoot();
        if (!Ebpf.Features.KernelFeatures.HasMapType(BpfMapType.UserRingBuf))
            KernelGuard.Unavailable("this kernel has no BPF_MAP_TYPE_USER_RINGBUF (Linux 6.1+)");
        // 20000 records of 64 bytes in a 1 MiB ring: two chunks per round, so a round drains between fills.
        using var tool = new ToolProcess("bench", "user-ringbuf", "--json", "--records", "20000", "--rounds", "2", "--cref", CReferencePath());
        tool.WaitUntil(() => tool.HasExited, TimeSpan.FromSeconds(120), "the bench to finish");
        Assert.True(tool.ExitCode == 0, $"exit {tool.ExitCode}\n{tool.Stderr}");
        using var doc = JsonDocument.Parse(string.Join('\n', tool.StdoutLines));
        var root = doc.RootElement;
        Assert.Equal(20000, root.GetProperty("records").GetInt64());
        foreach (string side in new[] { "csharp", "c" })
        {
            var p = root.GetProperty(side);
            Assert.True(p.GetProperty("checksum_ok").GetBoolean(), p.ToString());
            Assert.True(p.GetProperty("records_per_s").GetDouble() > 0, p.ToString());
        }
        Assert.Equal(0, root.GetProperty("csharp").GetProperty("allocated_bytes").GetInt64());
        // The ratio is the median (of two rounds: the mean) of the per-round ratios, whatever their values.
        var perRound = root.GetProperty("ratio_per_round").EnumerateArray().Select(x => x.GetDouble()).ToArray();
        Assert.Equal(2, perRound.Length);
        Assert.Equal(perRound.Average(), root.GetProperty("ratio").GetDouble(), 0.002);
    }

    private static string CReferencePath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ebpf.Net.slnx"))) dir = dir.Parent;
        Assert.True(dir is not null, $"no Ebpf.Net.slnx above {AppContext.BaseDirectory}: cannot find bench/c-reference");
        string path = Path.Combine(dir.FullName, "bench", "c-reference", "build", "libebpf_cref.so");
        lock (BuildLock)
        {
            if (!File.Exists(path)) BuildCReference(dir.FullName, path);
        }
        return path;
    }

    private static readonly Lock BuildLock = new();

    private static void BuildCReference(string root, string path)
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash", [Path.Combine(root, "scripts", "build-c-reference.sh")])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var build = System.Diagnostics.Process.Start(start)!;
        var stdout = build.StandardOutput.ReadToEndAsync();
        string stderr = build.StandardError.ReadToEnd();
        Assert.True(build.WaitForExit(TimeSpan.FromMinutes(2)), "scripts/build-c-reference.sh did not finish in 2 minutes");
        Assert.True(build.ExitCode == 0 && File.Exists(path),
            $"the libbpf C reference is not built ({path}) and scripts/build-c-reference.sh failed (exit {build.ExitCode}; needs clang, libbpf-dev, pkg-config):\n{stdout.Result}\n{stderr}");
    }
}
