using System.Buffers.Binary;
using System.Text;
using Ebpf.Asm;
using Ebpf.Btf;
using Ebpf.Elf;
using Ebpf.Externs;

namespace Ebpf.Linking;

/// <summary>Turns a BPF ELF object into the plain data of a <see cref="BpfObjectSpec"/>: maps, programs, variables.</summary>
internal static class ObjectReader
{
    /// <summary>
    /// Most bytes of .bss-style (no file bytes) global data accepted per object, all such sections together: guards the
    /// zero-filled initial values against absurd header sizes (the kernel refuses an array map value over 4 MiB anyway).
    /// </summary>
    internal const ulong MaxZeroFilledSection = 256UL << 20;

    internal sealed record Result(string License, Dictionary<string, MapSpec> Maps, Dictionary<string, ProgramSpec> Programs,
        Dictionary<string, GlobalVariable> Variables, BtfTypes? Btf, BtfExt? BtfExt, IReadOnlyList<ExternSpec> Externs)
    {
        /// <summary>The struct_ops maps (.struct_ops, .struct_ops.link variables).</summary>
        internal IReadOnlyList<StructOps.StructOpsMapSpec> StructOps { get; init; } = [];
    }

    internal static Result Read(ReadOnlyMemory<byte> image, string objectName)
    {
        var elf = ElfFile.Parse(image, objectName);
        string license = ReadLicense(elf);

        BtfTypes? btf = null;
        BtfExt? btfExt = null;
        if (elf.FindSection(".BTF") is { } btfSection)
        {
            btf = BtfTypes.Parse(btfSection.Data.Span, objectName, ".BTF");
            FixDataSections(elf, btf);
            HiddenFunctions.MarkStatic(elf, btf);
        }
        // Externs rewrite the BTF (and may add a type), so .BTF.ext is read against the result.
        var externs = ExternCollector.Collect(elf, btf);
        btf = externs.Btf;
        if (btf is not null && elf.FindSection(".BTF.ext") is { } extSection)
            btfExt = BtfExt.Parse(extSection.Data.Span, btf, objectName);

        var ctx = new ObjectContext(elf, btf) { Externs = externs.BySymbol };
        var maps = new Dictionary<string, MapSpec>(StringComparer.Ordinal);
        ReadBtfMaps(elf, btf, ctx, maps);
        var variables = new Dictionary<string, GlobalVariable>(StringComparer.Ordinal);
        ReadGlobalData(elf, btf, ctx, maps, variables);
        if (externs.KconfigMap is { } kconfig && !maps.TryAdd(kconfig.Name, kconfig))
            throw elf.Error(ExternCollector.KconfigSection, $"a map named '{kconfig.Name}' already exists, so the kconfig externs have nowhere to live.");
        ReadCode(elf, ctx);
        var programs = ReadPrograms(elf, ctx, license, btfExt);
        MapSlotReader.CheckPrograms(elf, maps, programs);
        return new Result(license, maps, programs, variables, btf, btfExt, externs.Externs) { StructOps = StructOps.StructOpsReader.Read(elf, btf) };
    }

    internal static bool IsGlobalDataSection(string name) =>
        name is ".rodata" or ".data" or ".bss"
        || name.StartsWith(".rodata.", StringComparison.Ordinal)
        || name.StartsWith(".data.", StringComparison.Ordinal)
        || name.StartsWith(".bss.", StringComparison.Ordinal);

    private static string ReadLicense(ElfFile elf)
    {
        var section = elf.FindSection("license");
        if (section is null) return "";
        var data = section.Data.Span;
        int end = data.IndexOf((byte)0);
        return Encoding.ASCII.GetString(end < 0 ? data : data[..end]);
    }

