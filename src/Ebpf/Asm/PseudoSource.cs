namespace Ebpf.Asm;

/// <summary>
/// Values the source register field takes on ld_imm64 and call instructions, where it names what the immediate means
/// rather than a register (the <c>BPF_PSEUDO_*</c> constants).
/// </summary>
public static class PseudoSource
{
    /// <summary>BPF_PSEUDO_MAP_FD: ld_imm64 of a map: the immediate is the map's fd (its id in a dump of a loaded program).</summary>
    public const Register MapFd = (Register)1;

    /// <summary>BPF_PSEUDO_MAP_VALUE: ld_imm64 of the address of a map's value: the map fd, and the offset in the second half.</summary>
    public const Register MapValue = (Register)2;

    /// <summary>BPF_PSEUDO_BTF_ID: ld_imm64 of a kernel variable by BTF id (typed __ksym).</summary>
    public const Register BtfId = (Register)3;

    /// <summary>BPF_PSEUDO_FUNC: ld_imm64 of the address of a BPF function (callbacks): the immediate is its relative offset.</summary>
    public const Register Function = (Register)4;

    /// <summary>BPF_PSEUDO_MAP_IDX: ld_imm64 of a map by index into the load's fd array.</summary>
    public const Register MapIndex = (Register)5;

    /// <summary>BPF_PSEUDO_MAP_IDX_VALUE: ld_imm64 of a map value's address by fd-array index.</summary>
    public const Register MapIndexValue = (Register)6;

    /// <summary>BPF_PSEUDO_CALL: a call to a BPF function; the immediate is its offset from the next instruction.</summary>
    public const Register Call = (Register)1;

    /// <summary>BPF_PSEUDO_KFUNC_CALL: a call to a kernel function by BTF id.</summary>
    public const Register KernelFunctionCall = (Register)2;
}
