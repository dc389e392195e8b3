namespace Ebpf.Asm;

/// <summary>The operation of an ALU or ALU64 instruction (<c>BPF_OP</c>, the high four bits).</summary>
public enum AluOperation : byte
{
    /// <summary>BPF_ADD: dst += src.</summary>
    Add = 0x00,
    /// <summary>BPF_SUB: dst -= src.</summary>
    Sub = 0x10,
    /// <summary>BPF_MUL: dst *= src.</summary>
    Mul = 0x20,
    /// <summary>BPF_DIV: dst /= src (unsigned; signed with offset 1).</summary>
    Div = 0x30,
    /// <summary>BPF_OR: dst |= src.</summary>
    Or = 0x40,
    /// <summary>BPF_AND: dst &amp;= src.</summary>
    And = 0x50,
    /// <summary>BPF_LSH: dst &lt;&lt;= src.</summary>
    LeftShift = 0x60,
    /// <summary>BPF_RSH: dst &gt;&gt;= src (logical).</summary>
    RightShift = 0x70,
    /// <summary>BPF_NEG: dst = -dst.</summary>
    Negate = 0x80,
    /// <summary>BPF_MOD: dst %= src (unsigned; signed with offset 1).</summary>
    Mod = 0x90,
    /// <summary>BPF_XOR: dst ^= src.</summary>
    Xor = 0xa0,
    /// <summary>BPF_MOV: dst = src (sign-extending with offset 8, 16 or 32).</summary>
    Move = 0xb0,
    /// <summary>BPF_ARSH: dst s&gt;&gt;= src (arithmetic).</summary>
    ArithmeticRightShift = 0xc0,
    /// <summary>BPF_END: byte swap to little or big endian (ALU), or unconditionally (ALU64); the width in the immediate.</summary>
    Endian = 0xd0,
}
