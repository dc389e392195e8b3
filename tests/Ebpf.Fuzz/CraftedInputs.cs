using System.Buffers.Binary;
using System.Text;
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
        yield return ("symbols", "crafted-dynsym.so", ExecutableImage());
    }

    /// <summary>A minimal ET_DYN image: one executable PT_LOAD (vaddr 0x401000 at file offset 0x1000), a data PT_LOAD,
    /// and a .dynsym with my_func (0x401234), a data object and an undefined symbol; no section names.</summary>
    internal static byte[] ExecutableImage()
    {
        var elf = new byte[512];
        var s = elf.AsSpan();
        const int Symbols = 208, Headers = 320;
        s[0] = 0x7f; s[1] = (byte)'E'; s[2] = (byte)'L'; s[3] = (byte)'F'; s[4] = 2; s[5] = 1; s[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(s[16..], 3); // ET_DYN
        BinaryPrimitives.WriteUInt16LittleEndian(s[18..], 62);
        BinaryPrimitives.WriteUInt64LittleEndian(s[32..], 64); // phoff
        BinaryPrimitives.WriteUInt64LittleEndian(s[40..], Headers); // shoff
        BinaryPrimitives.WriteUInt16LittleEndian(s[54..], 56);
        BinaryPrimitives.WriteUInt16LittleEndian(s[56..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(s[58..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(s[60..], 3);
        void Phdr(int at, uint flags, ulong offset, ulong vaddr, ulong size)
        {
            var p = elf.AsSpan(at);
            BinaryPrimitives.WriteUInt32LittleEndian(p, 1);
            BinaryPrimitives.WriteUInt32LittleEndian(p[4..], flags);
            BinaryPrimitives.WriteUInt64LittleEndian(p[8..], offset);
            BinaryPrimitives.WriteUInt64LittleEndian(p[16..], vaddr);
            BinaryPrimitives.WriteUInt64LittleEndian(p[32..], size);
            BinaryPrimitives.WriteUInt64LittleEndian(p[40..], size);
        }
        Phdr(64, 5, 0x1000, 0x401000, 0x1000);
        Phdr(120, 6, 0x3000, 0x403000, 0x100);
        byte[] strings = Encoding.ASCII.GetBytes("\0my_func\0my_data\0imported\0");
        strings.CopyTo(s[176..]);
        void Sym(int index, uint name, byte info, ushort shndx, ulong value)
        {
            var y = elf.AsSpan(Symbols + index * 24);
            BinaryPrimitives.WriteUInt32LittleEndian(y, name);
            y[4] = info;
            BinaryPrimitives.WriteUInt16LittleEndian(y[6..], shndx);
            BinaryPrimitives.WriteUInt64LittleEndian(y[8..], value);
        }
        Sym(1, 1, 0x12, 1, 0x401234);
        Sym(2, 9, 0x11, 1, 0x403010);
        Sym(3, 17, 0x12, 0, 0); // undefined (imported): skipped
        void Shdr(int index, uint type, ulong offset, ulong size, uint link)
        {
            var h = elf.AsSpan(Headers + index * 64);
            BinaryPrimitives.WriteUInt32LittleEndian(h[4..], type);
            BinaryPrimitives.WriteUInt64LittleEndian(h[24..], offset);
            BinaryPrimitives.WriteUInt64LittleEndian(h[32..], size);
            BinaryPrimitives.WriteUInt32LittleEndian(h[40..], link);
        }
        Shdr(1, 3, 176, (ulong)strings.Length, 0);
        Shdr(2, 11, Symbols, 4 * 24, 1);
        return elf;
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
