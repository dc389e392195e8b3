using System.Buffers.Binary;

namespace Ebpf.Btf;

/// <summary>
/// The .BTF.ext section: per program section, function info (BTF FUNC per subprogram), line info and CO-RE
/// relocation records. Instruction offsets are kept as clang writes them (bytes from the start of the section).
/// </summary>
internal sealed class BtfExt
{
    internal Dictionary<string, List<BtfFuncInfo>> FuncInfos { get; } = new(StringComparer.Ordinal);
    internal Dictionary<string, List<BtfLineInfo>> LineInfos { get; } = new(StringComparer.Ordinal);
    internal Dictionary<string, List<BtfCoreRelocation>> CoreRelocations { get; } = new(StringComparer.Ordinal);

    internal static BtfExt Parse(ReadOnlySpan<byte> blob, BtfTypes btf, string objectName)
    {
        const string section = ".BTF.ext";
        BpfObjectException Bad(string m) => new(objectName, section, m);
        if (blob.Length < 24) throw Bad($"section is {blob.Length} bytes, too short for its header.");
        if (BinaryPrimitives.ReadUInt16LittleEndian(blob) != BtfTypes.Magic) throw Bad("bad magic (expected 0xeb9f).");
        if (blob[2] != 1) throw Bad($"version {blob[2]} is not supported (expected 1).");
        uint hdrLen = BinaryPrimitives.ReadUInt32LittleEndian(blob[4..]);
        if (hdrLen < 24 || hdrLen > (uint)blob.Length) throw Bad($"header length {hdrLen} is invalid for a {blob.Length}-byte section.");
        var ext = new BtfExt();
        var body = blob[(int)hdrLen..];
        ReadInfo(body, blob[8..], "func_info", 8, btf, Bad, (sec, r) =>
            Add(ext.FuncInfos, sec, new BtfFuncInfo(BinaryPrimitives.ReadUInt32LittleEndian(r), BinaryPrimitives.ReadUInt32LittleEndian(r[4..]))));
        ReadInfo(body, blob[16..], "line_info", 16, btf, Bad, (sec, r) =>
            Add(ext.LineInfos, sec, new BtfLineInfo(BinaryPrimitives.ReadUInt32LittleEndian(r), BinaryPrimitives.ReadUInt32LittleEndian(r[4..]),
                BinaryPrimitives.ReadUInt32LittleEndian(r[8..]), BinaryPrimitives.ReadUInt32LittleEndian(r[12..]))));
        if (hdrLen >= 32)
            ReadInfo(body, blob[24..], "core_relo", 16, btf, Bad, (sec, r) =>
                Add(ext.CoreRelocations, sec, new BtfCoreRelocation(BinaryPrimitives.ReadUInt32LittleEndian(r), BinaryPrimitives.ReadUInt32LittleEndian(r[4..]),
                    BinaryPrimitives.ReadUInt32LittleEndian(r[8..]), BinaryPrimitives.ReadUInt32LittleEndian(r[12..]))));
        return ext;
    }

    private static void Add<T>(Dictionary<string, List<T>> to, string section, T item)
    {
        if (!to.TryGetValue(section, out var list)) to[section] = list = [];
        list.Add(item);
    }

    private delegate void RecordReader(string section, ReadOnlySpan<byte> record);

    private static void ReadInfo(ReadOnlySpan<byte> body, ReadOnlySpan<byte> offLen, string what, int minRecord, BtfTypes btf,
        Func<string, BpfObjectException> bad, RecordReader read)
    {
        uint off = BinaryPrimitives.ReadUInt32LittleEndian(offLen), len = BinaryPrimitives.ReadUInt32LittleEndian(offLen[4..]);
        if (len == 0) return;
        if ((ulong)off + len > (ulong)body.Length) throw bad($"{what} (offset {off}, length {len}) lies outside the section.");
        var data = body.Slice((int)off, (int)len);
        if (data.Length < 4) throw bad($"{what} is too short for its record size.");
        uint recSize = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (recSize < minRecord || recSize > 1024 || recSize % 4 != 0) throw bad($"{what} record size {recSize} is invalid (expected at least {minRecord}).");
        int pos = 4;
        while (pos < data.Length)
        {
            if (data.Length - pos < 8) throw bad($"{what} block header at offset {pos} is truncated.");
            uint secNameOff = BinaryPrimitives.ReadUInt32LittleEndian(data[pos..]);
            uint count = BinaryPrimitives.ReadUInt32LittleEndian(data[(pos + 4)..]);
            pos += 8;
            string section = btf.StringAt(secNameOff) ?? throw bad($"{what} block names section string {secNameOff}, outside the BTF string table.");
            if ((ulong)count * recSize > (ulong)(data.Length - pos)) throw bad($"{what} for section {section} claims {count} records, more than the section holds.");
            for (uint i = 0; i < count; i++, pos += (int)recSize)
                read(section, data.Slice(pos, (int)recSize));
        }
    }
}

/// <summary><c>struct bpf_func_info</c>: <see cref="InstructionOffset"/> is in bytes in the object, in instructions for the kernel.</summary>
internal readonly record struct BtfFuncInfo(uint InstructionOffset, uint TypeId);

/// <summary><c>struct bpf_line_info</c>.</summary>
internal readonly record struct BtfLineInfo(uint InstructionOffset, uint FileNameOffset, uint LineOffset, uint LineColumn);

/// <summary><c>struct bpf_core_relo</c>.</summary>
internal readonly record struct BtfCoreRelocation(uint InstructionOffset, uint TypeId, uint AccessStringOffset, uint Kind);
