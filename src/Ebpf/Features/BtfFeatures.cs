using System.Buffers.Binary;
using Ebpf.Btf;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Features;

/// <summary>
/// Which BTF kinds the running kernel accepts, probed once per process by loading a tiny BTF blob per feature (as
/// libbpf does). A probe refused for lack of privilege counts as supported: the real load then fails with the
/// permission error, which is the more useful message.
/// </summary>
internal static class BtfFeatures
{
    private static readonly Lazy<BtfFeatureSet> Probed = new(Probe);

    internal static BtfFeatureSet Kernel => Probed.Value;

    // Strings shared by every probe blob: offsets 1 "int", 5 "x", 7 ".data", 13 "tag", 17 "e", 19 "v", 21 "float".
    private static readonly byte[] Strings = "\0int\0x\0.data\0tag\0e\0v\0float\0"u8.ToArray();
    private const uint Int = 1, X = 5, Data = 7, Tag = 13, E = 17, V = 19, FloatName = 21;

    private static BtfFeatureSet Probe()
    {
        var set = BtfFeatureSet.None;
        uint intType = Info(BtfKind.Int, 0);
        uint[] int32 = [Int, intType, 4, (1u << 24) | 32]; // [1] signed 32-bit int
        if (Loads([.. int32, 0, Info(BtfKind.FunctionProto, 0), 0, X, Info(BtfKind.Function, 0), 2])) set |= BtfFeatureSet.Func;
        if (Loads([.. int32, 0, Info(BtfKind.FunctionProto, 0), 0, X, Info(BtfKind.Function, 1), 2])) set |= BtfFeatureSet.FuncGlobal;
        if (Loads([.. int32, X, Info(BtfKind.Variable, 0), 1, 1, Data, Info(BtfKind.DataSection, 1), 4, 2, 0, 4])) set |= BtfFeatureSet.DataSection;
        if (Loads([FloatName, Info(BtfKind.Float, 0), 4])) set |= BtfFeatureSet.Float;
        if (Loads([.. int32, X, Info(BtfKind.Variable, 0), 1, 1, Tag, Info(BtfKind.DeclTag, 0), 2, uint.MaxValue])) set |= BtfFeatureSet.DeclTag;
        if (Loads([.. int32, Tag, Info(BtfKind.TypeTag, 0), 1, 0, Info(BtfKind.Pointer, 0), 2])) set |= BtfFeatureSet.TypeTag;
        if (Loads([E, Info(BtfKind.Enum64, 1), 8, V, 1, 0])) set |= BtfFeatureSet.Enum64;
        return set;
    }

    private static uint Info(BtfKind kind, int vlen) => BtfType.EncodeInfo(kind, vlen);

    private static bool Loads(uint[] types)
    {
        var blob = new byte[24 + types.Length * 4 + Strings.Length];
        var span = blob.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(span, BtfTypes.Magic);
        span[2] = 1; // version
        BinaryPrimitives.WriteUInt32LittleEndian(span[4..], 24);
        BinaryPrimitives.WriteUInt32LittleEndian(span[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(span[12..], (uint)types.Length * 4);
        BinaryPrimitives.WriteUInt32LittleEndian(span[16..], (uint)types.Length * 4);
        BinaryPrimitives.WriteUInt32LittleEndian(span[20..], (uint)Strings.Length);
        for (int i = 0; i < types.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(span[(24 + i * 4)..], types[i]);
        Strings.CopyTo(span[(24 + types.Length * 4)..]);
        long r = BpfProg.TryLoadBtf(blob, default, 0);
        if (r >= 0)
        {
            _ = Libc.Close((int)r);
            return true;
        }
        return -r is Errno.EPERM or Errno.EACCES;
    }
}
