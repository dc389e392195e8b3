using Ebpf.Btf;
using Ebpf.Elf;

namespace Ebpf.Linking;

/// <summary>
/// Reads the static initialisers of program arrays and maps of maps: clang emits <c>.values = { [2] = &amp;prog }</c> as
/// an R_BPF_64_ABS64 relocation in <c>.rel.maps</c> at the slot's 8-byte pointer inside the map's <c>values</c> member;
/// the symbol is the program (a function) or the inner map (a <c>.maps</c> variable). libbpf fills those slots at load;
/// so does the loader (<see cref="MapSlotWriter"/>).
/// </summary>
internal static class MapSlotReader
{
    internal static void Read(ElfFile elf, BtfTypes btf, BtfType datasec, ElfSection mapsSection, Dictionary<string, MapSpec> maps)
    {
        var slots = new Dictionary<string, List<MapSlot>>(StringComparer.Ordinal);
        foreach (var r in elf.RelocationsFor(mapsSection))
        {
            var target = elf.Symbols[r.SymbolIndex];
            var member = datasec.Members.FirstOrDefault(m => r.Offset >= m.Offset && r.Offset < (ulong)m.Offset + m.Size)
                ?? throw elf.Error(".maps", $"relocation at offset {r.Offset} (symbol '{target.Name}') lies in no map definition.");
            string name = btf[member.Type].Name;
            var spec = maps[name];
            if (r.Type != ElfRelocation.R_BPF_64_ABS64)
                throw elf.Error(".maps", $"map '{name}': relocation of type {r.Type} for '{target.Name}'; static slots are 64-bit pointers (R_BPF_64_ABS64).");
            uint? values = ValuesOffset(btf, btf[member.Type].SizeOrType);
            ulong within = r.Offset - member.Offset;
            if (values is null || within < values || (within - values.Value) % 8 != 0)
                throw elf.Error(".maps", $"map '{name}': '{target.Name}' is set outside the slots of its __array(values, ...) member.");
            ulong index = (within - values.Value) / 8;
            if (index >= spec.MaxEntries)
                throw elf.Error(".maps", $"map '{name}': slot {index} for '{target.Name}' is beyond max_entries ({spec.MaxEntries}).");
            bool programArray = spec.Type == BpfMapType.ProgramArray;
            if (programArray ? !target.IsFunction : target.SectionIndex != mapsSection.Index || !maps.ContainsKey(target.Name))
                throw elf.Error(".maps", programArray
                    ? $"map '{name}': slot {index} points to '{target.Name}', which is not a program."
                    : $"map '{name}': slot {index} points to '{target.Name}', which is not a map defined in .maps.");
            if (!programArray && spec.Type is not (BpfMapType.ArrayOfMaps or BpfMapType.HashOfMaps))
                throw elf.Error(".maps", $"map '{name}' is a {spec.Type} map; only program arrays and maps of maps take static slots.");
            if (spec.KeySize != 4)
                throw elf.Error(".maps", $"map '{name}': static slots are indexed by a 4-byte key; its keys are {spec.KeySize} bytes.");
            if (!slots.TryGetValue(name, out var list)) slots[name] = list = [];
            list.Add(new MapSlot((uint)index, target.Name));
        }
        foreach (var (name, list) in slots) maps[name].InitialSlots = [.. list.OrderBy(s => s.Index)];
    }

    /// <summary>Every program-array slot must name a program of the object.</summary>
    internal static void CheckPrograms(ElfFile elf, Dictionary<string, MapSpec> maps, Dictionary<string, ProgramSpec> programs)
    {
        foreach (var spec in maps.Values)
            if (spec.Type == BpfMapType.ProgramArray)
                foreach (var slot in spec.InitialSlots)
                    if (!programs.ContainsKey(slot.Target))
                        throw elf.Error(".maps", $"map '{spec.Name}': slot {slot.Index} points to '{slot.Target}', which is not a program of the object (a subprogram?).");
    }

    /// <summary>The byte offset of the <c>values</c> member in the map definition struct <paramref name="structId"/>.</summary>
    private static uint? ValuesOffset(BtfTypes btf, uint structId)
    {
        var def = btf.SkipQualifiers(structId);
        foreach (var m in def.Members)
            if (m.Name == "values") return (def.KindFlag ? m.Offset & 0xffffff : m.Offset) / 8;
        return null;
    }
}
