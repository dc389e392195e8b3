using System.Diagnostics;
using System.Text.Json;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Unlinks;

/// <summary>`ebpf unlinks --json` as a user runs it: a child process deletes files, every deletion must be reported.</summary>
public class UnlinksEndToEndTests
{
    [Theory]
    [InlineData("ringbuf", ToolBuild.Jit)]
    [InlineData("perf", ToolBuild.Jit)]
    [InlineData("ringbuf", ToolBuild.Native)]
    [InlineData("perf", ToolBuild.Native)]
    public void Every_deletion_arrives_with_the_deleting_process_pid(string transport, ToolBuild build)
    {
        KernelGuard.RequireRoot();
        if (build == ToolBuild.Native) ToolProcess.NativeToolPath(); // skips or fails first, with the reason
        var dir = Directory.CreateTempSubdirectory("ebpf-unlinks-");
        try
        {
            var names = Enumerable.Range(0, 25).Select(i => $"gone-{Guid.NewGuid():N}-{i}").ToArray();
            foreach (var name in names) File.WriteAllText(Path.Combine(dir.FullName, name), "x");

            using var tool = new ToolProcess(build, "unlinks", "--json", "--transport", transport);
            tool.WaitForStderr("Tracing file deletions", TimeSpan.FromSeconds(60));

            // One child process deletes all of them: every event must carry its pid.
            var rm = new ProcessStartInfo("rm");
            foreach (var name in names) rm.ArgumentList.Add(Path.Combine(dir.FullName, name));
            using var child = Process.Start(rm)!;
            int childPid = child.Id;
            child.WaitForExit();
            Assert.Equal(0, child.ExitCode);

            var seen = new Dictionary<string, JsonElement>();
            tool.WaitUntil(() =>
            {
                foreach (var line in tool.StdoutLines)
                {
                    using var doc = JsonDocument.Parse(line);
                    if (doc.RootElement.TryGetProperty("filename", out var f) && f.GetString() is { } path && path.Contains("gone-", StringComparison.Ordinal))
                        seen[Path.GetFileName(path)] = doc.RootElement.Clone();
                }
                return names.All(seen.ContainsKey);
            }, TimeSpan.FromSeconds(15), $"all {names.Length} deletions");

            foreach (var name in names)
            {
                Assert.Equal(childPid, seen[name].GetProperty("pid").GetInt32());
                Assert.Equal("rm", seen[name].GetProperty("comm").GetString());
            }

            Assert.Equal(0, tool.Interrupt(TimeSpan.FromSeconds(15)));
            using var summary = JsonDocument.Parse(tool.StdoutLines.Last());
            Assert.True(summary.RootElement.GetProperty("received").GetInt64() >= names.Length, tool.StdoutLines.Last());
            Assert.Equal(0, summary.RootElement.GetProperty("dropped").GetInt64());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Pid_filter_is_applied_in_the_kernel()
    {
        KernelGuard.RequireRoot();
        var dir = Directory.CreateTempSubdirectory("ebpf-unlinks-");
        try
        {
            string kept = Path.Combine(dir.FullName, $"other-{Guid.NewGuid():N}");
            string target = Path.Combine(dir.FullName, $"mine-{Guid.NewGuid():N}");
            File.WriteAllText(kept, "x");
            File.WriteAllText(target, "x");

            // A shell that waits for a line on stdin, then execs rm: rm keeps the shell's pid, known before it deletes.
            var sh = new ProcessStartInfo("sh", ["-c", $"read _; exec rm '{target}'"]) { RedirectStandardInput = true };
            using var shell = Process.Start(sh)!;
            using var tool = new ToolProcess("unlinks", "--json", "--pid", shell.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
            tool.WaitForStderr("Tracing file deletions", TimeSpan.FromSeconds(60));

            File.Delete(kept); // deleted by this test process: must be filtered out in the kernel
            shell.StandardInput.WriteLine();
            shell.WaitForExit();
            Assert.Equal(0, shell.ExitCode);
            tool.WaitUntil(() => tool.StdoutLines.Any(l => l.Contains(Path.GetFileName(target), StringComparison.Ordinal)),
                TimeSpan.FromSeconds(15), "the filtered process's deletion");

            Assert.Equal(0, tool.Interrupt(TimeSpan.FromSeconds(15)));
            var events = tool.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).Where(e => e.TryGetProperty("pid", out _)).ToList();
            Assert.NotEmpty(events);
            Assert.All(events, e => Assert.Equal(shell.Id, e.GetProperty("pid").GetInt32()));
            Assert.Contains(events, e => e.GetProperty("filename").GetString() == target);
            Assert.DoesNotContain(events, e => e.GetProperty("filename").GetString() == kept);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static bool KernelHasKprobes =>
        Directory.Exists("/sys/bus/event_source/devices/kprobe") || File.Exists("/sys/kernel/tracing/kprobe_events");

    [Fact]
    public void Probe_kprobe_runs_the_lessons_program_or_says_the_kernel_cannot()
    {
        KernelGuard.RequireRoot();
        using var tool = new ToolProcess("unlinks", "--json", "--probe", "kprobe");
        if (KernelHasKprobes)
        {
            tool.WaitForStderr("do_unlinkat kprobe", TimeSpan.FromSeconds(60));
            Assert.Equal(0, tool.Interrupt(TimeSpan.FromSeconds(15)));
            return;
        }
        tool.WaitUntil(() => tool.HasExited, TimeSpan.FromSeconds(60), "the tool to refuse");
        Assert.Equal(2, tool.ExitCode);
        Assert.Contains("no kprobe support", tool.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", tool.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Probe_auto_says_which_probe_it_chose()
    {
        KernelGuard.RequireRoot();
        using var tool = new ToolProcess("unlinks", "--json");
        tool.WaitForStderr("Tracing file deletions", TimeSpan.FromSeconds(60));
        if (!KernelHasKprobes)
        {
            Assert.Contains("kprobe unavailable", tool.Stderr, StringComparison.Ordinal);
            Assert.Contains("unlink/unlinkat tracepoints", tool.Stderr, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains("do_unlinkat kprobe", tool.Stderr, StringComparison.Ordinal);
        }
        Assert.Equal(0, tool.Interrupt(TimeSpan.FromSeconds(15)));
    }
}
