using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Pinning;

/// <summary>
/// BPF_OBJ_PIN and BPF_OBJ_GET with errors that say what went wrong. The kernel answers both with a handful of errnos
/// that each have several causes (EPERM: the directory is not on a bpffs, or the name has a dot, or an LSM refused;
/// EACCES: file permissions, or the file is not a BPF object); the cause is found by looking at the path.
/// </summary>
internal static class PinFile
{
    /// <summary>What a BPF descriptor refers to, from its /proc/self/fd link ("anon_inode:bpf-map" and so on).</summary>
    internal enum ObjectKind { Map, Program, Link, Other }

    /// <summary>Pins <paramref name="fd"/> at <paramref name="path"/>; <paramref name="subject"/> names it ("map 'counts'").</summary>
    /// <exception cref="ArgumentException">The last component of the path cannot be a bpffs entry (<see cref="PinName"/>).</exception>
    /// <exception cref="BpfException">The pin failed; the message says why (not bpffs, taken, no such directory, permission).</exception>
    internal static void Pin(SafeFd fd, string path, string subject)
    {
        PinName.CheckPath(path, subject);
        long r = Bpf.TryObjPin(fd, path);
        if (r < 0) throw PinFailure((int)-r, path, subject);
    }

    /// <summary>Opens the object pinned at <paramref name="path"/>, checking that it is a <paramref name="expected"/>.</summary>
    /// <exception cref="BpfException">Nothing is pinned there, it is another kind of object, or it cannot be opened.</exception>
    internal static SafeFd Open(string path, ObjectKind expected, string subject)
    {
        long r = Bpf.TryObjGet(path);
        if (r < 0) throw OpenFailure((int)-r, path, subject);
        var fd = SafeFd.FromSyscall((int)r);
        try
        {
            CheckKind(fd, expected, path, subject);
            return fd;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>Throws when the object behind <paramref name="fd"/>, opened from the pin at <paramref name="path"/>, is not a
    /// <paramref name="expected"/> (BPF_OBJ_GET opens whatever is pinned: a program where a map was expected included).</summary>
    internal static void CheckKind(SafeFd fd, ObjectKind expected, string path, string subject)
    {
        var kind = KindOf(fd);
        if (kind == expected) return;
        string message = $"Opening {subject} pinned at '{path}': it holds a pinned {Describe(kind)}, not a {Describe(expected)}. Remove that pin (rm {path}) or use another path.";
        // A map expected: the map family's exception, named by the pin, like every other failure to open a map.
        throw expected == ObjectKind.Map
            ? new BpfMapException("BPF_OBJ_GET", 0, Path.GetFileName(path), message)
            : new BpfException("BPF_OBJ_GET", 0, message);
    }

    internal static ObjectKind KindOf(SafeFd fd)
    {
        string? target = new FileInfo($"/proc/self/fd/{fd.Fd}").LinkTarget;
        return target switch
        {
            "anon_inode:bpf-map" => ObjectKind.Map,
            "anon_inode:bpf-prog" => ObjectKind.Program,
            "anon_inode:bpf_link" or "anon_inode:bpf-link" => ObjectKind.Link,
            _ => ObjectKind.Other,
        };
    }

    private static string Describe(ObjectKind kind) => kind switch
    {
        ObjectKind.Map => "map",
        ObjectKind.Program => "program",
        ObjectKind.Link => "link",
        _ => "BPF object of another kind",
    };

    /// <summary>The exception for a failed BPF_OBJ_PIN at <paramref name="path"/>.</summary>
    internal static BpfException PinFailure(int errno, string path, string subject)
    {
        string dir = Parent(path);
        string what = $"Pinning {subject} at '{path}' failed with {Errno.Name(errno)}";
        switch (errno)
        {
            case Errno.EEXIST:
                return new BpfException("BPF_OBJ_PIN", errno, $"{what}: the path is taken (by another pin or a directory). Unpin it (rm {path}) or choose another name.");
            case Errno.ENOENT:
                return new BpfException("BPF_OBJ_PIN", errno, $"{what}: the directory '{dir}' does not exist. Create it on a bpffs first.");
            case Errno.EPERM when !IsOnBpfFs(dir):
                return NotOnBpfFs("BPF_OBJ_PIN", errno, what, dir);
            case Errno.EPERM when PinName.Problem(path[(path.LastIndexOf('/') + 1)..]) is { } why:
                return new BpfException("BPF_OBJ_PIN", errno, $"{what}: the name cannot be a bpffs entry: {why}.");
            case Errno.EPERM:
                return new BpfPermissionException("BPF_OBJ_PIN", errno,
                    $"{what}: '{dir}' is on a bpffs and the name is valid, so a security policy refused it: check the LSM (SELinux, AppArmor) and the mount's options.");
            case Errno.EACCES:
                return new BpfPermissionException("BPF_OBJ_PIN", errno,
                    $"{what}: the process may not create entries in '{dir}' ({Mode(dir)}). Pin into a directory it can write, or run as its owner or root.");
            default:
                return Errno.ToException("BPF_OBJ_PIN", errno, $"{subject} at '{path}'");
        }
    }

    /// <summary>The exception for a failed BPF_OBJ_GET of <paramref name="path"/>.</summary>
    internal static BpfException OpenFailure(int errno, string path, string subject)
    {
        string what = $"Opening {subject} pinned at '{path}' failed with {Errno.Name(errno)}";
        switch (errno)
        {
            case Errno.ENOENT:
                return new BpfException("BPF_OBJ_GET", errno, $"{what}: nothing is pinned there.");
            case Errno.EPERM or Errno.EACCES when File.Exists(path) && !IsOnBpfFs(path):
                return NotOnBpfFs("BPF_OBJ_GET", errno, what, path);
            case Errno.EACCES when Directory.Exists(path):
                return new BpfException("BPF_OBJ_GET", errno, $"{what}: it is a directory, not a pinned object.");
            case Errno.EPERM when PinName.Problem(path[(path.LastIndexOf('/') + 1)..]) is { } why:
                return new BpfException("BPF_OBJ_GET", errno, $"{what}: the name cannot be a bpffs entry: {why}.");
            case Errno.EACCES:
                // The kernel says EACCES both for file permissions and for a bpffs file that is not a map, program or link.
                return new BpfPermissionException("BPF_OBJ_GET", errno,
                    $"{what}: the process may not open it ({Mode(path)}), or it is not a pinned BPF object. Check the file's mode and owner.");
            default:
                return Errno.ToException("BPF_OBJ_GET", errno, $"{subject} pinned at '{path}'");
        }
    }

    private static BpfFeatureNotSupportedException NotOnBpfFs(string operation, int errno, string what, string path) =>
        new(operation, errno, "bpffs",
            $"{what}: '{path}' is not on a BPF file system, so nothing can be pinned there. Use a directory under a bpffs mount (mount -t bpf bpf <dir>), such as {BpfFs.DefaultPath}.");

    private static bool IsOnBpfFs(string path) => Mounts.FileSystemType(path, out _) == Mounts.BpfFsMagic;

    private static string Parent(string path)
    {
        int slash = path.TrimEnd('/').LastIndexOf('/');
        return slash switch { < 0 => ".", 0 => "/", _ => path[..slash] };
    }

    private static string Mode(string path)
    {
        if (OperatingSystem.IsWindows()) return "";
        try
        {
            return $"mode {Convert.ToString((int)File.GetUnixFileMode(path), 8)}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "its mode cannot be read";
        }
    }
}
