using System.Globalization;
using System.Text;

namespace Ebpf.Asm;

/// <summary>
/// Prints instructions in the kernel's own textual form, the one the verifier log and <c>bpftool prog dump xlated</c>
/// use: <c>(b7) r0 = 0</c>, <c>(85) call bpf_map_lookup_elem#1</c>, <c>(15) if r0 == 0x0 goto pc+3</c>; a listing
/// prefixes each with its index as bpftool does (<c>   4: (18) r1 = map[id:12]</c>). The formats follow the kernel's
/// kernel/bpf/disasm.c; the ld_imm64 forms follow bpftool's.
/// </summary>
public static class Disassembler
{
    private static readonly string[] AluText =
        ["+=", "-=", "*=", "/=", "|=", "&=", "<<=", ">>=", "neg", "%=", "^=", "=", "s>>=", "endian", "", ""];

    private static readonly string[] JumpText =
        ["jmp", "==", ">", ">=", "&", "!=", "s>", "s>=", "call", "exit", "<", "<=", "s<", "s<=", "", ""];

    private static readonly string[] SizeText = ["u32", "u16", "u8", "u64"];

    private static readonly string[] SignedSizeText = ["s32", "s16", "s8", ""];

    /// <summary>One instruction; for an ld_imm64, <paramref name="next"/> is its second slot (the upper 32 bits).</summary>
    public static string Format(Instruction instruction, Instruction next = default, DisassemblyOptions? options = null) =>
        string.Create(CultureInfo.InvariantCulture, $"({instruction.OpCode.Value:x2}) {Body(instruction, next, options)}");

    /// <summary>A listing, one line per instruction (the second slot of an ld_imm64 gets none, as in bpftool), each
    /// <c>"% 4d: "</c> and the instruction, ending in a newline.</summary>
    public static string Format(ReadOnlySpan<Instruction> program, DisassemblyOptions? options = null)
    {
        var text = new StringBuilder();
        for (int i = 0; i < program.Length; i++)
        {
            var insn = program[i];
            var next = insn.IsLoadImm64 && i + 1 < program.Length ? program[i + 1] : default;
            text.Append((" " + i.ToString(CultureInfo.InvariantCulture)).PadLeft(4)).Append(": ").Append(Format(insn, next, options)).Append('\n');
            if (insn.IsLoadImm64) i++;
        }
        return text.ToString();
    }

    private static string Body(Instruction insn, Instruction next, DisassemblyOptions? options)
    {
        var code = insn.OpCode;
        int dst = (int)insn.Destination, src = (int)insn.Source;
        switch (code.Class)
        {
            case InstructionClass.Alu or InstructionClass.Alu64:
                return Alu(insn, code.Class == InstructionClass.Alu64 ? 'r' : 'w');
            case InstructionClass.StoreRegister:
                return StoreRegister(insn);
            case InstructionClass.Store:
                if (code.Mode == MemoryMode.Memory) return I($"*({Size(code)} *)(r{dst} {Signed(insn.Offset)}) = {insn.Immediate}");
                if ((byte)code.Mode == 0xc0) return "nospec";
                return I($"BUG_st_{code.Value:x2}");
            case InstructionClass.LoadRegister:
                if (code.Mode is not (MemoryMode.Memory or MemoryMode.MemorySignExtend)) return I($"BUG_ldx_{code.Value:x2}");
                string size = code.Mode == MemoryMode.Memory ? Size(code) : SignedSizeText[(int)code.Size >> 3];
                return I($"r{dst} = *({size} *)(r{src} {Signed(insn.Offset)})");
            case InstructionClass.Load:
                if (code.Mode == MemoryMode.Absolute) return I($"r0 = *({Size(code)} *)skb[{insn.Immediate}]");
                if (code.Mode == MemoryMode.Indirect) return I($"r0 = *({Size(code)} *)skb[r{src} + {insn.Immediate}]");
                if (code.Mode == MemoryMode.Immediate && code.Size == MemorySize.DoubleWord) return I($"r{dst} = {Immediate64(insn, next, options)}");
                return I($"BUG_ld_{code.Value:x2}");
            default:
                return Jump(insn, code.Class == InstructionClass.Jump32 ? 'w' : 'r', options);
        }
    }

    private static string Alu(Instruction insn, char reg)
    {
        var code = insn.OpCode;
        int dst = (int)insn.Destination, src = (int)insn.Source;
        var op = code.AluOperation;
        if (op == AluOperation.Endian)
            return code.Class == InstructionClass.Alu64
                ? I($"r{dst} = bswap{insn.Immediate} r{dst}")
                : I($"r{dst} = {(code.UsesSourceRegister ? "be" : "le")}{insn.Immediate} r{dst}");
        if (op == AluOperation.Negate) return I($"{reg}{dst} = -{reg}{dst}");
        if (code.Value == 0xbf && insn.Offset == 1) // BPF_ADDR_SPACE_CAST (arena pointers)
            return I($"r{dst} = addr_space_cast(r{src}, {(uint)insn.Immediate >> 16}, {(ushort)insn.Immediate})");
        if (code.Value == 0xbf && insn.Offset == -1) // the verifier's per-CPU address move
            return I($"r{dst} = &(void __percpu *)(r{src})");
        string text = op is AluOperation.Div or AluOperation.Mod && insn.Offset == 1
            ? (op == AluOperation.Div ? "s/=" : "s%=")
            : AluText[(int)op >> 4];
        if (!code.UsesSourceRegister) return I($"{reg}{dst} {text} {insn.Immediate}");
        string extend = op == AluOperation.Move ? insn.Offset switch { 8 => "(s8)", 16 => "(s16)", 32 => "(s32)", _ => "" } : "";
        return I($"{reg}{dst} {text} {extend}{reg}{src}");
    }

