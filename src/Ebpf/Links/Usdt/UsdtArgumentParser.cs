using System.Globalization;

namespace Ebpf.Links.Usdt;

/// <summary>
/// Parses the argument specification of a USDT note, the assembler operands <c>&lt;sys/sdt.h&gt;</c> records as
/// <c>SIZE@OPERAND</c> separated by spaces (SIZE negative for signed values; 1, 2, 4 or 8 bytes). x86-64 (AT&amp;T
/// syntax): <c>$IMM</c>, <c>%REG</c>, <c>OFF(%REG)</c>, <c>(%REG)</c>. arm64: <c>IMM</c>, <c>REG</c>, <c>[REG, OFF]</c>,
/// <c>[REG]</c>. Registers become offsets into the kernel's <c>struct pt_regs</c>, as libbpf's <c>usdt.bpf.h</c> reads them.
/// </summary>
internal static class UsdtArgumentParser
{
    /// <summary>libbpf's BPF_USDT_MAX_ARG_CNT.</summary>
    internal const int MaxArguments = 12;

    internal const ushort EM_X86_64 = 62, EM_AARCH64 = 183;

    // struct pt_regs on x86-64: r15 r14 r13 r12 bp bx r11 r10 r9 r8 ax cx dx si di orig_ax ip cs flags sp ss.
    private static readonly Dictionary<string, short> X86Registers = BuildX86();

    private static Dictionary<string, short> BuildX86()
    {
        var map = new Dictionary<string, short>(StringComparer.Ordinal);
        void Add(short offset, params string[] names)
        {
            foreach (var n in names) map[n] = offset;
        }
        Add(0, "r15", "r15d", "r15w", "r15b");
        Add(8, "r14", "r14d", "r14w", "r14b");
        Add(16, "r13", "r13d", "r13w", "r13b");
        Add(24, "r12", "r12d", "r12w", "r12b");
        Add(32, "rbp", "ebp", "bp", "bpl");
        Add(40, "rbx", "ebx", "bx", "bl");
        Add(48, "r11", "r11d", "r11w", "r11b");
        Add(56, "r10", "r10d", "r10w", "r10b");
        Add(64, "r9", "r9d", "r9w", "r9b");
        Add(72, "r8", "r8d", "r8w", "r8b");
        Add(80, "rax", "eax", "ax", "al");
        Add(88, "rcx", "ecx", "cx", "cl");
        Add(96, "rdx", "edx", "dx", "dl");
        Add(104, "rsi", "esi", "si", "sil");
        Add(112, "rdi", "edi", "di", "dil");
        Add(128, "rip", "eip");
        Add(152, "rsp", "esp", "sp", "spl");
        return map;
    }

