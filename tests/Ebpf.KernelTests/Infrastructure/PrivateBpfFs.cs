using System.Diagnostics;
using Ebpf.Internal.Unix;

namespace Ebpf.KernelTests.Infrastructure;

/// <summary>
/// A bpffs of the test's own, mounted on a fresh temporary directory and unmounted (with every pin in it) on dispose:
/// tests pin there, never under the machine's /sys/fs/bpf, so nothing they pin outlives them or meets another run's pins.
/// </summary>
public sealed class PrivateBpfFs : IDisposable
{
    public PrivateBpfFs(string prefix = "ebpfnet-bpffs-")
    {
        KernelGuard.RequireRoot();
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
        int errno = Mounts.TryMount("bpf", Path);
        if (errno != 0)
        {
            Directory.Delete(Path);
            KernelGuard.Unavailable($"mounting a bpffs on {Path} failed with errno {errno}");
        }
    }

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>A path inside the mount: <see cref="Path"/>/<paramref name="parts"/>.</summary>
    public string Pin(params string[] parts) => System.IO.Path.Join([Path, .. parts]);

    /// <summary>The entries of <paramref name="directory"/> (a path inside the mount; the mount itself by default) that
    /// someone pinned or created, by name. A fresh bpffs already holds the kernel's own maps.debug and progs.debug (with
    /// bpf_preload); no pin or directory can be named like them, as bpffs refuses dots in the names it is given.</summary>
    public string[] Entries(string? directory = null) => UserEntries(directory ?? Path);

    /// <summary>As <see cref="Entries"/>, for any directory on a bpffs.</summary>
    public static string[] UserEntries(string directory) =>
        [.. Directory.GetFileSystemEntries(directory).Select(e => System.IO.Path.GetFileName(e)).Where(n => !n.Contains('.', StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    public void Dispose()
    {
        // Lazy unmount: a descriptor a failed test still holds must not keep the mount (and the directory) busy.
        Run("umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Still mounted (umount failed): leave the empty directory rather than delete pins through it.
        }
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
