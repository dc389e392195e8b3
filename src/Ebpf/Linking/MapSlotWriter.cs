namespace Ebpf.Linking;

/// <summary>
/// Fills the static slots at load, as libbpf does: the inner maps of maps of maps once every map exists, the programs of
/// program arrays once every program is loaded. A slot whose program was not loaded (AutoLoad = false) stays empty, and
/// a map reused from a pin keeps the contents it has.
/// </summary>
internal static class MapSlotWriter
{
    internal static void SetInnerMaps(string objectName, Dictionary<string, MapSpec> specs, Dictionary<string, BpfMap> maps, Func<BpfMap, bool> reused)
    {
        foreach (var (name, spec) in specs)
        {
            if (spec.Type is not (BpfMapType.ArrayOfMaps or BpfMapType.HashOfMaps) || spec.InitialSlots.Count == 0 || reused(maps[name])) continue;
            foreach (var slot in spec.InitialSlots)
                Set(objectName, spec, slot, () => maps[name].SetInnerMap(slot.Index, maps[slot.Target]));
        }
    }

    internal static void SetPrograms(string objectName, Dictionary<string, MapSpec> specs, Dictionary<string, BpfMap> maps,
        Dictionary<string, BpfProgram> programs, Func<BpfMap, bool> reused)
    {
        foreach (var (name, spec) in specs)
        {
            if (spec.Type != BpfMapType.ProgramArray || spec.InitialSlots.Count == 0 || reused(maps[name])) continue;
            foreach (var slot in spec.InitialSlots)
                if (programs.TryGetValue(slot.Target, out var program))
                    Set(objectName, spec, slot, () => maps[name].SetProgram(slot.Index, program));
        }
    }

    private static void Set(string objectName, MapSpec spec, MapSlot slot, Action set)
    {
        try
        {
            set();
        }
        catch (BpfException e) when (e is not BpfPermissionException)
        {
            throw new BpfObjectException(objectName, ".maps", $"map '{spec.Name}': slot {slot.Index} could not be set to '{slot.Target}': {e.Message}");
        }
    }
}
