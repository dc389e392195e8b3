using System.Buffers.Binary;
using System.Text;
using Ebpf.Btf;
using Ebpf.Elf;
using Ebpf.Linking;

namespace Ebpf.Externs;

/// <summary>
/// Finds an object's externs (undefined global symbols described in its BTF), orders them as libbpf does, lays the
/// <c>__kconfig</c> ones out in the hidden <c>.kconfig</c> map, and rewrites the object's BTF so the kernel accepts it:
/// extern VARs become allocated ones, <c>.ksyms</c> entries become 4-byte ints, extern FUNCs become global ones whose
/// DATASEC slot is a dummy VAR, and both DATASECs get real sizes and sorted offsets.
/// </summary>
internal static class ExternCollector
{
    internal const string KconfigSection = ".kconfig", KsymsSection = ".ksyms";

    /// <summary>The name of the map holding the kconfig values (libbpf names it "&lt;object&gt;.kconfig" in the kernel).</summary>
    internal const string KconfigMapName = ".kconfig";

    private const uint VarGlobalAllocated = 1, VarGlobalExtern = 2, FuncGlobal = 1, FuncExtern = 2;
    private const string DummyVariable = "dummy_ksym";

    internal sealed record Result(IReadOnlyList<ExternSpec> Externs, Dictionary<int, ExternSpec> BySymbol, MapSpec? KconfigMap, BtfTypes? Btf);

    internal static Result Collect(ElfFile elf, BtfTypes? btf)
    {
        var bySymbol = new Dictionary<int, ExternSpec>();
        foreach (var sym in elf.Symbols)
        {
            if (sym.SectionIndex != ElfSymbol.SHN_UNDEF || sym.Binding is not (ElfSymbol.STB_GLOBAL or ElfSymbol.STB_WEAK)
                || sym.SymbolType != ElfSymbol.STT_NOTYPE || sym.Name.Length == 0) continue;
            if (btf is null)
                throw elf.Error(null, $"extern '{sym.Name}' is not described by BTF; externs (__kconfig, __ksym) need the object's .BTF section (compile with clang -g).");
            bySymbol[sym.Index] = Describe(elf, btf, sym);
        }
        if (bySymbol.Count == 0) return new Result([], bySymbol, null, btf);

        var ordered = bySymbol.Values.OrderBy(e => e.Kind == ExternKind.Kconfig ? 0 : 1)
            .ThenByDescending(e => e.Kind == ExternKind.Kconfig ? e.Kconfig.Alignment : 0)
            .ThenBy(e => e.Kind == ExternKind.Kconfig ? e.Kconfig.Size : 0)
            .ThenBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
        int offset = 0;
        for (int i = 0; i < ordered.Count; i++)
        {
            var e = ordered[i];
            e.Index = i;
            if (e.Kind != ExternKind.Kconfig) continue;
            int at = (offset + e.Kconfig.Alignment - 1) / e.Kconfig.Alignment * e.Kconfig.Alignment;
            e.Kconfig = e.Kconfig with { Offset = at };
            offset = at + e.Kconfig.Size;
        }

        var byName = ordered.ToDictionary(e => e.Name, StringComparer.Ordinal);
        btf = RewriteBtf(elf, btf!, byName, offset, out uint kconfigSectionId);
        MapSpec? kconfig = null;
        if (offset > 0)
        {
            kconfig = new MapSpec
            {
                Name = KconfigMapName,
                Type = BpfMapType.Array,
                KeySize = 4,
                ValueSize = (uint)offset,
                MaxEntries = 1,
                Flags = MapFlags.ReadOnlyProgram,
                Freeze = true,
                InitialValue = new byte[offset],
                BtfValueTypeId = kconfigSectionId,
            };
        }
        return new Result(ordered, bySymbol, kconfig, btf);
    }

