using System.Buffers.Binary;
using System.Text;

namespace Ebpf.KernelTests.Infrastructure;

/// <summary>
/// Renames a map (or any symbol) inside a compiled object, as a crafted object would carry it: the name lives in the
/// ELF symbol string table (.strtab, what relocations name) and in the BTF string section (the VAR the loader reads the
/// map's name from); both are patched in place, so the new name may not be longer than the old one.
/// </summary>
internal static class ObjectNamePatcher
{
    internal static byte[] Rename(byte[] elf, string oldName, string newName)
    {
        byte[] from = Encoding.UTF8.GetBytes(oldName), to = Encoding.UTF8.GetBytes(newName);
        if (to.Length > from.Length) throw new ArgumentException($"'{newName}' is longer than '{oldName}': only in-place renames are supported.");
        var patched = (byte[])elf.Clone();
        var strtab = Section(patched, ".strtab");
        var btf = Section(patched, ".BTF");
        // .BTF header: magic u16, version u8, flags u8, hdr_len u32, type_off u32, type_len u32, str_off u32, str_len u32.
        var header = patched.AsSpan(btf.Offset, btf.Length);
        int hdrLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        int strOff = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[16..]);
        int strLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(header[20..]);
        int inStrtab = ReplaceAll(patched.AsSpan(strtab.Offset, strtab.Length), from, to);
        int inBtf = ReplaceAll(patched.AsSpan(btf.Offset + hdrLen + strOff, strLen), from, to);
        if (inStrtab == 0 || inBtf == 0)
            throw new ArgumentException($"'{oldName}' found {inStrtab} times in .strtab and {inBtf} times in the BTF strings; expected both.");
        return patched;
    }

    /// <summary>Replaces each NUL-delimited <paramref name="from"/> by <paramref name="to"/>, NUL-padded; returns how many.</summary>
    private static int ReplaceAll(Span<byte> table, byte[] from, byte[] to)
    {
        int count = 0;
        for (int i = 0; i + from.Length < table.Length; i++)
        {
            bool starts = i == 0 || table[i - 1] == 0;
            if (!starts || table[i + from.Length] != 0 || !table.Slice(i, from.Length).SequenceEqual(from)) continue;
            table.Slice(i, from.Length).Clear();
            to.CopyTo(table[i..]);
            count++;
        }
        return count;
    }

    private static (int Offset, int Length) Section(byte[] elf, string name)
    {
        var span = elf.AsSpan();
        long shoff = BinaryPrimitives.ReadInt64LittleEndian(span[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);
        int shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3E..]);
        (int Offset, int Length) Header(int index)
        {
            var h = elf.AsSpan((int)shoff + index * shentsize, shentsize);
            return ((int)BinaryPrimitives.ReadInt64LittleEndian(h[0x18..]), (int)BinaryPrimitives.ReadInt64LittleEndian(h[0x20..]));
        }
        var names = Header(shstrndx);
        for (int i = 0; i < shnum; i++)
        {
            int nameOffset = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[((int)shoff + i * shentsize)..]);
            var rest = span[(names.Offset + nameOffset)..];
            if (Encoding.UTF8.GetString(rest[..rest.IndexOf((byte)0)]) == name) return Header(i);
        }
        throw new ArgumentException($"no section {name}");
    }
}
