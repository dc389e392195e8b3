using System.Buffers.Binary;
using System.Text;

namespace Ebpf.Elf;

/// <summary>
/// A native ELF64 little-endian executable or shared library (the thing a uprobe, uprobe.multi or USDT probe goes
/// into), read once: its type, loadable segments, sections and function symbols. Every header field is checked
/// against the file before use, so a malformed file yields a <see cref="BpfException"/> naming it, never a crash.
/// </summary>
internal sealed class NativeElf
{
    private const uint PT_LOAD = 1, SHT_SYMTAB = 2, SHT_DYNSYM = 11, PF_X = 1;
    private const byte STT_FUNC = 2;
    internal const long MaxFileSize = 2L << 30;

    internal readonly record struct Segment(ulong VirtualAddress, ulong MemorySize, ulong FileOffset, bool Executable);

    internal readonly record struct Section(string Name, uint Type, ulong Address, ulong FileOffset, ulong Size);

    private readonly ReadOnlyMemory<byte> _image;

    private NativeElf(string name, ReadOnlyMemory<byte> image, ushort machine, bool sharedObject, Segment[] segments, Section[] sections)
    {
        Name = name;
        Machine = machine;
        _image = image;
        IsSharedObject = sharedObject;
        LoadSegments = segments;
        Sections = sections;
    }

    /// <summary>The path or name the file is known by in messages.</summary>
    internal string Name { get; }

    /// <summary>e_machine: 62 for x86-64 (EM_X86_64), 183 for arm64 (EM_AARCH64).</summary>
    internal ushort Machine { get; }

    /// <summary>True for ET_DYN (shared libraries and position-independent executables), false for ET_EXEC.</summary>
    internal bool IsSharedObject { get; }

    /// <summary>The PT_LOAD program headers.</summary>
    internal IReadOnlyList<Segment> LoadSegments { get; }

    /// <summary>The section headers with their names (empty when the file has none).</summary>
    internal IReadOnlyList<Section> Sections { get; }

