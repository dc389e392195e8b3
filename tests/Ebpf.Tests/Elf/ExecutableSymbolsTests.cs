using System.Buffers.Binary;
using System.Text;
using Ebpf.Elf;

namespace Ebpf.Tests.Elf;

public sealed class ExecutableSymbolsTests
{
    /// <summary>A minimal ET_DYN image: one executable PT_LOAD (vaddr 0x401000 at file offset 0x1000), a data PT_LOAD,
    /// and a .dynsym with my_func (0x401234), a data object and an undefined symbol; no section names.</summary>
    internal static byte[] Image()
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

    [Fact]
    public void File_offset_is_symbol_address_minus_segment_address_plus_segment_offset()
    {
        Assert.Equal(0x1234ul, ExecutableSymbols.FileOffsetOf(Image(), "my_func", "test"));
    }

    [Fact]
    public void Missing_or_non_function_symbols_are_errors_naming_them()
    {
        Assert.Contains("'my_data'", Assert.Throws<BpfException>(() => ExecutableSymbols.FileOffsetOf(Image(), "my_data", "test")).Message, StringComparison.Ordinal);
        Assert.Contains("'absent'", Assert.Throws<BpfException>(() => ExecutableSymbols.FileOffsetOf(Image(), "absent", "test")).Message, StringComparison.Ordinal);
        Assert.Contains("not an ELF", Assert.Throws<BpfException>(() => ExecutableSymbols.FileOffsetOf("hello"u8, "f", "test")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_truncation_and_byte_mutation_is_a_BpfException_or_an_answer()
    {
        var image = Image();
        for (int length = 0; length < image.Length; length++)
            Check(image.AsSpan(0, length).ToArray());
        for (int i = 0; i < image.Length; i++)
            foreach (byte v in new byte[] { 0, 0xff, 0x80, 0x7f })
            {
                var m = (byte[])image.Clone();
                m[i] = v;
                Check(m);
            }

        static void Check(byte[] elf)
        {
            try
            {
                ExecutableSymbols.FileOffsetOf(elf, "my_func", "mutant");
            }
            catch (BpfException)
            {
            }
        }
    }
}
