namespace Ebpf.KernelTests.Infrastructure;

/// <summary>The open descriptors of this process (from /proc/self/fd), for leak checks.</summary>
public static class FdSnapshot
{
    private static readonly string RuntimeDirectory = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();

    /// <summary>Every descriptor but two kinds that come and go on their own: this listing's own directory handle, and
    /// the runtime's assembly files (.dll under the runtime directory or beside the test binary), which it opens while
    /// loading code. Nothing in Ebpf.Net opens either, so this is still every descriptor the library could leak.</summary>
    public static SortedSet<string> Take()
    {
        var result = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                // No target: the descriptor was closed between the listing and the readlink (another test's pipe
                // closing as its reader finishes); it is not open, so it is not in the snapshot.
                var target = new FileInfo(entry).LinkTarget;
                if (target is null) continue;
                if (target.StartsWith("/proc/", StringComparison.Ordinal) && target.EndsWith("/fd", StringComparison.Ordinal)) continue;
                if (IsRuntimeAssembly(target)) continue;
                result.Add($"{System.IO.Path.GetFileName(entry)} -> {target}");
            }
            catch (IOException) { /* closed while listing */ }
        }
        return result;
    }

    /// <summary>A snapshot to compare against later, taken once earlier tests' garbage is gone: a descriptor another
    /// test left to its finalizer must not close in the middle of this test and read as a difference. The snapshot
    /// after the code under test is a plain <see cref="Take"/>, so what that code forgot to dispose still shows.</summary>
    public static SortedSet<string> Baseline()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Take();
    }

    /// <summary>Asserts that <paramref name="after"/> holds exactly the descriptors of <paramref name="before"/>, naming
    /// the ones opened and the ones closed in between.</summary>
    public static void AssertSame(SortedSet<string> before, SortedSet<string> after)
    {
        var opened = after.Except(before, StringComparer.Ordinal).ToList();
        var closed = before.Except(after, StringComparer.Ordinal).ToList();
        Assert.True(opened.Count == 0 && closed.Count == 0,
            $"descriptors changed: opened [{string.Join(", ", opened)}], closed [{string.Join(", ", closed)}]");
    }

    /// <summary>Descriptors of BPF and perf objects only (anon inodes), which is what our code creates.</summary>
    public static SortedSet<string> TakeBpf()
    {
        var all = Take();
        all.RemoveWhere(e => !(e.Contains("anon_inode", StringComparison.Ordinal)));
        return all;
    }

    // Assemblies only: the test objects beside them still count.
    private static bool IsRuntimeAssembly(string target) =>
        target.EndsWith(".dll", StringComparison.Ordinal)
        && (target.StartsWith(RuntimeDirectory, StringComparison.Ordinal) || target.StartsWith(AppContext.BaseDirectory, StringComparison.Ordinal));
}
