using Ebpf.Btf;
using Ebpf.Tests.Loader;

namespace Ebpf.Tests.Btf;

/// <summary>The public BTF API on gen_types.bpf.o: the expectations are the C declarations in gen_types.bpf.c.</summary>
public class BtfSpecTests
{
    private static BtfSpec Btf() => BpfObjectSpec.FromFile(TestObjectFiles.Path("gen_types.bpf.o")).Btf!;

    [Fact]
    public void Finds_types_by_name_and_kind()
    {
        var btf = Btf();
        var key = btf.Find("rich_key", BtfKind.Struct);
        Assert.Equal(8ul, key.Size);
        Assert.Equal(["id", "kind", "spare"], key.Members.Select(m => m.Name));
        Assert.Equal([0ul, 4ul, 6ul], key.Members.Select(m => m.ByteOffset));
        Assert.Equal("__u32", key.Members[0].Type.Name);
        Assert.Equal(BtfKind.Int, key.Members[0].Type.Resolve().Kind);
        Assert.False(btf.TryFind("rich_key", BtfKind.Union, out _));
        var e = Assert.Throws<KeyNotFoundException>(() => btf.Find("rich_key", BtfKind.Typedef));
        Assert.Contains("Struct", e.Message, StringComparison.Ordinal);
        Assert.Throws<KeyNotFoundException>(() => btf.Find("no_such_type", BtfKind.Struct));
        Assert.Same(key, btf[key.Id]);
    }

    [Fact]
    public void Bitfields_arrays_and_anonymous_members_are_described()
    {
        var value = Btf().Find("rich_value", BtfKind.Struct);
        var byName = value.Members.Where(m => m.Name.Length > 0).ToDictionary(m => m.Name);
        Assert.Equal((3u, 5u, 12u, 4u), (byName["f1"].BitfieldSize, byName["f2"].BitfieldSize, byName["f3"].BitfieldSize, byName["sf"].BitfieldSize));
        Assert.Equal(byName["f1"].BitOffset + 3, byName["f2"].BitOffset); // declared together: adjacent bits
        Assert.True(byName["sf"].Type.Resolve().IsSigned);
        Assert.False(byName["ts"].IsBitfield);

        var name = byName["name"].Type;
        Assert.Equal((BtfKind.Array, 16u), (name.Kind, name.ArrayLength));
        Assert.True(name.ArrayElement!.IsChar);
        var matrix = byName["matrix"].Type;
        Assert.Equal((2u, 3u, 24ul), (matrix.ArrayLength, matrix.ArrayElement!.ArrayLength, matrix.Size));
        Assert.Equal(0u, byName["tail"].Type.ArrayLength); // flexible array member
        Assert.Equal(byName["_2nd"].ByteOffset + 4, byName["tail"].ByteOffset); // right after the last member, inside the padding
        Assert.True(byName["tail"].ByteOffset <= value.Size);

        var anonymous = value.Members.Where(m => m.Name.Length == 0).Select(m => m.Type.Kind).ToList();
        Assert.Equal([BtfKind.Union, BtfKind.Struct], anonymous);
        Assert.True(byName["halves"].Type.IsAnonymous);
        Assert.Equal(BtfKind.Pointer, byName["task"].Type.Kind);
        Assert.Equal("task_struct", byName["task"].Type.Target!.Name);
        Assert.Equal(BtfKind.Const, byName["cv"].Type.Kind);
        Assert.Equal("__u32", byName["cv"].Type.Resolve() is { Kind: BtfKind.Int } ? byName["cv"].Type.Target!.Target!.Name : "");
    }

    [Fact]
    public void Enums_carry_their_values_size_and_sign()
    {
        var btf = Btf();
        var color = btf.Find("color", BtfKind.Enum);
        Assert.Equal([new BtfEnumValue("RED", 0), new BtfEnumValue("GREEN", 1), new BtfEnumValue("BLUE", 7)], color.EnumValues);
        Assert.False(color.IsSigned);
        Assert.Equal(1ul, btf.Find("packed_state", BtfKind.Enum).Size);
        var signed = btf.Find("signed_e", BtfKind.Enum);
        Assert.True(signed.IsSigned); // clang 14 sets no kind flag, but NEG = -2 needs a sign
        Assert.Equal(-2, signed.EnumValues[0].Value);
    }

    [Fact]
    public void Data_sections_list_their_variables_in_offset_order()
    {
        var btf = Btf();
        var bss = btf.Find(".bss", BtfKind.DataSection);
        Assert.Equal(["hits", "seq", "last", "unused_event"], bss.Variables.Select(v => v.Variable.Name).OrderBy(n => n == "unused_event" ? 1 : 0).ThenBy(n => n == "last" ? 1 : 0));
        Assert.True(bss.Variables.Zip(bss.Variables.Skip(1)).All(p => p.First.Offset < p.Second.Offset));
        var last = bss.Variables.Single(v => v.Variable.Name == "last");
        Assert.Equal(BtfLinkage.Global, last.Variable.Linkage);
        Assert.Equal("rich_value", last.Variable.Target!.Name);
        Assert.Equal((ulong)last.Size, last.Variable.Size);
    }

    [Fact]
    public void Kernel_types_are_found_in_a_raw_blob()
    {
        // The object's own BTF section, parsed raw, gives the same answers as the object (no loader fix-ups needed here).
        var spec = BpfObjectSpec.FromFile(TestObjectFiles.Path("gen_types.bpf.o"));
        var elf = TestObjectFiles.Bytes("gen_types.bpf.o");
        int header = TestObjectFiles.SectionHeaderOffset(elf, ".BTF");
        int offset = TestObjectFiles.SectionDataOffset(elf, ".BTF");
        int size = (int)BitConverter.ToUInt64(elf, header + 32);
        var raw = BtfSpec.FromBytes(elf.AsSpan(offset, size), "gen_types .BTF");
        Assert.Equal(spec.Btf!.Count, raw.Count);
        Assert.Equal(spec.Btf.Find("rich_value", BtfKind.Struct).Size, raw.Find("rich_value", BtfKind.Struct).Size);
        Assert.Throws<ArgumentOutOfRangeException>(() => raw[(uint)raw.Count]);
        Assert.Throws<BpfObjectException>(() => BtfSpec.FromBytes(new byte[10], "short"));
    }
}
