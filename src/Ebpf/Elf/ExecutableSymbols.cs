using System.Buffers.Binary;
using System.Text;

namespace Ebpf.Elf;

/// <summary>
/// Finds a function's file offset in a native ELF64 executable or shared library (what the uprobe PMU wants):
/// the symbol's address from .symtab or .dynsym, translated through the PT_LOAD segment that contains it
/// (offset = st_value - p_vaddr + p_offset). Every header field is bounds-checked before use; a malformed file
/// yields a <see cref="BpfException"/> naming it, never a crash.
/// </summary>
internal static class ExecutableSymbols
{
    private const uint PT_LOAD = 1, SHT_SYMTAB = 2, SHT_DYNSYM = 11, PF_X = 1;
    private const byte STT_FUNC = 2, STT_GNU_IFUNC = 10;
    private const long MaxFileSize = 2L << 30;

    /// <summary>Resolves <paramref name="symbol"/> in <paramref name="path"/> to a file offset.</summary>
    /// <exception cref="BpfException">The file is not a readable ELF64 little-endian object, or has no such function.</exception>
    internal static ulong FileOffsetOf(string path, string symbol)
    {
        byte[] image;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new BpfException($"uprobe target '{path}' does not exist.");
            if (info.Length > MaxFileSize) throw new BpfException($"uprobe target '{path}' is {info.Length} bytes; the symbol reader accepts files up to {MaxFileSize >> 30} GiB.");
            image = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BpfException($"uprobe target '{path}' cannot be read: {e.Message}");
        }
        return FileOffsetOf(image, symbol, path);
    }

    /// <summary>Resolves <paramref name="symbol"/> in an ELF image held in memory; <paramref name="name"/> names it in messages.</summary>
    internal static ulong FileOffsetOf(ReadOnlySpan<byte> elf, string symbol, string name)
    {
        BpfException Bad(string m) => new($"uprobe target '{name}': {m}");
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw Bad("not an ELF file.");
        if (elf[4] != 2 || elf[5] != 1) throw Bad("only 64-bit little-endian ELF files are supported.");
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(elf[16..]);
        if (type is not (2 or 3)) throw Bad($"ELF type {type} is neither an executable (ET_EXEC) nor a shared object (ET_DYN).");

        ulong address = FindSymbolAddress(elf, symbol, Bad);
        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(elf[32..]);
        ushort phentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[54..]);
        ushort phnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[56..]);
        if (phentsize < 56 || phoff > (ulong)elf.Length || (ulong)phnum * phentsize > (ulong)elf.Length - phoff)
            throw Bad("the program header table lies outside the file.");
        ulong? fallback = null;
        for (int i = 0; i < phnum; i++)
        {
            var ph = elf.Slice((int)phoff + i * phentsize, 56);
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != PT_LOAD) continue;
            uint flags = BinaryPrimitives.ReadUInt32LittleEndian(ph[4..]);
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]);
            ulong vaddr = BinaryPrimitives.ReadUInt64LittleEndian(ph[16..]);
            ulong memsz = BinaryPrimitives.ReadUInt64LittleEndian(ph[40..]);
            if (address < vaddr || address - vaddr >= memsz) continue;
            ulong fileOffset = address - vaddr + offset;
            if ((flags & PF_X) != 0) return fileOffset;
            fallback ??= fileOffset;
        }
        return fallback ?? throw Bad($"function '{symbol}' (address 0x{address:x}) lies in no loadable segment.");
    }

    private static ulong FindSymbolAddress(ReadOnlySpan<byte> elf, string symbol, Func<string, BpfException> bad)
    {
        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(elf[40..]);
        ushort shentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[58..]);
        ushort shnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[60..]);
        if (shnum == 0) throw bad("the file has no section headers, so no symbol table (is it stripped of sections?).");
        if (shentsize < 64 || shoff > (ulong)elf.Length || (ulong)shnum * shentsize > (ulong)elf.Length - shoff)
            throw bad("the section header table lies outside the file.");
        byte[] wanted = Encoding.UTF8.GetBytes(symbol);
        ulong? found = null;
        bool sawIfunc = false;
        bool anyTable = false;
        // .symtab first (it has local functions too), then .dynsym (all a stripped library keeps).
        foreach (uint tableType in (uint[])[SHT_SYMTAB, SHT_DYNSYM])
        {
            for (int i = 0; i < shnum; i++)
            {
                var sh = elf.Slice((int)shoff + i * shentsize, 64);
                if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != tableType) continue;
                anyTable = true;
                var symbols = Slice(elf, sh, bad, "symbol table");
                uint link = BinaryPrimitives.ReadUInt32LittleEndian(sh[40..]);
                if (link >= shnum) throw bad($"symbol table {i} links to section {link}, which does not exist.");
                var strings = Slice(elf, elf.Slice((int)shoff + (int)link * shentsize, 64), bad, "string table");
                for (int off = 24; off + 24 <= symbols.Length; off += 24)
                {
                    var s = symbols.Slice(off, 24);
                    byte kind = (byte)(s[4] & 0xf);
                    ushort shndx = BinaryPrimitives.ReadUInt16LittleEndian(s[6..]);
                    ulong value = BinaryPrimitives.ReadUInt64LittleEndian(s[8..]);
                    if (shndx == 0 || value == 0 || kind is not (STT_FUNC or STT_GNU_IFUNC)) continue;
                    uint nameOff = BinaryPrimitives.ReadUInt32LittleEndian(s);
                    if (nameOff >= (uint)strings.Length) continue;
                    var nameBytes = strings[(int)nameOff..];
                    int end = nameBytes.IndexOf((byte)0);
                    if (end < 0 || !nameBytes[..end].SequenceEqual(wanted)) continue;
                    if (kind == STT_GNU_IFUNC) { sawIfunc = true; continue; }
                    if (found is { } other && other != value)
                        throw bad($"function '{symbol}' is defined twice (0x{other:x} and 0x{value:x}); attach by offset instead.");
                    found = value;
                }
            }
            if (found is not null) return found.Value;
        }
        if (sawIfunc) throw bad($"'{symbol}' is an indirect function (STT_GNU_IFUNC) whose implementation is chosen at run time; attach to the implementation's name instead.");
        throw bad(anyTable ? $"no function named '{symbol}' in .symtab or .dynsym." : "the file has neither .symtab nor .dynsym.");
    }

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> elf, ReadOnlySpan<byte> sectionHeader, Func<string, BpfException> bad, string what)
    {
        ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(sectionHeader[24..]);
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(sectionHeader[32..]);
        if (offset > (ulong)elf.Length || size > (ulong)elf.Length - offset) throw bad($"a {what} lies outside the file.");
        return elf.Slice((int)offset, (int)size);
    }
}
