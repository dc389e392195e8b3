using System.Text;

namespace Ebpf.Pinning;

/// <summary>
/// Checks for pin paths. A name that comes from an object (a program or map name) is untrusted: it becomes exactly one
/// path component under the pin directory, never a way out of it ('/', '..'), and the directory must be on a bpffs.
/// </summary>
internal static class PinName
{
    /// <summary>NAME_MAX: the longest file name Linux accepts.</summary>
    internal const int MaxBytes = 255;

    /// <summary>Why <paramref name="name"/> cannot be one file name under a pin directory, or null when it can.</summary>
    internal static string? Problem(string name)
    {
        if (name.Length == 0) return "it is empty";
        if (name is "." or "..") return $"'{name}' names a directory, not a file";
        if (name.Contains('/', StringComparison.Ordinal)) return "it contains '/' (a pin name is one path component)";
        if (name.Contains('\0', StringComparison.Ordinal)) return "it contains a NUL character";
        if (Encoding.UTF8.GetByteCount(name) > MaxBytes) return $"it is longer than {MaxBytes} bytes";
        return null;
    }

    /// <summary><paramref name="directory"/>/<paramref name="name"/>, after checking that the name is one component.</summary>
    /// <exception cref="ArgumentException">The name is not a single valid component.</exception>
    internal static string Combine(string directory, string name, string what)
    {
        if (Problem(name) is { } why) throw new ArgumentException($"Cannot pin {what} as '{name}' under '{directory}': {why}.", nameof(name));
        return Path.Join(directory, name);
    }

    /// <summary>Why <paramref name="path"/> cannot take a pin (its file name is not one component, or its directory is
    /// missing or not on a bpffs), or null when it can.</summary>
    internal static string? PathProblem(string path)
    {
        string full = Path.GetFullPath(path);
        string name = Path.GetFileName(full);
        if (Problem(name) is { } why) return $"the last component {why}";
        string? directory = Path.GetDirectoryName(full);
        if (directory is null || !Directory.Exists(directory)) return $"directory '{directory}' does not exist";
        if (!BpfFs.IsOnBpfFs(directory))
            return $"'{directory}' is not on a BPF file system (mount -t bpf bpf <dir>; the usual one is {BpfFs.DefaultPath})";
        return null;
    }
}
