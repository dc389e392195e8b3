using System.Buffers.Binary;
using System.Text;

namespace Ebpf.Elf;

/// <summary>
/// A minimal reader for the ELF64 little-endian relocatable objects clang emits for BPF (e_machine EM_BPF).
/// Every offset and size taken from the file is checked against the file's length before use, and nothing is
/// allocated in proportion to a header field without that check, so a malformed object yields a
/// <see cref="BpfObjectException"/> and never a crash, a hang or an enormous allocation.
/// </summary>
internal sealed class ElfFile
{
    internal const ushort EM_BPF = 247;
    internal const uint SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_RELA = 4, SHT_NOBITS = 8, SHT_REL = 9;
    internal const ulong SHF_WRITE = 0x1, SHF_ALLOC = 0x2, SHF_EXECINSTR = 0x4;
    private const int HeaderSize = 64, SectionHeaderSize = 64, SymbolSize = 24, RelSize = 16;

    private readonly Dictionary<int, ElfRelocation[]> _relocations = [];

    private ElfFile(string objectName, ReadOnlyMemory<byte> image)
    {
        ObjectName = objectName;
        Image = image;
    }

    /// <summary>The object's name, used in every error message.</summary>
    internal string ObjectName { get; }

    /// <summary>The whole file.</summary>
    internal ReadOnlyMemory<byte> Image { get; }

    /// <summary>All section headers, indexed by section number (index 0 is the null section).</summary>
    internal IReadOnlyList<ElfSection> Sections { get; private set; } = [];

    /// <summary>All symbols of .symtab, indexed by symbol number (index 0 is the null symbol).</summary>
    internal IReadOnlyList<ElfSymbol> Symbols { get; private set; } = [];

    /// <summary>Parses <paramref name="image"/>.</summary>
    /// <exception cref="BpfObjectException">The image is not a well-formed BPF relocatable object.</exception>
    internal static ElfFile Parse(ReadOnlyMemory<byte> image, string objectName)
    {
        var elf = new ElfFile(objectName, image);
        elf.ReadHeaders();
        return elf;
    }

    /// <summary>Finds a section by name, or null.</summary>
    internal ElfSection? FindSection(string name)
    {
        foreach (var s in Sections)
            if (s.Name == name) return s;
        return null;
    }

    /// <summary>The relocations that apply to section <paramref name="target"/> (SHT_REL sections whose sh_info names it).</summary>
    internal ElfRelocation[] RelocationsFor(ElfSection target)
    {
        if (_relocations.TryGetValue(target.Index, out var cached)) return cached;
        var list = new List<ElfRelocation>();
        foreach (var rel in Sections)
        {
            if (rel.Type == SHT_RELA && rel.Info == target.Index)
                throw Error(rel.Name, "RELA relocations are not used by BPF objects; rebuild the object with clang -target bpf.");
            if (rel.Type != SHT_REL || rel.Info != target.Index) continue;
            if (rel.EntrySize != 0 && rel.EntrySize != RelSize)
                throw Error(rel.Name, $"relocation entry size is {rel.EntrySize}, expected {RelSize}.");
            if (rel.Size % RelSize != 0)
                throw Error(rel.Name, $"size {rel.Size} is not a multiple of the {RelSize}-byte relocation entry.");
            var data = rel.Data.Span;
            for (int off = 0; off + RelSize <= data.Length; off += RelSize)
            {
                ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(data[off..]);
                ulong info = BinaryPrimitives.ReadUInt64LittleEndian(data[(off + 8)..]);
                uint symbol = (uint)(info >> 32);
                if (symbol >= Symbols.Count)
                    throw Error(rel.Name, $"relocation {off / RelSize} refers to symbol {symbol}, but the symbol table has {Symbols.Count}.");
                if (offset >= target.Size)
                    throw Error(rel.Name, $"relocation {off / RelSize} (symbol '{Symbols[(int)symbol].Name}') is at offset {offset}, outside section {target.Name} ({target.Size} bytes).");
                list.Add(new ElfRelocation(offset, (int)symbol, (uint)info));
            }
        }
        var result = list.ToArray();
        _relocations[target.Index] = result;
        return result;
    }

