using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Unlinks;

/// <summary>
/// `ebpf unlinks --json` stopped (SIGSTOP) while a burst of deletions overflows its buffer, then continued and
/// interrupted: the summary accounts for every deletion exactly, on both transports.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class UnlinksStallAccountingTests(ITestOutputHelper output)
{
    /// <summary>Far more records than either buffer holds: 256 KiB per ring (or per CPU for perf) over ~300-byte
    /// records is under 900 each, so the stopped consumer must lose most of the burst.</summary>
    private const int Burst = 6000;

    /// <summary>Deleted after the consumer caught up again: on the perf buffer the kernel reports the burst's losses
    /// (PERF_RECORD_LOST) only with the next record it manages to write, so these make the loss report arrive.</summary>
    private const int Tail = 20;

    /// <summary>One process (so --pid selects exactly its deletions) that deletes the burst on the first line it reads,
    /// says so, and deletes the tail on the second; os.unlink is one unlink(2) per file.</summary>
    private const string Deleter = """
        import os, sys
        os.chdir(sys.argv[1])
        for phase in (sys.argv[2], sys.argv[3]):
            sys.stdin.readline()
            for name in sorted(os.listdir('.')):
                if name.startswith(phase):
                    os.unlink(name)
            print('done', flush=True)
        """;

    [Theory]
    [InlineData("ringbuf")]
    [InlineData("perf")]
    public void Received_plus_dropped_is_exactly_the_deletions_made_while_the_consumer_was_stopped(string transport)
    {
        KernelGuard.RequireRoot();
        var dir = Directory.CreateTempSubdirectory("ebpf-stall-");
        try
        {
            string burstPrefix = $"burst-{Guid.NewGuid():N}-", tailPrefix = $"tail-{Guid.NewGuid():N}-";
            for (int i = 0; i < Burst; i++) File.WriteAllBytes(Path.Combine(dir.FullName, burstPrefix + i.ToString(CultureInfo.InvariantCulture)), []);
            for (int i = 0; i < Tail; i++) File.WriteAllBytes(Path.Combine(dir.FullName, tailPrefix + i.ToString(CultureInfo.InvariantCulture)), []);

            var start = new ProcessStartInfo("python3", ["-c", Deleter, dir.FullName, burstPrefix, tailPrefix])
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
            };
            using var deleter = Process.Start(start)!;
            using var tool = new ToolProcess("unlinks", "--json", "--transport", transport, "--probe", "tracepoint",
                "--pid", deleter.Id.ToString(CultureInfo.InvariantCulture));
            tool.WaitForStderr("Tracing file deletions", TimeSpan.FromSeconds(60));

            // The burst, with the consumer stopped.
            tool.Signal("STOP");
            try
            {
                deleter.StandardInput.WriteLine();
                Assert.Equal("done", deleter.StandardOutput.ReadLine());
            }
            finally
            {
                tool.Signal("CONT");
            }
            Assert.DoesNotContain(dir.GetFiles(), f => f.Name.StartsWith(burstPrefix, StringComparison.Ordinal));
            WaitForQuiet(tool);

            // The tail, with the consumer running and caught up.
            deleter.StandardInput.WriteLine();
            Assert.Equal("done", deleter.StandardOutput.ReadLine());
            Assert.True(deleter.WaitForExit(TimeSpan.FromSeconds(30)));
            Assert.Empty(dir.GetFileSystemInfos());
            WaitForQuiet(tool);
            Assert.Equal(0, tool.Interrupt(TimeSpan.FromSeconds(30)));

            var lines = tool.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
            var events = lines.Where(l => l.TryGetProperty("filename", out _)).ToList();
            var summary = lines[^1];
            long received = summary.GetProperty("received").GetInt64();
            long dropped = summary.GetProperty("dropped").GetInt64();
            string what = $"{transport}: received {received}, dropped {dropped}, {events.Count} event lines, {Burst + Tail} deletions";
            output.WriteLine(what + "; loss lines: " + string.Join(" ", lines.Where(l => l.TryGetProperty("lost", out _)).Select(l => l.GetRawText())));

            // produced: the deleter's unlink calls. Every file is gone and it deleted nothing else, so exactly Burst + Tail,
            // all of them seen by the kernel filter (--pid is the deleter's).
            // received: the records the tool printed; each is one event line, so it equals the event lines on stdout, each
            // a distinct file of this test, deleted by the deleter.
            Assert.True(received == events.Count, what);
            Assert.All(events, e => Assert.Equal(deleter.Id, e.GetProperty("pid").GetInt32()));
            var names = events.Select(e => e.GetProperty("filename").GetString()!).ToList();
            Assert.Equal(names.Count, names.Distinct().Count());
            Assert.All(names, n => Assert.True(n.StartsWith(burstPrefix, StringComparison.Ordinal) || n.StartsWith(tailPrefix, StringComparison.Ordinal), n));
            Assert.Equal(Tail, names.Count(n => n.StartsWith(tailPrefix, StringComparison.Ordinal))); // nothing lost once caught up
            // dropped: records the BPF side could not hand over while the consumer was stopped (failed ring reservations
            // or perf outputs, counted per CPU by the program itself, after the filter). Each lost record counts once.
            Assert.True(dropped > 0, $"the burst did not overflow the stopped consumer's buffer: {what}");
            Assert.True(received + dropped == Burst + Tail, what);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Waits until the tool's output stops growing for half a second.</summary>
    private static void WaitForQuiet(ToolProcess tool)
    {
        int printed = -1;
        tool.WaitUntil(() =>
        {
            int now = tool.StdoutLines.Count;
            bool quiet = now == printed;
            printed = now;
            if (!quiet) Thread.Sleep(500);
            return quiet;
        }, TimeSpan.FromSeconds(60), "the output to settle");
    }
}
