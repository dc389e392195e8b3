using System.Diagnostics;

namespace Ebpf.KernelTests.Networking;

/// <summary>Runs a system tool (ip, tc, bpftool, mount) and returns its output; a failure fails the test with the tool's stderr.</summary>
internal static class Command
{
    internal static string Run(string file, params string[] args)
    {
        var (code, stdout, stderr) = TryRun(file, args);
        if (code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {code}: {stderr.Trim()}");
        return stdout;
    }

    internal static (int Code, string Stdout, string Stderr) TryRun(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(30_000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 30 s.");
        }
        return (p.ExitCode, stdout, stderr.Result);
    }
}
