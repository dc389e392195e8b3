using System.Collections.Concurrent;
using System.Diagnostics;

namespace Ebpf.KernelTests.Infrastructure;

/// <summary>
/// The real `ebpf` tool running as a child process, its output collected by line: the JIT build (Ebpf.Cli.dll under
/// `dotnet`) or the NativeAOT binary named by <see cref="NativeToolVariable"/>.
/// </summary>
public sealed class ToolProcess : IDisposable
{
    /// <summary>The environment variable that names the NativeAOT `ebpf` binary (.ci/run sets it from
    /// scripts/publish-native.sh).</summary>
    public const string NativeToolVariable = "EBPF_NATIVE_TOOL";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    public ToolProcess(params string[] args)
        : this(ToolBuild.Jit, args)
    {
    }

    public ToolProcess(ToolBuild build, params string[] args) : this(build, collectStdout: true, args)
    {
    }

    private ToolProcess(ToolBuild build, bool collectStdout, string[] args, string[]? launcher = null)
    {
        string tool = build == ToolBuild.Native ? NativeToolPath() : "dotnet";
        var start = new ProcessStartInfo(launcher is null ? tool : launcher[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (launcher is not null)
        {
            foreach (var a in launcher.Skip(1)) start.ArgumentList.Add(a);
            start.ArgumentList.Add(tool);
        }
        if (build == ToolBuild.Jit) start.ArgumentList.Add(ToolPath());
        foreach (var a in args) start.ArgumentList.Add(a);
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _stdout.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _stderr.Enqueue(e.Data); };
        _process.Start();
        if (collectStdout) _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts the tool with its stdout left to the caller (<see cref="Stdout"/>): the read end of a real pipe, which
    /// the caller may read from and close, as <c>| head</c> does.</summary>
    public static ToolProcess WithPipedStdout(params string[] args) => new(ToolBuild.Jit, collectStdout: false, args);

    /// <summary>Starts the tool inside the network namespace file <paramref name="networkNamespace"/> (nsenter --net, which
    /// execs the tool: <see cref="Pid"/> is the tool's own, so signals reach it).</summary>
    public static ToolProcess InNetNamespace(string networkNamespace, params string[] args) =>
        new(ToolBuild.Jit, collectStdout: true, args, ["nsenter", $"--net={networkNamespace}"]);

    /// <summary>The read end of the tool's stdout pipe (only with <see cref="WithPipedStdout"/>).</summary>
    public StreamReader Stdout => _process.StandardOutput;

    /// <summary>Ebpf.Cli.dll from src/Ebpf.Cli's output for the configuration these tests were built in.</summary>
    public static string ToolPath()
    {
        // .../tests/Ebpf.KernelTests/bin/<Configuration>/net10.0/
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd('/'));
        string framework = here.Name, configuration = here.Parent!.Name;
        string repo = here.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        string path = Path.Combine(repo, "src", "Ebpf.Cli", "bin", configuration, framework, "Ebpf.Cli.dll");
        if (!File.Exists(path)) throw new FileNotFoundException($"The ebpf tool is not built at {path}; build Ebpf.Net.slnx first.", path);
        return path;
    }

    /// <summary>The NativeAOT binary from <see cref="NativeToolVariable"/>. Unset: skipped outside CI and a failure in CI
    /// (CI must test the binary it publishes); set to a path with no file: always a failure.</summary>
    public static string NativeToolPath()
    {
        string? path = Environment.GetEnvironmentVariable(NativeToolVariable);
        if (string.IsNullOrEmpty(path))
            KernelGuard.Unavailable($"{NativeToolVariable} is not set: publish the NativeAOT tool with scripts/publish-native.sh " +
                $"and set {NativeToolVariable} to the path it prints (.ci/run does both)");
        if (!File.Exists(path))
            Assert.Fail($"{NativeToolVariable}={path}, but there is no such file; publish it with scripts/publish-native.sh.");
        return path;
    }

    public IReadOnlyCollection<string> StdoutLines => _stdout;

    public string Stderr => string.Join('\n', _stderr);

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode
    {
        get
        {
            _process.WaitForExit(); // drains the async output readers
            return _process.ExitCode;
        }
    }

    /// <summary>Waits until a stderr line contains <paramref name="text"/>; fails with the tool's output otherwise.</summary>
    public void WaitForStderr(string text, TimeSpan timeout) =>
        WaitUntil(() => _stderr.Any(l => l.Contains(text, StringComparison.Ordinal)), timeout, $"stderr line containing '{text}'");

    public void WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (_process.HasExited && !condition())
                Assert.Fail($"ebpf exited with {_process.ExitCode} before {what}.\nstderr:\n{Stderr}\nstdout:\n{string.Join('\n', _stdout)}");
            if (deadline.Elapsed > timeout)
                Assert.Fail($"Timed out after {timeout.TotalSeconds} s waiting for {what}.\nstderr:\n{Stderr}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Sends SIGINT (what Ctrl-C sends) and waits for a clean exit.</summary>
    public int Interrupt(TimeSpan timeout)
    {
        Signal("INT");
        return WaitForExit(timeout, "SIGINT");
    }

    /// <summary>Sends signal <paramref name="name"/> (INT, TERM, STOP, CONT...) to the tool.</summary>
    public void Signal(string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.True(kill.ExitCode == 0, $"kill -{name} {_process.Id} failed");
    }

    /// <summary>Waits for the tool to exit (failing after <paramref name="timeout"/>, naming <paramref name="after"/>) and
    /// returns its exit code, with all its output collected.</summary>
    public int WaitForExit(TimeSpan timeout, string after)
    {
        if (!_process.WaitForExit(timeout))
            Assert.Fail($"ebpf did not exit within {timeout.TotalSeconds} s of {after}.\nstderr:\n{Stderr}");
        _process.WaitForExit(); // drains the async output readers
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
