using System.Buffers.Binary;
using Ebpf.Btf;

namespace Ebpf.Fuzz;

/// <summary>Writes the btfext target's input: a little-endian u32 length N, N bytes of .BTF, then a .BTF.ext section.</summary>
internal static class BtfExtInput
{
    internal static byte[] Pair(byte[] btf, ReadOnlySpan<byte> ext)
    {
        var input = new byte[4 + btf.Length + ext.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(input, (uint)btf.Length);
        btf.CopyTo(input, 4);
        ext.CopyTo(input.AsSpan(4 + btf.Length));
        return input;
    }

    /// <summary>A .BTF.ext with only CO-RE records, all in section <paramref name="section"/> (a string offset of the BTF).</summary>
    internal static byte[] CoreRelocations(uint section, params BtfCoreRelocation[] records)
    {
        int coreLength = 4 + 8 + records.Length * 16;
        var ext = new byte[32 + coreLength];
        var span = ext.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(span, BtfTypes.Magic);
        span[2] = 1;
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], 32);                  // hdr_len; func_info and line_info empty
        BinaryPrimitives.WriteUInt32LittleEndian(span[28..], (uint)coreLength);   // core_relo_off 0, core_relo_len
        var core = span[32..];
        BinaryPrimitives.WriteUInt32LittleEndian(core, 16);                       // record size
        BinaryPrimitives.WriteUInt32LittleEndian(core[4..], section);
        BinaryPrimitives.WriteUInt32LittleEndian(core[8..], (uint)records.Length);
        for (int i = 0; i < records.Length; i++)
        {
            var r = core[(12 + i * 16)..];
            BinaryPrimitives.WriteUInt32LittleEndian(r, records[i].InstructionOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(r[4..], records[i].TypeId);
            BinaryPrimitives.WriteUInt32LittleEndian(r[8..], records[i].AccessStringOffset);
            BinaryPrimitives.WriteUInt32LittleEndian(r[12..], records[i].Kind);
        }
        return ext;
    }
}
