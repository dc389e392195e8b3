using System.Buffers.Binary;
using System.Text;
using Ebpf.Elf;

namespace Ebpf.Links.Usdt;

/// <summary>
/// Reads the USDT notes of a native binary: section <c>.note.stapsdt</c>, notes named "stapsdt" of type 3, whose
/// descriptor is three addresses (probe, link-time <c>.stapsdt.base</c>, semaphore) then three NUL-terminated strings
/// (provider, name, arguments). As libbpf does, a probe address moves by the difference between the actual
/// <c>.stapsdt.base</c> section address and the one recorded in the note (prelink relocates the file after the notes
/// were written); the semaphore's does not.
/// </summary>
public static class UsdtNotes
{
    private const uint NT_STAPSDT = 3;

    /// <summary>Every USDT probe of the executable or library at <paramref name="binaryPath"/> (a bare library name is
    /// looked up like a uprobe target).</summary>
    /// <exception cref="BpfException">The file is missing, unreadable or not a native ELF64 file, or a note is malformed.</exception>
    public static IReadOnlyList<UsdtProbe> Read(string binaryPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(binaryPath);
        string path = ProbeLink.ResolveBinary(binaryPath);
        return Read(NativeElf.Read(path, "USDT binary"));
    }

    internal static List<UsdtProbe> Read(NativeElf elf)
    {
        var probes = new List<UsdtProbe>();
        if (elf.FindSection(".note.stapsdt") is not { } notes) return probes;
        ulong? actualBase = elf.FindSection(".stapsdt.base")?.Address;
        foreach (var (address, recordedBase, semaphore, provider, name, args) in Parse(elf.Data(notes), elf.Name))
        {
            ulong ip = actualBase is { } b && recordedBase != 0 ? unchecked(address + b - recordedBase) : address;
            ulong fileOffset = elf.FileOffsetOf(ip)
                ?? throw new BpfException($"{elf.Name}: USDT probe {provider}:{name} is at 0x{ip:x}, which lies in no loadable segment.");
            ulong semaphoreOffset = 0;
            if (semaphore != 0)
                semaphoreOffset = elf.FileOffsetOf(semaphore)
                    ?? throw new BpfException($"{elf.Name}: the semaphore of USDT probe {provider}:{name} is at 0x{semaphore:x}, which lies in no loadable segment.");
            probes.Add(new UsdtProbe(provider, name, ip, fileOffset, semaphore, semaphoreOffset, args));
        }
        return probes;
    }

    /// <summary>The raw notes of a <c>.note.stapsdt</c> section (4-byte aligned name and descriptor, 64-bit addresses).
    /// Notes of other names or types are skipped; a note that does not fit is an error.</summary>
    internal static List<(ulong Address, ulong Base, ulong Semaphore, string Provider, string Name, string Arguments)> Parse(ReadOnlySpan<byte> section, string fileName)
    {
        var result = new List<(ulong, ulong, ulong, string, string, string)>();
        int at = 0;
        BpfException Bad(string m) => new($"{fileName}: .note.stapsdt: the note at offset {at} {m}");
        while (section.Length - at >= 12)
        {
            uint nameSize = BinaryPrimitives.ReadUInt32LittleEndian(section[at..]);
            uint descSize = BinaryPrimitives.ReadUInt32LittleEndian(section[(at + 4)..]);
            uint type = BinaryPrimitives.ReadUInt32LittleEndian(section[(at + 8)..]);
            ulong nameEnd = (ulong)at + 12 + Align4(nameSize);
            ulong descEnd = nameEnd + Align4(descSize);
            if (nameEnd > (ulong)section.Length || descEnd > (ulong)section.Length) throw Bad($"(name {nameSize} bytes, descriptor {descSize} bytes) runs past the section's end.");
            var name = section.Slice(at + 12, (int)nameSize);
            var desc = section.Slice((int)nameEnd, (int)descSize);
            if (type == NT_STAPSDT && name.SequenceEqual("stapsdt\0"u8))
            {
                if (desc.Length < 24 + 3) throw Bad($"has a {desc.Length}-byte descriptor, too short for three addresses and three strings.");
                ulong address = BinaryPrimitives.ReadUInt64LittleEndian(desc);
                ulong recordedBase = BinaryPrimitives.ReadUInt64LittleEndian(desc[8..]);
                ulong semaphore = BinaryPrimitives.ReadUInt64LittleEndian(desc[16..]);
                var strings = desc[24..];
                string provider = NextString(ref strings, Bad, "provider");
                string probe = NextString(ref strings, Bad, "probe name");
                string args = NextString(ref strings, Bad, "argument string");
                if (provider.Length == 0 || probe.Length == 0) throw Bad("has an empty provider or probe name.");
                result.Add((address, recordedBase, semaphore, provider, probe, args));
            }
            at = (int)descEnd;
        }
        return result;
    }

    private static ulong Align4(uint size) => ((ulong)size + 3) & ~3UL;

    private static string NextString(ref ReadOnlySpan<byte> strings, Func<string, BpfException> bad, string what)
    {
        int end = strings.IndexOf((byte)0);
        if (end < 0) throw bad($"has no NUL-terminated {what}.");
        string s = Encoding.UTF8.GetString(strings[..end]);
        strings = strings[(end + 1)..];
        return s;
    }
}
