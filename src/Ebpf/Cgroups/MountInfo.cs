using System.Text;

namespace Ebpf.Cgroups;

/// <summary>One line of <c>/proc/self/mountinfo</c>: where a file system is mounted, its type, and which part of it
/// (<see cref="Root"/>) is visible there.</summary>
internal readonly record struct MountInfo(string Root, string MountPoint, string FileSystemType)
{
    internal const string Path = "/proc/self/mountinfo";

    /// <summary>Parses one line (proc(5): <c>id parent major:minor root mount-point options [optional...] - type source
    /// super-options</c>); null for a line that does not have that shape.</summary>
    internal static MountInfo? Parse(string line)
    {
        var fields = line.Split(' ');
        if (fields.Length < 7) return null;
        int separator = Array.IndexOf(fields, "-", 6);
        if (separator < 0 || separator + 1 >= fields.Length) return null;
        return new MountInfo(Unescape(fields[3]), Unescape(fields[4]), fields[separator + 1]);
    }

    internal static IEnumerable<MountInfo> ReadAll(string path = Path)
    {
        foreach (var line in File.ReadLines(path))
            if (Parse(line) is { } m) yield return m;
    }

    /// <summary>The kernel writes space, tab, newline and backslash in paths as octal escapes (<c>\040</c>...).</summary>
    internal static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal)) return field;
        byte[] raw = Encoding.UTF8.GetBytes(field);
        var result = new List<byte>(raw.Length);
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] == (byte)'\\' && IsOctalEscape(raw, i + 1))
            {
                result.Add((byte)(((raw[i + 1] - '0') << 6) | ((raw[i + 2] - '0') << 3) | (raw[i + 3] - '0')));
                i += 3;
                continue;
            }
            result.Add(raw[i]);
        }
        return Encoding.UTF8.GetString(result.ToArray());
    }

    private static bool IsOctalEscape(byte[] s, int start)
    {
        if (start + 3 > s.Length) return false;
        for (int i = start; i < start + 3; i++)
            if (s[i] is < (byte)'0' or > (byte)'7') return false;
        return s[start] <= (byte)'3';
    }
}
