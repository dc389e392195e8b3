using Ebpf.Links.Usdt;

namespace Ebpf.Tests.Links.Usdt;

public sealed class UsdtArgumentParserTests
{
    private const ushort X86 = UsdtArgumentParser.EM_X86_64, Arm64 = UsdtArgumentParser.EM_AARCH64;

    // Offsets of struct pt_regs (x86-64): r15 0 r14 8 r13 16 r12 24 bp 32 bx 40 r11 48 r10 56 r9 64 r8 72 ax 80 cx 88
    // dx 96 si 104 di 112 orig_ax 120 ip 128 cs 136 flags 144 sp 152.
    [Theory]
    [InlineData("-4@%esi", 1, 0L, 104, 4, true)]
    [InlineData("8@%rax", 1, 0L, 80, 8, false)]
    [InlineData("1@%al", 1, 0L, 80, 1, false)]
    [InlineData("2@%dx", 1, 0L, 96, 2, false)]
    [InlineData("-1@%dil", 1, 0L, 112, 1, true)]
    [InlineData("8@%r8", 1, 0L, 72, 8, false)]
    [InlineData("-4@%r15d", 1, 0L, 0, 4, true)]
    [InlineData("2@%r10w", 1, 0L, 56, 2, false)]
    [InlineData("1@%r12b", 1, 0L, 24, 1, false)]
    [InlineData("-8@(%rdi)", 2, 0L, 112, 8, true)]
    [InlineData("-4@8(%rdi)", 2, 8L, 112, 4, true)]
    [InlineData("-8@-1204(%rbp)", 2, -1204L, 32, 8, true)]
    [InlineData("8@8(%rsp)", 2, 8L, 152, 8, false)]
    [InlineData("8@0x10(%rip)", 2, 16L, 128, 8, false)]
    [InlineData("-4@$42", 0, 42L, 0, 4, true)]
    [InlineData("-2@$-7", 0, -7L, 0, 2, true)]
    [InlineData("8@$0xffffffffffffffff", 0, -1L, 0, 8, false)]
    public void Parses_x86_64_operands(string arg, int kind, long value, int register, int size, bool signed)
    {
        Assert.Equal(new UsdtArgument((UsdtArgumentKind)kind, value, (short)register, size, signed), UsdtArgumentParser.ParseOne(arg, X86));
    }

    [Theory]
    [InlineData("-4@x0", 1, 0L, 0, 4, true)]
    [InlineData("8@x30", 1, 0L, 240, 8, false)]
    [InlineData("4@w3", 1, 0L, 24, 4, false)]
    [InlineData("8@sp", 1, 0L, 248, 8, false)]
    [InlineData("-4@[x29, -12]", 2, -12L, 232, 4, true)]
    [InlineData("8@[sp, 16]", 2, 16L, 248, 8, false)]
    [InlineData("8@[x1]", 2, 0L, 8, 8, false)]
    [InlineData("-4@-9", 0, -9L, 0, 4, true)]
    [InlineData("4@100", 0, 100L, 0, 4, false)]
    public void Parses_arm64_operands(string arg, int kind, long value, int register, int size, bool signed)
    {
        Assert.Equal(new UsdtArgument((UsdtArgumentKind)kind, value, (short)register, size, signed), UsdtArgumentParser.ParseOne(arg, Arm64));
    }

    [Fact]
    public void A_whole_note_string_parses_in_order_and_the_shift_narrows_to_the_size()
    {
        var args = UsdtArgumentParser.Parse("-4@%esi -8@(%rdi) -4@8(%rdi) 1@%al -2@$-7 -4@$42", X86);
        Assert.Equal([4, 8, 4, 1, 2, 4], args.Select(a => a.Size));
        Assert.Equal([32, 0, 32, 56, 48, 32], args.Select(a => (int)a.BitShift));
        Assert.Empty(UsdtArgumentParser.Parse("", X86));
        Assert.Empty(UsdtArgumentParser.Parse("   ", X86));
    }

    [Theory]
    [InlineData("4%eax", "SIZE@LOCATION")]
    [InlineData("x@%eax", "not a size")]
    [InlineData("3@%eax", "size 3")]
    [InlineData("16@%xmm0", "size 16")]
    [InlineData("4@%xmm0", "'%xmm0'")]
    [InlineData("4@%ah", "'%ah'")]
    [InlineData("4@counter(%rip)", "not a number")]
    [InlineData("8@8(%rdi,%rax,8)", "base+index*scale")]
    [InlineData("4@8(%rdi", "OFF(%REG)")]
    [InlineData("4@$", "not a number")]
    [InlineData("4@eax", "not $IMM")]
    public void Malformed_x86_64_arguments_say_why(string arg, string expected)
    {
        var e = Assert.Throws<FormatException>(() => UsdtArgumentParser.Parse("4@%eax " + arg, X86));
        Assert.Contains("argument 1", e.Message, StringComparison.Ordinal);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("4@x31")]
    [InlineData("4@[x1, 2, 3]")]
    [InlineData("4@[x1")]
    [InlineData("4@q0")]
    public void Malformed_arm64_arguments_are_refused(string arg)
    {
        Assert.Throws<FormatException>(() => UsdtArgumentParser.ParseOne(arg, Arm64));
    }

    [Fact]
    public void More_than_twelve_arguments_and_other_machines_are_refused()
    {
        Assert.Contains("at most 12", Assert.Throws<FormatException>(() => UsdtArgumentParser.Parse(string.Join(' ', Enumerable.Repeat("4@$1", 13)), X86)).Message, StringComparison.Ordinal);
        Assert.Equal(12, UsdtArgumentParser.Parse(string.Join(' ', Enumerable.Repeat("4@$1", 12)), X86).Length);
        Assert.Contains("machine 40", Assert.Throws<FormatException>(() => UsdtArgumentParser.Parse("4@r0", 40)).Message, StringComparison.Ordinal);
    }
}
