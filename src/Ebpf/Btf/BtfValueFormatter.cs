using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Ebpf.Btf;

/// <summary>
/// Formats a value's bytes by its BTF type as the JSON <c>bpftool -j map dump</c> prints under <c>"formatted"</c>
/// (bpftool's btf_dumper): integers as numbers, bitfields and 128-bit integers as <c>"0x…"</c> strings, <c>_Bool</c> as
/// true/false, pointers as numbers, enums by name (a number when no enumerator matches), <c>char</c> arrays holding a
/// printable NUL-terminated string as that string (other arrays as JSON arrays), structs and unions as objects keyed by
/// member name (<c>""</c> for anonymous members), a variable as <c>{"name": value}</c>, a data section as
/// <c>{"section": [variables]}</c>. Where bpftool gives up (floats: "(unsupported-kind)"), the value is written as a number;
/// strings are escaped as JSON requires (bpftool 7.1 prints a backslash as <c>\n</c>, a bug fixed upstream).
/// </summary>
public static class BtfValueFormatter
{
    private const int MaxDepth = 64;

    /// <summary>The value as compact JSON.</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is shorter than the type.</exception>
    /// <exception cref="InvalidDataException">The type cannot be formatted (void, a function, a forward declaration, nesting deeper than 64).</exception>
    public static string Format(BtfTypeView type, ReadOnlySpan<byte> data)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true }))
            Write(writer, type, data);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The value as compact JSON; <paramref name="typeId"/> is a type id of <paramref name="btf"/>.</summary>
    public static string Format(BtfSpec btf, uint typeId, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(btf);
        return Format(btf[typeId], data);
    }

    /// <summary>Writes the value to <paramref name="writer"/> (as one JSON value).</summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> is shorter than the type.</exception>
    /// <exception cref="InvalidDataException">The type cannot be formatted.</exception>
    public static void Write(Utf8JsonWriter writer, BtfTypeView type, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(type);
        ulong size = type.Size ?? throw new InvalidDataException($"BTF type {Describe(type)} has no size, so no value to format.");
        if ((ulong)data.Length < size)
            throw new ArgumentException($"{data.Length} bytes are fewer than BTF type {Describe(type)} needs ({size} bytes).", nameof(data));
        WriteType(writer, type, 0, data, 0);
    }

    /// <summary>
    /// Writes one map entry as bpftool's <c>"formatted"</c> object: <c>{"key": …, "value": …}</c>. A map without a BTF key
    /// type (global-data maps) has no <c>"key"</c> member: pass null for <paramref name="keyType"/>.
    /// </summary>
    public static void WriteEntry(Utf8JsonWriter writer, BtfTypeView? keyType, ReadOnlySpan<byte> key, BtfTypeView valueType, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        if (keyType is not null)
        {
            writer.WritePropertyName("key");
            Write(writer, keyType, key);
        }
        writer.WritePropertyName("value");
        Write(writer, valueType, value);
        writer.WriteEndObject();
    }

    private static string Describe(BtfTypeView type) => $"[{type.Id}] {type.Kind} '{type}'";

    private static void WriteType(Utf8JsonWriter w, BtfTypeView type, int bitOffset, ReadOnlySpan<byte> data, int depth)
    {
        if (depth > MaxDepth) throw new InvalidDataException($"BTF type {Describe(type)} nests deeper than {MaxDepth} levels (a cycle?).");
        switch (type.Kind)
        {
            case BtfKind.Int:
                WriteInt(w, type, bitOffset, data);
                break;
            case BtfKind.Struct or BtfKind.Union:
                WriteStruct(w, type, data, depth);
                break;
            case BtfKind.Array:
                WriteArray(w, type, data, depth);
                break;
            case BtfKind.Enum:
                WriteEnum(w, type, data);
                break;
            case BtfKind.Enum64:
            {
                ulong value = BinaryPrimitives.ReadUInt64LittleEndian(data);
                var match = type.Spec.Types[type.Id].Members.FirstOrDefault(m => (ulong)m.Value == value);
                if (match is not null) w.WriteStringValue(match.Name);
                else w.WriteNumberValue((long)value);
                break;
            }
            case BtfKind.Pointer:
                w.WriteNumberValue(BinaryPrimitives.ReadUInt64LittleEndian(data));
                break;
            case BtfKind.Float:
                WriteFloat(w, type, data);
                break;
            case BtfKind.Typedef or BtfKind.Volatile or BtfKind.Const or BtfKind.Restrict or BtfKind.TypeTag:
                WriteType(w, type.Resolve(), bitOffset, data, depth + 1);
                break;
            case BtfKind.Variable:
                w.WriteStartObject();
                w.WritePropertyName(type.Name);
                WriteType(w, type.Target!, bitOffset, data, depth + 1);
                w.WriteEndObject();
                break;
            case BtfKind.DataSection:
                w.WriteStartObject();
                w.WritePropertyName(type.Name);
                w.WriteStartArray();
                foreach (var v in type.Variables)
                {
                    if (v.Offset > (uint)data.Length) throw new InvalidDataException($"variable {Describe(v.Variable)} lies at offset {v.Offset}, outside the {data.Length}-byte section.");
                    WriteType(w, v.Variable, 0, data[(int)v.Offset..], depth + 1);
                }
                w.WriteEndArray();
                w.WriteEndObject();
                break;
            default:
                throw new InvalidDataException($"BTF type {Describe(type)} is a {type.Kind}, which has no value to format.");
        }
    }

    private static void WriteInt(Utf8JsonWriter w, BtfTypeView type, int bitOffset, ReadOnlySpan<byte> data)
    {
        int bits = type.IntBits;
        if (bitOffset != 0 || type.IntBitOffset != 0 || bits % 8 != 0)
        {
            int total = bitOffset + type.IntBitOffset;
            WriteBits(w, data[(total / 8)..], total % 8, bits);
            return;
        }
        if (bits == 128)
        {
            WriteHex(w, BinaryPrimitives.ReadUInt128LittleEndian(data));
            return;
        }
        switch ((type.Spec.Types[type.Id].Extra >> 24) & 0xf)
        {
            case 0:
                WriteInteger(w, data, bits, signed: false);
                break;
            case 1:
                WriteInteger(w, data, bits, signed: true);
                break;
            case 2:
                // BTF_INT_CHAR: the character as a string (bpftool escapes a non-printable one as \u00XX; so does JSON).
                w.WriteStringValue(((char)data[0]).ToString());
                break;
            case 4:
                w.WriteBooleanValue(data[0] != 0);
                break;
            default:
                throw new InvalidDataException($"BTF int {Describe(type)} has an unknown encoding.");
        }
    }

    private static void WriteInteger(Utf8JsonWriter w, ReadOnlySpan<byte> data, int bits, bool signed)
    {
        switch (bits)
        {
            case 64: if (signed) w.WriteNumberValue(BinaryPrimitives.ReadInt64LittleEndian(data)); else w.WriteNumberValue(BinaryPrimitives.ReadUInt64LittleEndian(data)); break;
            case 32: if (signed) w.WriteNumberValue(BinaryPrimitives.ReadInt32LittleEndian(data)); else w.WriteNumberValue(BinaryPrimitives.ReadUInt32LittleEndian(data)); break;
            case 16: if (signed) w.WriteNumberValue(BinaryPrimitives.ReadInt16LittleEndian(data)); else w.WriteNumberValue(BinaryPrimitives.ReadUInt16LittleEndian(data)); break;
            case 8: if (signed) w.WriteNumberValue((sbyte)data[0]); else w.WriteNumberValue(data[0]); break;
            default: WriteBits(w, data, 0, bits); break;
        }
    }

    /// <summary>bpftool's bitfield form: the <paramref name="bits"/> bits starting <paramref name="shift"/> bits into
    /// <paramref name="data"/> (little-endian), unsigned, as a "0x…" string.</summary>
    private static void WriteBits(Utf8JsonWriter w, ReadOnlySpan<byte> data, int shift, int bits)
    {
        int bytes = Math.Min((shift + bits + 7) / 8, 16);
        Span<byte> raw = stackalloc byte[16];
        raw.Clear();
        data[..Math.Min(bytes, data.Length)].CopyTo(raw);
        UInt128 value = BinaryPrimitives.ReadUInt128LittleEndian(raw) >> shift;
        if (bits < 128) value &= (UInt128.One << bits) - 1;
        WriteHex(w, value);
    }

    private static void WriteHex(Utf8JsonWriter w, UInt128 value)
    {
        ulong upper = (ulong)(value >> 64), lower = (ulong)value;
        w.WriteStringValue(upper == 0
            ? "0x" + lower.ToString("x", CultureInfo.InvariantCulture)
            : "0x" + upper.ToString("x", CultureInfo.InvariantCulture) + lower.ToString("x16", CultureInfo.InvariantCulture));
    }

    private static void WriteFloat(Utf8JsonWriter w, BtfTypeView type, ReadOnlySpan<byte> data)
    {
        switch (type.Size)
        {
            case 4: w.WriteNumberValue(BinaryPrimitives.ReadSingleLittleEndian(data)); break;
            case 8: w.WriteNumberValue(BinaryPrimitives.ReadDoubleLittleEndian(data)); break;
            case 2: w.WriteNumberValue((float)BinaryPrimitives.ReadHalfLittleEndian(data)); break;
            default: WriteHex(w, BinaryPrimitives.ReadUInt128LittleEndian(data)); break;
        }
    }

    private static void WriteEnum(Utf8JsonWriter w, BtfTypeView type, ReadOnlySpan<byte> data)
    {
        // bpftool reads the enum signed, by its size, and compares with the (sign-extended 32-bit) enumerator values.
        long value = type.Size switch
        {
            8 => BinaryPrimitives.ReadInt64LittleEndian(data),
            4 => BinaryPrimitives.ReadInt32LittleEndian(data),
            2 => BinaryPrimitives.ReadInt16LittleEndian(data),
            1 => (sbyte)data[0],
            _ => throw new InvalidDataException($"BTF enum {Describe(type)} has size {type.Size}, not 1, 2, 4 or 8."),
        };
        foreach (var m in type.Spec.Types[type.Id].Members)
            if (m.Value == value)
            {
                w.WriteStringValue(m.Name);
                return;
            }
        w.WriteNumberValue(value);
    }

    private static void WriteStruct(Utf8JsonWriter w, BtfTypeView type, ReadOnlySpan<byte> data, int depth)
    {
        w.WriteStartObject();
        foreach (var m in type.Members)
        {
            w.WritePropertyName(m.Name);
            if (m.BitOffset / 8 > (ulong)data.Length) throw new InvalidDataException($"member '{m.Name}' of {Describe(type)} lies outside its {data.Length} bytes.");
            var at = data[(int)(m.BitOffset / 8)..];
            if (m.IsBitfield) WriteBits(w, at, (int)(m.BitOffset % 8), (int)m.BitfieldSize);
            else WriteType(w, m.Type, (int)(m.BitOffset % 8), at, depth + 1);
        }
        w.WriteEndObject();
    }

    private static void WriteArray(Utf8JsonWriter w, BtfTypeView type, ReadOnlySpan<byte> data, int depth)
    {
        var element = type.ArrayElement!;
        uint length = type.ArrayLength;
        if (IsString(element, length, data, out var text))
        {
            w.WriteStringValue(text);
            return;
        }
        ulong elementSize = element.Size ?? throw new InvalidDataException($"array {Describe(type)} has elements without a size.");
        w.WriteStartArray();
        for (uint i = 0; i < length; i++)
        {
            ulong at = i * elementSize;
            if (at > (ulong)data.Length) throw new InvalidDataException($"array {Describe(type)} runs past its {data.Length} bytes.");
            WriteType(w, element, 0, data[(int)at..], depth + 1);
        }
        w.WriteEndArray();
    }

    /// <summary>bpftool's is_str_array: a char array (modifiers skipped, typedefs not) holding printable ASCII up to a NUL.</summary>
    private static bool IsString(BtfTypeView element, uint length, ReadOnlySpan<byte> data, out string text)
    {
        text = "";
        if (length == 0) return false;
        var e = element;
        while (e.Kind is BtfKind.Const or BtfKind.Volatile or BtfKind.Restrict or BtfKind.TypeTag) e = e.Target!;
        if (!e.IsChar) return false;
        var bytes = data[..(int)Math.Min(length, (uint)data.Length)];
        for (int i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == 0)
            {
                text = Encoding.ASCII.GetString(bytes[..i]);
                return true;
            }
            if (bytes[i] <= 0x1f || bytes[i] >= 0x7f) return false;
        }
        return false;
    }
}
