namespace Ebpf.Elf;

/// <summary>One SHT_REL entry: patch the instruction at <see cref="Offset"/> (bytes into the target section) for <see cref="SymbolIndex"/>.</summary>
internal readonly record struct ElfRelocation(ulong Offset, int SymbolIndex, uint Type)
{
    internal const uint R_BPF_NONE = 0, R_BPF_64_64 = 1, R_BPF_64_ABS64 = 2, R_BPF_64_ABS32 = 3, R_BPF_64_NODYLD32 = 4, R_BPF_64_32 = 10;
}
