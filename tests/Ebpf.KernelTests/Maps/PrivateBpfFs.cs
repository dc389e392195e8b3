using System.Diagnostics;
using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Maps;

/// <summary>A bpffs mounted on a fresh temporary directory for one test: unmounted (detaching whatever is pinned) and
/// removed on dispose, so no pin outlives the test and no other test's pins are seen.</summary>
internal sealed class PrivateBpfFs : IDisposable
{
    internal PrivateBpfFs()
    {
        KernelGuard.RequireRoot();
        Path = Directory.CreateTempSubdirectory("ebpf-maps-bpffs-").FullName;
        int errno = Mounts.TryMount("bpf", Path);
        if (errno != 0)
        {
            Directory.Delete(Path);
            KernelGuard.Unavailable($"mounting a bpffs on {Path} failed with {Errno.Name(errno)}");
        }
    }

    internal string Path { get; }

    internal string Pin(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        using (var umount = Process.Start("umount", [Path])) umount.WaitForExit();
        Directory.Delete(Path, recursive: false);
    }
}
