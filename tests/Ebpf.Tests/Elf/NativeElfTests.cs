using Ebpf.Elf;

namespace Ebpf.Tests.Elf;

public sealed class NativeElfTests
{
    [Fact]
    public void Reads_segments_and_functions_and_translates_addresses_to_file_offsets()
    {
        var elf = NativeElf.Parse(ExecutableSymbolsTests.Image(), "crafted");
        Assert.True(elf.IsSharedObject);
        Assert.Contains(elf.LoadSegments, s => s.Executable && s.VirtualAddress == 0x401000 && s.FileOffset == 0x1000);
        var (name, address) = Assert.Single(elf.Functions());
        Assert.Equal("my_func", name);
        Assert.Equal(0x401234ul, address);
        Assert.Equal(0x1234ul, elf.FileOffsetOf(address));
        Assert.Null(elf.FileOffsetOf(0x10));
    }

    [Fact]
    public void Every_truncation_and_byte_mutation_is_a_BpfException_or_an_answer()
    {
        var image = ExecutableSymbolsTests.Image();
        for (int length = 0; length < image.Length; length++) Check(image.AsSpan(0, length).ToArray());
        for (int i = 0; i < image.Length; i++)
            foreach (byte v in new byte[] { 0, 0xff, 0x80, 0x7f })
            {
                var m = (byte[])image.Clone();
                m[i] = v;
                Check(m);
            }

        static void Check(byte[] bytes)
        {
            try
            {
                var elf = NativeElf.Parse(bytes, "mutant");
                foreach (var (_, address) in elf.Functions()) elf.FileOffsetOf(address);
                foreach (var s in elf.Sections) elf.Data(s);
            }
            catch (BpfException)
            {
            }
        }
    }

    [Fact]
    public void Missing_files_are_errors_naming_them_and_their_role()
    {
        var e = Assert.Throws<BpfException>(() => NativeElf.Read("/nonexistent/ebpf-file", "USDT binary"));
        Assert.Contains("USDT binary '/nonexistent/ebpf-file' does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("not an ELF", Assert.Throws<BpfException>(() => NativeElf.Parse("hello"u8.ToArray(), "x")).Message, StringComparison.Ordinal);
    }
}
