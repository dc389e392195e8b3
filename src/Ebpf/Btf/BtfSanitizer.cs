using System.Buffers.Binary;
using System.Text;

namespace Ebpf.Btf;

/// <summary>
/// Rewrites an object's BTF into kinds an older kernel accepts, as libbpf does, so maps keep their BTF and verifier
/// logs keep their source lines there: VAR and DECL_TAG become 1-byte INTs, DATASEC a STRUCT (dots in its name become
/// underscores), FLOAT an anonymous empty STRUCT of its size, TYPE_TAG a CONST, FUNC a TYPEDEF and FUNC_PROTO an ENUM,
/// global FUNCs static, and ENUM64 a UNION of a placeholder INT (appended as the last type). Type ids never change,
/// so map and program references to them stay valid.
/// </summary>
internal static class BtfSanitizer
{
    private const string Enum64Placeholder = "enum64_placeholder";

    /// <summary>The blob to load into a kernel with <paramref name="kernel"/>: <see cref="BtfTypes.Raw"/> itself when
    /// nothing needs rewriting, otherwise a rewritten copy.</summary>
    internal static byte[] Sanitize(BtfTypes btf, BtfFeatureSet kernel)
    {
        if (!Needs(btf, kernel)) return btf.Raw;
        var raw = (byte[])btf.Raw.Clone();
        var types = raw.AsSpan(btf.TypeStart);
        uint placeholder = 0;
        foreach (var t in btf.All)
        {
            if (t.Id == 0) continue;
            var record = types[t.RawPosition..];
            var body = record[12..];
            switch (t.Kind)
            {
                case BtfKind.Variable when !kernel.HasFlag(BtfFeatureSet.DataSection):
                case BtfKind.DeclTag when !kernel.HasFlag(BtfFeatureSet.DeclTag):
                    Write(record, info: BtfType.EncodeInfo(BtfKind.Int, 0), sizeOrType: 1);
                    BinaryPrimitives.WriteUInt32LittleEndian(body, 8); // unsigned, offset 0, 8 bits
                    break;
                case BtfKind.DataSection when !kernel.HasFlag(BtfFeatureSet.DataSection):
                    Write(record, info: BtfType.EncodeInfo(BtfKind.Struct, t.VLen), sizeOrType: t.SizeOrType);
                    ReplaceDots(raw, btf.StringStart, BinaryPrimitives.ReadUInt32LittleEndian(record), btf.StringLength);
                    for (int i = 0; i < t.Members.Count; i++)
                    {
                        var m = t.Members[i];
                        var member = body[(i * 12)..];
                        uint varName = m.Type < (uint)btf.Count ? NameOffset(types, btf[m.Type]) : 0;
                        BinaryPrimitives.WriteUInt32LittleEndian(member, varName);
                        BinaryPrimitives.WriteUInt32LittleEndian(member[4..], m.Type);
                        BinaryPrimitives.WriteUInt32LittleEndian(member[8..], m.Offset * 8);
                    }
                    break;
                case BtfKind.Float when !kernel.HasFlag(BtfFeatureSet.Float):
                    BinaryPrimitives.WriteUInt32LittleEndian(record, 0); // "float" is no struct name a C compiler accepts
                    Write(record, info: BtfType.EncodeInfo(BtfKind.Struct, 0), sizeOrType: t.SizeOrType);
                    break;
                case BtfKind.TypeTag when !kernel.HasFlag(BtfFeatureSet.TypeTag):
                    BinaryPrimitives.WriteUInt32LittleEndian(record, 0); // modifiers carry no name
                    Write(record, info: BtfType.EncodeInfo(BtfKind.Const, 0), sizeOrType: t.SizeOrType);
                    break;
                case BtfKind.FunctionProto when !kernel.HasFlag(BtfFeatureSet.Func):
                    Write(record, info: BtfType.EncodeInfo(BtfKind.Enum, t.VLen), sizeOrType: 4);
                    break;
                case BtfKind.Function when !kernel.HasFlag(BtfFeatureSet.Func):
                    Write(record, info: BtfType.EncodeInfo(BtfKind.Typedef, 0), sizeOrType: t.SizeOrType);
                    break;
                case BtfKind.Function when !kernel.HasFlag(BtfFeatureSet.FuncGlobal) && t.VLen != 0:
                    Write(record, info: BtfType.EncodeInfo(BtfKind.Function, 0), sizeOrType: t.SizeOrType);
                    break;
                case BtfKind.Enum when !kernel.HasFlag(BtfFeatureSet.Enum64) && t.KindFlag:
                    Write(record, info: BtfType.EncodeInfo(BtfKind.Enum, t.VLen), sizeOrType: t.SizeOrType); // signedness flag cleared
                    break;
                case BtfKind.Enum64 when !kernel.HasFlag(BtfFeatureSet.Enum64):
                    if (placeholder == 0) placeholder = (uint)btf.Count;
                    Write(record, info: BtfType.EncodeInfo(BtfKind.Union, t.VLen), sizeOrType: t.SizeOrType);
                    for (int i = 0; i < t.VLen; i++)
                    {
                        BinaryPrimitives.WriteUInt32LittleEndian(body[(i * 12 + 4)..], placeholder);
                        BinaryPrimitives.WriteUInt32LittleEndian(body[(i * 12 + 8)..], 0);
                    }
                    break;
            }
        }
        return placeholder == 0 ? raw : WithPlaceholderInt(raw, btf);
    }

