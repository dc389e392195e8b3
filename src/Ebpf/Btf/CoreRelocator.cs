using System.Globalization;
using Ebpf.Asm;
using Ebpf.Linking;

namespace Ebpf.Btf;

/// <summary>
/// Resolves CO-RE relocations (.BTF.ext core_relo records) against the running kernel's BTF and patches the
/// instructions: field byte offsets, sizes, existence, signedness and bitfield shifts, type ids, sizes and existence, enum values. Types are
/// matched by "essential" name (the part before a "___flavor" suffix) and kind; fields by name, looking through
/// anonymous structs and unions. Anything it cannot resolve faithfully is an error, never a guess.
/// As libbpf does, a local type with no candidate in vmlinux is looked for in the loaded kernel modules' BTF (their
/// own types, each module's BTF being split on top of vmlinux); a candidate found there is resolved in that module's BTF.
/// </summary>
internal sealed class CoreRelocator
{
    internal const uint FieldByteOffset = 0, FieldByteSize = 1, FieldExists = 2, FieldSigned = 3, FieldLShift = 4, FieldRShift = 5,
        TypeIdLocal = 6, TypeIdTarget = 7, TypeExists = 8, TypeSize = 9, EnumValueExists = 10, EnumValue = 11, TypeMatches = 12;

    /// <summary>libbpf's marker for "this relocation could not be resolved": a call to a helper that does not exist,
    /// so the verifier rejects the program only if that instruction is reachable.</summary>
    internal const int PoisonHelper = 0xbad2310;

    private readonly BtfTypes _local;
    private readonly BtfTypes _target;
    private readonly string _objectName;
    private readonly IEnumerable<BtfTypes>? _moduleSource;
    private List<BtfTypes>? _modules;

    /// <param name="local">The object's BTF.</param>
    /// <param name="target">The kernel's BTF (vmlinux).</param>
    /// <param name="objectName">For errors.</param>
    /// <param name="modules">The modules' split BTF on top of <paramref name="target"/>, enumerated (once) only when a
    /// local type has no candidate in <paramref name="target"/>; null: none.</param>
    internal CoreRelocator(BtfTypes local, BtfTypes target, string objectName, IEnumerable<BtfTypes>? modules = null)
    {
        _local = local;
        _target = target;
        _objectName = objectName;
        _moduleSource = modules;
    }

    internal static string KindName(uint kind) => kind switch
    {
        FieldByteOffset => "FIELD_BYTE_OFFSET", FieldByteSize => "FIELD_BYTE_SIZE", FieldExists => "FIELD_EXISTS",
        FieldSigned => "FIELD_SIGNED", FieldLShift => "FIELD_LSHIFT_U64", FieldRShift => "FIELD_RSHIFT_U64",
        TypeIdLocal => "TYPE_ID_LOCAL", TypeIdTarget => "TYPE_ID_TARGET", TypeExists => "TYPE_EXISTS", TypeSize => "TYPE_SIZE",
        EnumValueExists => "ENUMVAL_EXISTS", EnumValue => "ENUMVAL_VALUE", TypeMatches => "TYPE_MATCHES",
        _ => $"kind {kind}",
    };

    internal void Apply(ProgramSpec program, Instruction[] instructions)
    {
        foreach (var (index, record) in program.CoreRelocations)
        {
            BpfObjectException Bad(string m) => new(_objectName, program.SectionName,
                $"program '{program.Name}', CO-RE relocation {KindName(record.Kind)} at instruction {index}: {m}");
            if (index < 0 || index >= instructions.Length) throw Bad("the instruction is outside the program.");
            string access = _local.StringAt(record.AccessStringOffset) ?? throw Bad("its access string is outside the BTF string table.");
            if (record.TypeId == 0 || record.TypeId >= (uint)_local.Count) throw Bad($"local type {record.TypeId} does not exist.");
            bool bitfield = false;
            long localValue;
            long? targetValue;
            try
            {
                (localValue, targetValue) = record.Kind switch
                {
                    FieldByteOffset or FieldByteSize or FieldExists or FieldSigned or FieldLShift or FieldRShift => Field(record, access, Bad, out bitfield),
                    TypeIdLocal => (record.TypeId, record.TypeId),
                    TypeIdTarget or TypeExists or TypeSize or TypeMatches => Type(record, Bad),
                    EnumValueExists or EnumValue => Enum(record, access, Bad),
                    _ => throw Bad("this CO-RE kind is not supported yet (supported: field offset/size/exists/signed/lshift/rshift, type id/exists/size/matches, enum value/exists)."),
                };
            }
            catch (OverflowException)
            {
                // Field offsets are computed in checked 64-bit arithmetic: only absurd BTF sizes or access indices overflow it.
                throw Bad($"the offset of access '{access}' from local type {record.TypeId} overflows 64 bits: the BTF type sizes or the access string indices are corrupt.");
            }
            // The compiler and the loader may choose different loads for a bitfield, so only its signedness and right
            // shift must match the instruction (libbpf does the same).
            bool validate = !bitfield || record.Kind is FieldSigned or FieldRShift;
            Patch(instructions, index, validate ? localValue : null, targetValue, Bad);
        }
    }

