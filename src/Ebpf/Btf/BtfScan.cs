using System.Buffers.Binary;
using System.Text;

namespace Ebpf.Btf;

/// <summary>
/// Finds a type by name and kind in a raw BTF blob searched once (a loaded program's BTF, for example) without parsing
/// it into objects: one walk, nothing allocated per type. The kernel's BTF, which every load searches, is indexed
/// instead (<see cref="BtfTypes.Index"/>, <see cref="BtfNameIndex"/>).
/// </summary>
internal static class BtfScan
{
    /// <summary>The id of the first type named <paramref name="name"/> of kind <paramref name="kind"/>, or 0 when none.</summary>
    /// <exception cref="BpfObjectException">The blob is malformed (named after <paramref name="source"/>).</exception>
    internal static uint FindFirst(ReadOnlySpan<byte> blob, string name, BtfKind kind, string source)
    {
        BpfObjectException Bad(string m) => new(source, null, m);
        if (blob.Length < 24 || BinaryPrimitives.ReadUInt16LittleEndian(blob) != BtfTypes.Magic)
            throw Bad("not a little-endian BTF blob (bad magic or shorter than its header).");
        uint hdrLen = BinaryPrimitives.ReadUInt32LittleEndian(blob[4..]);
        uint typeOff = BinaryPrimitives.ReadUInt32LittleEndian(blob[8..]);
        uint typeLen = BinaryPrimitives.ReadUInt32LittleEndian(blob[12..]);
        uint strOff = BinaryPrimitives.ReadUInt32LittleEndian(blob[16..]);
        uint strLen = BinaryPrimitives.ReadUInt32LittleEndian(blob[20..]);
        if (hdrLen < 24 || hdrLen > (uint)blob.Length
            || (ulong)typeOff + typeLen > (ulong)blob.Length - hdrLen || (ulong)strOff + strLen > (ulong)blob.Length - hdrLen)
            throw Bad("BTF header points outside the blob.");
        var types = blob.Slice((int)(hdrLen + typeOff), (int)typeLen);
        var strings = blob.Slice((int)(hdrLen + strOff), (int)strLen);

        // The name with its NUL: a prefix match of the string table entry is then an exact match.
        ReadOnlySpan<byte> wanted = Encoding.UTF8.GetBytes(name + "\0");

        int pos = 0;
        uint id = 0;
        while (pos < types.Length)
        {
            if (types.Length - pos < 12) throw Bad($"BTF type {id + 1} is truncated.");
            id++;
            uint nameOff = BinaryPrimitives.ReadUInt32LittleEndian(types[pos..]);
            uint info = BinaryPrimitives.ReadUInt32LittleEndian(types[(pos + 4)..]);
            var k = (BtfKind)((info >> 24) & 0x1f);
            int vlen = (int)(info & 0xffff);
            pos += 12;
            if (k == kind && nameOff < (uint)strings.Length && strings[(int)nameOff..].StartsWith(wanted)) return id;
            pos += k switch
            {
                BtfKind.Int or BtfKind.Variable or BtfKind.DeclTag => 4,
                BtfKind.Array => 12,
                BtfKind.Struct or BtfKind.Union or BtfKind.DataSection or BtfKind.Enum64 => 12 * vlen,
                BtfKind.Enum or BtfKind.FunctionProto => 8 * vlen,
                BtfKind.Pointer or BtfKind.Forward or BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict
                    or BtfKind.Function or BtfKind.Float or BtfKind.TypeTag => 0,
                _ => throw Bad($"BTF type {id} has unknown kind {(int)k}."),
            };
            if (pos > types.Length) throw Bad($"BTF type {id} runs past the end of the type section.");
        }
        return 0;
    }
}
