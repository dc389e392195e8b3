using System.Diagnostics;
using System.Text.Json;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Unlinks;

/// <summary>`ebpf unlinks --order-window MS` on both transports: the one tool source, events in timestamp order, late ones marked.</summary>
[Trait("Category", "Kernel")]
public class UnlinksOrderWindowTests
{
    [Theory]
    [InlineData("ringbuf")]
    [InlineData("perf")]
    public void Events_come_in_timestamp_order_and_the_summary_counts_the_late_ones(string transport)
    {
        KernelGuard.RequireRoot();
        var dir = Directory.CreateTempSubdirectory("ebpf-unlinks-order-");
        try
        {
            var names = Enumerable.Range(0, 40).Select(i => Path.Combine(dir.FullName, $"ordered-{i}")).ToArray();
            foreach (var name in names) File.WriteAllText(name, "x");
            using var tool = new ToolProcess("unlinks", "--json", "--probe", "tracepoint", "--transport", transport, "--order-window", "50");
            tool.WaitForStderr("in timestamp order within 50 ms", TimeSpan.FromSeconds(60));
            // Two processes delete at once, so the events come from two CPUs when the scheduler spreads them.
            var half = names.Length / 2;
            using var rm1 = Process.Start(new ProcessStartInfo("rm", names[..half]))!;
            using var rm2 = Process.Start(new ProcessStartInfo("rm", names[half..]))!;
            rm1.WaitForExit();
            rm2.WaitForExit();
            tool.WaitUntil(() => names.All(n => tool.StdoutLines.Any(l => l.Contains(n, StringComparison.Ordinal))), TimeSpan.FromSeconds(15), "every deletion");
            Assert.Equal(0, tool.Interrupt(TimeSpan.FromSeconds(15)));

            var lines = tool.StdoutLines.Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
            var events = lines.Where(e => e.TryGetProperty("ts_ns", out _)).ToList();
            var inOrder = events.Where(e => !e.TryGetProperty("late", out _)).Select(e => e.GetProperty("ts_ns").GetUInt64()).ToList();
            Assert.Equal(inOrder.Order(), inOrder);
            var summary = lines[^1];
            Assert.Equal(events.Count(e => e.TryGetProperty("late", out var l) && l.GetBoolean()), summary.GetProperty("late").GetInt64());
            Assert.Equal(events.Count, summary.GetProperty("received").GetInt64());
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
