namespace Ebpf.Asm;

/// <summary>The operation of a JMP or JMP32 instruction (<c>BPF_OP</c>, the high four bits).</summary>
public enum JumpOperation : byte
{
    /// <summary>BPF_JA: always.</summary>
    Always = 0x00,
    /// <summary>BPF_JEQ: ==.</summary>
    Equal = 0x10,
    /// <summary>BPF_JGT: &gt; (unsigned).</summary>
    Greater = 0x20,
    /// <summary>BPF_JGE: &gt;= (unsigned).</summary>
    GreaterOrEqual = 0x30,
    /// <summary>BPF_JSET: dst &amp; src != 0.</summary>
    BitsSet = 0x40,
    /// <summary>BPF_JNE: !=.</summary>
    NotEqual = 0x50,
    /// <summary>BPF_JSGT: &gt; (signed).</summary>
    SignedGreater = 0x60,
    /// <summary>BPF_JSGE: &gt;= (signed).</summary>
    SignedGreaterOrEqual = 0x70,
    /// <summary>BPF_CALL: a helper, a BPF function (pseudo call) or a kfunc.</summary>
    Call = 0x80,
    /// <summary>BPF_EXIT: return R0.</summary>
    Exit = 0x90,
    /// <summary>BPF_JLT: &lt; (unsigned).</summary>
    Less = 0xa0,
    /// <summary>BPF_JLE: &lt;= (unsigned).</summary>
    LessOrEqual = 0xb0,
    /// <summary>BPF_JSLT: &lt; (signed).</summary>
    SignedLess = 0xc0,
    /// <summary>BPF_JSLE: &lt;= (signed).</summary>
    SignedLessOrEqual = 0xd0,
}
