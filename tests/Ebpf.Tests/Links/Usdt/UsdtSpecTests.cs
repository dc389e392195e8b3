using System.Buffers.Binary;
using Ebpf.Links.Usdt;

namespace Ebpf.Tests.Links.Usdt;

public sealed class UsdtSpecTests
{
    [Fact]
    public void Encodes_struct___bpf_usdt_spec_as_usdt_bpf_h_lays_it_out()
    {
        var args = UsdtArgumentParser.Parse("-4@%esi -8@-16(%rbp) 2@$7", UsdtArgumentParser.EM_X86_64);
        var bytes = UsdtSpec.Encode(args, 0x1122334455667788, UsdtSpec.Size);
        Assert.Equal(208, bytes.Length);
        // args[0]: register rsi (pt_regs offset 104), signed, 4 bytes -> shift 32.
        Assert.Equal(0L, BinaryPrimitives.ReadInt64LittleEndian(bytes));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)));
        Assert.Equal((short)104, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(12)));
        Assert.Equal(1, bytes[14]);
        Assert.Equal(32, bytes[15]);
        // args[1] at 16: deref of rbp (32) at -16, signed, 8 bytes -> shift 0.
        Assert.Equal(-16L, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(24)));
        Assert.Equal((short)32, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(28)));
        Assert.Equal(1, bytes[30]);
        Assert.Equal(0, bytes[31]);
        // args[2] at 32: constant 7, unsigned, 2 bytes -> shift 48.
        Assert.Equal(7L, BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(32)));
        Assert.Equal(0u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(40)));
        Assert.Equal(0, bytes[46]);
        Assert.Equal(48, bytes[47]);
        Assert.All(bytes[48..192], b => Assert.Equal(0, b));
        Assert.Equal(0x1122334455667788ul, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(192)));
        Assert.Equal((short)3, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(200)));
    }

    [Fact]
    public void Spec_size_follows_the_map_and_refuses_one_too_small()
    {
        Assert.Equal(256, UsdtSpec.Encode([], 0, 256).Length);
        Assert.Equal(202, UsdtSpec.MinimumSize);
        Assert.Throws<ArgumentOutOfRangeException>(() => UsdtSpec.Encode([], 0, 201));
    }
}
