using Ebpf.Btf;

namespace Ebpf.Fuzz;

/// <summary>
/// Hand-made inputs: seeds with the BTF shapes and CO-RE kinds the loader handles but clang's objects seldom show (so
/// AFL starts near them), and the regression inputs of bugs found while fuzzing (the tests build them from here too).
/// </summary>
internal static class CraftedInputs
{
    private const uint FieldByteOffset = 0, FieldByteSize = 1, FieldExists = 2, FieldSigned = 3, FieldLShift = 4, FieldRShift = 5,
        TypeIdLocal = 6, TypeIdTarget = 7, TypeExists = 8, TypeSize = 9, EnumValueExists = 10, EnumValue = 11, TypeMatches = 12;

    /// <summary>Seeds and regression inputs by target: (target, file name, bytes).</summary>
    internal static IEnumerable<(string Target, string Name, byte[] Bytes)> All()
    {
        var (btf, ext) = CoreKinds();
        yield return ("btf", "crafted-shapes.btf", btf);
        yield return ("btfext", "crafted-core-kinds.btfext", BtfExtInput.Pair(btf, ext));
        yield return ("btfext", "crash-core-offset-overflow.btfext", CoreOffsetOverflow());
        yield return ("btfext", "crash-core-anonymous-member-blowup.btfext", CoreAnonymousMemberBlowup());
    }

    /// <summary>Ints, an int[3][4], an anonymous union, a kind_flag bitfield struct, a struct and its ___v2 flavour,
    /// typedef/const/pointer chains, enums (one flavoured, signed), an enum64 and a BTF map definition struct; and one
    /// CO-RE record of every kind against them.</summary>
    internal static (byte[] Btf, byte[] Ext) CoreKinds()
    {
        var b = new BtfBlob();
        uint i32 = b.Int("int", 4, signed: true);
        uint u32 = b.Int("unsigned int", 4);
        uint u64 = b.Int("unsigned long long", 8);
        uint row = b.Array(i32, i32, 4);
        uint grid = b.Array(row, i32, 3);
        uint wide = b.Union("", 8, ("lo", u32, 0), ("wide", u64, 0));
        uint bits = b.Struct("bits", 8, true, ("a", u32, (1u << 24) | 0), ("b", u32, (3u << 24) | 1), ("c", i32, (7u << 24) | 4), ("d", u32, 32));
        uint thing = b.Struct("thing", 80, false, ("x", i32, 0), ("bits", bits, 64), ("grid", grid, 128), ("", wide, 512));
        uint mine = b.Struct("thing___v2", 80, false, ("grid", grid, 0), ("x", i32, 384), ("", wide, 448), ("bits", bits, 576));
        uint named = b.Typedef("thing_t", thing);
        uint constant = b.Const(named);
        _ = b.Pointer(constant);
        _ = b.Enum("color", 4, false, ("RED", 0), ("GREEN", 1), ("BLUE", 2));
        uint colorMine = b.Enum("color___v2", 4, true, ("BLUE", -2), ("GREEN", 7));
        uint big = b.Enum64("big", ("HUGE", 1L << 40), ("SMALL", 1));
        uint two = b.Array(i32, i32, 2), sixteen = b.Array(i32, i32, 16);
        _ = b.Struct("", 32, false, ("type", b.Pointer(two), 0), ("max_entries", b.Pointer(sixteen), 64), ("key", b.Pointer(i32), 128),
            ("value", b.Pointer(named), 192));
        uint section = b.Name("crafted");
        BtfCoreRelocation R(uint insn, uint type, string access, uint kind) => new(insn * 8, type, b.Name(access), kind);
        byte[] ext = BtfExtInput.CoreRelocations(section,
            R(0, mine, "0:1", FieldByteOffset),
            R(1, mine, "0:0:2:3", FieldByteOffset),
            R(2, mine, "0:3:1", FieldByteSize),
            R(3, mine, "0:3:2", FieldLShift),
            R(4, mine, "0:3:2", FieldRShift),
            R(5, mine, "0:3:2", FieldSigned),
            R(6, mine, "0:2:1", FieldExists),
            R(7, mine, "0", TypeIdLocal),
            R(8, mine, "0", TypeIdTarget),
            R(9, mine, "0", TypeExists),
            R(10, mine, "0", TypeSize),
            R(11, colorMine, "1", EnumValueExists),
            R(12, colorMine, "0", EnumValue),
            R(13, big, "0", EnumValue),
            R(14, mine, "0", TypeMatches),
            R(15, constant, "0", TypeSize),
            R(16, mine, "1:1", FieldByteOffset));
        return (b.ToArray(), ext);
    }

    /// <summary>Found by review while fuzzing: a CO-RE field relocation whose root is an array of 2^32-1 structs of
    /// 2^32-1 bytes. Its bit offset overflowed the relocator's checked arithmetic and escaped as an OverflowException.</summary>
    internal static byte[] CoreOffsetOverflow()
    {
        var b = new BtfBlob();
        uint i32 = b.Int("int", 4, signed: true);
        uint huge = b.Struct("huge", uint.MaxValue, false, ("a", i32, 0));
        uint many = b.Array(huge, i32, uint.MaxValue);
        byte[] ext = BtfExtInput.CoreRelocations(b.Name("sec"), new BtfCoreRelocation(0, many, b.Name("0"), FieldByteOffset));
        return BtfExtInput.Pair(b.ToArray(), ext);
    }

    /// <summary>Found by AFL (btfext, from crafted-core-kinds): a target struct with two anonymous members of its own
    /// type. The member lookup through anonymous members, capped only by depth (32), took 2^32 steps: a hang. The local
    /// type is node___v2 { int x; }, relocated against the same BTF, whose node has no x.</summary>
    internal static byte[] CoreAnonymousMemberBlowup()
    {
        var b = new BtfBlob();
        uint i32 = b.Int("int", 4, signed: true);
        const uint node = 2; // the next id: the struct's anonymous members are of its own type
        if (b.Struct("node", 8, false, ("", node, 0), ("", node, 32)) != node) throw new InvalidOperationException("type ids moved");
        uint mine = b.Struct("node___v2", 4, false, ("x", i32, 0));
        byte[] ext = BtfExtInput.CoreRelocations(b.Name("sec"), new BtfCoreRelocation(0, mine, b.Name("0:0"), FieldByteOffset));
        return BtfExtInput.Pair(b.ToArray(), ext);
    }
}
