using System.Globalization;
using System.Text.RegularExpressions;
using Ebpf.Asm;
using Ebpf.Elf;

namespace Ebpf.Tests.Asm;

/// <summary>
/// The assembler and the disassembler against an independent tool: <c>llvm-objdump -d</c> of committed test objects
/// (tests/testdata/asm/*.objdump; regenerate with <c>cd tests/testdata &amp;&amp; llvm-objdump -d X.bpf.o &gt;
/// asm/X.bpf.objdump</c> after rebuilding X). For every instruction llvm lists: its bytes are the object's; our
/// disassembly says what llvm's text says (the two syntaxes differ only in spacing, number bases and annotations); and
/// the assembler, given what llvm's text says, produces exactly llvm's bytes.
/// </summary>
public partial class LlvmObjdumpTests
{
    public static TheoryData<string> Dumps() => [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "asm"), "*.objdump").Select(f => Path.GetFileName(f))];

    private sealed record Line(string Section, int Index, byte[] Bytes, string Text);

    private static List<Line> Read(string dump)
    {
        var lines = new List<Line>();
        string section = "";
        foreach (var raw in File.ReadLines(Path.Combine(AppContext.BaseDirectory, "asm", dump)))
        {
            var s = SectionLine().Match(raw);
            if (s.Success)
            {
                section = s.Groups[1].Value;
                continue;
            }
            var m = InstructionLine().Match(raw);
            if (!m.Success) continue;
            var bytes = m.Groups[2].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(b => byte.Parse(b, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
            lines.Add(new Line(section, int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), bytes, m.Groups[3].Value.Trim()));
        }
        Assert.NotEmpty(lines);
        return lines;
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public void The_listed_bytes_are_the_objects_instructions(string dump)
    {
        string obj = dump.Replace(".objdump", ".o", StringComparison.Ordinal);
        var elf = ElfFile.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "objects", obj)), obj);
        foreach (var line in Read(dump))
        {
            var code = elf.FindSection(line.Section) ?? throw new InvalidOperationException($"{obj} has no section {line.Section}");
            Assert.True(code.Data.Span.Slice(line.Index * 8, line.Bytes.Length).SequenceEqual(line.Bytes),
                $"{dump} is stale for {line.Section}:{line.Index}; regenerate it (see this class's summary).");
        }
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public void The_disassembly_says_what_llvm_says(string dump)
    {
        foreach (var line in Read(dump))
        {
            var insns = Instruction.FromBytes(line.Bytes);
            string ours = Disassembler.Format(insns[0], insns.Length > 1 ? insns[1] : default);
            Assert.True(Normalize(ours) == Normalize(line.Text), $"{dump} {line.Section}:{line.Index}: ours '{ours}', llvm '{line.Text}'");
        }
    }

    [Theory]
    [MemberData(nameof(Dumps))]
    public void Assembling_llvms_text_gives_llvms_bytes(string dump)
    {
        foreach (var line in Read(dump))
        {
            var assembled = Assemble(line.Text);
            Assert.True(Instruction.AsBytes(assembled).SequenceEqual(line.Bytes),
                $"{dump} {line.Section}:{line.Index} '{line.Text}': llvm {Convert.ToHexString(line.Bytes)}, ours {Convert.ToHexString(Instruction.AsBytes(assembled))}");
        }
    }

    /// <summary>Both syntaxes without their differences: no spaces, no "(op)" prefix, no "pc", no "&lt;label&gt;", no
    /// "ll", helpers by number, and every number by value (32-bit ones as the signed int the instruction holds).</summary>
    private static string Normalize(string text)
    {
        text = Regex.Replace(text, @"^\([0-9a-f]{2}\) ", "");
        text = Regex.Replace(text, @" <[^<>]*>$", "");
        text = Regex.Replace(text, @"\bll\b", "");
        text = Regex.Replace(text, @"call [a-z_0-9]+#(-?\d+)", "call $1");
        text = text.Replace("pc", "", StringComparison.Ordinal);
        text = Regex.Replace(text, @"(?<![\w])(-?)(0x[0-9a-f]+|\d+)\b", m =>
        {
            string digits = m.Groups[2].Value;
            ulong magnitude = digits.StartsWith("0x", StringComparison.Ordinal)
                ? ulong.Parse(digits[2..], NumberStyles.HexNumber, CultureInfo.InvariantCulture)
                : ulong.Parse(digits, CultureInfo.InvariantCulture);
            long value = m.Groups[1].Value == "-" ? -(long)magnitude : (long)magnitude;
            if (value is >= int.MinValue and <= uint.MaxValue) value = unchecked((int)(uint)value);
            return value.ToString(CultureInfo.InvariantCulture);
        });
        return Regex.Replace(text, @"\s+", "");
    }

    /// <summary>llvm's text, assembled with <see cref="Assembler"/>. A jump or call with distance N gets a label N
    /// instructions away; "call -N" is a BPF-to-BPF call (helpers have positive ids; llvm prints an unrelocated
    /// pseudo call's raw immediate).</summary>
    private static Instruction[] Assemble(string text)
    {
        Match m;
        if (text == "exit") return new Assembler().Exit().Build();
        if ((m = Regex.Match(text, @"^r(\d+) = (-?\d+) ll$")).Success)
            return new Assembler().LoadImm64(R(m, 1), long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)).Build();
        if ((m = Regex.Match(text, @"^([rw])(\d+) = -\1\2$")).Success)
            return Wide(m) ? new Assembler().Negate(R(m, 2)).Build() : new Assembler().Alu32(AluOperation.Negate, R(m, 2), 0).Build();
        if ((m = Regex.Match(text, @"^r(\d+) = (be|le)(16|32|64) r\1$")).Success)
            return m.Groups[2].Value == "be" ? new Assembler().ToBigEndian(R(m, 1), Int(m, 3)).Build() : new Assembler().ToLittleEndian(R(m, 1), Int(m, 3)).Build();
        if ((m = Regex.Match(text, @"^r(\d+) = \*\(u(8|16|32|64) \*\)\(r(\d+) ([+-]) (\d+)\)$")).Success)
            return new Assembler().Load(Size(m, 2), R(m, 1), R(m, 3), Offset(m, 4, 5)).Build();
        if ((m = Regex.Match(text, @"^\*\(u(8|16|32|64) \*\)\(r(\d+) ([+-]) (\d+)\) = r(\d+)$")).Success)
            return new Assembler().Store(Size(m, 1), R(m, 2), Offset(m, 3, 4), R(m, 5)).Build();
        if ((m = Regex.Match(text, @"^\*\(u(8|16|32|64) \*\)\(r(\d+) ([+-]) (\d+)\) = (-?\d+)$")).Success)
            return new Assembler().Store(Size(m, 1), R(m, 2), Offset(m, 3, 4), Int(m, 5)).Build();
        if ((m = Regex.Match(text, @"^lock \*\(u(32|64) \*\)\(r(\d+) ([+-]) (\d+)\) \+= [rw](\d+)$")).Success)
            return new Assembler().AtomicAdd(Size(m, 1), R(m, 2), Offset(m, 3, 4), R(m, 5)).Build();
        if ((m = Regex.Match(text, @"^([rw])(\d+) (=|\+=|-=|\*=|/=|\|=|&=|<<=|>>=|s>>=|\^=|%=) (?:([rw])(\d+)|(-?\d+))$")).Success)
        {
            var op = AluOps[m.Groups[3].Value];
            var a = new Assembler();
            if (m.Groups[4].Success) return (Wide(m) ? a.Alu(op, R(m, 2), R(m, 5)) : a.Alu32(op, R(m, 2), R(m, 5))).Build();
            return (Wide(m) ? a.Alu(op, R(m, 2), Int(m, 6)) : a.Alu32(op, R(m, 2), Int(m, 6))).Build();
        }
        if ((m = Regex.Match(text, @"^if ([rw])(\d+) (==|!=|>|>=|<|<=|s>|s>=|s<|s<=|&) (?:[rw](\d+)|(-?\d+)) goto ([+-]\d+)")).Success)
        {
            var op = JumpOps[m.Groups[3].Value];
            var dst = R(m, 2);
            bool wide = Wide(m);
            return Away(Int(m, 6), (a, label) => m.Groups[4].Success
                ? (wide ? a.JumpIf(op, dst, R(m, 4), label) : a.JumpIf32(op, dst, R(m, 4), label))
                : (wide ? a.JumpIf(op, dst, Int(m, 5), label) : a.JumpIf32(op, dst, Int(m, 5), label)));
        }
        if ((m = Regex.Match(text, @"^goto ([+-]\d+)")).Success)
            return Away(Int(m, 1), (a, label) => a.Jump(label));
        if ((m = Regex.Match(text, @"^call (-?\d+)$")).Success)
        {
            int n = Int(m, 1);
            return n >= 0 ? new Assembler().Call(n).Build() : Away(n, (a, label) => a.CallFunction(label));
        }
        throw new InvalidOperationException($"The test's parser does not know '{text}'.");
    }

    /// <summary>Assembles one instruction that refers to a label <paramref name="distance"/> instructions after it, and
    /// returns just that instruction.</summary>
    private static Instruction[] Away(int distance, Func<Assembler, string, Assembler> emit)
    {
        var a = new Assembler();
        if (distance < 0)
        {
            a.Label("t");
            for (int i = 0; i < -distance - 1; i++) a.Exit();
            int at = a.Count;
            return [emit(a, "t").Build()[at]];
        }
        emit(a, "t");
        for (int i = 0; i < distance; i++) a.Exit();
        return [a.Label("t").Exit().Build()[0]];
    }

    private static readonly Dictionary<string, AluOperation> AluOps = new()
    {
        ["="] = AluOperation.Move, ["+="] = AluOperation.Add, ["-="] = AluOperation.Sub, ["*="] = AluOperation.Mul, ["/="] = AluOperation.Div,
        ["|="] = AluOperation.Or, ["&="] = AluOperation.And, ["<<="] = AluOperation.LeftShift, [">>="] = AluOperation.RightShift,
        ["s>>="] = AluOperation.ArithmeticRightShift, ["^="] = AluOperation.Xor, ["%="] = AluOperation.Mod,
    };

    private static readonly Dictionary<string, JumpOperation> JumpOps = new()
    {
        ["=="] = JumpOperation.Equal, ["!="] = JumpOperation.NotEqual, [">"] = JumpOperation.Greater, [">="] = JumpOperation.GreaterOrEqual,
        ["<"] = JumpOperation.Less, ["<="] = JumpOperation.LessOrEqual, ["s>"] = JumpOperation.SignedGreater, ["s>="] = JumpOperation.SignedGreaterOrEqual,
        ["s<"] = JumpOperation.SignedLess, ["s<="] = JumpOperation.SignedLessOrEqual, ["&"] = JumpOperation.BitsSet,
    };

    private static bool Wide(Match m) => m.Groups[1].Value == "r";

    private static Register R(Match m, int group) => (Register)int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture);

    private static int Int(Match m, int group) => int.Parse(m.Groups[group].Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static short Offset(Match m, int sign, int magnitude) => (short)((m.Groups[sign].Value == "-" ? -1 : 1) * Int(m, magnitude));

    private static MemorySize Size(Match m, int group) => m.Groups[group].Value switch
    {
        "8" => MemorySize.Byte, "16" => MemorySize.Half, "32" => MemorySize.Word, _ => MemorySize.DoubleWord,
    };

    [GeneratedRegex(@"^Disassembly of section (.+):$")]
    private static partial Regex SectionLine();

    [GeneratedRegex(@"^\s*(\d+):\t((?:[0-9a-f]{2} )+[0-9a-f]{2})\t(.*)$")]
    private static partial Regex InstructionLine();
}