    /// <summary>clang leaves DATASEC sizes and variable offsets at 0; the real values are the ELF section size and symbol values.</summary>
    private static void FixDataSections(ElfFile elf, BtfTypes btf)
    {
        foreach (var t in btf.All)
        {
            if (t.Kind != BtfKind.DataSection) continue;
            var section = elf.FindSection(t.Name);
            if (section is null) continue;
            if (section.Size > uint.MaxValue) throw elf.Error(section.Name, $"size {section.Size} does not fit a BTF DATASEC.");
            t.SizeOrType = (uint)section.Size;
            BinaryPrimitives.WriteUInt32LittleEndian(btf.Raw.AsSpan(btf.TypeStart + t.RawPosition + 8), t.SizeOrType);
            foreach (var m in t.Members)
            {
                var v = btf[m.Type];
                if (v.Kind != BtfKind.Variable) continue;
                foreach (var sym in elf.Symbols)
                {
                    if (sym.SectionIndex != section.Index || sym.Name != v.Name || sym.SymbolType != ElfSymbol.STT_OBJECT) continue;
                    if (sym.Value > section.Size || m.Size > section.Size - sym.Value)
                        throw elf.Error(section.Name, $"variable '{v.Name}' (offset {sym.Value}, size {m.Size}) lies outside the section ({section.Size} bytes).");
                    m.Offset = (uint)sym.Value;
                    BinaryPrimitives.WriteUInt32LittleEndian(btf.Raw.AsSpan(m.RawOffsetPosition), m.Offset);
                    break;
                }
            }
            SortSectionEntries(btf, t);
        }
    }

    /// <summary>The kernel wants DATASEC entries in ascending offset order; clang emits them in declaration order.
    /// Rewrites the raw records sorted (the parsed member list keeps declaration order, which nothing depends on).</summary>
    private static void SortSectionEntries(BtfTypes btf, BtfType datasec)
    {
        if (datasec.Members.Count < 2) return;
        var sorted = datasec.Members.OrderBy(m => m.Offset).ToList();
        int first = datasec.Members[0].RawOffsetPosition - 4;
        for (int i = 0; i < sorted.Count; i++)
        {
            var record = btf.Raw.AsSpan(first + i * 12, 12);
            BinaryPrimitives.WriteUInt32LittleEndian(record, sorted[i].Type);
            BinaryPrimitives.WriteUInt32LittleEndian(record[4..], sorted[i].Offset);
            BinaryPrimitives.WriteUInt32LittleEndian(record[8..], sorted[i].Size);
        }
    }

    private static void ReadBtfMaps(ElfFile elf, BtfTypes? btf, ObjectContext ctx, Dictionary<string, MapSpec> maps)
    {
        if (elf.FindSection("maps") is { Size: > 0 } legacy)
            throw elf.Error(legacy.Name, "legacy 'maps' section (struct bpf_map_def) is not supported; declare maps with BTF in SEC(\".maps\") (libbpf's __uint/__type convention).");
        var section = elf.FindSection(".maps");
        if (section is null) return;
        ctx.MapsSectionIndex = section.Index;
        if (btf is null)
            throw elf.Error(".maps", "BTF-defined maps need the object's .BTF section; compile with clang -g.");
        var datasec = btf.FindDataSection(".maps")
            ?? throw elf.Error(".maps", "the .BTF section has no DATASEC '.maps' describing the map definitions.");
        foreach (var m in datasec.Members)
        {
            var v = btf[m.Type];
            if (v.Kind != BtfKind.Variable)
                throw elf.Error(".maps", $"DATASEC entry {v} is not a variable.");
            if (maps.ContainsKey(v.Name)) throw elf.Error(".maps", $"map '{v.Name}' is defined twice.");
            maps[v.Name] = BtfMapDefinition.Parse(btf, v.Name, v.SizeOrType, elf.ObjectName);
            ctx.MapOffsets[m.Offset] = v.Name;
        }
        MapSlotReader.Read(elf, btf, datasec, section, maps);
    }

    private static bool IsGlobalData(ElfSection s) =>
        IsGlobalDataSection(s.Name) && (s.Flags & ElfFile.SHF_ALLOC) != 0 && s.Size != 0 && s.Type is ElfFile.SHT_PROGBITS or ElfFile.SHT_NOBITS;

