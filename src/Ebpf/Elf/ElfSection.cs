namespace Ebpf.Elf;

/// <summary>One section header and its bytes (empty for SHT_NOBITS such as .bss: use <see cref="Size"/>).</summary>
internal sealed record ElfSection(int Index, string Name, uint Type, ulong Flags, ulong Size, uint Link, uint Info, ulong EntrySize, ReadOnlyMemory<byte> Data)
{
    internal bool IsExecutable => (Flags & ElfFile.SHF_EXECINSTR) != 0 && Type == ElfFile.SHT_PROGBITS;

    internal bool IsNoBits => Type == ElfFile.SHT_NOBITS;
}
