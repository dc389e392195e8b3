using System.Buffers.Binary;
using Ebpf.Tests.Loader;

namespace Ebpf.Tests.Reliability;

/// <summary>
/// .NET cannot catch a stack overflow, so BTF resolution must be iterative or depth-capped (catalogue LD-13). These
/// mutants put a typedef cycle (a typedef naming itself, or typedefs naming each other in a ring) under a map's key type, which
/// the loader must resolve to size the map: the result must be a <see cref="BpfObjectException"/> naming the object and
/// the section, never a crash.
/// </summary>
public sealed class BtfCycleTests
{
    [Theory]
    [InlineData("reliability_producer.bpf.o", 1)]
    [InlineData("reliability_producer.bpf.o", 2)]
    [InlineData("loader_maps.bpf.o", 1)]
    [InlineData("loader_maps.bpf.o", 2)]
    public void A_typedef_cycle_under_a_map_key_is_a_bpf_object_exception(string objectFile, int cycleLength)
    {
        byte[] elf = TestObjectFiles.Bytes(objectFile);
        int cycles = MakeTypedefCycles(elf, TestObjectFiles.SectionDataOffset(elf, ".BTF"), cycleLength);
        Assert.True(cycles > 0, "no typedef to turn into a cycle");
        var e = Assert.Throws<BpfObjectException>(() => BpfObjectSpec.FromBytes(elf, "cyclic.o"));
        Assert.Contains("cyclic.o", e.Message, StringComparison.Ordinal);
        Assert.Matches(@"\.BTF|\.maps", e.Message);
    }

    /// <summary>Points every typedef at itself (length 1), or chains all of them into one ring (length 2: a cycle through several).</summary>
    private static int MakeTypedefCycles(byte[] elf, int btf, int cycleLength)
    {
        var span = elf.AsSpan(btf);
        uint hdrLen = BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
        uint typeOff = BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
        uint typeLen = BinaryPrimitives.ReadUInt32LittleEndian(span[12..]);
        int pos = (int)(hdrLen + typeOff), end = pos + (int)typeLen;
        var typedefs = new List<(uint Id, int TypeField)>();
        for (uint id = 1; pos + 12 <= end; id++)
        {
            uint info = BinaryPrimitives.ReadUInt32LittleEndian(span[(pos + 4)..]);
            int kind = (int)((info >> 24) & 0x1f), vlen = (int)(info & 0xffff);
            if (kind == 8) typedefs.Add((id, pos + 8));
            pos += 12 + kind switch
            {
                1 => 4, 3 => 12, 4 or 5 => 12 * vlen, 6 => 8 * vlen, 13 => 8 * vlen, 14 => 4, 15 => 12 * vlen, 17 => 4, 19 => 12 * vlen,
                _ => 0,
            };
        }
        if (cycleLength == 1 || typedefs.Count < 2)
        {
            foreach (var (id, field) in typedefs) BinaryPrimitives.WriteUInt32LittleEndian(span[field..], id);
            return typedefs.Count;
        }
        for (int i = 0; i < typedefs.Count; i++)
            BinaryPrimitives.WriteUInt32LittleEndian(span[typedefs[i].TypeField..], typedefs[(i + 1) % typedefs.Count].Id);
        return typedefs.Count;
    }
}