    private static void ReadGlobalData(ElfFile elf, BtfTypes? btf, ObjectContext ctx, Dictionary<string, MapSpec> maps, Dictionary<string, GlobalVariable> variables)
    {
        // All zero-filled sections are measured before the first is allocated.
        ulong zeroFilled = 0;
        foreach (var s in elf.Sections.Where(s => IsGlobalData(s) && s.IsNoBits))
        {
            if (s.Size > MaxZeroFilledSection || (zeroFilled += s.Size) > MaxZeroFilledSection)
                throw elf.Error(s.Name, $"size {s.Size} takes the zero-filled global data past the {MaxZeroFilledSection >> 20} MiB the loader accepts per object (all .bss-style sections together).");
        }
        foreach (var s in elf.Sections)
        {
            if (!IsGlobalData(s)) continue;
            if (maps.ContainsKey(s.Name)) throw elf.Error(s.Name, "a map with this section's name already exists.");
            bool readOnly = s.Name.StartsWith(".rodata", StringComparison.Ordinal);
            var datasec = btf?.FindDataSection(s.Name);
            maps[s.Name] = new MapSpec
            {
                Name = s.Name,
                Type = BpfMapType.Array,
                KeySize = 4,
                ValueSize = (uint)s.Size,
                MaxEntries = 1,
                Flags = (readOnly ? MapFlags.ReadOnlyProgram : 0) | (HasNonStaticVariable(btf, datasec) ? MapFlags.Mmapable : 0),
                Freeze = readOnly,
                InitialValue = s.IsNoBits ? new byte[s.Size] : s.Data.ToArray(),
                BtfValueTypeId = datasec?.Id ?? 0,
            };
            ctx.DataMaps[s.Index] = s.Name;

            if (datasec is not null && btf is not null)
            {
                foreach (var m in datasec.Members)
                {
                    var v = btf[m.Type];
                    if (v.Kind != BtfKind.Variable) continue;
                    AddVariable(elf, variables, new GlobalVariable(v.Name, s.Name, m.Offset, m.Size, v.SizeOrType), s);
                }
            }
            else
            {
                foreach (var sym in elf.Symbols)
                    if (sym.SectionIndex == s.Index && sym.SymbolType == ElfSymbol.STT_OBJECT && sym.Size > 0 && sym.Name.Length > 0)
                        AddVariable(elf, variables, new GlobalVariable(sym.Name, s.Name, (uint)Math.Min(sym.Value, uint.MaxValue), (uint)Math.Min(sym.Size, uint.MaxValue), 0), s);
            }
        }
    }

    /// <summary>libbpf's rule for mmapable global data: a DATASEC with at least one non-static variable (so string
    /// literals' .rodata.str1.1 stays an ordinary array). Skeletons then read and write the variables in place.</summary>
    private static bool HasNonStaticVariable(BtfTypes? btf, BtfType? datasec) =>
        btf is not null && datasec is not null && datasec.Members.Any(m => btf[m.Type] is { Kind: BtfKind.Variable, Extra: not 0 });

    private static void AddVariable(ElfFile elf, Dictionary<string, GlobalVariable> variables, GlobalVariable v, ElfSection s)
    {
        if ((ulong)v.Offset + v.Size > s.Size)
            throw elf.Error(s.Name, $"variable '{v.Name}' (offset {v.Offset}, size {v.Size}) lies outside the section ({s.Size} bytes).");
        // Two static variables may share a name in different sections; the first one wins, the other stays reachable through its map.
        variables.TryAdd(v.Name, v);
    }

