using Ebpf.Internal.Unix;

namespace Ebpf.Cgroups;

/// <summary>
/// The cgroup v2 (unified) hierarchy, where cgroup BPF programs attach. Its mount point is read from
/// <c>/proc/self/mountinfo</c>, never assumed: it is <c>/sys/fs/cgroup</c> on most systems, but
/// <c>/sys/fs/cgroup/unified</c> on hybrid v1/v2 systems, and elsewhere in containers.
/// </summary>
public static class CgroupV2
{
    /// <summary>statfs's f_type for a cgroup2 file system (CGROUP2_SUPER_MAGIC).</summary>
    internal const long SuperMagic = 0x63677270;

    /// <summary>Where the cgroup v2 hierarchy is mounted, or null when it is not mounted.</summary>
    public static string? FindMountPoint() => FindMountPoint(MountInfo.ReadAll());

    internal static string? FindMountPoint(IEnumerable<MountInfo> mounts)
    {
        string? any = null;
        foreach (var m in mounts)
        {
            if (m.FileSystemType != "cgroup2") continue;
            if (m.Root == "/") return m.MountPoint; // the whole hierarchy, not a bind mount of a part of it
            any ??= m.MountPoint;
        }
        return any;
    }

    /// <summary>True when <paramref name="directory"/> exists and is a directory of a cgroup v2 hierarchy.</summary>
    public static bool IsCgroupV2Directory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return Directory.Exists(directory) && Mounts.FileSystemType(directory, out _) == SuperMagic;
    }

    /// <summary>
    /// The directory of cgroup <paramref name="cgroup"/>: a directory of the v2 hierarchy given by its file system path
    /// (<c>/sys/fs/cgroup/app</c>), or a path inside the hierarchy as <c>/proc/PID/cgroup</c> shows it (<c>/app</c>,
    /// <c>app</c>), taken relative to the mount point.
    /// </summary>
    /// <exception cref="BpfException">No such cgroup, the path is in a cgroup v1 hierarchy, or cgroup v2 is not mounted.</exception>
    public static string ResolveDirectory(string cgroup)
    {
        ArgumentException.ThrowIfNullOrEmpty(cgroup);
        if (IsCgroupV2Directory(cgroup)) return Path.GetFullPath(cgroup);
        string? mount = FindMountPoint();
        if (mount is not null && !cgroup.Split('/').Contains(".."))
        {
            string inside = Path.Join(mount, cgroup.TrimStart('/'));
            if (IsCgroupV2Directory(inside)) return Path.GetFullPath(inside);
        }
        throw new BpfException("open", Errno.ENOENT, NotFoundMessage(cgroup, mount));
    }

    internal static string NotFoundMessage(string cgroup, string? mount)
    {
        if (mount is null)
            return $"cgroup '{cgroup}' cannot be used: no cgroup v2 hierarchy is mounted (none in /proc/self/mountinfo). Mount one: mount -t cgroup2 none /sys/fs/cgroup.";
        if (Directory.Exists(cgroup))
            return $"'{cgroup}' is not a cgroup v2 directory (a cgroup v1 hierarchy, or another file system). BPF programs attach to cgroup v2 only; it is mounted at {mount}.";
        return $"cgroup '{cgroup}' does not exist, neither as a directory nor under the cgroup v2 mount {mount}. Create it (mkdir {Path.Join(mount, cgroup.TrimStart('/'))}) or name an existing one.";
    }
}