    private static string StoreRegister(Instruction insn)
    {
        var code = insn.OpCode;
        int dst = (int)insn.Destination, src = (int)insn.Source;
        string size = Size(code), at = I($"r{dst} {Signed(insn.Offset)}");
        if (code.Mode == MemoryMode.Memory) return I($"*({size} *)({at}) = r{src}");
        if (code.Mode != MemoryMode.Atomic) return I($"BUG_{code.Value:x2}");
        string wide = code.Size == MemorySize.DoubleWord ? "64" : "";
        int imm = insn.Immediate;
        switch (imm)
        {
            case 0x00 or 0x50 or 0x40 or 0xa0: // add, and, or, xor
                return I($"lock *({size} *)({at}) {AluText[imm >> 4]} r{src}");
            case 0x01 or 0x51 or 0x41 or 0xa1: // the same with BPF_FETCH
                string name = (imm & 0xf0) switch { 0x00 => "add", 0x50 => "and", 0x40 => "or", _ => "xor" };
                return I($"r{src} = atomic{wide}_fetch_{name}(({size} *)({at}), r{src})");
            case 0xf1: // BPF_CMPXCHG
                return I($"r0 = atomic{wide}_cmpxchg(({size} *)({at}), r0, r{src})");
            case 0xe1: // BPF_XCHG
                return I($"r{src} = atomic{wide}_xchg(({size} *)({at}), r{src})");
            case 0x100: // BPF_LOAD_ACQ
                return I($"r{dst} = load_acquire(({size} *)(r{src} {Signed(insn.Offset)}))");
            case 0x110: // BPF_STORE_REL
                return I($"store_release(({size} *)({at}), r{src})");
            default:
                return I($"BUG_{code.Value:x2}");
        }
    }

    private static string Jump(Instruction insn, char reg, DisassemblyOptions? options)
    {
        var code = insn.OpCode;
        int dst = (int)insn.Destination, src = (int)insn.Source;
        var op = code.JumpOperation;
        if (op == JumpOperation.Call)
            return insn.Source == PseudoSource.Call
                ? I($"call pc{CallName(insn, options)}")
                : I($"call {CallName(insn, options)}#{insn.Immediate}");
        switch (code.Value)
        {
            case 0x05: return I($"goto pc{Signed(insn.Offset)}");
            case 0x0d: return I($"gotox r{dst}");
            case 0xe5 when src == 0: return I($"may_goto pc{Signed(insn.Offset)}");
            case 0x06: return I($"gotol pc{Signed(insn.Immediate)}");
            case 0x95: return "exit";
        }
        string text = JumpText[(int)op >> 4];
        return code.UsesSourceRegister
            ? I($"if {reg}{dst} {text} {reg}{src} goto pc{Signed(insn.Offset)}")
            : I($"if {reg}{dst} {text} 0x{(uint)insn.Immediate:x} goto pc{Signed(insn.Offset)}");
    }

    /// <summary>The kernel's order: a helper's name by id, then the caller's resolver, then the defaults.</summary>
    private static string CallName(Instruction insn, DisassemblyOptions? options)
    {
        if (insn.Source == Register.R0 && HelperNames.Of(insn.Immediate) is { } helper) return helper;
        if (options?.CallTargetName?.Invoke(insn) is { } named) return named;
        if (insn.Source == PseudoSource.Call) return Signed(insn.Immediate);
        return insn.Source == PseudoSource.KernelFunctionCall ? "kernel-function" : "unknown";
    }

    private static string Immediate64(Instruction insn, Instruction next, DisassemblyOptions? options)
    {
        string map = options?.MapsById == true ? "id" : "fd";
        var pseudo = insn.Source;
        if (pseudo == PseudoSource.MapFd) return I($"map[{map}:{(uint)insn.Immediate}]");
        if (pseudo == PseudoSource.MapValue) return I($"map[{map}:{(uint)insn.Immediate}][0]+{(uint)next.Immediate}");
        if (pseudo == PseudoSource.MapIndexValue) return I($"map[idx:{(uint)insn.Immediate}]+{(uint)next.Immediate}");
        if (pseudo == PseudoSource.Function) return I($"subprog[{Signed(insn.Immediate)}]");
        ulong full = ((ulong)(uint)next.Immediate << 32) | (uint)insn.Immediate;
        return I($"0x{full:x}");
    }

    private static string Size(OpCode code) => SizeText[(int)code.Size >> 3];

    private static string Signed(int value) => value.ToString("+0;-0", CultureInfo.InvariantCulture);

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
