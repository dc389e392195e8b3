using System.Buffers.Binary;

namespace Ebpf.Tests.Loader;

/// <summary>The committed test objects (copied beside the test binary under objects/) and byte-level helpers to corrupt them.</summary>
internal static class TestObjectFiles
{
    internal static string Path(string name)
    {
        string p = System.IO.Path.Combine(AppContext.BaseDirectory, "objects", name);
        if (!File.Exists(p)) throw new FileNotFoundException($"Test object {name} is missing; run scripts/build-bpf.sh and rebuild.", p);
        return p;
    }

    internal static byte[] Bytes(string name) => File.ReadAllBytes(Path(name));

    /// <summary>The file offset of section <paramref name="name"/>'s header, by reading the ELF header directly.</summary>
    internal static int SectionHeaderOffset(byte[] elf, string name)
    {
        int shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(40));
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(60));
        int shstrndx = BinaryPrimitives.ReadUInt16LittleEndian(elf.AsSpan(62));
        int strOff = (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(shoff + shstrndx * 64 + 24));
        for (int i = 0; i < shnum; i++)
        {
            int h = shoff + i * 64;
            int nameOff = (int)BinaryPrimitives.ReadUInt32LittleEndian(elf.AsSpan(h));
            var rest = elf.AsSpan(strOff + nameOff);
            if (System.Text.Encoding.ASCII.GetString(rest[..rest.IndexOf((byte)0)]) == name) return h;
        }
        throw new InvalidOperationException($"no section {name}");
    }

    /// <summary>The file offset of section <paramref name="name"/>'s data.</summary>
    internal static int SectionDataOffset(byte[] elf, string name) =>
        (int)BinaryPrimitives.ReadUInt64LittleEndian(elf.AsSpan(SectionHeaderOffset(elf, name) + 24));
}
