using System.Buffers.Binary;
using Ebpf.Elf;
using Ebpf.Tests.Loader;

namespace Ebpf.Tests.Elf;

public sealed class ElfFileTests
{
    private static byte[] Basic() => TestObjectFiles.Bytes("loader_basic.bpf.o");

    private static BpfObjectException Fails(byte[] elf) =>
        Assert.Throws<BpfObjectException>(() => BpfObjectSpec.FromBytes(elf, "bad.o"));

    [Fact]
    public void Reads_sections_symbols_and_relocations()
    {
        var elf = ElfFile.Parse(Basic(), "loader_basic.bpf.o");
        var names = elf.Sections.Select(s => s.Name).ToList();
        Assert.Contains(".text", names);
        Assert.Contains("raw_tp/sys_enter", names);
        Assert.Contains(".maps", names);
        Assert.Contains(".BTF", names);
        var text = elf.FindSection("raw_tp/sys_enter")!;
        Assert.True(text.IsExecutable);
        Assert.Equal(18ul * 8, text.Size);
        Assert.True(elf.FindSection(".bss")!.IsNoBits);
        var fn = Assert.Single(elf.Symbols, s => s.Name == "count_tp");
        Assert.True(fn.IsFunction);
        Assert.Equal(ElfSymbol.STB_GLOBAL, fn.Binding);
        var relocations = elf.RelocationsFor(text);
        Assert.Equal(4, relocations.Length);
        Assert.Equal(["data_marker", "bss_counter", "increment", ".text"], relocations.Select(r => elf.Symbols[r.SymbolIndex].Name));
        Assert.Equal(ElfRelocation.R_BPF_64_32, relocations[3].Type);
    }

    [Fact]
    public void Rejects_bad_magic()
    {
        var elf = Basic();
        elf[1] = (byte)'X';
        Assert.Contains("magic", Fails(elf).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_wrong_machine()
    {
        var elf = Basic();
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(18), 62); // EM_X86_64
        var e = Fails(elf);
        Assert.Contains("EM_BPF", e.Message, StringComparison.Ordinal);
        Assert.Equal("bad.o", e.ObjectName);
    }

    [Fact]
    public void Rejects_32_bit_and_big_endian()
    {
        var elf = Basic();
        elf[4] = 1;
        Assert.Contains("64-bit", Fails(elf).Message, StringComparison.Ordinal);
        elf = Basic();
        elf[5] = 2;
        Assert.Contains("little-endian", Fails(elf).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_truncation_at_every_interesting_point()
    {
        var full = Basic();
        int shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(full.AsSpan(40));
        int btf = TestObjectFiles.SectionDataOffset(full, ".BTF");
        foreach (int length in new[] { 0, 1, 4, 16, 63, 64, 200, btf + 10, shoff - 1, shoff, shoff + 100, full.Length - 1 })
        {
            var e = Fails(full[..length]);
            Assert.Equal("bad.o", e.ObjectName);
        }
    }

    [Fact]
    public void Rejects_section_data_outside_the_file_naming_the_section()
    {
        var elf = Basic();
        int h = TestObjectFiles.SectionHeaderOffset(elf, "raw_tp/sys_enter");
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(h + 24), 0x7fff_ffff_0000); // sh_offset
        var e = Fails(elf);
        Assert.Equal("raw_tp/sys_enter", e.Section);
        Assert.Contains("outside", e.Message, StringComparison.Ordinal);

        elf = Basic();
        h = TestObjectFiles.SectionHeaderOffset(elf, ".maps");
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(h + 32), ulong.MaxValue - 8); // sh_size overflowing offset + size
        Assert.Equal(".maps", Fails(elf).Section);
    }

    [Fact]
    public void Rejects_sections_that_share_file_bytes_so_no_copy_can_be_amplified()
    {
        // Each section inside the file, but one of them spans all of it: the contents now add up to more than the file.
        var elf = Basic();
        int h = TestObjectFiles.SectionHeaderOffset(elf, ".maps");
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(h + 24), 0);                 // sh_offset
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(h + 32), (ulong)elf.Length); // sh_size
        var e = Fails(elf);
        Assert.Contains("share file bytes", e.Message, StringComparison.Ordinal);
        Assert.NotNull(e.Section);
    }

    [Fact]
    public void Rejects_zero_filled_global_data_over_the_per_object_budget_before_allocating_it()
    {
        // .bss and .data (made zero-filled) at 130 MiB each: each under the 256 MiB budget, together over it.
        var elf = Basic();
        int bss = TestObjectFiles.SectionHeaderOffset(elf, ".bss");
        int data = TestObjectFiles.SectionHeaderOffset(elf, ".data");
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(data + 4), ElfFile.SHT_NOBITS);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(bss + 32), 130UL << 20);
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(data + 32), 130UL << 20);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Fails(elf);
        Assert.Equal(".data", e.Section); // the later of the two, in section order
        Assert.Contains("256 MiB", e.Message, StringComparison.Ordinal);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 64L << 20, "the first zero-filled section was allocated before the budget was checked");
    }

    [Fact]
    public void Rejects_section_header_table_outside_the_file()
    {
        var elf = Basic();
        BinaryPrimitives.WriteUInt16LittleEndian(elf.AsSpan(60), 0xffff); // e_shnum
        Assert.Contains("section header table", Fails(elf).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_relocation_outside_its_section()
    {
        var elf = Basic();
        int rel = TestObjectFiles.SectionDataOffset(elf, ".rel.text");
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(rel), 0x10000); // r_offset of the first entry
        var e = Fails(elf);
        Assert.Equal(".rel.text", e.Section);
        Assert.Contains("outside section .text", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_relocation_to_a_missing_symbol()
    {
        var elf = Basic();
        int rel = TestObjectFiles.SectionDataOffset(elf, ".relraw_tp/sys_enter");
        BinaryPrimitives.WriteUInt32LittleEndian(elf.AsSpan(rel + 12), 9999); // symbol index (high half of r_info)
        var e = Fails(elf);
        Assert.Equal(".relraw_tp/sys_enter", e.Section);
        Assert.Contains("symbol 9999", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_misaligned_code_size()
    {
        var elf = Basic();
        int h = TestObjectFiles.SectionHeaderOffset(elf, "raw_tracepoint/sys_enter");
        BinaryPrimitives.WriteUInt64LittleEndian(elf.AsSpan(h + 32), 13);
        Assert.Equal("raw_tracepoint/sys_enter", Fails(elf).Section);
    }

    [Fact]
    public void Rejects_unknown_program_section_naming_it()
    {
        var elf = Basic();
        int h = TestObjectFiles.SectionHeaderOffset(elf, "tracepoint/syscalls/sys_enter_getppid");
        int shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(40));
        int shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(62));
        int strOff = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(shoff + shstrndx * 64 + 24));
        int nameOff = (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(h));
        "bogus"u8.CopyTo(elf.AsSpan(strOff + nameOff)); // "tracepoint/..." -> "boguspoint/..."
        var e = Fails(elf);
        Assert.Equal("boguspoint/syscalls/sys_enter_getppid", e.Section);
        Assert.Contains("unknown program section", e.Message, StringComparison.Ordinal);
    }
}
