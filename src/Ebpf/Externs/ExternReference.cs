namespace Ebpf.Externs;

/// <summary>An instruction of a linked program that receives an extern's resolution at load time: a kfunc call
/// (<see cref="IsCall"/>), or an ld_imm64 of a ksym (BTF id or address).</summary>
internal readonly record struct ExternReference(int InstructionIndex, int ExternIndex, bool IsCall);
