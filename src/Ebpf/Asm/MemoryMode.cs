namespace Ebpf.Asm;

/// <summary>The addressing mode of a load or store (<c>BPF_MODE</c>).</summary>
public enum MemoryMode : byte
{
    /// <summary>BPF_IMM: ld_imm64 (with <see cref="MemorySize.DoubleWord"/>).</summary>
    Immediate = 0x00,
    /// <summary>BPF_ABS: legacy packet load at a constant offset (socket filters).</summary>
    Absolute = 0x20,
    /// <summary>BPF_IND: legacy packet load at a register plus an offset.</summary>
    Indirect = 0x40,
    /// <summary>BPF_MEM: load or store at a register plus an offset.</summary>
    Memory = 0x60,
    /// <summary>BPF_MEMSX: sign-extending load (cpu v4).</summary>
    MemorySignExtend = 0x80,
    /// <summary>BPF_ATOMIC: atomic operation (the operation in the immediate).</summary>
    Atomic = 0xc0,
}
