namespace Ebpf.Elf;

/// <summary>One .symtab entry.</summary>
internal sealed record ElfSymbol(int Index, string Name, byte Info, ushort SectionIndex, ulong Value, ulong Size)
{
    internal const byte STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3;
    internal const byte STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
    internal const ushort SHN_UNDEF = 0, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2;

    internal byte SymbolType => (byte)(Info & 0xf);

    internal byte Binding => (byte)(Info >> 4);

    internal bool IsFunction => SymbolType == STT_FUNC;

    /// <summary>st_other; its low two bits are the visibility (STV_DEFAULT 0, STV_INTERNAL 1, STV_HIDDEN 2, STV_PROTECTED 3).</summary>
    internal byte Other { get; init; }

    /// <summary>True for STV_HIDDEN and STV_INTERNAL symbols (C's <c>__hidden</c>): not visible outside the object.</summary>
    internal bool IsHidden => (Other & 3) is 1 or 2;
}