    /// <summary>Parses <paramref name="spec"/> for a binary of machine <paramref name="machine"/> (e_machine).</summary>
    /// <exception cref="FormatException">An argument is malformed, names an unknown register, has an unsupported size,
    /// uses an addressing mode usdt.bpf.h cannot read, or there are more than <see cref="MaxArguments"/>.</exception>
    internal static UsdtArgument[] Parse(string spec, ushort machine)
    {
        var parts = spec.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length > MaxArguments)
            throw new FormatException($"{parts.Length} arguments; usdt.bpf.h reads at most {MaxArguments} (BPF_USDT_MAX_ARG_CNT).");
        var result = new UsdtArgument[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            try
            {
                result[i] = ParseOne(parts[i], machine);
            }
            catch (FormatException e)
            {
                throw new FormatException($"argument {i} '{parts[i]}': {e.Message}", e);
            }
        }
        return result;
    }

    internal static UsdtArgument ParseOne(string arg, ushort machine)
    {
        int at = arg.IndexOf('@', StringComparison.Ordinal);
        if (at <= 0) throw new FormatException("expected SIZE@LOCATION.");
        if (!int.TryParse(arg.AsSpan(0, at), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int size))
            throw new FormatException($"'{arg[..at]}' is not a size.");
        bool signed = size < 0;
        size = Math.Abs(size);
        if (size is not (1 or 2 or 4 or 8)) throw new FormatException($"size {size} is not 1, 2, 4 or 8 bytes.");
        string location = arg[(at + 1)..];
        var (kind, value, register) = machine switch
        {
            EM_X86_64 => X86Location(location),
            EM_AARCH64 => Arm64Location(location),
            _ => throw new FormatException($"USDT arguments of ELF machine {machine} are not supported (x86-64 and arm64 are)."),
        };
        return new UsdtArgument(kind, value, register, size, signed);
    }

    private static (UsdtArgumentKind, long, short) X86Location(string s)
    {
        if (s.StartsWith('$')) return (UsdtArgumentKind.Constant, Number(s[1..]), 0);
        if (s.StartsWith('%')) return (UsdtArgumentKind.Register, 0, X86Register(s[1..]));
        int open = s.IndexOf('(', StringComparison.Ordinal);
        if (open < 0 || !s.EndsWith(')')) throw new FormatException($"'{s}' is not $IMM, %REG, OFF(%REG) or (%REG).");
        string inner = s[(open + 1)..^1];
        if (inner.Contains(',', StringComparison.Ordinal))
            throw new FormatException($"'{s}' uses base+index*scale addressing, which usdt.bpf.h of libbpf 1.1 cannot read; compile the probe's arguments into a register or a simple memory operand.");
        if (!inner.StartsWith('%')) throw new FormatException($"'{inner}' is not a register.");
        string offset = s[..open];
        // gcc writes a global as SYMBOL(%rip): the symbol's address is not a number usdt.bpf.h can hold.
        return (UsdtArgumentKind.RegisterDeref, offset.Length == 0 ? 0 : Number(offset), X86Register(inner[1..]));
    }

    private static short X86Register(string name) =>
        X86Registers.TryGetValue(name, out short offset) ? offset : throw new FormatException($"'%{name}' is not an x86-64 register usdt.bpf.h can read.");

    private static (UsdtArgumentKind, long, short) Arm64Location(string s)
    {
        if (s.StartsWith('['))
        {
            if (!s.EndsWith(']')) throw new FormatException($"'{s}' is not [REG] or [REG, OFF].");
            var inner = s[1..^1].Split(',', StringSplitOptions.TrimEntries);
            if (inner.Length > 2) throw new FormatException($"'{s}' is not [REG] or [REG, OFF].");
            return (UsdtArgumentKind.RegisterDeref, inner.Length == 2 ? Number(inner[1]) : 0, Arm64Register(inner[0]));
        }
        if (s.Length > 0 && (char.IsAsciiDigit(s[0]) || s[0] == '-')) return (UsdtArgumentKind.Constant, Number(s), 0);
        return (UsdtArgumentKind.Register, 0, Arm64Register(s));
    }

    // struct user_pt_regs on arm64: regs[31], sp, pc, pstate.
    private static short Arm64Register(string name)
    {
        if (name == "sp") return 31 * 8;
        if (name.Length >= 2 && name[0] is 'x' or 'w' && int.TryParse(name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 0 and <= 30)
            return (short)(n * 8);
        throw new FormatException($"'{name}' is not an arm64 register usdt.bpf.h can read.");
    }

    private static long Number(string s)
    {
        var span = s.AsSpan().Trim();
        bool negative = span.StartsWith("-");
        if (negative || span.StartsWith("+")) span = span[1..];
        bool hex = span.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (hex) span = span[2..];
        if (!ulong.TryParse(span, hex ? NumberStyles.AllowHexSpecifier : NumberStyles.None, CultureInfo.InvariantCulture, out ulong magnitude) || span.IsEmpty)
            throw new FormatException($"'{s}' is not a number (a symbolic operand such as a global's name is not supported).");
        return negative ? unchecked(-(long)magnitude) : unchecked((long)magnitude);
    }
}
