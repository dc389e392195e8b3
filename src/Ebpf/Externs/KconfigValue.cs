using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Ebpf.Externs;

/// <summary>
/// Stores kernel configuration values into <c>__kconfig</c> externs with libbpf's semantics: <c>y</c>/<c>n</c>/<c>m</c>
/// fit bool (m refused), tristate (n 0, y 1, m 2) and char (the letter); a quoted string fits a char array (truncated,
/// NUL-terminated); a number (decimal, 0x hex, 0 octal, as strtoull) fits an integer or char that can hold it.
/// Each method returns null on success or the reason the value does not fit.
/// </summary>
internal static class KconfigValue
{
    /// <summary>Stores <paramref name="value"/>, the text after <c>=</c> in a <c>.config</c> line, into <paramref name="destination"/>.</summary>
    internal static string? TrySet(in KconfigField field, string value, Span<byte> destination)
    {
        if (value.Length == 0) return "the value is empty";
        switch (value[0])
        {
            case 'y' or 'n' or 'm':
                return TrySetTristate(field, value[0], destination);
            case '"':
                return TrySetString(field, value, destination);
            default:
                if (!TryParseNumber(value, out ulong number))
                    return $"value '{value}' isn't a valid integer";
                if (field.Type is not (KconfigType.Int or KconfigType.Char))
                    return $"value '{value}' implies an integer type, but the extern is {Describe(field)}";
                return TrySetNumber(field, number, destination);
        }
    }

    /// <summary>y, n or m.</summary>
    internal static string? TrySetTristate(in KconfigField field, char value, Span<byte> destination)
    {
        switch (field.Type)
        {
            case KconfigType.Bool:
                if (value == 'm') return "value 'm' implies a tristate or char type, but the extern is a bool";
                destination[0] = value == 'y' ? (byte)1 : (byte)0;
                return null;
            case KconfigType.Tristate:
                uint tri = value switch { 'y' => 1u, 'm' => 2u, _ => 0u };
                Write(destination, field.Size, tri);
                return null;
            case KconfigType.Char:
                destination[0] = (byte)value;
                return null;
            default:
                return $"value '{value}' implies a bool, tristate or char type, but the extern is {Describe(field)}";
        }
    }

    /// <summary>A double-quoted string; the quotes are stripped, the rest truncated to leave room for the NUL.</summary>
    internal static string? TrySetString(in KconfigField field, string value, Span<byte> destination)
    {
        if (field.Type != KconfigType.CharArray)
            return $"value {value} implies a char array, but the extern is {Describe(field)}";
        if (value.Length < 2 || value[^1] != '"')
            return $"invalid string value {value} (expected \"...\")";
        var bytes = Encoding.UTF8.GetBytes(value[1..^1]);
        int length = Math.Min(bytes.Length, field.Size - 1);
        bytes.AsSpan(0, length).CopyTo(destination);
        destination[length..field.Size].Clear();
        return null;
    }

    /// <summary>A number, for integer, char and (0 or 1 only) bool externs; it must fit the extern's size and signedness.</summary>
    internal static string? TrySetNumber(in KconfigField field, ulong value, Span<byte> destination)
    {
        if (field.Type is not (KconfigType.Int or KconfigType.Char or KconfigType.Bool))
            return $"value {value} implies an integer, char or bool type, but the extern is {Describe(field)}";
        if (field.Type == KconfigType.Bool && value > 1)
            return $"value {value} isn't boolean compatible";
        if (!FitsIn(field, value))
            return $"value {value} doesn't fit in {field.Size} {(field.IsSigned ? "signed" : "unsigned")} byte(s)";
        Write(destination, field.Size, value);
        return null;
    }

    /// <summary>Whether the 64-bit pattern <paramref name="value"/> fits the field losslessly (a negative number is the
    /// two's complement pattern strtoull gives it).</summary>
    internal static bool FitsIn(in KconfigField field, ulong value)
    {
        int bits = field.Size * 8;
        if (bits >= 64) return true;
        return field.IsSigned
            ? unchecked(value + (1UL << (bits - 1))) < (1UL << bits)
            : value >> bits == 0;
    }

    /// <summary>strtoull with base 0 on the whole text: optional sign, then 0x/0X hex, a leading 0 for octal, or decimal.</summary>
    internal static bool TryParseNumber(string text, out ulong value)
    {
        value = 0;
        var s = text.AsSpan().TrimStart(" \t");
        bool negative = false;
        if (s.Length > 0 && s[0] is '+' or '-')
        {
            negative = s[0] == '-';
            s = s[1..];
        }
        int radix = 10;
        if (s.Length > 1 && s[0] == '0' && s[1] is 'x' or 'X')
        {
            radix = 16;
            s = s[2..];
        }
        else if (s.Length > 1 && s[0] == '0')
        {
            radix = 8;
            s = s[1..];
        }
        if (s.IsEmpty) return false;
        ulong result = 0;
        foreach (char c in s)
        {
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix) return false;
            try
            {
                result = checked(result * (ulong)radix + (ulong)digit);
            }
            catch (OverflowException)
            {
                return false;
            }
        }
        value = negative ? unchecked(0 - result) : result;
        return true;
    }

    private static void Write(Span<byte> destination, int size, ulong value)
    {
        switch (size)
        {
            case 1: destination[0] = (byte)value; break;
            case 2: BinaryPrimitives.WriteUInt16LittleEndian(destination, (ushort)value); break;
            case 4: BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)value); break;
            case 8: BinaryPrimitives.WriteUInt64LittleEndian(destination, value); break;
            default: throw new ArgumentOutOfRangeException(nameof(size), size, "kconfig integers are 1, 2, 4 or 8 bytes.");
        }
    }

    private static string Describe(in KconfigField field) => field.Type switch
    {
        KconfigType.Char => "a char",
        KconfigType.Bool => "a bool",
        KconfigType.Int => string.Create(CultureInfo.InvariantCulture, $"a {field.Size}-byte {(field.IsSigned ? "signed" : "unsigned")} integer"),
        KconfigType.Tristate => "an enum libbpf_tristate",
        KconfigType.CharArray => string.Create(CultureInfo.InvariantCulture, $"a char[{field.Size}]"),
        _ => "of an unsupported type",
    };
}