    private static int[] ParseAccess(string access, Func<string, BpfObjectException> bad)
    {
        var parts = access.Split(':');
        var result = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out result[i]))
                throw bad($"access string '{access}' is malformed.");
        return result;
    }

    private static string Essential(string name)
    {
        int flavor = name.IndexOf("___", StringComparison.Ordinal);
        return flavor > 0 ? name[..flavor] : name;
    }

    /// <summary>The target types <paramref name="local"/> may match, each with the BTF it resolves in: vmlinux's, or
    /// when vmlinux has none, the modules' (libbpf's order).</summary>
    private List<(BtfTypes Btf, BtfType Type)> Candidates(BtfType local)
    {
        var found = new List<(BtfTypes, BtfType)>();
        if (local.Name.Length == 0) return found;
        string name = Essential(local.Name);
        AddCandidates(found, local, _target, _target.IdsNamed(name));
        if (found.Count > 0 || _moduleSource is null) return found;
        _modules ??= [.. _moduleSource];
        foreach (var module in _modules) AddCandidates(found, local, module, module.OwnIdsNamed(name));
        return found;
    }

    private static void AddCandidates(List<(BtfTypes, BtfType)> found, BtfType local, BtfTypes btf, IReadOnlyList<uint> ids)
    {
        foreach (uint id in ids)
        {
            var t = btf[id];
            bool compatible = local.Kind == t.Kind
                || (local.Kind is BtfKind.Enum or BtfKind.Enum64 && t.Kind is BtfKind.Enum or BtfKind.Enum64);
            if (compatible && t.Kind != BtfKind.Forward) found.Add((btf, t));
        }
    }

    private (long Local, long? Target) Type(BtfCoreRelocation r, Func<string, BpfObjectException> bad)
    {
        var local = _local[r.TypeId];
        var localResolved = _local.SkipQualifiers(r.TypeId);
        long localValue = r.Kind switch
        {
            TypeIdTarget => r.TypeId,
            TypeSize => (long)(_local.SizeOf(r.TypeId) ?? throw bad($"local type {local} has no size.")),
            _ => 1,
        };
        var named = local.Name.Length > 0 ? local : localResolved;
        var candidates = Candidates(named);
        if (candidates.Count == 0) return (localValue, r.Kind is TypeExists or TypeMatches ? 0 : null);
        var (btf, target) = candidates[0];
        return (localValue, r.Kind switch
        {
            TypeIdTarget => target.Id,
            TypeSize => (long?)btf.SizeOf(target.Id),
            _ => 1,
        });
    }

    private (long Local, long? Target) Enum(BtfCoreRelocation r, string access, Func<string, BpfObjectException> bad)
    {
        var local = _local.SkipQualifiers(r.TypeId);
        int[] acc = ParseAccess(access, bad);
        if (local.Kind is not (BtfKind.Enum or BtfKind.Enum64) || acc.Length != 1 || acc[0] >= local.Members.Count)
            throw bad($"access '{access}' does not name a value of enum {local}.");
        var member = local.Members[acc[0]];
        long localValue = r.Kind == EnumValue ? member.Value : 1;
        foreach (var (_, t) in Candidates(local))
            foreach (var m in t.Members)
                if (m.Name == member.Name) return (localValue, r.Kind == EnumValue ? m.Value : 1);
        return (localValue, r.Kind == EnumValueExists ? 0 : null);
    }

    private readonly record struct Step(string? Member, int ArrayIndex);

    private (long Local, long? Target) Field(BtfCoreRelocation r, string access, Func<string, BpfObjectException> bad, out bool bitfield)
    {
        int[] acc = ParseAccess(access, bad);
        var root = _local.SkipQualifiers(r.TypeId);
        ulong rootSize = _local.SizeOf(root.Id) ?? throw bad($"local type {root} has no size.");
        long bits = checked(acc[0] * (long)rootSize * 8);
        uint bitSize = 0;
        var steps = new List<Step>();
        var cur = root;
        uint fieldType = root.Id;
        for (int i = 1; i < acc.Length; i++)
        {
            cur = _local.SkipQualifiers(cur.Id);
            if (cur.Kind is BtfKind.Struct or BtfKind.Union)
            {
                if (acc[i] >= cur.Members.Count) throw bad($"access '{access}' indexes member {acc[i]} of {cur}, which has {cur.Members.Count}.");
                var m = cur.Members[acc[i]];
                var (memberBits, memberBitSize) = MemberPosition(_local, cur, m);
                bits = checked(bits + memberBits);
                bitSize = memberBitSize;
                if (m.Name.Length > 0) steps.Add(new Step(m.Name, 0));
                fieldType = m.Type;
                cur = _local[m.Type];
            }
            else if (cur.Kind == BtfKind.Array)
            {
                ulong elem = _local.SizeOf(cur.ArrayElement) ?? throw bad($"array {cur} has elements of unknown size.");
                bits = checked(bits + acc[i] * (long)elem * 8);
                bitSize = 0;
                steps.Add(new Step(null, acc[i]));
                fieldType = cur.ArrayElement;
                cur = _local[cur.ArrayElement];
            }
            else throw bad($"access '{access}' walks into a BTF {cur.Kind}, which has no members.");
        }
        bitfield = bitSize != 0;
        long localValue = FieldValue(r.Kind, _local, bits, bitSize, fieldType, "local", bad);

        foreach (var (target, candidate) in Candidates(root))
        {
            ulong? targetRootSize = target.SizeOf(candidate.Id);
            if (targetRootSize is null) continue;
            long tBits = checked(acc[0] * (long)targetRootSize.Value * 8);
            uint tBitSize = 0;
            var t = candidate;
            uint tFieldType = candidate.Id;
            bool ok = true;
            foreach (var step in steps)
            {
                t = target.SkipQualifiers(t.Id);
                if (step.Member is { } name)
                {
                    if (t.Kind is not (BtfKind.Struct or BtfKind.Union) || FindMember(target, t, name, 0, []) is not { } found) { ok = false; break; }
                    tBits = checked(tBits + found.Bits);
                    tBitSize = found.BitSize;
                    tFieldType = found.Type;
                    t = target[found.Type];
                }
                else
                {
                    if (t.Kind != BtfKind.Array || (t.ArrayLength != 0 && step.ArrayIndex >= t.ArrayLength && step.ArrayIndex != 0)) { ok = false; break; }
                    ulong elem = target.SizeOf(t.ArrayElement) ?? 0;
                    tBits = checked(tBits + step.ArrayIndex * (long)elem * 8);
                    tBitSize = 0;
                    tFieldType = t.ArrayElement;
                    t = target[t.ArrayElement];
                }
            }
            if (!ok) continue;
            return (localValue, FieldValue(r.Kind, target, tBits, tBitSize, tFieldType, "kernel", bad));
        }
        return (localValue, r.Kind == FieldExists ? 0 : null);
    }

    /// <summary>A member's bit offset inside its owner and its bitfield size (0 when it is not a bitfield): from the
    /// member record with kind_flag, else from an INT type's encoding (bits narrower than the type, or a bit offset).</summary>
    private static (long Bits, uint BitSize) MemberPosition(BtfTypes btf, BtfType owner, BtfMember m)
    {
        if (owner.KindFlag) return (m.Offset & 0xffffff, m.Offset >> 24);
        var type = btf.SkipQualifiers(m.Type);
        if (type.Kind == BtfKind.Int)
        {
            uint intBits = type.Extra & 0xff, intOffset = (type.Extra >> 16) & 0xff;
            if (intOffset != 0 || intBits != type.SizeOrType * 8) return (m.Offset + intOffset, intBits);
        }
        return (m.Offset, 0);
    }

    /// <summary>The value of a field relocation for a field at bit offset <paramref name="bits"/>: for a bitfield, the
    /// smallest naturally aligned load (the field type's size, doubled while needed, at most 8 bytes) that covers it, and
    /// the left/right shifts that isolate it in a little-endian u64.</summary>
    private static long FieldValue(uint kind, BtfTypes btf, long bits, uint bitSize, uint fieldType, string side, Func<string, BpfObjectException> bad)
    {
        if (kind == FieldExists) return 1;
        if (kind == FieldSigned) return IsSigned(btf, fieldType) ? 1 : 0;
        long byteSize = (long)(btf.SizeOf(fieldType) ?? 0);
        long byteOffset, bitWidth;
        if (bitSize == 0)
        {
            if (bits % 8 != 0) throw bad($"the {side} field is not byte-aligned (bit offset {bits}) but is not a bitfield either.");
            byteOffset = bits / 8;
            bitWidth = byteSize * 8;
        }
        else
        {
            if (byteSize is not (1 or 2 or 4 or 8)) throw bad($"the {side} bitfield's type is {byteSize} bytes, not an integer size.");
            bitWidth = bitSize;
            byteOffset = bits / 8 / byteSize * byteSize;
            while (bits + bitWidth - byteOffset * 8 > byteSize * 8)
            {
                if (byteSize >= 8) throw bad($"the {side} bitfield (bit offset {bits}, {bitSize} bits) does not fit one 8-byte load.");
                byteSize *= 2;
                byteOffset = bits / 8 / byteSize * byteSize;
            }
        }
        return kind switch
        {
            FieldByteOffset => byteOffset,
            FieldByteSize => byteSize,
            FieldLShift => BitConverter.IsLittleEndian ? 64 - (bits + bitWidth - byteOffset * 8) : 64 - byteSize * 8 + (bits - byteOffset * 8),
            FieldRShift => 64 - bitWidth,
            _ => throw bad("not a field relocation."),
        };
    }

    /// <summary>Finds member <paramref name="name"/> of <paramref name="owner"/>, looking through anonymous struct and
    /// union members. <paramref name="searched"/> holds the types already searched in this lookup: searching one again
    /// cannot find anything new, and without it corrupt BTF (a struct with two anonymous members of its own type)
    /// makes the search exponential in the depth.</summary>
    private static (long Bits, uint BitSize, uint Type)? FindMember(BtfTypes target, BtfType owner, string name, int depth, HashSet<uint> searched)
    {
        if (depth > 32 || !searched.Add(owner.Id)) return null;
        foreach (var m in owner.Members)
        {
            var (bits, bitSize) = MemberPosition(target, owner, m);
            if (m.Name == name) return (bits, bitSize, m.Type);
            if (m.Name.Length == 0)
            {
                var inner = target.SkipQualifiers(m.Type);
                if (inner.Kind is BtfKind.Struct or BtfKind.Union && FindMember(target, inner, name, depth + 1, searched) is { } found)
                    return (bits + found.Bits, found.BitSize, found.Type);
            }
        }
        return null;
    }

    private static bool IsSigned(BtfTypes btf, uint type)
    {
        var t = btf.SkipQualifiers(type);
        return t.Kind switch
        {
            BtfKind.Int => (t.Extra & 0x0100_0000) != 0, // BTF_INT_SIGNED in the encoding byte
            BtfKind.Enum or BtfKind.Enum64 => t.KindFlag,
            _ => false,
        };
    }

    private static void Patch(Instruction[] insns, int index, long? localValue, long? targetValue, Func<string, BpfObjectException> bad)
    {
        ref var insn = ref insns[index];
        if (targetValue is null)
        {
            // Unresolvable in this kernel: poison it (as libbpf does) so the program fails only if this path runs.
            insn = new Instruction(OpCode.Call, immediate: PoisonHelper);
            return;
        }
        long value = targetValue.Value;
        int cls = insn.OpCode.Value & 0x07;
        switch (cls)
        {
            case 0x04 or 0x07 when !insn.OpCode.UsesSourceRegister: // ALU/ALU64 with an immediate
                if (localValue is not null && insn.Immediate != localValue) throw bad($"the instruction's immediate {insn.Immediate} does not match the relocation's local value {localValue}.");
                if (value is < int.MinValue or > uint.MaxValue) throw bad($"value {value} does not fit a 32-bit immediate.");
                insn.Immediate = (int)value;
                break;
            case 0x01 or 0x02 or 0x03: // LDX / ST / STX: the offset field
                if (localValue is not null && insn.Offset != localValue) throw bad($"the instruction's offset {insn.Offset} does not match the relocation's local value {localValue}.");
                if (value is < short.MinValue or > short.MaxValue) throw bad($"offset {value} does not fit the instruction's 16-bit offset.");
                insn.Offset = (short)value;
                break;
            case 0x00 when insn.IsLoadImm64 && index + 1 < insns.Length:
                insn.Immediate = (int)value;
                insns[index + 1].Immediate = (int)(value >> 32);
                break;
            default:
                throw bad($"cannot patch opcode {insn.OpCode}.");
        }
    }
}
