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

    /// <summary>Every descriptor except the runtime's own assembly files (under the .NET runtime directory or beside the
    /// test binary), which the runtime opens and closes on its own schedule while it loads code; nothing in Ebpf.Net
    /// opens those, so this is still every descriptor the library could leak.</summary>
    public static SortedSet<string> TakeExceptRuntimeFiles()
    {
        string runtime = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
        string app = AppContext.BaseDirectory;
        var all = Take();
        all.RemoveWhere(e =>
        {
            string target = e[(e.IndexOf(" -> ", StringComparison.Ordinal) + 4)..];
            return (target.StartsWith(runtime, StringComparison.Ordinal) || target.StartsWith(app, StringComparison.Ordinal))
                && target.EndsWith(".dll", StringComparison.Ordinal); // assemblies only: test objects beside them still count
        });
        return all;
    }

    /// <summary>Descriptors of BPF and perf objects only (anon inodes), which is what our code creates.</summary>
    public static SortedSet<string> TakeBpf()
    {
        var all = Take();
        all.RemoveWhere(e => !(e.Contains("anon_inode", StringComparison.Ordinal)));
        return all;
    }
}