    private static void ReadCode(ElfFile elf, ObjectContext ctx)
    {
        foreach (var s in elf.Sections)
        {
            if (!s.IsExecutable) continue;
            if (s.Size % 8 != 0) throw elf.Error(s.Name, $"code size {s.Size} is not a multiple of the 8-byte instruction.");
            var instructions = Instruction.FromBytes(s.Data.Span);
            var relocations = new Dictionary<int, ElfRelocation>();
            foreach (var r in elf.RelocationsFor(s))
            {
                if (r.Offset % 8 != 0) throw elf.Error(s.Name, $"relocation at offset {r.Offset} is not instruction-aligned.");
                if (!relocations.TryAdd((int)(r.Offset / 8), r))
                    throw elf.Error(s.Name, $"two relocations apply to instruction {r.Offset / 8}.");
            }
            var functions = new List<CodeFunction>();
            var code = new CodeSection(s, instructions, relocations, functions);
            var symbols = elf.Symbols.Where(y => y.SectionIndex == s.Index && y.IsFunction).OrderBy(y => y.Value).ToList();
            for (int i = 0; i < symbols.Count; i++)
            {
                var sym = symbols[i];
                if (sym.Value % 8 != 0 || sym.Value >= s.Size)
                    throw elf.Error(s.Name, $"function '{sym.Name}' starts at offset {sym.Value}, which is not an instruction in this {s.Size}-byte section.");
                ulong end = sym.Size > 0 ? sym.Value + sym.Size : (i + 1 < symbols.Count ? symbols[i + 1].Value : s.Size);
                if (sym.Size > s.Size || end > s.Size || end % 8 != 0 || end <= sym.Value)
                    throw elf.Error(s.Name, $"function '{sym.Name}' (offset {sym.Value}, size {sym.Size}) does not fit the {s.Size}-byte section.");
                functions.Add(new CodeFunction(sym.Name, code, (int)(sym.Value / 8), (int)((end - sym.Value) / 8), sym.Binding != ElfSymbol.STB_LOCAL));
            }
            if (functions.Count == 0 && s.Size > 0)
                throw elf.Error(s.Name, "the section holds code but no function symbol; the loader needs clang's FUNC symbols to find programs.");
            ctx.Code[s.Index] = code;
        }
    }

    private static Dictionary<string, ProgramSpec> ReadPrograms(ElfFile elf, ObjectContext ctx, string license, BtfExt? btfExt)
    {
        var programs = new Dictionary<string, ProgramSpec>(StringComparer.Ordinal);
        foreach (var code in ctx.Code.Values)
        {
            string name = code.Section.Name;
            if (name == ".text") continue;
            if (!SectionTypes.TryClassify(name, out var type, out var attach, out var target, out bool sleepable))
                throw elf.Error(name, $"unknown program section '{name}'. Name the section after the program type as libbpf does, for example " +
                    "tracepoint/<category>/<name>, raw_tp/<name>, kprobe/<function>, xdp, socket, tc (known prefixes: " +
                    string.Join(", ", SectionTypes.KnownPrefixes) + ").");
            bool anyGlobal = code.Functions.Any(f => f.IsGlobal);
            foreach (var f in code.Functions)
            {
                if (anyGlobal && !f.IsGlobal) continue; // static functions beside programs are subprograms
                if (programs.ContainsKey(f.Name)) throw elf.Error(name, $"program '{f.Name}' is defined twice.");
                var (instructions, mapRefs, externRefs, placements) = ProgramLinker.Link(ctx, f);
                var spec = new ProgramSpec(f.Name, name, type, attach, target, sleepable, license, instructions, mapRefs, placements) { ExternReferences = externRefs };
                if (btfExt is not null) AttachCoreRelocations(spec, btfExt);
                programs[f.Name] = spec;
            }
        }
        return programs;
    }

    private static void AttachCoreRelocations(ProgramSpec spec, BtfExt ext)
    {
        foreach (var p in spec.Functions)
        {
            if (!ext.CoreRelocations.TryGetValue(p.Section, out var records)) continue;
            foreach (var r in records)
            {
                long insn = r.InstructionOffset / 8;
                if (insn >= p.SourceStart && insn < p.SourceStart + p.Length)
                    spec.CoreRelocations.Add(((int)(p.LinkedStart + insn - p.SourceStart), r));
            }
        }
    }
}