    private static ExternSpec Describe(ElfFile elf, BtfTypes btf, ElfSymbol sym)
    {
        BtfType? t = null;
        foreach (uint id in btf.IdsNamed(sym.Name))
        {
            if (btf[id].Kind is BtfKind.Variable or BtfKind.Function)
            {
                t = btf[id];
                break;
            }
        }
        if (t is null)
            throw elf.Error(null, $"extern '{sym.Name}' has no VAR or FUNC in the object's BTF; declare it with __kconfig or __ksym (bpf_helpers.h).");
        if (t.Kind == BtfKind.Variable && t.Extra != VarGlobalExtern)
            throw elf.Error(null, $"extern '{sym.Name}': its BTF VAR has linkage {t.Extra}, not extern.");
        if (t.Kind == BtfKind.Function && t.VLen != FuncExtern)
            throw elf.Error(null, $"extern '{sym.Name}': its BTF FUNC has linkage {t.VLen}, not extern.");
        string section = SectionOf(btf, t.Id)
            ?? throw elf.Error(null, $"extern '{sym.Name}' is in no BTF DATASEC; declare it with __kconfig or __ksym (bpf_helpers.h).");
        bool weak = sym.Binding == ElfSymbol.STB_WEAK;
        switch (section)
        {
            case KconfigSection:
            {
                if (t.Kind == BtfKind.Function)
                    throw elf.Error(KconfigSection, $"extern function '{sym.Name}' cannot be __kconfig; kernel functions are __ksym.");
                ulong? size = btf.SizeOf(t.SizeOrType);
                if (size is null or 0 or > int.MaxValue)
                    throw elf.Error(KconfigSection, $"extern '{sym.Name}': the size of its type cannot be determined.");
                var type = KconfigTypeOf(btf, t.SizeOrType, out bool signed);
                if (type == KconfigType.Unsupported)
                    throw elf.Error(KconfigSection, $"extern '{sym.Name}': {btf.SkipQualifiers(t.SizeOrType)} is not a kconfig type; use bool, char, " +
                        "a 1/2/4/8-byte integer, enum libbpf_tristate or a char array.");
                return new ExternSpec
                {
                    Name = t.Name, Kind = ExternKind.Kconfig, IsWeak = weak, BtfId = t.Id,
                    Kconfig = new KconfigField(t.Name, type, (int)size.Value, signed, AlignmentOf(btf, t.SizeOrType), 0),
                };
            }
            case KsymsSection:
                return new ExternSpec
                {
                    Name = t.Name, Kind = t.Kind == BtfKind.Function ? ExternKind.Kfunc : ExternKind.Ksym, IsWeak = weak, BtfId = t.Id,
                    LocalTypeId = btf.SkipQualifiers(t.SizeOrType).Id,
                };
            default:
                throw elf.Error(null, $"extern '{sym.Name}' is in DATASEC '{section}'; only {KconfigSection} (__kconfig) and {KsymsSection} (__ksym) externs are supported.");
        }
    }

    private static string? SectionOf(BtfTypes btf, uint id)
    {
        foreach (var t in btf.All)
        {
            if (t.Kind != BtfKind.DataSection) continue;
            foreach (var m in t.Members)
                if (m.Type == id) return t.Name;
        }
        return null;
    }

    /// <summary>libbpf's find_kcfg_type.</summary>
    internal static KconfigType KconfigTypeOf(BtfTypes btf, uint id, out bool signed, int depth = 0)
    {
        signed = false;
        if (depth > 8) return KconfigType.Unsupported; // arrays nested this deep (or a cycle in corrupt BTF) are no kconfig type
        var t = btf.SkipQualifiers(id);
        switch (t.Kind)
        {
            case BtfKind.Int:
            {
                uint encoding = (t.Extra >> 24) & 0xf;
                if ((encoding & 4) != 0) return t.SizeOrType == 1 ? KconfigType.Bool : KconfigType.Unsupported;
                signed = (encoding & 1) != 0;
                if (t.SizeOrType == 1) return KconfigType.Char;
                return t.SizeOrType is 2 or 4 or 8 ? KconfigType.Int : KconfigType.Unsupported;
            }
            case BtfKind.Enum or BtfKind.Enum64:
                return (t.Kind == BtfKind.Enum64 || t.SizeOrType == 4) && t.Name == "libbpf_tristate" ? KconfigType.Tristate : KconfigType.Unsupported;
            case BtfKind.Array:
                return t.ArrayLength > 0 && KconfigTypeOf(btf, t.ArrayElement, out _, depth + 1) == KconfigType.Char ? KconfigType.CharArray : KconfigType.Unsupported;
            default:
                return KconfigType.Unsupported;
        }
    }

    /// <summary>Natural alignment of a kconfig type: its size for scalars (at most 8), the element's for arrays.</summary>
    private static int AlignmentOf(BtfTypes btf, uint id)
    {
        var t = btf.SkipQualifiers(id);
        // Only called for accepted kconfig types: a char array's element is a 1-byte integer.
        return t.Kind == BtfKind.Array ? 1 : (int)Math.Clamp(t.SizeOrType, 1u, 8u);
    }