    /// <summary>Reads and parses the file at <paramref name="path"/>; <paramref name="role"/> says what it is for in messages
    /// (for example "uprobe.multi target").</summary>
    /// <exception cref="BpfException">The file is missing, unreadable, too large or not a native ELF64 LE object.</exception>
    internal static NativeElf Read(string path, string role)
    {
        byte[] image;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new BpfException($"{role} '{path}' does not exist.");
            if (info.Length > MaxFileSize) throw new BpfException($"{role} '{path}' is {info.Length} bytes; the ELF reader accepts files up to {MaxFileSize >> 30} GiB.");
            image = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BpfException($"{role} '{path}' cannot be read: {e.Message}");
        }
        return Parse(image, $"{role} '{path}'");
    }

    /// <summary>Parses an image held in memory; <paramref name="name"/> names it in messages.</summary>
    internal static NativeElf Parse(ReadOnlyMemory<byte> image, string name)
    {
        var elf = image.Span;
        BpfException Bad(string m) => new($"{name}: {m}");
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw Bad("not an ELF file.");
        if (elf[4] != 2 || elf[5] != 1) throw Bad("only 64-bit little-endian ELF files are supported.");
        ushort type = BinaryPrimitives.ReadUInt16LittleEndian(elf[16..]);
        if (type is not (2 or 3)) throw Bad($"ELF type {type} is neither an executable (ET_EXEC) nor a shared object (ET_DYN).");

        ulong phoff = BinaryPrimitives.ReadUInt64LittleEndian(elf[32..]);
        ushort phentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[54..]);
        ushort phnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[56..]);
        if (phnum != 0 && (phentsize < 56 || phoff > (ulong)elf.Length || (ulong)phnum * phentsize > (ulong)elf.Length - phoff))
            throw Bad("the program header table lies outside the file.");
        var segments = new List<Segment>();
        for (int i = 0; i < phnum; i++)
        {
            var ph = elf.Slice((int)phoff + i * phentsize, 56);
            if (BinaryPrimitives.ReadUInt32LittleEndian(ph) != PT_LOAD) continue;
            segments.Add(new Segment(BinaryPrimitives.ReadUInt64LittleEndian(ph[16..]), BinaryPrimitives.ReadUInt64LittleEndian(ph[40..]),
                BinaryPrimitives.ReadUInt64LittleEndian(ph[8..]), (BinaryPrimitives.ReadUInt32LittleEndian(ph[4..]) & PF_X) != 0));
        }

        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(elf[40..]);
        ushort shentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[58..]);
        ushort shnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[60..]);
        ushort shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(elf[62..]);
        var sections = new Section[shnum];
        if (shnum != 0)
        {
            if (shentsize < 64 || shoff > (ulong)elf.Length || (ulong)shnum * shentsize > (ulong)elf.Length - shoff)
                throw Bad("the section header table lies outside the file.");
            ReadOnlySpan<byte> names = default;
            if (shstrndx < shnum) names = Slice(elf, elf.Slice((int)shoff + shstrndx * shentsize, 64), Bad, "section name table");
            for (int i = 0; i < shnum; i++)
            {
                var sh = elf.Slice((int)shoff + i * shentsize, 64);
                sections[i] = new Section(CString(names, BinaryPrimitives.ReadUInt32LittleEndian(sh)), BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(sh[16..]), BinaryPrimitives.ReadUInt64LittleEndian(sh[24..]),
                    BinaryPrimitives.ReadUInt64LittleEndian(sh[32..]));
            }
        }
        return new NativeElf(name, image, BinaryPrimitives.ReadUInt16LittleEndian(elf[18..]), type == 3, [.. segments], sections);
    }

    /// <summary>The bytes of <paramref name="section"/> (empty for SHT_NOBITS).</summary>
    internal ReadOnlySpan<byte> Data(Section section)
    {
        const uint SHT_NOBITS = 8;
        if (section.Type == SHT_NOBITS) return default;
        var elf = _image.Span;
        if (section.FileOffset > (ulong)elf.Length || section.Size > (ulong)elf.Length - section.FileOffset)
            throw new BpfException($"{Name}: section '{section.Name}' lies outside the file.");
        return elf.Slice((int)section.FileOffset, (int)section.Size);
    }

    /// <summary>The first section called <paramref name="name"/>, or null.</summary>
    internal Section? FindSection(string name)
    {
        foreach (var s in Sections)
            if (s.Name == name) return s;
        return null;
    }

    /// <summary>
    /// Translates virtual address <paramref name="address"/> to a file offset through the PT_LOAD segment holding it
    /// (offset = address - p_vaddr + p_offset), preferring an executable segment; null when no segment holds it.
    /// </summary>
    internal ulong? FileOffsetOf(ulong address)
    {
        ulong? fallback = null;
        foreach (var s in LoadSegments)
        {
            if (address < s.VirtualAddress || address - s.VirtualAddress >= s.MemorySize) continue;
            ulong offset = address - s.VirtualAddress + s.FileOffset;
            if (s.Executable) return offset;
            fallback ??= offset;
        }
        return fallback;
    }

    /// <summary>
    /// The defined functions (STT_FUNC) of .symtab, then those of .dynsym that .symtab did not name: name and
    /// address, each name once (the first definition wins). Indirect functions (STT_GNU_IFUNC) are left out: their
    /// implementation is chosen at run time.
    /// </summary>
    internal IEnumerable<(string Name, ulong Address)> Functions()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<(string, ulong)>();
        foreach (uint tableType in (uint[])[SHT_SYMTAB, SHT_DYNSYM])
        {
            for (int i = 0; i < Sections.Count; i++)
            {
                if (Sections[i].Type != tableType) continue;
                var elf = _image.Span;
                var symbols = Data(Sections[i]);
                // sh_link names the string table; read it from the raw header (not kept in Section).
                uint link = LinkOf(elf, i);
                if (link >= Sections.Count) throw new BpfException($"{Name}: symbol table {i} links to section {link}, which does not exist.");
                var strings = Data(Sections[(int)link]);
                for (int off = 24; off + 24 <= symbols.Length; off += 24)
                {
                    var s = symbols.Slice(off, 24);
                    byte kind = (byte)(s[4] & 0xf);
                    ushort shndx = BinaryPrimitives.ReadUInt16LittleEndian(s[6..]);
                    ulong value = BinaryPrimitives.ReadUInt64LittleEndian(s[8..]);
                    if (shndx == 0 || value == 0 || kind != STT_FUNC) continue;
                    string name = CString(strings, BinaryPrimitives.ReadUInt32LittleEndian(s));
                    if (name.Length == 0 || !seen.Add(name)) continue;
                    result.Add((name, value));
                }
            }
        }
        return result;
    }

    private uint LinkOf(ReadOnlySpan<byte> elf, int index)
    {
        ulong shoff = BinaryPrimitives.ReadUInt64LittleEndian(elf[40..]);
        ushort shentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[58..]);
        return BinaryPrimitives.ReadUInt32LittleEndian(elf[((int)shoff + index * shentsize + 40)..]);
    }

    private static ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> elf, ReadOnlySpan<byte> sectionHeader, Func<string, BpfException> bad, string what)
    {
        ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(sectionHeader[24..]);
        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(sectionHeader[32..]);
        if (offset > (ulong)elf.Length || size > (ulong)elf.Length - offset) throw bad($"the {what} lies outside the file.");
        return elf.Slice((int)offset, (int)size);
    }

    /// <summary>The NUL-terminated string at <paramref name="offset"/> of a string table; "" when out of range or unterminated.</summary>
    internal static string CString(ReadOnlySpan<byte> table, uint offset)
    {
        if (offset >= (uint)table.Length) return "";
        var rest = table[(int)offset..];
        int end = rest.IndexOf((byte)0);
        return end < 0 ? "" : Encoding.UTF8.GetString(rest[..end]);
    }
}
