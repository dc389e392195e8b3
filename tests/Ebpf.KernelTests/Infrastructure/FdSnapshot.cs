namespace Ebpf.KernelTests.Infrastructure;

/// <summary>The open descriptors of this process (from /proc/self/fd), for leak checks.</summary>
public static class FdSnapshot
{
    public static SortedSet<string> Take()
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                var target = new FileInfo(entry).LinkTarget ?? "?";
                // The directory handle of this very listing: its number varies between snapshots, it is not a leak.
                if (target.StartsWith("/proc/", StringComparison.Ordinal) && target.EndsWith("/fd", StringComparison.Ordinal)) continue;
                result.Add($"{System.IO.Path.GetFileName(entry)} -> {target}");
            }
            catch (IOException) { /* closed while listing */ }
        }
        return result;
    }

    /// <summary>Descriptors of BPF and perf objects only (anon inodes), which is what our code creates.</summary>
    public static SortedSet<string> TakeBpf()
    {
        var all = Take();
        all.RemoveWhere(e => !(e.Contains("anon_inode", StringComparison.Ordinal)));
        return all;
    }
}
