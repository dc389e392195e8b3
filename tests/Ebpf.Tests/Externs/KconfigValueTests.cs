using System.Buffers.Binary;
using Ebpf.Externs;

namespace Ebpf.Tests.Externs;

/// <summary>libbpf's kconfig value semantics, field type by field type.</summary>
public sealed class KconfigValueTests
{
    private static KconfigField Field(KconfigType type, int size, bool signed = false) => new("CONFIG_X", type, size, signed, Math.Min(size, 8), 0);

    private static (string? Error, byte[] Bytes) Set(KconfigField field, string value)
    {
        var bytes = new byte[field.Size];
        bytes.AsSpan().Fill(0xAA);
        return (KconfigValue.TrySet(field, value, bytes), bytes);
    }

    [Theory]
    [InlineData("y", 1)]
    [InlineData("n", 0)]
    public void Bool_takes_y_and_n(string value, byte expected)
    {
        var (error, bytes) = Set(Field(KconfigType.Bool, 1), value);
        Assert.Null(error);
        Assert.Equal(expected, bytes[0]);
    }

    [Fact]
    public void Bool_refuses_m_and_numbers()
    {
        Assert.Contains("tristate", Set(Field(KconfigType.Bool, 1), "m").Error, StringComparison.Ordinal);
        // A number in a .config line implies an integer type, even 1 (libbpf accepts numbers for bool only from its virtual externs).
        Assert.NotNull(Set(Field(KconfigType.Bool, 1), "1").Error);
        var virtualBool = new byte[1];
        Assert.Null(KconfigValue.TrySetNumber(Field(KconfigType.Bool, 1), 1, virtualBool));
        Assert.Equal(1, virtualBool[0]);
        Assert.Contains("boolean", KconfigValue.TrySetNumber(Field(KconfigType.Bool, 1), 2, virtualBool), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("y", 1u)]
    [InlineData("m", 2u)]
    [InlineData("n", 0u)]
    public void Tristate_is_the_libbpf_enum(string value, uint expected)
    {
        var (error, bytes) = Set(Field(KconfigType.Tristate, 4), value);
        Assert.Null(error);
        Assert.Equal(expected, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
    }

    [Theory]
    [InlineData("y", (byte)'y')]
    [InlineData("m", (byte)'m')]
    [InlineData("65", (byte)65)]
    public void Char_takes_the_letter_or_a_number(string value, byte expected)
    {
        var (error, bytes) = Set(Field(KconfigType.Char, 1, signed: true), value);
        Assert.Null(error);
        Assert.Equal(expected, bytes[0]);
    }

    [Theory]
    [InlineData("250", 4, false, 250UL)]
    [InlineData("0x3e8", 4, false, 1000UL)]
    [InlineData("0X10", 2, false, 16UL)]
    [InlineData("010", 4, false, 8UL)]          // octal, as strtoull with base 0
    [InlineData("0", 8, false, 0UL)]
    [InlineData("-1", 4, true, 0xffffffffUL)]   // two's complement in the field
    [InlineData("-2147483648", 4, true, 0x80000000UL)]
    [InlineData("18446744073709551615", 8, false, ulong.MaxValue)]
    public void Int_takes_decimal_hex_and_octal(string value, int size, bool signed, ulong expected)
    {
        var (error, bytes) = Set(Field(KconfigType.Int, size, signed), value);
        Assert.Null(error);
        ulong actual = size switch
        {
            2 => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
            _ => BinaryPrimitives.ReadUInt64LittleEndian(bytes),
        };
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData("256", 1, false)]
    [InlineData("128", 1, true)]
    [InlineData("4294967296", 4, false)]
    [InlineData("2147483648", 4, true)]
    [InlineData("-2147483649", 4, true)]
    [InlineData("-1", 4, false)]
    public void Int_refuses_values_that_do_not_fit(string value, int size, bool signed)
    {
        var type = size == 1 ? KconfigType.Char : KconfigType.Int;
        Assert.Contains("doesn't fit", Set(Field(type, size, signed), value).Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("12abc")]
    [InlineData("0x")]
    [InlineData("99999999999999999999")]
    [InlineData("08")]
    public void Int_refuses_malformed_numbers(string value) =>
        Assert.Contains("valid integer", Set(Field(KconfigType.Int, 8), value).Error, StringComparison.Ordinal);

    [Fact]
    public void Int_refuses_y_and_strings()
    {
        Assert.NotNull(Set(Field(KconfigType.Int, 4), "y").Error);
        Assert.NotNull(Set(Field(KconfigType.Int, 4), "\"abc\"").Error);
    }

    [Fact]
    public void String_is_unquoted_nul_terminated_and_truncated()
    {
        var (error, bytes) = Set(Field(KconfigType.CharArray, 8), "\"abc\"");
        Assert.Null(error);
        Assert.Equal("abc\0\0\0\0\0"u8.ToArray(), bytes);
        (error, bytes) = Set(Field(KconfigType.CharArray, 4), "\"abcdef\"");
        Assert.Null(error);
        Assert.Equal("abc\0"u8.ToArray(), bytes);
        (error, bytes) = Set(Field(KconfigType.CharArray, 4), "\"\"");
        Assert.Null(error);
        Assert.Equal(new byte[4], bytes);
    }

    [Fact]
    public void String_refuses_missing_quote_and_non_array_fields()
    {
        Assert.Contains("invalid string", Set(Field(KconfigType.CharArray, 8), "\"abc").Error, StringComparison.Ordinal);
        Assert.Contains("char array", Set(Field(KconfigType.Int, 4), "\"abc\"").Error, StringComparison.Ordinal);
        Assert.NotNull(Set(Field(KconfigType.CharArray, 8), "y").Error);
    }
}
