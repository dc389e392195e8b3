using System.Globalization;

namespace Ebpf.Links.Usdt;

/// <summary>
/// Where a file is mapped in a process (<c>/proc/PID/maps</c>): the run-time address of a file offset, which a
/// position-independent binary or library only has once it is loaded. The USDT ip map needs it on kernels without BPF
/// cookies, as in libbpf.
/// </summary>
internal static class ProcessMaps
{
    /// <summary>The address at which file offset <paramref name="fileOffset"/> of <paramref name="path"/> is mapped in
    /// process <paramref name="processId"/>, or null when no mapping of the file covers it.</summary>
    internal static ulong? AddressOf(int processId, string path, ulong fileOffset, string mapsPath = "")
    {
        string file = mapsPath.Length > 0 ? mapsPath : $"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/maps";
        string fullPath = Path.GetFullPath(path);
        IEnumerable<string> lines;
        try
        {
            lines = File.ReadAllLines(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BpfException($"Cannot read {file} to find where '{path}' is mapped in process {processId}: {e.Message}");
        }
        foreach (var line in lines)
        {
            // start-end perms offset dev inode   path
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 6 || fields[5].Trim() != fullPath) continue;
            int dash = fields[0].IndexOf('-', StringComparison.Ordinal);
            if (dash < 0
                || !ulong.TryParse(fields[0].AsSpan(0, dash), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong start)
                || !ulong.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong end)
                || !ulong.TryParse(fields[2], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong offset))
                continue;
            if (fileOffset >= offset && fileOffset - offset < end - start) return start + (fileOffset - offset);
        }
        return null;
    }
}
