using System.Buffers.Binary;
using Ebpf.Btf;
using Ebpf.Tests.Loader;

namespace Ebpf.Tests.Btf;

public sealed class BtfTypesTests
{
    private static byte[] Basic() => TestObjectFiles.Bytes("loader_basic.bpf.o");

    private static BtfTypes ParseBasic()
    {
        var elf = Basic();
        int off = TestObjectFiles.SectionDataOffset(elf, ".BTF");
        int size = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(TestObjectFiles.SectionHeaderOffset(elf, ".BTF") + 32));
        return BtfTypes.Parse(elf.AsSpan(off, size), "loader_basic.bpf.o", ".BTF");
    }

    [Fact]
    public void Finds_datasecs_and_resolves_sizes()
    {
        var btf = ParseBasic();
        var rodata = btf.FindDataSection(".rodata");
        Assert.NotNull(rodata);
        Assert.Equal(2, rodata.Members.Count);
        Assert.Equal("increment", btf[rodata.Members[0].Type].Name);
        Assert.Equal(8ul, btf.SizeOf(rodata.Members[0].Type)); // const volatile __u64 through the VAR
        Assert.Equal(4ul, btf.SizeOf(rodata.Members[1].Type));
        var fn = btf.IdsNamed("count_tp").Select(id => btf[id]).Single(t => t.Kind == BtfKind.Function);
        Assert.Null(btf.SizeOf(fn.Id));
        Assert.Equal(BtfKind.Int, btf.SkipQualifiers(btf[rodata.Members[0].Type].SizeOrType).Kind);
    }

    [Fact]
    public void Object_parse_fixes_datasec_offsets_from_symbols()
    {
        var spec = BpfObjectSpec.FromFile(TestObjectFiles.Path("loader_basic.bpf.o"));
        var bss = spec.BtfTypes!.FindDataSection(".bss")!;
        Assert.Equal(24u, bss.SizeOrType);
        Assert.Equal([0u, 8u, 16u], bss.Members.Select(m => m.Offset));
    }

    [Fact]
    public void Rejects_garbage_header_naming_the_section()
    {
        var elf = Basic();
        int off = TestObjectFiles.SectionDataOffset(elf, ".BTF");
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(off), 0x1234);
        var e = Assert.Throws<BpfObjectException>(() => BpfObjectSpec.FromBytes(elf, "bad.o"));
        Assert.Equal(".BTF", e.Section);
        Assert.Contains("magic", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4, 0xffff_fff0u)]   // hdr_len
    [InlineData(12, 0xffff_0000u)]  // type_len
    [InlineData(16, 0x7fff_ffffu)]  // str_off
    [InlineData(20, 0xffff_ffffu)]  // str_len
    public void Rejects_out_of_range_header_fields(int field, uint value)
    {
        var elf = Basic();
        int off = TestObjectFiles.SectionDataOffset(elf, ".BTF");
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(off + field), value);
        Assert.Equal(".BTF", Assert.Throws<BpfObjectException>(() => BpfObjectSpec.FromBytes(elf, "bad.o")).Section);
    }

    [Fact]
    public void Rejects_type_with_huge_vlen_without_allocating_it()
    {
        var elf = Basic();
        int off = TestObjectFiles.SectionDataOffset(elf, ".BTF");
        uint hdrLen = BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(off + 4));
        uint typeOff = BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(off + 8));
        // Rewrite the first type as a STRUCT with vlen 0xffff: 786 KB of members the section does not hold.
        int first = off + (int)(hdrLen + typeOff);
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(first + 4), (4u << 24) | 0xffff);
        var e = Assert.Throws<BpfObjectException>(() => BpfObjectSpec.FromBytes(elf, "bad.o"));
        Assert.Equal(".BTF", e.Section);
    }

    [Fact]
    public void Rejects_garbage_btf_ext()
    {
        var elf = Basic();
        int off = TestObjectFiles.SectionDataOffset(elf, ".BTF.ext");
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(off + 12), 0x00ff_ffff); // func_info_len
        Assert.Equal(".BTF.ext", Assert.Throws<BpfObjectException>(() => BpfObjectSpec.FromBytes(elf, "bad.o")).Section);
    }
}
