using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Networking;

/// <summary>A bpffs mounted on a fresh temporary directory for one test, unmounted (and the directory removed) on
/// Dispose: pins made here cannot leak into /sys/fs/bpf.</summary>
internal sealed class PrivateBpfFs : IDisposable
{
    internal PrivateBpfFs()
    {
        KernelGuard.RequireRoot();
        Path = Directory.CreateTempSubdirectory("ebpfnet-bpffs-").FullName;
        int errno = Mounts.TryMount("bpf", Path);
        if (errno != 0)
        {
            Directory.Delete(Path);
            KernelGuard.Unavailable($"mounting a bpffs on {Path} failed with errno {errno}");
        }
    }

    internal string Path { get; }

    internal string Pin(string name) => System.IO.Path.Join(Path, name);

    public void Dispose()
    {
        Command.TryRun("umount", "-l", Path);
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Still mounted (umount failed): leave the empty directory rather than delete pins through it.
        }
    }
}
