using Ebpf.Links;

namespace Ebpf.Pinning;

/// <summary>
/// Pins a set of links and maps as the entries of one bpffs directory, all or nothing (<c>ebpf attach --pin DIR</c>,
/// bpftool's <c>prog loadall ... pinmaps DIR</c>): each link at <c>DIR/&lt;program&gt;</c>, each map at
/// <c>DIR/&lt;map&gt;</c>. The names come from an object, so they are untrusted: each must be one bpffs entry
/// (<see cref="PinName"/>), checked before anything is pinned. A map's name has its dots replaced by underscores first,
/// as libbpf does when it pins maps (the global-data maps <c>.rodata</c>, <c>.bss</c> become <c>_rodata</c>, <c>_bss</c>).
/// </summary>
public static class PinDirectory
{
    /// <summary>The entry a map named <paramref name="mapName"/> gets: its name with every '.' replaced by '_'.</summary>
    public static string MapEntryName(string mapName)
    {
        ArgumentNullException.ThrowIfNull(mapName);
        return mapName.Replace('.', '_');
    }

    /// <summary>
    /// Checks, before anything is attached or pinned, that links of <paramref name="programNames"/> and the maps
    /// <paramref name="mapNames"/> can be pinned in <paramref name="directory"/>: every entry name is valid and unique, and
    /// the directory is on a bpffs (or does not exist yet and its parent is, or it is under an unmounted
    /// <see cref="BpfFs.DefaultPath"/>, which is mounted when pinning).
    /// </summary>
    /// <exception cref="BpfAttachException">A program's name cannot be a pin name, or two entries would share a name.</exception>
    /// <exception cref="BpfMapException">A map's name cannot be a pin name.</exception>
    /// <exception cref="BpfFeatureNotSupportedException">The directory is not on a bpffs.</exception>
    public static void Check(string directory, IEnumerable<string> programNames, IEnumerable<string> mapNames)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var entries = Entries(directory, programNames, mapNames);
        CheckDirectory(directory, Subject(entries));
    }

    /// <summary>
    /// Pins each link at <paramref name="directory"/>/&lt;program&gt; and each map at <paramref name="directory"/>/&lt;map&gt;
    /// (<see cref="MapEntryName"/>), creating the directory (mode 0700) when it is missing. If any pin fails, the pins made
    /// here are removed again (and the directory, when it was created here) before the exception propagates. Returns the
    /// paths pinned, links first.
    /// </summary>
    /// <exception cref="BpfAttachException">A name is not valid or not unique, a link is not a BPF link (netlink, BPF_PROG_ATTACH
    /// attachments cannot be pinned), or a pin failed.</exception>
    /// <exception cref="BpfFeatureNotSupportedException">The directory is not on a bpffs.</exception>
    public static IReadOnlyList<string> PinAll(string directory, IReadOnlyCollection<BpfLink> links, IReadOnlyCollection<BpfMap> maps)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(links);
        ArgumentNullException.ThrowIfNull(maps);
        var entries = Entries(directory, links.Select(l => l.ProgramName), maps.Select(m => m.Name));
        string subject = Subject(entries);
        foreach (var link in links)
            if (!link.IsBpfLink)
                throw new BpfAttachException("BPF_OBJ_PIN", 0, link.ProgramName, directory,
                    $"Cannot pin program '{link.ProgramName}' ({link}) in '{directory}': it is attached through an older mechanism (netlink or BPF_PROG_ATTACH), not a BPF link, so the kernel cannot pin it. Nothing was pinned.");
        string full = CheckDirectory(directory, subject);
        bool created = false;
        if (!Directory.Exists(full))
        {
            if (UnderDefault(full)) BpfFs.EnsureDirectory(full);
            else if (!OperatingSystem.IsWindows()) Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            created = true;
        }
        var pinnedLinks = new List<BpfLink>();
        var pinnedMaps = new List<BpfMap>();
        var paths = new List<string>();
        try
        {
            foreach (var link in links)
            {
                link.Pin(full, link.ProgramName);
                pinnedLinks.Add(link);
                paths.Add(link.PinnedPath!);
            }
            foreach (var map in maps)
            {
                string path = PinName.Combine(full, MapEntryName(map.Name), $"map '{map.Name}'");
                map.Pin(path);
                pinnedMaps.Add(map);
                paths.Add(path);
            }
            return paths;
        }
        catch
        {
            Undo(pinnedLinks, pinnedMaps, created ? full : null);
            throw;
        }
    }

    /// <summary>The entries to make, program links first, each checked against <see cref="PinName"/> and for clashes.</summary>
    internal static List<(string Entry, string Subject)> Entries(string directory, IEnumerable<string> programNames, IEnumerable<string> mapNames)
    {
        ArgumentNullException.ThrowIfNull(programNames);
        ArgumentNullException.ThrowIfNull(mapNames);
        var entries = new List<(string Entry, string Subject)>();
        var taken = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string program in programNames)
        {
            if (PinName.Problem(program) is { } why)
                throw new BpfAttachException("BPF_OBJ_PIN", 0, program, directory,
                    $"Cannot pin the link of program '{PinName.Printable(program)}' in '{directory}': its name cannot be a pin name: {why}. Nothing was pinned.");
            Add(program, $"program '{program}'", program);
        }
        foreach (string map in mapNames)
        {
            string entry = MapEntryName(map);
            if (PinName.Problem(entry) is { } why)
                throw new BpfMapException("BPF_OBJ_PIN", 0, map,
                    $"Cannot pin map '{PinName.Printable(map)}' in '{directory}': its name cannot be a pin name: {why}. Nothing was pinned.");
            Add(entry, $"map '{map}'", map);
        }
        return entries;

        void Add(string entry, string subject, string name)
        {
            if (taken.TryGetValue(entry, out var other))
                throw new BpfAttachException("BPF_OBJ_PIN", 0, name, $"{directory}/{entry}",
                    $"Cannot pin {subject} and {other} in '{directory}': both would be pinned as '{entry}'. Nothing was pinned.");
            taken.Add(entry, subject);
            entries.Add((entry, subject));
        }
    }

    private static string Subject(List<(string Entry, string Subject)> entries) =>
        entries.Count == 0 ? "nothing" : string.Join(", ", entries.Select(e => e.Subject));

    /// <summary>The directory's full path once it is known to take pins; a typed error naming what was to be pinned otherwise.</summary>
    private static string CheckDirectory(string directory, string subject)
    {
        string full = Path.GetFullPath(directory).TrimEnd('/');
        if (full.Length == 0) full = "/";
        string? where = Directory.Exists(full) ? full : Path.GetDirectoryName(full);
        if (File.Exists(full))
            throw new BpfException("BPF_OBJ_PIN", 0, $"Cannot pin {subject} in '{directory}': it is a file, not a directory. Nothing was pinned.");
        if (where is null || !Directory.Exists(where))
            throw new BpfException("BPF_OBJ_PIN", 0, $"Cannot pin {subject} in '{directory}': neither it nor its parent directory exists. Create it on a bpffs first (mount -t bpf bpf <dir>). Nothing was pinned.");
        // An unmounted /sys/fs/bpf is mounted when pinning (BpfFs.EnsureDirectory), as every other pinning path does.
        if (UnderDefault(full) && Directory.Exists(BpfFs.DefaultPath) && !BpfFs.IsOnBpfFs(BpfFs.DefaultPath)) return full;
        if (!BpfFs.IsOnBpfFs(where))
            throw new BpfFeatureNotSupportedException("statfs", 0, "bpffs",
                $"Cannot pin {subject} in '{directory}': '{where}' is not on a BPF file system. Use a directory on a bpffs mount (mount -t bpf bpf <dir>), such as {BpfFs.DefaultPath}/<name>. Nothing was pinned.");
        return full;
    }

    private static bool UnderDefault(string full) => full == BpfFs.DefaultPath || full.StartsWith(BpfFs.DefaultPath + "/", StringComparison.Ordinal);

    private static void Undo(List<BpfLink> links, List<BpfMap> maps, string? createdDirectory)
    {
        // Best effort while unwinding: the original failure is what the caller must see.
        foreach (var link in links)
        {
            try
            {
                link.Unpin();
            }
            catch (IOException)
            {
            }
        }
        foreach (var map in maps)
        {
            try
            {
                map.Unpin();
            }
            catch (IOException)
            {
            }
        }
        if (createdDirectory is not null)
        {
            try
            {
                Directory.Delete(createdDirectory);
            }
            catch (IOException)
            {
            }
        }
    }
}
