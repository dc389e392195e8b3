namespace Ebpf.Asm;

/// <summary>How <see cref="Disassembler"/> names what instructions refer to.</summary>
public sealed class DisassemblyOptions
{
    /// <summary>Names the target of a call: the text after <c>call </c> (helpers and kfuncs, followed by <c>#imm</c>) or
    /// after <c>call pc</c> (BPF functions). Null, or a null result, keeps the default: the helper's C name from its id,
    /// the signed distance of a BPF function, <c>kernel-function</c> for a kfunc, <c>unknown</c> otherwise.</summary>
    public Func<Instruction, string?>? CallTargetName { get; init; }

    /// <summary>True when ld_imm64 map references hold map ids, as in a program read back from the kernel
    /// (<c>map[id:N]</c>, bpftool's form); false when they hold descriptors, as in a program being built (<c>map[fd:N]</c>).</summary>
    public bool MapsById { get; init; }
}