    private static BtfTypes RewriteBtf(ElfFile elf, BtfTypes btf, Dictionary<string, ExternSpec> byName, int kconfigSize, out uint kconfigSectionId)
    {
        var raw = btf.Raw;
        kconfigSectionId = 0;
        byte[] extraTypes = [], extraStrings = [];

        if (btf.FindDataSection(KconfigSection) is { } kconfigSection)
        {
            kconfigSectionId = kconfigSection.Id;
            WriteU32(raw, btf.TypeStart + kconfigSection.RawPosition + 8, (uint)kconfigSize);
            foreach (var m in kconfigSection.Members)
            {
                var v = btf[m.Type];
                if (!byName.TryGetValue(v.Name, out var e) || e.Kind != ExternKind.Kconfig)
                    throw elf.Error(KconfigSection, $"BTF {v} in DATASEC {KconfigSection} has no extern symbol of that name.");
                WriteU32(raw, btf.TypeStart + v.RawPosition + 12, VarGlobalAllocated);
                m.Offset = (uint)e.Kconfig.Offset;
            }
            SortEntries(raw, kconfigSection);
        }

        if (btf.FindDataSection(KsymsSection) is { } ksyms)
        {
            uint dummyId = 0, dummyName = 0;
            if (ksyms.Members.Any(m => btf[m.Type].Kind == BtfKind.Function))
            {
                // The kernel wants VARs in a DATASEC: a FUNC's slot points to one dummy 4-byte VAR, appended here.
                dummyId = (uint)btf.Count;
                dummyName = (uint)btf.StringLength;
                extraStrings = Encoding.ASCII.GetBytes(DummyVariable + "\0");
                extraTypes = new byte[16];
                WriteU32(extraTypes, 0, dummyName);
                WriteU32(extraTypes, 4, BtfType.EncodeInfo(BtfKind.Variable, 0));
                WriteU32(extraTypes, 8, FirstInt32(btf));
                WriteU32(extraTypes, 12, VarGlobalAllocated);
            }
            uint int32 = FirstInt32(btf);
            for (int i = 0; i < ksyms.Members.Count; i++)
            {
                var m = ksyms.Members[i];
                var v = btf[m.Type];
                if (!byName.TryGetValue(v.Name, out var e) || e.Kind == ExternKind.Kconfig)
                    throw elf.Error(KsymsSection, $"BTF {v} in DATASEC {KsymsSection} has no extern symbol of that name.");
                if (v.Kind == BtfKind.Function)
                {
                    // The kernel rejects extern FUNCs and unnamed parameters of a FUNC's prototype.
                    var proto = btf[v.SizeOrType];
                    if (proto.Kind != BtfKind.FunctionProto)
                        throw elf.Error(KsymsSection, $"extern function '{v.Name}': its BTF FUNC points to {proto}, not a FUNC_PROTO.");
                    for (int p = 0; p < proto.Members.Count; p++)
                        if (proto.Members[p].Type != 0 && proto.Members[p].Name.Length == 0)
                            WriteU32(raw, btf.TypeStart + proto.RawPosition + 12 + p * 8, dummyName);
                    WriteU32(raw, btf.TypeStart + v.RawPosition + 4, (v.Info & ~0xffffu) | FuncGlobal);
                    WriteU32(raw, m.RawOffsetPosition - 4, dummyId);
                }
                else
                {
                    WriteU32(raw, btf.TypeStart + v.RawPosition + 8, int32);
                    WriteU32(raw, btf.TypeStart + v.RawPosition + 12, VarGlobalAllocated);
                }
                WriteU32(raw, m.RawOffsetPosition, (uint)(i * 4));
                WriteU32(raw, m.RawOffsetPosition + 4, 4);
            }
            WriteU32(raw, btf.TypeStart + ksyms.RawPosition + 8, (uint)(ksyms.Members.Count * 4));
        }
        return btf.Rebuild(extraTypes, extraStrings);
    }

    /// <summary>libbpf's find_int_btf_id: the first 32-bit INT (0 when there is none).</summary>
    private static uint FirstInt32(BtfTypes btf)
    {
        foreach (var t in btf.All)
            if (t.Kind == BtfKind.Int && (t.Extra & 0xff) == 32) return t.Id;
        return 0;
    }

    /// <summary>Rewrites a DATASEC's entries in ascending offset order (the kernel requires it).</summary>
    private static void SortEntries(byte[] raw, BtfType datasec)
    {
        if (datasec.Members.Count == 0) return;
        var sorted = datasec.Members.Select(m => (m.Type, m.Offset, m.Size)).OrderBy(m => m.Offset).ToList();
        int first = datasec.Members[0].RawOffsetPosition - 4;
        for (int i = 0; i < sorted.Count; i++)
        {
            WriteU32(raw, first + i * 12, sorted[i].Type);
            WriteU32(raw, first + i * 12 + 4, sorted[i].Offset);
            WriteU32(raw, first + i * 12 + 8, sorted[i].Size);
        }
    }

    private static void WriteU32(byte[] raw, int position, uint value) => BinaryPrimitives.WriteUInt32LittleEndian(raw.AsSpan(position), value);
}
