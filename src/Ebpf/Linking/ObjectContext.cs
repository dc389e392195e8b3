using Ebpf.Btf;
using Ebpf.Elf;
using Ebpf.Externs;

namespace Ebpf.Linking;

/// <summary>What the linker needs to know about one parsed object.</summary>
internal sealed class ObjectContext
{
    internal ObjectContext(ElfFile elf, BtfTypes? btf) { Elf = elf; Btf = btf; }

    internal ElfFile Elf { get; }
    internal BtfTypes? Btf { get; }

    /// <summary>Executable sections by section index.</summary>
    internal Dictionary<int, CodeSection> Code { get; } = [];

    /// <summary>The .maps section's index, or -1.</summary>
    internal int MapsSectionIndex { get; set; } = -1;

    /// <summary>Map definitions in .maps by byte offset.</summary>
    internal Dictionary<ulong, string> MapOffsets { get; } = [];

    /// <summary>Global-data maps (.rodata, .data, .bss, ...) by section index.</summary>
    internal Dictionary<int, string> DataMaps { get; } = [];

    /// <summary>Externs (__kconfig, __ksym) by ELF symbol index.</summary>
    internal Dictionary<int, ExternSpec> Externs { get; init; } = [];

    internal string? MapAt(ulong offset, string symbolName)
    {
        if (MapOffsets.TryGetValue(offset, out var name)) return name;
        return MapOffsets.ContainsValue(symbolName) ? symbolName : null;
    }
}
