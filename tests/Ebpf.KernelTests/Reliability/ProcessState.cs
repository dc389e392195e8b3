namespace Ebpf.KernelTests.Reliability;

/// <summary>Snapshots of what this process holds: descriptors with their close-on-exec flag, and memory mappings.</summary>
internal static class ProcessState
{
    private const int O_CLOEXEC = 0x80000; // 02000000 octal in /proc/self/fdinfo flags

    /// <summary>Open descriptors → (link target, close-on-exec).</summary>
    internal static Dictionary<int, (string Target, bool CloseOnExec)> Fds()
    {
        var result = new Dictionary<int, (string, bool)>();
        foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out int fd)) continue;
            try
            {
                string target = new FileInfo(entry).LinkTarget ?? "?";
                if (target.StartsWith("/proc/", StringComparison.Ordinal) && target.EndsWith("/fd", StringComparison.Ordinal)) continue; // this listing's own handle
                string flagsLine = File.ReadLines($"/proc/self/fdinfo/{fd}").First(l => l.StartsWith("flags:", StringComparison.Ordinal));
                int flags = Convert.ToInt32(flagsLine[6..].Trim(), 8);
                result[fd] = (target, (flags & O_CLOEXEC) != 0);
            }
            catch (IOException) { } // closed while we listed
            catch (InvalidOperationException) { }
        }
        return result;
    }

    /// <summary>The BPF and perf mappings (anon inodes) with their permissions, e.g. "r--s anon_inode:bpf-map".</summary>
    internal static List<string> BpfMappings() =>
        File.ReadLines("/proc/self/maps")
            .Where(l => l.Contains("anon_inode:bpf-map", StringComparison.Ordinal) || l.Contains("anon_inode:[perf_event]", StringComparison.Ordinal))
            .ToList();

    /// <summary>Mapping lines without addresses: a count per "perms name" is what must not change across cycles.</summary>
    internal static Dictionary<string, int> MappingCounts() =>
        File.ReadLines("/proc/self/maps")
            .Where(l => l.Contains("anon_inode:", StringComparison.Ordinal))
            .Select(l => { var p = l.Split(' ', StringSplitOptions.RemoveEmptyEntries); return $"{p[1]} {p[^1]}"; })
            .GroupBy(k => k)
            .ToDictionary(g => g.Key, g => g.Count());
}
