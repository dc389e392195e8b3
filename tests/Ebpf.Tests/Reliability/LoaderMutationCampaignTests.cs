using System.Buffers.Binary;
using System.Diagnostics;
using Ebpf.Tests.Loader;

namespace Ebpf.Tests.Reliability;

/// <summary>
/// A deterministic mutation campaign over every committed BPF object: bit flips, truncation at section boundaries, and
/// ELF/section/BTF header fields zeroed or maxed. Every mutant must parse or fail with <see cref="BpfObjectException"/>
/// naming the object, within a time bound; nothing else (no IndexOutOfRange, no overflow, no hang, no crash).
/// </summary>
public sealed class LoaderMutationCampaignTests(ITestOutputHelper output)
{
    private const int MutantsPerObject = 1200;
    private static readonly TimeSpan PerInputBound = TimeSpan.FromSeconds(2);

    public static TheoryData<string> Objects()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(AppContext.BaseDirectory, "objects"), "*.bpf.o").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Fact]
    public void The_campaign_covers_at_least_ten_thousand_mutants() =>
        Assert.True(Objects().Count * MutantsPerObject >= 10_000, $"{Objects().Count} objects × {MutantsPerObject} mutants");

    [Theory]
    [MemberData(nameof(Objects))]
    public void Every_mutant_parses_or_fails_with_a_bpf_object_exception(string objectFile)
    {
        byte[] original = TestObjectFiles.Bytes(objectFile);
        var random = new Random(Seed(objectFile)); // deterministic: string.GetHashCode is randomised per process
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);
        var slowest = TimeSpan.Zero;
        for (int i = 0; i < MutantsPerObject; i++)
        {
            byte[] mutant = Mutate(original, random, i);
            var watch = Stopwatch.StartNew();
            string outcome;
            try
            {
                BpfObjectSpec.FromBytes(mutant, "mutant.o");
                outcome = "parsed";
            }
            catch (BpfObjectException e)
            {
                Assert.Equal("mutant.o", e.ObjectName);
                Assert.Contains("mutant.o", e.Message, StringComparison.Ordinal);
                outcome = nameof(BpfObjectException);
            }
            catch (Exception e)
            {
                Assert.Fail($"{objectFile} mutant {i}: {e.GetType().Name} instead of BpfObjectException: {e}");
                throw;
            }
            watch.Stop();
            if (watch.Elapsed > slowest) slowest = watch.Elapsed;
            Assert.True(watch.Elapsed < PerInputBound, $"{objectFile} mutant {i} took {watch.Elapsed.TotalMilliseconds} ms");
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        output.WriteLine($"{objectFile}: {string.Join(", ", outcomes.Select(kv => $"{kv.Key} {kv.Value}"))}; slowest {slowest.TotalMilliseconds:F1} ms");
        Assert.True(outcomes.GetValueOrDefault(nameof(BpfObjectException)) > 0, "no mutant was rejected: the mutations do not reach the parser");
    }

    [Theory]
    [MemberData(nameof(Objects))]
    public void A_btf_modifier_cycle_is_an_error_not_a_stack_overflow(string objectFile)
    {
        byte[] elf = TestObjectFiles.Bytes(objectFile);
        int btf = TestObjectFiles.SectionDataOffset(elf, ".BTF");
        int cycles = PointModifiersAtThemselves(elf, btf);
        Assert.True(cycles > 0, "the object's BTF has no typedef/pointer/modifier to turn into a cycle");
        var e = Record.Exception(() => BpfObjectSpec.FromBytes(elf, "cyclic.o"));
        // Parsing may not need to resolve a cyclic type (then it succeeds); when it does, the cap must turn it into an error.
        if (e is not null) Assert.IsType<BpfObjectException>(e);
    }

    private static int Seed(string name)
    {
        int h = 17;
        foreach (char c in name) h = h * 31 + c;
        return h;
    }

    /// <summary>Makes every typedef, pointer and modifier in the BTF blob at <paramref name="btf"/> point at itself.</summary>
    private static int PointModifiersAtThemselves(byte[] elf, int btf)
    {
        var span = elf.AsSpan(btf);
        uint hdrLen = BinaryPrimitives.ReadUInt32LittleEndian(span[4..]);
        uint typeOff = BinaryPrimitives.ReadUInt32LittleEndian(span[8..]);
        uint typeLen = BinaryPrimitives.ReadUInt32LittleEndian(span[12..]);
        int pos = (int)(hdrLen + typeOff), end = pos + (int)typeLen, changed = 0;
        for (uint id = 1; pos + 12 <= end; id++)
        {
            uint info = BinaryPrimitives.ReadUInt32LittleEndian(span[(pos + 4)..]);
            int kind = (int)((info >> 24) & 0x1f), vlen = (int)(info & 0xffff);
            if (kind is 2 or 8 or 9 or 10 or 11 or 18) // pointer, typedef, volatile, const, restrict, type tag
            {
                BinaryPrimitives.WriteUInt32LittleEndian(span[(pos + 8)..], id);
                changed++;
            }
            pos += 12 + kind switch
            {
                1 => 4,                  // int
                3 => 12,                 // array
                4 or 5 => 12 * vlen,     // struct, union
                6 => 8 * vlen,           // enum
                13 => 8 * vlen,          // func proto
                14 => 4,                 // var
                15 => 12 * vlen,         // datasec
                17 => 4,                 // decl tag
                19 => 12 * vlen,         // enum64
                _ => 0,
            };
        }
        return changed;
    }

    private static byte[] Mutate(byte[] original, Random random, int i)
    {
        byte[] m = (byte[])original.Clone();
        int shoff = (int)BinaryPrimitives.ReadUInt64LittleEndian(m.AsSpan(40));
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(m.AsSpan(60));
        switch (i % 5)
        {
            case 0: // a few random bit flips anywhere
                for (int k = random.Next(1, 9); k > 0; k--) m[random.Next(m.Length)] ^= (byte)(1 << random.Next(8));
                return m;
            case 1: // truncation at a section boundary (or at a random point)
            {
                int section = random.Next(shnum);
                int at = shoff + section * 64 + 24 <= m.Length - 8
                    ? (int)Math.Min((ulong)m.Length - 1, BinaryPrimitives.ReadUInt64LittleEndian(m.AsSpan(shoff + section * 64 + 24)))
                    : random.Next(m.Length);
                return m[..Math.Max(0, at + random.Next(-1, 2))];
            }
            case 2: // an ELF header field zeroed or maxed
            {
                int[] fields = [16, 18, 20, 24, 32, 40, 48, 52, 54, 56, 58, 60, 62];
                int f = fields[random.Next(fields.Length)];
                int width = f is 24 or 32 or 40 ? 8 : f is 20 or 48 ? 4 : 2;
                m.AsSpan(f, width).Fill(random.Next(2) == 0 ? (byte)0 : (byte)0xff);
                return m;
            }
            case 3: // a section header field (name, type, flags, addr, offset, size, link, info, align, entsize) zeroed or maxed
            {
                int h = shoff + random.Next(shnum) * 64;
                int[] fields = [0, 4, 8, 16, 24, 32, 40, 44, 48, 56];
                int f = fields[random.Next(fields.Length)];
                int width = f is 0 or 4 or 40 or 44 ? 4 : 8;
                if (h + f + width <= m.Length) m.AsSpan(h + f, width).Fill(random.Next(2) == 0 ? (byte)0 : (byte)0xff);
                return m;
            }
            default: // corrupt .BTF: header fields, or bytes in its type area
            {
                int btf;
                try { btf = TestObjectFiles.SectionDataOffset(m, ".BTF"); }
                catch (InvalidOperationException) { btf = random.Next(m.Length - 32); }
                if (random.Next(2) == 0)
                {
                    int f = 4 * random.Next(1, 6); // hdr_len, type_off, type_len, str_off, str_len
                    BinaryPrimitives.WriteUInt32LittleEndian(m.AsSpan(btf + f), random.Next(3) switch { 0 => 0u, 1 => uint.MaxValue, _ => (uint)random.Next() });
                }
                else
                {
                    for (int k = random.Next(1, 5); k > 0; k--)
                    {
                        int at = btf + 24 + random.Next(Math.Max(1, Math.Min(4096, m.Length - btf - 24)));
                        if (at < m.Length) m[at] = (byte)random.Next(256);
                    }
                }
                return m;
            }
        }
    }
}
