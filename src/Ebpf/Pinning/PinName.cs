using System.Text;

namespace Ebpf.Pinning;

/// <summary>
/// The one rule for the last component of every pin path the library builds or is given (maps pinned by name,
/// <see cref="BpfMap.Pin"/>, <see cref="BpfProgram.Pin"/>, <see cref="Links.BpfLink.Pin(string)"/>, and any later pinning
/// code): names come from objects, which are untrusted, and a name that is not a single bpffs entry would pin, or reuse
/// a pin, outside the chosen directory.
/// </summary>
/// <remarks>
/// What bpffs accepts: one path component (no <c>/</c>, no NUL), at most NAME_MAX (255) bytes, and no <c>.</c> at all
/// (the kernel's <c>bpf_lookup</c> refuses dots with EPERM: they are reserved for the files bpffs creates itself, such
/// as <c>maps.debug</c>). That also rules out <c>.</c> and <c>..</c>. BPF_OBJ_NAME_LEN (16) limits the name the kernel
/// stores in a map or program, not pin names: a by-name pin uses the object's full name, as libbpf does.
/// </remarks>
internal static class PinName
{
    /// <summary>NAME_MAX: the longest directory entry, in bytes.</summary>
    internal const int MaxBytes = 255;

    /// <summary>Why <paramref name="name"/> cannot be a pin name, or null when it can.</summary>
    internal static string? Problem(string? name)
    {
        if (string.IsNullOrEmpty(name)) return "it is empty";
        if (name is "." or "..") return $"'{name}' names a directory, not a file";
        if (name.Contains('/')) return "it contains '/', so it would not be one entry of the pin directory";
        if (name.Contains('\0')) return "it contains a NUL byte";
        if (name.Contains('.')) return "it contains '.', which bpffs refuses in names (they are reserved for its own files)";
        int bytes = Encoding.UTF8.GetByteCount(name);
        if (bytes > MaxBytes) return $"it is {bytes} bytes long, more than the {MaxBytes} a file name can have";
        return null;
    }

    /// <summary>
    /// <paramref name="directory"/>/<paramref name="mapName"/> for a name taken from an object: the map
    /// <paramref name="mapName"/> of <paramref name="objectName"/>. Throws before anything touches the kernel when the
    /// name breaks the rule.
    /// </summary>
    /// <exception cref="BpfObjectException">The name is not a valid pin name.</exception>
    internal static string MapPinPath(string directory, string objectName, string mapName)
    {
        Check(objectName, mapName);
        return directory.TrimEnd('/') + "/" + mapName;
    }

    /// <summary>Throws the object error for a map whose name cannot be pinned by name.</summary>
    /// <exception cref="BpfObjectException">The name is not a valid pin name.</exception>
    internal static void Check(string objectName, string mapName)
    {
        if (Problem(mapName) is { } why)
            throw new BpfObjectException(objectName, null,
                $"map '{Printable(mapName)}' is pinned by name (LIBBPF_PIN_BY_NAME), but its name cannot be a pin name: {why}. " +
                "A pin name must be one bpffs entry: not empty, no '/', no '.', at most 255 bytes. Rename the map, or set MapSpec.Pinning = 0 before loading.");
    }

    /// <summary>Checks the last component of a pin path a caller gave (<see cref="BpfMap.Pin"/>, <see cref="BpfProgram.Pin"/>).</summary>
    /// <exception cref="ArgumentException">The path is empty, ends with '/', or its last component breaks the rule.</exception>
    internal static void CheckPath(string path, string subject)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string last = path[(path.LastIndexOf('/') + 1)..];
        if (Problem(last) is { } why)
            throw new ArgumentException(
                $"Cannot pin {subject} at '{Printable(path)}': the last component '{Printable(last)}' cannot be a bpffs entry: {why}.", nameof(path));
    }

    /// <summary><paramref name="directory"/>/<paramref name="name"/>, after checking that the name is one bpffs entry.</summary>
    /// <exception cref="ArgumentException">The name breaks the rule.</exception>
    internal static string Combine(string directory, string name, string what)
    {
        if (Problem(name) is { } why) throw new ArgumentException($"Cannot pin {what} as '{Printable(name)}' under '{directory}': {why}.", nameof(name));
        return Path.Join(directory, name);
    }

    /// <summary>Why <paramref name="path"/> cannot take a pin (its file name breaks the rule, or its directory is missing
    /// or not on a bpffs), or null when it can.</summary>
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

    /// <summary>The name with control characters escaped, so a crafted name cannot forge lines in a message.</summary>
    internal static string Printable(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (char c in name)
            if (char.IsControl(c)) sb.Append($"\\x{(int)c:x2}");
            else sb.Append(c);
        return sb.ToString();
    }
}
