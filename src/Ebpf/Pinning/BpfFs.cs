using Ebpf.Internal.Unix;

namespace Ebpf.Pinning;

/// <summary>
/// The BPF file system (bpffs), where maps and programs are pinned so that they outlive the process that created
/// them. Its usual mount point is <c>/sys/fs/bpf</c>; when nothing is mounted there and the process is root, it is
/// mounted on demand, as <see cref="Links.Tracefs"/> mounts tracefs.
/// </summary>
public static class BpfFs
{
    /// <summary>The default mount point and pin root: <c>/sys/fs/bpf</c> (libbpf's default too).</summary>
    public const string DefaultPath = "/sys/fs/bpf";

    /// <summary>True when <paramref name="path"/> (an existing file or directory) lives on a bpffs.</summary>
    public static bool IsOnBpfFs(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Mounts.FileSystemType(path, out _) == Mounts.BpfFsMagic;
    }

    /// <summary>
    /// Makes <paramref name="directory"/> usable for pins: mounts a bpffs at <see cref="DefaultPath"/> when the directory
    /// is, or is under, <see cref="DefaultPath"/> and nothing is mounted there yet; creates the directory (mode 0700, as
    /// libbpf); checks that it is on a bpffs.
    /// </summary>
    /// <exception cref="BpfFeatureNotSupportedException">No bpffs could be mounted, or the directory is on another file system.</exception>
    public static void EnsureDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string full = Path.GetFullPath(directory).TrimEnd('/');
        if (full.Length == 0) full = "/";
        bool underDefault = full == DefaultPath || full.StartsWith(DefaultPath + "/", StringComparison.Ordinal);
        if (underDefault && Directory.Exists(DefaultPath) && !IsOnBpfFs(DefaultPath))
        {
            int errno = Mounts.TryMount("bpf", DefaultPath);
            if (errno != 0)
                throw new BpfFeatureNotSupportedException("mount(bpf)", errno, "bpffs",
                    $"No bpffs is mounted at {DefaultPath} and mounting one failed ({Errno.Name(errno)}). Mount it as root: mount -t bpf bpf {DefaultPath}.");
        }
        if (!Directory.Exists(full) && !OperatingSystem.IsWindows())
            Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (!IsOnBpfFs(full))
            throw new BpfFeatureNotSupportedException("statfs", 0, "bpffs",
                $"'{full}' is not on a BPF file system, so nothing can be pinned there. Use a directory under a bpffs mount (mount -t bpf bpf <dir>), such as {DefaultPath}.");
    }
}
