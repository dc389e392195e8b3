using System.Diagnostics;

namespace Ebpf.KernelTests.Infrastructure;

/// <summary>
/// A bpffs of the test's own, mounted on a fresh temporary directory and unmounted (with every pin in it) on dispose:
/// tests pin there, never under the machine's /sys/fs/bpf, so nothing they pin outlives them or meets another run's pins.
/// </summary>
public sealed class PrivateBpfFs : IDisposable
{
    public PrivateBpfFs(string prefix = "ebpf-bpffs-")
    {
        KernelGuard.RequireRoot();
        Root = Directory.CreateTempSubdirectory(prefix).FullName;
        var (code, err) = Run("mount", "-t", "bpf", "bpf", Root);
        if (code != 0)
        {
            Directory.Delete(Root);
            Assert.Fail($"mounting a bpffs at {Root} failed: {err}");
        }
    }

    /// <summary>The mount point.</summary>
    public string Root { get; }

    /// <summary>A path inside the mount.</summary>
    public string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>The entries of <paramref name="directory"/> (a path inside the mount) that someone pinned or created: a fresh
    /// bpffs already holds the kernel's own maps.debug and progs.debug (with bpf_preload), which no pin can be named like,
    /// as pin names cannot contain a dot.</summary>
    public string[] Entries(string? directory = null) =>
        [.. Directory.GetFileSystemEntries(directory ?? Root).Select(System.IO.Path.GetFileName).Where(n => !n!.Contains('.', StringComparison.Ordinal)).Order(StringComparer.Ordinal)!];

    public void Dispose()
    {
        // Lazy unmount: a descriptor some failed test still holds must not keep the mount (and the test's directory) alive.
        Run("umount", "-l", Root);
        Directory.Delete(Root, recursive: true);
    }

    /// <summary>Runs a command to completion; returns its exit code and stderr.</summary>
    public static (int Code, string Stderr) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string err = p.StandardError.ReadToEnd();
        stdout.Wait();
        p.WaitForExit();
        return (p.ExitCode, err);
    }
}
