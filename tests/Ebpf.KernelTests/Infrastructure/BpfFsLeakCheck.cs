using Ebpf.KernelTests.Infrastructure;
using Ebpf.Pinning;

[assembly: AssemblyFixture(typeof(BpfFsLeakCheck))]

namespace Ebpf.KernelTests.Infrastructure;

/// <summary>
/// The machine's /sys/fs/bpf must be as the kernel suite found it: every test pins into a private bpffs (PrivateBpfFs,
/// LibbpfReference's namespace), so a pin that appears there (or vanishes, or a bpffs mounted there by a test) is a leak.
/// Snapshot when the assembly starts, compare when it ends; a difference fails the run as an assembly cleanup failure
/// (xunit counts it in the result file's errors, which scripts/test.sh adds to the failures).
/// </summary>
/// <remarks>
/// Runs with every invocation of the suite, a single class included: a run alongside another process that pins into
/// /sys/fs/bpf (another checkout's tests, a tool) sees its pins too. The kernel's own entries (maps.debug,
/// progs.debug with bpf_preload) are ignored; they have dots, which no pin can have.
/// </remarks>
public sealed class BpfFsLeakCheck : IDisposable
{
    private const string Root = BpfFs.DefaultPath;
    private readonly Snapshot? _before = Take();

    /// <summary>Fails when /sys/fs/bpf differs from the snapshot taken at start.</summary>
    public void Dispose()
    {
        if (_before is null) return;
        var after = Take()!;
        string? difference = Compare(_before, after);
        if (difference is not null)
            throw new InvalidOperationException($"The kernel tests left {Root} changed: {difference}. Tests must pin into a private bpffs (PrivateBpfFs).");
    }

    /// <summary>Whether <see cref="Root"/> is a bpffs, and the user entries under it (relative paths, recursively); null
    /// when it cannot be looked at (not root: nothing could have been pinned there by the suite either).</summary>
    internal static Snapshot? Take(string root = Root)
    {
        if (!Directory.Exists(root)) return new Snapshot(false, new SortedSet<string>(StringComparer.Ordinal));
        try
        {
            bool mounted = BpfFs.IsOnBpfFs(root);
            var entries = new SortedSet<string>(StringComparer.Ordinal);
            Walk(root, "", entries);
            return new Snapshot(mounted, entries);
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    internal static string? Compare(Snapshot before, Snapshot after)
    {
        var added = after.Entries.Except(before.Entries, StringComparer.Ordinal).ToList();
        var removed = before.Entries.Except(after.Entries, StringComparer.Ordinal).ToList();
        var parts = new List<string>();
        if (before.Mounted != after.Mounted) parts.Add(after.Mounted ? "a bpffs was mounted there" : "its bpffs was unmounted");
        if (added.Count > 0) parts.Add($"new entries {string.Join(", ", added)}");
        if (removed.Count > 0) parts.Add($"entries gone {string.Join(", ", removed)}");
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    private static void Walk(string directory, string relative, SortedSet<string> entries)
    {
        IEnumerable<string> children;
        try
        {
            children = Directory.EnumerateFileSystemEntries(directory).ToList();
        }
        catch (DirectoryNotFoundException)
        {
            return; // removed while we looked
        }
        foreach (var child in children)
        {
            string name = Path.GetFileName(child);
            if (name.Contains('.', StringComparison.Ordinal)) continue;
            string path = relative.Length == 0 ? name : relative + "/" + name;
            entries.Add(path);
            if (Directory.Exists(child)) Walk(child, path, entries);
        }
    }

    internal sealed record Snapshot(bool Mounted, IReadOnlySet<string> Entries);
}
