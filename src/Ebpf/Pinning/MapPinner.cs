using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Pinning;

/// <summary>
/// Pinning by name (<c>LIBBPF_PIN_BY_NAME</c>) during an object load, as libbpf does it: a map pinned at
/// <c>&lt;root&gt;/&lt;map name&gt;</c> is reused when its type, key and value sizes, max_entries and flags match the
/// declaration (its contents are kept: no initial value is written); otherwise the map is created and pinned there.
/// If the load fails, the maps this load pinned are unpinned again; maps it reused stay pinned.
/// </summary>
internal sealed class MapPinner(string objectName, string root)
{
    /// <summary>LIBBPF_PIN_BY_NAME.</summary>
    internal const uint ByName = 1;

    private readonly List<BpfMap> _pinnedHere = [];
    private bool _rootReady;

    /// <summary>
    /// Checks every pinned map of <paramref name="spec"/> (its pinning mode, and its name as a pin name) before the load
    /// makes its first syscall: a name from the object must never become a path outside the pin root.
    /// </summary>
    /// <exception cref="BpfObjectException">A map uses an unsupported pinning mode, or its name cannot be a pin name.</exception>
    internal static void CheckAll(BpfObjectSpec spec)
    {
        foreach (var map in spec.Maps.Values)
        {
            if (map.Pinning == 0) continue;
            if (map.Pinning != ByName)
                throw new BpfObjectException(spec.Name, null, $"map '{PinName.Printable(map.Name)}': pinning mode {map.Pinning} is not supported; only LIBBPF_PIN_BY_NAME (1) is.");
            PinName.Check(spec.Name, map.Name);
        }
    }

    internal BpfMap CreateOrReuse(MapSpec spec, Func<BpfMap> create)
    {
        if (spec.Pinning != ByName)
            throw new BpfObjectException(objectName, null, $"map '{PinName.Printable(spec.Name)}': pinning mode {spec.Pinning} is not supported; only LIBBPF_PIN_BY_NAME (1) is.");
        // Before the root is created or mounted: a bad name must not cause any side effect.
        string path = PinName.MapPinPath(root, objectName, spec.Name);
        if (!_rootReady)
        {
            BpfFs.EnsureDirectory(root);
            _rootReady = true;
        }
        for (int attempt = 0; ; attempt++)
        {
            if (TryReuse(spec, path) is { } reused) return reused;
            var created = create();
            try
            {
                created.Pin(path);
                _pinnedHere.Add(created);
                return created;
            }
            catch (BpfException e) when (e.Errno == Errno.EEXIST && attempt == 0)
            {
                // Another load pinned it between our look and our pin: reuse theirs (libbpf retries the same way).
                created.Dispose();
            }
            catch
            {
                created.Dispose();
                throw;
            }
        }
    }

    /// <summary>True for a map this load found pinned and reused: its contents are someone else's.</summary>
    internal bool Reused(BpfMap map) => map.PinnedPath is not null && !_pinnedHere.Contains(map);

    /// <summary>Removes the pins this load created (after a failed load).</summary>
    internal void UndoPins()
    {
        foreach (var map in _pinnedHere)
        {
            try
            {
                map.Unpin();
            }
            catch (IOException)
            {
                // Best effort while unwinding: the original failure is what the caller must see.
            }
        }
        _pinnedHere.Clear();
    }

    private BpfMap? TryReuse(MapSpec spec, string path)
    {
        long r = Bpf.TryObjGet(path);
        if (r == -Errno.ENOENT) return null;
        if (r < 0) throw PinFile.OpenFailure((int)-r, path, $"map '{spec.Name}' of {objectName}");
        var fd = SafeFd.FromSyscall((int)r);
        try
        {
            // BPF_OBJ_GET opens whatever is pinned there; a program's info read as a map's would be nonsense.
            PinFile.CheckKind(fd, PinFile.ObjectKind.Map, path, $"map '{spec.Name}' of {objectName}");
        }
        catch
        {
            fd.Dispose();
            throw;
        }
        var map = BpfMap.FromHandle(fd, spec.Name);
        try
        {
            if (Mismatch(spec, map) is { } why)
                throw new BpfObjectException(objectName, spec.Name,
                    $"map '{spec.Name}' is pinned at {path}, but the pinned map differs from the declaration: {why}. " +
                    "Remove the stale pin (rm " + path + ") or declare the map as the pinned one is.");
            map.MarkPinned(path);
            return map;
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>Every property (type, key size, value size, max_entries, flags) in which the pinned map differs, or null.</summary>
    internal static string? Mismatch(MapSpec spec, BpfMap pinned)
    {
        var (keySize, valueSize, maxEntries) = BpfMap.EffectiveShape(spec);
        uint pinnedFlags = pinned.Flags;
        // The kernel reports BPF_F_RDONLY_PROG on every devmap, whether or not it was asked for (libbpf ignores it too).
        if (spec.Type is BpfMapType.DevMap or BpfMapType.DevMapHash) pinnedFlags &= ~Linking.MapFlags.ReadOnlyProgram;
        var differences = new List<string>();
        if (pinned.Type != spec.Type) differences.Add($"type {pinned.Type} (declared {spec.Type})");
        if (pinned.KeySize != keySize) differences.Add($"key size {pinned.KeySize} (declared {keySize})");
        if (pinned.ValueSize != valueSize) differences.Add($"value size {pinned.ValueSize} (declared {valueSize})");
        if (pinned.MaxEntries != maxEntries) differences.Add($"max_entries {pinned.MaxEntries} (declared {maxEntries})");
        if (pinnedFlags != spec.Flags) differences.Add($"flags 0x{pinnedFlags:x} (declared 0x{spec.Flags:x})");
        return differences.Count == 0 ? null : string.Join(", ", differences);
    }
}