    internal static bool Needs(BtfTypes btf, BtfFeatureSet kernel)
    {
        if (kernel == BtfFeatureSet.All) return false;
        foreach (var t in btf.All)
        {
            bool needs = t.Kind switch
            {
                BtfKind.Variable or BtfKind.DataSection => !kernel.HasFlag(BtfFeatureSet.DataSection),
                BtfKind.DeclTag => !kernel.HasFlag(BtfFeatureSet.DeclTag),
                BtfKind.Float => !kernel.HasFlag(BtfFeatureSet.Float),
                BtfKind.TypeTag => !kernel.HasFlag(BtfFeatureSet.TypeTag),
                BtfKind.FunctionProto => !kernel.HasFlag(BtfFeatureSet.Func),
                BtfKind.Function => !kernel.HasFlag(BtfFeatureSet.Func) || (!kernel.HasFlag(BtfFeatureSet.FuncGlobal) && t.VLen != 0),
                BtfKind.Enum => !kernel.HasFlag(BtfFeatureSet.Enum64) && t.KindFlag,
                BtfKind.Enum64 => !kernel.HasFlag(BtfFeatureSet.Enum64),
                _ => false,
            };
            if (needs) return true;
        }
        return false;
    }

    private static void Write(Span<byte> record, uint info, uint sizeOrType)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], info);
        BinaryPrimitives.WriteUInt32LittleEndian(record[8..], sizeOrType);
    }

    private static uint NameOffset(ReadOnlySpan<byte> types, BtfType t) => BinaryPrimitives.ReadUInt32LittleEndian(types[t.RawPosition..]);

    /// <summary>".rodata" → "_rodata": a STRUCT needs a valid C identifier as its name.</summary>
    private static void ReplaceDots(byte[] raw, int stringStart, uint offset, int stringLength)
    {
        for (int i = (int)offset; offset < (uint)stringLength && i < stringLength && raw[stringStart + i] != 0; i++)
            if (raw[stringStart + i] == (byte)'.') raw[stringStart + i] = (byte)'_';
    }

    /// <summary>The rewritten blob with one INT "enum64_placeholder" (size 1, 8 bits) appended as the last type.</summary>
    private static byte[] WithPlaceholderInt(byte[] raw, BtfTypes btf)
    {
        var placeholder = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(placeholder, (uint)btf.StringLength); // the name appended below
        Write(placeholder, BtfType.EncodeInfo(BtfKind.Int, 0), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(placeholder.AsSpan(12), 8);
        return btf.Appended(raw, placeholder, Encoding.ASCII.GetBytes(Enum64Placeholder + "\0"));
    }
}
