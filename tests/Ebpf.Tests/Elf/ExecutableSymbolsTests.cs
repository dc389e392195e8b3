using System.Buffers.Binary;
using System.Text;
using Ebpf.Elf;

namespace Ebpf.Tests.Elf;

public sealed class ExecutableSymbolsTests
{
    /// <summary>The fuzz harness's crafted seed (<see cref="Ebpf.Fuzz.CraftedInputs.ExecutableImage"/>): my_func at
    /// 0x401234 in an executable PT_LOAD at vaddr 0x401000, file offset 0x1000; my_data in a data segment.</summary>
    internal static byte[] Image() => Ebpf.Fuzz.CraftedInputs.ExecutableImage();

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
