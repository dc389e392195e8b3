using System.Diagnostics;
using System.Text.Json;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Reliability;

/// <summary>
/// Without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN (dropped from a child's bounding set with setpriv), every entry point
/// fails with a message that names the missing capability, and the tool exits cleanly instead of crashing.
/// </summary>
public sealed class PrivilegeTests
{
    [Fact]
    public void Loading_without_capabilities_names_cap_bpf_for_every_program()
    {
        KernelGuard.RequireRoot();
        var (exit, stdout, stderr) = RunUnprivileged("load", RepoFile("bpf/unlinks.bpf.o"), "--json");
        Assert.Equal(1, exit); // "some programs failed"
        using var doc = JsonDocument.Parse(stdout);
        var programs = doc.RootElement.GetProperty("programs").EnumerateArray().ToList();
        Assert.Equal(2, programs.Count);
        Assert.All(programs, p =>
        {
            Assert.False(p.GetProperty("loaded").GetBoolean());
            Assert.Contains("CAP_BPF", p.GetProperty("error").GetString(), StringComparison.Ordinal);
        });
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ringbuf")]
    [InlineData("perf")]
    public void Tracing_without_capabilities_fails_with_a_message_not_a_stack_trace(string transport)
    {
        KernelGuard.RequireRoot();
        var (exit, _, stderr) = RunUnprivileged("unlinks", "--transport", transport);
        Assert.Equal(2, exit);
        Assert.StartsWith("ebpf: ", stderr, StringComparison.Ordinal);
        Assert.Contains("EPERM", stderr, StringComparison.Ordinal);
        Assert.Contains("CAP_BPF", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }

    private static (int Exit, string Stdout, string Stderr) RunUnprivileged(params string[] args)
    {
        if (!File.Exists("/usr/bin/setpriv")) KernelGuard.Unavailable("setpriv (util-linux) is needed to drop capabilities");
        var start = new ProcessStartInfo("/usr/bin/setpriv") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-bpf,-perfmon,-sys_admin", "dotnet", ToolProcess.ToolPath() })
            start.ArgumentList.Add(a);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        string stderr = process.StandardError.ReadToEnd();
        Assert.True(process.WaitForExit(60_000), "the unprivileged tool did not exit");
        return (process.ExitCode, stdout.Result, stderr);
    }

    private static string RepoFile(string relative)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Ebpf.Net.slnx"))) dir = dir.Parent;
        return Path.Combine(dir?.FullName ?? ".", relative);
    }
}
