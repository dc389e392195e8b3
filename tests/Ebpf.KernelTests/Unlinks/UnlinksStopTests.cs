using System.Diagnostics;
using System.Text.Json;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Unlinks;

/// <summary>
/// How `ebpf unlinks` ends, as a user ends it: two stop signals in a row (Ctrl-C twice, SIGINT then SIGTERM), and a
/// reader that closes the pipe (<c>| head -n 3</c>).
/// </summary>
[Trait("Category", "Kernel")]
public sealed class UnlinksStopTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("ringbuf", "INT", "TERM")]
    [InlineData("perf", "INT", "TERM")]
    [InlineData("ringbuf", "INT", "INT")]
    [InlineData("ringbuf", "TERM", "INT")]
    public void A_second_stop_signal_does_not_crash_and_the_summary_is_printed(string transport, string first, string second)
    {
        KernelGuard.RequireRoot();
        using var tool = new ToolProcess("unlinks", "--json", "--transport", transport, "--probe", "tracepoint");
        tool.WaitForStderr("Tracing file deletions", TimeSpan.FromSeconds(60));
        tool.Signal(first);
        tool.Signal(second);
        int exit = tool.WaitForExit(TimeSpan.FromSeconds(30), $"SIG{first} then SIG{second}");

        Assert.True(exit == 0, $"exit {exit}\nstderr:\n{tool.Stderr}");
        Assert.DoesNotContain("Unhandled exception", tool.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", tool.Stderr, StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(tool.StdoutLines.Last());
        Assert.True(summary.RootElement.TryGetProperty("received", out _), tool.StdoutLines.Last());
        Assert.True(summary.RootElement.TryGetProperty("dropped", out _), tool.StdoutLines.Last());
    }

    [Theory]
    [InlineData("ringbuf")]
    [InlineData("perf")]
    public void A_closed_stdout_stops_the_tracer_at_the_next_event(string transport)
    {
        KernelGuard.RequireRoot();
        var dir = Directory.CreateTempSubdirectory("ebpf-pipe-");
        try
        {
            // Only this test's deletions reach the tool: --pid of one process that creates and deletes a file itself
            // (no child: a child would have its own pid) for every line it reads.
            string victim = Path.Combine(dir.FullName, "victim");
            const string Loop = "import os, sys\nfor _ in sys.stdin:\n    open(sys.argv[1], 'w').close()\n    os.unlink(sys.argv[1])\n";
            var start = new ProcessStartInfo("python3", ["-c", Loop, victim]) { RedirectStandardInput = true };
            using var deleter = Process.Start(start)!;
            try
            {
                using var tool = ToolProcess.WithPipedStdout("unlinks", "--transport", transport, "--probe", "tracepoint",
                    "--pid", deleter.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
                tool.WaitForStderr("Tracing file deletions", TimeSpan.FromSeconds(60));

                // Read as `head -n 2` would (the header and one event), then close the pipe's only read end.
                deleter.StandardInput.WriteLine();
                deleter.StandardInput.Flush();
                Assert.StartsWith("TIME", ReadLine(tool), StringComparison.Ordinal);
                Assert.Contains("victim", ReadLine(tool), StringComparison.Ordinal);
                tool.Stdout.Close();
                Assert.False(tool.HasExited, "the tool exited before its output was closed");

                // The next event finds the pipe closed: the tool must stop, detach and exit, promptly.
                var clock = Stopwatch.StartNew();
                deleter.StandardInput.WriteLine();
                deleter.StandardInput.Flush();
                tool.WaitUntil(() => tool.HasExited, TimeSpan.FromSeconds(10), "the tool to exit after its stdout was closed");
                output.WriteLine($"{transport}: exited {clock.ElapsedMilliseconds} ms after the first event written to the closed pipe");
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed.TotalSeconds:F1} s");
                Assert.True(tool.ExitCode == 0, $"exit {tool.ExitCode}\nstderr:\n{tool.Stderr}");
                Assert.DoesNotContain("   at ", tool.Stderr, StringComparison.Ordinal);
                Assert.DoesNotContain($"\"pid\": {tool.Pid}", BpftoolLinks(), StringComparison.Ordinal);
            }
            finally
            {
                deleter.StandardInput.Close();
                deleter.WaitForExit();
            }
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static string? ReadLine(ToolProcess tool)
    {
        var line = tool.Stdout.ReadLineAsync();
        if (!line.Wait(TimeSpan.FromSeconds(15))) Assert.Fail($"no line from the tool within 15 s.\nstderr:\n{tool.Stderr}");
        return line.Result;
    }

    [Fact]
    public void A_second_signal_ends_a_stop_that_hangs_on_a_full_pipe()
    {
        KernelGuard.RequireRoot();
        var dir = Directory.CreateTempSubdirectory("ebpf-full-pipe-");
        try
        {
            // A reader that never reads: once the pipe (64 KiB) is full, the tool blocks in write and cannot finish an
            // orderly stop. 3000 deletions of long names fill it several times over.
            const string Burst = "import os, sys\nos.chdir(sys.argv[1])\nfor i in range(3000):\n    n = 'f%d-%s' % (i, 'x' * 100)\n    open(n, 'w').close()\n    os.unlink(n)\n";
            using var tool = ToolProcess.WithPipedStdout("unlinks", "--probe", "tracepoint");
            tool.WaitForStderr("Tracing file deletions", TimeSpan.FromSeconds(60));
            using (var burst = Process.Start("python3", ["-c", Burst, dir.FullName])!)
                Assert.True(burst.WaitForExit(TimeSpan.FromSeconds(60)));
            Thread.Sleep(500);
            tool.Signal("INT");
            Thread.Sleep(1500);
            Assert.False(tool.HasExited, "the tool stopped although its output was blocked: this test no longer blocks it");

            var clock = Stopwatch.StartNew();
            tool.Signal("TERM");
            int exit = tool.WaitForExit(TimeSpan.FromSeconds(15), "the second signal");
            output.WriteLine($"exited {clock.ElapsedMilliseconds} ms after the second signal, code {exit}");
            Assert.Equal(128 + 15, exit);
            Assert.Contains("exiting now", tool.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", tool.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>bpftool's JSON listing of the kernel's links, with the pids that hold them.</summary>
    private static string BpftoolLinks()
    {
        var start = new ProcessStartInfo("bpftool", ["-j", "-p", "link", "show"]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(start)!;
        string listing = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return listing;
    }
}
