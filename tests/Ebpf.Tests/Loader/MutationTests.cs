using System.Buffers.Binary;

namespace Ebpf.Tests.Loader;

/// <summary>
/// Deterministic fuzzing: thousands of corrupted copies of a real object (bit flips, truncations, header fields set to
/// extreme values). Parsing each must either succeed or throw <see cref="BpfObjectException"/>: never another exception
/// type, never a hang, never a huge allocation.
/// </summary>
public sealed class MutationTests
{
    [Theory]
    [InlineData("loader_basic.bpf.o", 1)]
    [InlineData("loader_verifier_fail.bpf.o", 2)]
    [InlineData("loader_externs.bpf.o", 3)]
    [InlineData("loader_externs.bpf.o", 4)]
    public void Corrupted_objects_fail_only_with_BpfObjectException(string objectName, int seed)
    {
        var original = TestObjectFiles.Bytes(objectName);
        var random = new Random(seed);
        int shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(original.AsSpan(40));
        int btf = TestObjectFiles.SectionDataOffset(original, ".BTF");
        int parsed = 0, rejected = 0;
        for (int i = 0; i < 2000; i++)
        {
            var mutant = Mutate(original, random, shoff, btf);
            try
            {
                BpfObjectSpec.FromBytes(mutant, "mutant.o");
                parsed++;
            }
            catch (BpfObjectException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"mutant {i} (seed {seed}) threw {e.GetType().Name} instead of BpfObjectException: {e}");
            }
        }
        // Both outcomes must occur, or the mutations are not exercising the parser.
        Assert.True(parsed > 0 && rejected > 0, $"parsed {parsed}, rejected {rejected}");
    }

    /// <summary>The extern DATASECs (.kconfig, .ksyms), their VARs and FUNCs sit at the end of the BTF type section:
    /// corrupt words there, where the extern collector reads and rewrites.</summary>
    [Fact]
    public void Corrupted_extern_btf_fails_only_with_BpfObjectException()
    {
        var original = TestObjectFiles.Bytes("loader_externs.bpf.o");
        int btf = TestObjectFiles.SectionDataOffset(original, ".BTF");
        int hdrLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(original.AsSpan(btf + 4));
        int typeEnd = btf + hdrLen + (int)BinaryPrimitives.ReadUInt32LittleEndian(original.AsSpan(btf + 8)) + (int)BinaryPrimitives.ReadUInt32LittleEndian(original.AsSpan(btf + 12));
        var random = new Random(5);
        int parsed = 0, rejected = 0;
        for (int i = 0; i < 2000; i++)
        {
            var mutant = (byte[])original.Clone();
            for (int n = random.Next(1, 3); n > 0; n--) Poke(mutant, typeEnd - 4 - random.Next(600) * 4, random);
            try
            {
                BpfObjectSpec.FromBytes(mutant, "mutant.o");
                parsed++;
            }
            catch (BpfObjectException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"mutant {i} threw {e.GetType().Name} instead of BpfObjectException: {e}");
            }
        }
        Assert.True(parsed > 0 && rejected > 0, $"parsed {parsed}, rejected {rejected}");
    }

    private static byte[] Mutate(byte[] original, Random random, int shoff, int btf)
    {
        var m = (byte[])original.Clone();
        switch (random.Next(5))
        {
            case 0: // truncate
                return m[..random.Next(m.Length)];
            case 1: // flip a few bits anywhere
                for (int n = random.Next(1, 5); n > 0; n--) m[random.Next(m.Length)] ^= (byte)(1 << random.Next(8));
                return m;
            case 2: // corrupt a section header field
                Poke(m, shoff + random.Next((m.Length - shoff) / 4) * 4, random);
                return m;
            case 3: // corrupt the BTF header or types
                Poke(m, btf + random.Next(Math.Min(512, (m.Length - btf) / 4)) * 4, random);
                return m;
            default: // corrupt a random aligned word (symbols, relocations, code)
                Poke(m, random.Next(m.Length / 4) * 4, random);
                return m;
        }
    }

    private static readonly uint[] Extremes = [0, 1, 7, 8, 0xff, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_fff8, 0xffff_ffff];

    private static void Poke(byte[] m, int at, Random random)
    {
        if (at < 0 || at + 4 > m.Length) return;
        uint value = random.Next(3) == 0 ? (uint)random.Next() : Extremes[random.Next(Extremes.Length)];
        BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(at), value);
    }
}
