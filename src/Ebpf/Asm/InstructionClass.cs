namespace Ebpf.Asm;

/// <summary>The low three bits of an opcode (<c>BPF_CLASS</c>).</summary>
public enum InstructionClass : byte
{
    /// <summary>BPF_LD: ld_imm64 and the legacy packet loads.</summary>
    Load = 0x00,
    /// <summary>BPF_LDX: loads from memory into a register.</summary>
    LoadRegister = 0x01,
    /// <summary>BPF_ST: stores of an immediate.</summary>
    Store = 0x02,
    /// <summary>BPF_STX: stores of a register, and atomics.</summary>
    StoreRegister = 0x03,
    /// <summary>BPF_ALU: 32-bit arithmetic (the upper half of the destination is zeroed).</summary>
    Alu = 0x04,
    /// <summary>BPF_JMP: 64-bit comparisons, calls, exit.</summary>
    Jump = 0x05,
    /// <summary>BPF_JMP32: 32-bit comparisons.</summary>
    Jump32 = 0x06,
    /// <summary>BPF_ALU64: 64-bit arithmetic.</summary>
    Alu64 = 0x07,
}
