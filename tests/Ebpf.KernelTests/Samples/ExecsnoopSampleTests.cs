using System.Collections.Concurrent;
using System.Diagnostics;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Samples;

/// <summary>
/// samples/Execsnoop (C#, built with &lt;BpfObject&gt;) against libbpf-tools' execsnoop (Debian package libbpf-tools) on
/// the same events: both run at once, the test execs marked commands (several arguments, an empty one, one longer than
/// the 127 bytes kept, more than the 20 shown), and every marked line must be the same in both outputs.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class ExecsnoopSampleTests(ITestOutputHelper output)
{
    private const string RealTool = "/usr/sbin/execsnoop";

    [Fact]
    public void The_sample_prints_what_libbpf_tools_execsnoop_prints()
    {
        KernelGuard.RequireRoot();
        if (!File.Exists(RealTool)) KernelGuard.Unavailable($"{RealTool} is missing: install the Debian package libbpf-tools");
        string marker = "ebpf-sample-" + Guid.NewGuid().ToString("N")[..8];
        using var theirs = new Reader("stdbuf", "-oL", RealTool); // line-buffered: its stdout is a pipe here
        using var ours = new Reader("dotnet", SamplePath());
        theirs.WaitFor("PCOMM", TimeSpan.FromSeconds(30));
        ours.WaitFor("PCOMM", TimeSpan.FromSeconds(60));
        string[][] commands =
        [
            [marker, "one", "two words"],
            [marker, "", "after-empty"],
            [marker, new string('x', 200), "tail"],
            [marker, .. Enumerable.Range(1, 30).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))],
        ];
        foreach (var args in commands)
        {
            using var p = Process.Start(new ProcessStartInfo("/bin/true", args))!;
            p.WaitForExit();
        }
        var expected = theirs.WaitForLines(marker, commands.Length, TimeSpan.FromSeconds(30));
        var actual = ours.WaitForLines(marker, commands.Length, TimeSpan.FromSeconds(30));
        foreach (var line in actual) output.WriteLine(line);
        Assert.Equal(expected.Order(StringComparer.Ordinal), actual.Order(StringComparer.Ordinal));
        Assert.All(actual, line => Assert.Contains($" {Environment.ProcessId} ", line, StringComparison.Ordinal)); // the parent: this process
    }

    private static string SamplePath()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        string repo = here.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        string path = Path.Combine(repo, "samples", "Execsnoop", "bin", here.Parent!.Name, here.Name, "Execsnoop.dll");
        if (!File.Exists(path)) throw new FileNotFoundException($"The sample is not built at {path}; build Ebpf.Net.slnx first.", path);
        return path;
    }

    /// <summary>A tool's stdout, line by line; stopped with SIGINT (both tools print and exit cleanly on it).</summary>
    private sealed class Reader : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();

        internal Reader(string file, params string[] args)
        {
            _process = new Process { StartInfo = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true } };
            _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
            _process.ErrorDataReceived += (_, _) => { };
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        internal void WaitFor(string text, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
            {
                Assert.False(_process.HasExited, $"{_process.StartInfo.FileName} exited with {(_process.HasExited ? _process.ExitCode : 0)}");
                Assert.True(DateTime.UtcNow < deadline, $"{_process.StartInfo.FileName} printed no '{text}' in {timeout}");
                Thread.Sleep(50);
            }
        }

        internal List<string> WaitForLines(string text, int count, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (_lines.Count(l => l.Contains(text, StringComparison.Ordinal)) < count && DateTime.UtcNow < deadline) Thread.Sleep(50);
            return [.. _lines.Where(l => l.Contains(text, StringComparison.Ordinal))];
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                using (var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
                if (!_process.WaitForExit(10_000)) _process.Kill(entireProcessTree: true);
            }
            _process.Dispose();
        }
    }
}