    internal BpfObjectException Error(string? section, string message) => new(ObjectName, section, message);

    private void ReadHeaders()
    {
        var span = Image.Span;
        if (span.Length < HeaderSize)
            throw Error(null, $"file is {span.Length} bytes, too short for an ELF header ({HeaderSize} bytes).");
        if (span[0] != 0x7f || span[1] != (byte)'E' || span[2] != (byte)'L' || span[3] != (byte)'F')
            throw Error(null, "not an ELF file (bad magic). Pass a BPF object compiled with clang -target bpf.");
        if (span[4] != 2)
            throw Error(null, "not a 64-bit ELF file (EI_CLASS). BPF objects are ELF64.");
        if (span[5] != 1)
            throw Error(null, "not a little-endian ELF file (EI_DATA). Compile with -target bpfel (or bpf on a little-endian host).");
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(span[16..]);
        if (type != 1)
            throw Error(null, $"ELF type is {type}, expected a relocatable object (ET_REL, 1) as clang -c produces.");
        ushort machine = BinaryPrimitives.ReadUInt16LittleEndian(span[18..]);
        if (machine != EM_BPF)
            throw Error(null, $"ELF machine is {machine}, not EM_BPF ({EM_BPF}): this object was not compiled for BPF.");
        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(span[40..]);
        ushort shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[58..]);
        ushort shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[60..]);
        ushort shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(span[62..]);
        if (shentsize != SectionHeaderSize)
            throw Error(null, $"section header size is {shentsize}, expected {SectionHeaderSize}.");
        if (shnum == 0)
            throw Error(null, "the object has no section headers (or uses extended section numbering, which BPF objects never need).");
        if (shoff > (ulong)span.Length || (ulong)shnum * SectionHeaderSize > (ulong)span.Length - shoff)
            throw Error(null, $"section header table (offset {shoff}, {shnum} entries) lies outside the {span.Length}-byte file; the file is truncated or corrupt.");
        if (shstrndx >= shnum)
            throw Error(null, $"section name table index {shstrndx} is out of range ({shnum} sections).");

        var raw = new RawSection[shnum];
        for (int i = 0; i < shnum; i++)
        {
            var h = span.Slice((int)shoff + i * SectionHeaderSize, SectionHeaderSize);
            raw[i] = new RawSection(
                BinaryPrimitives.ReadUInt32LittleEndian(h),
                BinaryPrimitives.ReadUInt32LittleEndian(h[4..]),
                BinaryPrimitives.ReadUInt64LittleEndian(h[8..]),
                BinaryPrimitives.ReadUInt64LittleEndian(h[24..]),
                BinaryPrimitives.ReadUInt64LittleEndian(h[32..]),
                BinaryPrimitives.ReadUInt32LittleEndian(h[40..]),
                BinaryPrimitives.ReadUInt32LittleEndian(h[44..]),
                BinaryPrimitives.ReadUInt64LittleEndian(h[56..]));
        }

        var names = SectionData(raw[shstrndx], $"section {shstrndx} (section names)");
        var sections = new ElfSection[shnum];
        for (int i = 0; i < shnum; i++)
        {
            var r = raw[i];
            string name = ReadString(names.Span, r.Name, "section name table", $"section {i}");
            ReadOnlyMemory<byte> data = r.Type == SHT_NOBITS || i == 0 ? ReadOnlyMemory<byte>.Empty : SectionData(r, name);
            if (r.Type == SHT_NOBITS && r.Size > int.MaxValue)
                throw Error(name, $"size {r.Size} is too large.");
            sections[i] = new ElfSection(i, name, r.Type, r.Flags, r.Size, r.Link, r.Info, r.EntrySize, data);
        }
        RefuseOverlappingContents(sections, span.Length);
        Sections = sections;
        Symbols = ReadSymbols(sections);
    }

    /// <summary>
    /// The sections of a well-formed object occupy separate bytes of the file, so their sizes add up to at most its
    /// length. More means sections share bytes: harmless to read, but every section the loader copies (programs,
    /// global data) would be copied again, and a few kilobytes of headers pointing at one large range could make it
    /// allocate gigabytes. Checked once all sections are known to lie inside the file.
    /// </summary>
    private void RefuseOverlappingContents(ElfSection[] sections, int fileLength)
    {
        ulong total = 0;
        foreach (var section in sections)
        {
            total += (ulong)section.Data.Length; // each at most fileLength: no overflow over 65,535 sections
            if (total > (ulong)fileLength)
                throw Error(section.Name,
                    $"the section contents add up to more than the {fileLength}-byte file by this section: sections share file bytes, which a compiler never emits. The file is corrupt.");
        }
    }

    private ReadOnlyMemory<byte> SectionData(RawSection r, string name)
    {
        if (r.Type == SHT_NOBITS) return ReadOnlyMemory<byte>.Empty;
        if (r.Offset > (ulong)Image.Length || r.Size > (ulong)Image.Length - r.Offset)
            throw Error(name, $"data (offset {r.Offset}, size {r.Size}) lies outside the {Image.Length}-byte file; the file is truncated or corrupt.");
        return Image.Slice((int)r.Offset, (int)r.Size);
    }

    private ElfSymbol[] ReadSymbols(ElfSection[] sections)
    {
        ElfSection? symtab = null;
        foreach (var s in sections)
        {
            if (s.Type != SHT_SYMTAB) continue;
            if (symtab is not null) throw Error(s.Name, "the object has more than one symbol table.");
            symtab = s;
        }
        if (symtab is null) return [];
        if (symtab.Link == 0 || symtab.Link >= sections.Length || sections[symtab.Link].Type != SHT_STRTAB)
            throw Error(symtab.Name, $"symbol table's string table link ({symtab.Link}) does not name a string table.");
        if (symtab.Size % SymbolSize != 0)
            throw Error(symtab.Name, $"size {symtab.Size} is not a multiple of the {SymbolSize}-byte symbol entry.");
        var strings = sections[symtab.Link].Data.Span;
        var data = symtab.Data.Span;
        var result = new ElfSymbol[data.Length / SymbolSize];
        for (int i = 0; i < result.Length; i++)
        {
            var s = data.Slice(i * SymbolSize, SymbolSize);
            uint nameOff = BinaryPrimitives.ReadUInt32LittleEndian(s);
            byte info = s[4];
            ushort shndx = BinaryPrimitives.ReadUInt16LittleEndian(s[6..]);
            ulong value = BinaryPrimitives.ReadUInt64LittleEndian(s[8..]);
            ulong size = BinaryPrimitives.ReadUInt64LittleEndian(s[16..]);
            string name = ReadString(strings, nameOff, sections[symtab.Link].Name, symtab.Name);
            // Section symbols are nameless in the string table; name them after their section for messages.
            if (name.Length == 0 && (info & 0xf) == ElfSymbol.STT_SECTION && shndx < sections.Length) name = sections[shndx].Name;
            result[i] = new ElfSymbol(i, name, info, shndx, value, size) { Other = s[5] };
        }
        return result;
    }

    private string ReadString(ReadOnlySpan<byte> table, uint offset, string tableName, string user)
    {
        if (offset >= (uint)table.Length)
        {
            if (offset == 0) return "";
            throw Error(user, $"name offset {offset} lies outside {tableName} ({table.Length} bytes).");
        }
        var rest = table[(int)offset..];
        int end = rest.IndexOf((byte)0);
        if (end < 0) throw Error(user, $"name at offset {offset} in {tableName} is not NUL-terminated.");
        return Encoding.UTF8.GetString(rest[..end]);
    }

    private readonly record struct RawSection(uint Name, uint Type, ulong Flags, ulong Offset, ulong Size, uint Link, uint Info, ulong EntrySize);
}
