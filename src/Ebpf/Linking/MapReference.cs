namespace Ebpf.Linking;

/// <summary>An ld_imm64 in a linked program that must receive a map's fd at load time: BPF_PSEUDO_MAP_FD, or
/// BPF_PSEUDO_MAP_VALUE with <see cref="ValueOffset"/> (global data).</summary>
internal readonly record struct MapReference(int InstructionIndex, string MapName, bool IsValue, uint ValueOffset);
