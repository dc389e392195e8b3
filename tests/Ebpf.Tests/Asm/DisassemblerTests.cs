using Ebpf.Asm;

namespace Ebpf.Tests.Asm;

/// <summary>The kernel's textual forms (kernel/bpf/disasm.c, bpftool's ld_imm64 forms) for the shapes llvm-objdump cannot
/// show in our objects: what clang 14 does not emit (mod, ST immediates, signed division, atomics with fetch, 32-bit
/// jumps with BPF_JSET, sign-extending moves and loads, gotol) and the pseudo sources of a built program.</summary>
public class DisassemblerTests
{
    [Theory]
    [InlineData("b700000000000000", "(b7) r0 = 0")]
    [InlineData("9701000007000000", "(97) r1 %= 7")]
    [InlineData("9c21000000000000", "(9c) w1 %= w2")]
    [InlineData("3f21010000000000", "(3f) r1 s/= r2")]
    [InlineData("97010100feffffff", "(97) r1 s%= -2")]
    [InlineData("bf21080000000000", "(bf) r1 = (s8)r2")]
    [InlineData("bc21200000000000", "(bc) w1 = (s32)w2")]
    [InlineData("6a1afcff2a000000", "(6a) *(u16 *)(r10 -4) = 42")]
    [InlineData("7a1af0fffdffffff", "(7a) *(u64 *)(r10 -16) = -3")]
    [InlineData("91a1f8ff00000000", "(91) r1 = *(s8 *)(r10 -8)")]
    [InlineData("db21000001000000", "(db) r2 = atomic64_fetch_add((u64 *)(r1 +0), r2)")]
    [InlineData("c321040051000000", "(c3) r2 = atomic_fetch_and((u32 *)(r1 +4), r2)")]
    [InlineData("db210000f1000000", "(db) r0 = atomic64_cmpxchg((u64 *)(r1 +0), r0, r2)")]
    [InlineData("db210000e1000000", "(db) r2 = atomic64_xchg((u64 *)(r1 +0), r2)")]
    [InlineData("db21000040000000", "(db) lock *(u64 *)(r1 +0) |= r2")]
    [InlineData("4601030008000000", "(46) if w1 & 0x8 goto pc+3")]
    [InlineData("a501fdffffffffff", "(a5) if r1 < 0xffffffff goto pc-3")]
    [InlineData("0600000005000000", "(06) gotol pc+5")]
    [InlineData("d701000010000000", "(d7) r1 = bswap16 r1")]
    [InlineData("3000000017000000", "(30) r0 = *(u8 *)skb[23]")]
    [InlineData("5000030004000000", "(50) r0 = *(u8 *)skb[r0 + 4]")]
    [InlineData("8500000001000000", "(85) call bpf_map_lookup_elem#1")]
    [InlineData("85000000d4000000", "(85) call unknown#212")]
    [InlineData("8520000039300000", "(85) call kernel-function#12345")]
    [InlineData("85100000fcffffff", "(85) call pc-4")]
    [InlineData("9500000000000000", "(95) exit")]
    public void One_instruction_prints_as_the_kernel_prints_it(string hex, string text) =>
        Assert.Equal(text, Disassembler.Format(Instruction.FromBytes(Convert.FromHexString(hex))[0]));

    [Fact]
    public void Wide_loads_print_their_full_value_or_what_they_refer_to()
    {
        var program = new Assembler()
            .LoadImm64(Register.R1, -1)
            .LoadMapFd(Register.R2, 5)
            .Emit(new Instruction(OpCode.LoadImm64, Register.R3, PseudoSource.MapValue, immediate: 5)).Emit(new Instruction(default, immediate: 16))
            .Emit(new Instruction(OpCode.LoadImm64, Register.R4, PseudoSource.MapIndexValue, immediate: 1)).Emit(new Instruction(default, immediate: 8))
            .LoadFunction(Register.R5, "f")
            .Label("f")
            .Exit()
            .Build();
        Assert.Equal(
            "   0: (18) r1 = 0xffffffffffffffff\n" +
            "   2: (18) r2 = map[fd:5]\n" +
            "   4: (18) r3 = map[fd:5][0]+16\n" +
            "   6: (18) r4 = map[idx:1]+8\n" +
            "   8: (18) r5 = subprog[+1]\n" +
            "  10: (95) exit\n",
            Disassembler.Format(program));
        Assert.StartsWith("   2: (18) r2 = map[id:5]", Disassembler.Format(program, new DisassemblyOptions { MapsById = true }).Split('\n')[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_call_resolver_names_what_the_kernel_rewrote_and_helper_ids_win_as_in_the_kernel()
    {
        var program = new Assembler().Call(12).Call(99999).CallFunction("f").Label("f").Exit().Build();
        var options = new DisassemblyOptions { CallTargetName = insn => insn.IsFunctionCall ? "+0#bpf_prog_f" : "my_helper" };
        var lines = Disassembler.Format(program, options).Split('\n');
        Assert.Equal("   0: (85) call bpf_tail_call#12", lines[0]);
        Assert.Equal("   1: (85) call my_helper#99999", lines[1]);
        Assert.Equal("   2: (85) call pc+0#bpf_prog_f", lines[2]);
    }

    [Fact]
    public void Listing_indices_are_bpftools()
    {
        var program = new Instruction[1001];
        for (int i = 0; i < program.Length; i++) program[i] = new Instruction(OpCode.Exit);
        var lines = Disassembler.Format(program).Split('\n');
        Assert.Equal("   0: (95) exit", lines[0]);
        Assert.Equal(" 999: (95) exit", lines[999]);
        Assert.Equal(" 1000: (95) exit", lines[1000]);
        Assert.Equal("(95) exit", program[0].ToString());
    }
}
