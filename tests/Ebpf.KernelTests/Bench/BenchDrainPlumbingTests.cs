using System.Text.Json;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Bench;

/// <summary>`ebpf bench drain --json` on a tiny run: the plumbing (C reference loaded, both consumers drained the same
/// maps, checksums matched, nothing allocated), not the speed.</summary>
public sealed class BenchDrainPlumbingTests
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
        using var tool = new ToolProcess("bench", "stream", "--json", "--seconds", "0.3", "--cref", CReferencePath());
        tool.WaitUntil(() => tool.HasExited, TimeSpan.FromSeconds(120), "the bench to finish");
        Assert.True(tool.ExitCode == 0, $"exit {tool.ExitCode}\n{tool.Stderr}");
        using var doc = JsonDocument.Parse(string.Join('\n', tool.StdoutLines));
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(4, results.Count);
        Assert.Equal(["ringbuf", "ringbuf", "perf", "perf"], results.Select(r => r.GetProperty("transport").GetString()));
        foreach (var r in results)
        {
            // Every record the BPF side emitted during the run was received: nothing lost without being counted.
            Assert.True(r.GetProperty("received").GetInt64() > 0, r.ToString());
            Assert.Equal(r.GetProperty("emitted").GetInt64(), r.GetProperty("received").GetInt64());
            Assert.True(r.GetProperty("consumer_cpu_ns").GetInt64() > 0);
            Assert.False(string.IsNullOrEmpty(r.GetProperty("notification").GetString()));
        }
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

    /// <summary>The C reference library; CI builds it (.ci/run runs scripts/build-c-reference.sh).</summary>
    private static string CReferencePath()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ebpf.Net.slnx"))) dir = dir.Parent;
        string path = Path.Combine(dir?.FullName ?? ".", "bench", "c-reference", "build", "libebpf_cref.so");
        if (!File.Exists(path))
            KernelGuard.Unavailable($"the libbpf C reference is not built ({path}); run scripts/build-c-reference.sh (needs clang, libbpf-dev, pkg-config)");
        return path;
    }
}
