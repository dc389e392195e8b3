using System.Buffers.Binary;
using System.Text;
using Ebpf.Links.Usdt;

namespace Ebpf.Tests.Links.Usdt;

public sealed class UsdtNotesTests
{
    /// <summary>One ELF note as the assembler emits it for a STAP_PROBE: name "stapsdt", type 3, descriptor of three
    /// addresses and three strings, each part padded to 4 bytes.</summary>
    internal static byte[] Note(ulong pc, ulong @base, ulong semaphore, string provider, string name, string args, string owner = "stapsdt", uint type = 3)
    {
        var desc = new List<byte>();
        foreach (ulong v in new[] { pc, @base, semaphore }) desc.AddRange(BitConverter.GetBytes(v));
        foreach (var s in new[] { provider, name, args }) { desc.AddRange(Encoding.UTF8.GetBytes(s)); desc.Add(0); }
        byte[] ownerBytes = Encoding.ASCII.GetBytes(owner + "\0");
        var note = new List<byte>();
        note.AddRange(BitConverter.GetBytes((uint)ownerBytes.Length));
        note.AddRange(BitConverter.GetBytes((uint)desc.Count));
        note.AddRange(BitConverter.GetBytes(type));
        note.AddRange(ownerBytes);
        while (note.Count % 4 != 0) note.Add(0);
        note.AddRange(desc);
        while (note.Count % 4 != 0) note.Add(0);
        return [.. note];
    }

    [Fact]
    public void Reads_addresses_and_strings_of_every_stapsdt_note_and_skips_other_notes()
    {
        byte[] section = [
            .. Note(0x1243, 0x2010, 0, "ebpf_test", "mixed", "-4@%esi -8@(%rdi)"),
            .. Note(0x9999, 0, 0, "GNU", "x", "", owner: "GNU", type: 1),
            .. Note(0x125e, 0x2010, 0x4028, "ebpf_test", "guarded", "-4@%edi 2@%dx"),
            .. Note(0x10c8, 0x2010, 0, "ebpf_test", "empty", ""),
        ];
        var notes = UsdtNotes.Parse(section, "t");
        Assert.Equal(3, notes.Count);
        Assert.Equal((0x1243ul, 0x2010ul, 0ul, "ebpf_test", "mixed", "-4@%esi -8@(%rdi)"), notes[0]);
        Assert.Equal((0x125eul, 0x2010ul, 0x4028ul, "ebpf_test", "guarded", "-4@%edi 2@%dx"), notes[1]);
        Assert.Equal("", notes[2].Arguments);
    }

    [Fact]
    public void Truncated_or_malformed_notes_are_errors_naming_the_file()
    {
        var good = Note(0x1243, 0x2010, 0, "p", "n", "4@$1");
        Assert.Contains("runs past", Assert.Throws<BpfException>(() => UsdtNotes.Parse(good.AsSpan(0, good.Length - 4), "bin")).Message, StringComparison.Ordinal);
        var noNul = Note(1, 2, 3, "p", "n", "");
        noNul[^1] = noNul[^2] = noNul[^3] = noNul[^4] = (byte)'x'; // the last string loses its terminator
        Assert.Contains("NUL-terminated", Assert.Throws<BpfException>(() => UsdtNotes.Parse(noNul, "bin")).Message, StringComparison.Ordinal);
        Assert.Contains("empty provider", Assert.Throws<BpfException>(() => UsdtNotes.Parse(Note(1, 2, 3, "", "n", ""), "bin")).Message, StringComparison.Ordinal);
        var huge = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(huge.AsSpan(4), uint.MaxValue);
        Assert.Contains("bin", Assert.Throws<BpfException>(() => UsdtNotes.Parse(huge, "bin")).Message, StringComparison.Ordinal);
        Assert.Empty(UsdtNotes.Parse(good.AsSpan(0, 11), "bin")); // shorter than a note header: nothing
    }

    [Fact]
    public void Every_truncation_and_byte_mutation_is_a_BpfException_or_an_answer()
    {
        byte[] section = [.. Note(0x1243, 0x2010, 0, "ebpf_test", "mixed", "-4@%esi"), .. Note(0x125e, 0x2010, 0x4028, "ebpf_test", "guarded", "2@%dx")];
        for (int length = 0; length <= section.Length; length++) Check(section.AsSpan(0, length).ToArray());
        for (int i = 0; i < section.Length; i++)
            foreach (byte v in new byte[] { 0, 0xff, 0x80, 3 })
            {
                var m = (byte[])section.Clone();
                m[i] = v;
                Check(m);
            }

        static void Check(byte[] bytes)
        {
            try
            {
                UsdtNotes.Parse(bytes, "mutant");
            }
            catch (BpfException)
            {
            }
        }
    }

    [Fact]
    public void Process_maps_translate_a_file_offset_through_the_mapping_that_holds_it()
    {
        string dir = Directory.CreateTempSubdirectory("ebpf-maps-").FullName;
        try
        {
            string maps = Path.Combine(dir, "maps");
            File.WriteAllLines(maps, [
                "55d0c0a00000-55d0c0a01000 r--p 00000000 08:01 1234                       /opt/app/target",
                "55d0c0a01000-55d0c0a02000 r-xp 00001000 08:01 1234                       /opt/app/target",
                "7f0000000000-7f0000001000 r-xp 00001000 08:01 99                         /opt/app/target (deleted)",
                "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]",
            ]);
            Assert.Equal(0x55d0c0a01243ul, ProcessMaps.AddressOf(1, "/opt/app/target", 0x1243, maps));
            Assert.Equal(0x55d0c0a00010ul, ProcessMaps.AddressOf(1, "/opt/app/target", 0x10, maps));
            Assert.Null(ProcessMaps.AddressOf(1, "/opt/app/target", 0x5000, maps));
            Assert.Null(ProcessMaps.AddressOf(1, "/opt/app/other", 0x1243, maps));
            Assert.Throws<BpfException>(() => ProcessMaps.AddressOf(1, "/x", 0, Path.Combine(dir, "absent")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
