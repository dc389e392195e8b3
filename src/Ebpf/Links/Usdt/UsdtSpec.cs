using System.Buffers.Binary;

namespace Ebpf.Links.Usdt;

/// <summary>
/// The bytes of libbpf's <c>struct __bpf_usdt_spec</c> (usdt.bpf.h), the value of the <c>__bpf_usdt_specs</c> map:
/// 12 × <c>struct __bpf_usdt_arg_spec</c> { u64 val_off; u32 arg_type; s16 reg_off; bool arg_signed; s8 arg_bitshift; }
/// (16 bytes each), then u64 usdt_cookie at 192 and s16 arg_cnt at 200; 208 bytes with the tail padding.
/// </summary>
internal static class UsdtSpec
{
    internal const int ArgumentSize = 16, CookieOffset = UsdtArgumentParser.MaxArguments * ArgumentSize, CountOffset = CookieOffset + 8;

    /// <summary>The smallest value size a <c>__bpf_usdt_specs</c> map must have to hold the encoding (arg_cnt included).</summary>
    internal const int MinimumSize = CountOffset + 2;

    /// <summary>The size of the C struct (padded to its 8-byte alignment).</summary>
    internal const int Size = 208;

    internal static byte[] Encode(IReadOnlyList<UsdtArgument> arguments, ulong cookie, int valueSize = Size)
    {
        if (arguments.Count > UsdtArgumentParser.MaxArguments) throw new ArgumentException($"At most {UsdtArgumentParser.MaxArguments} arguments.", nameof(arguments));
        if (valueSize < MinimumSize) throw new ArgumentOutOfRangeException(nameof(valueSize), $"A __bpf_usdt_spec needs at least {MinimumSize} bytes.");
        var bytes = new byte[valueSize];
        for (int i = 0; i < arguments.Count; i++)
        {
            var a = arguments[i];
            var slot = bytes.AsSpan(i * ArgumentSize, ArgumentSize);
            BinaryPrimitives.WriteInt64LittleEndian(slot, a.Value);
            BinaryPrimitives.WriteUInt32LittleEndian(slot[8..], (uint)a.Kind);
            BinaryPrimitives.WriteInt16LittleEndian(slot[12..], a.RegisterOffset);
            slot[14] = a.Signed ? (byte)1 : (byte)0;
            slot[15] = a.BitShift;
        }
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(CookieOffset), cookie);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(CountOffset), (short)arguments.Count);
        return bytes;
    }
}
