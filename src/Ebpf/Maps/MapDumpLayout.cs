using System.Globalization;
using System.Text;
using System.Text.Json;
using Ebpf.Btf;

namespace Ebpf.Maps;

/// <summary>
/// The pure half of <see cref="MapDump"/>: one entry's key and value bytes to bpftool's JSON or to a text line. A null
/// <see cref="ValueType"/> means no BTF (raw hex); a null <see cref="KeyType"/> with a value type is a global-data map,
/// whose formatted entries have no key (as bpftool prints them).
/// </summary>
internal sealed record MapDumpLayout(BtfTypeView? KeyType, BtfTypeView? ValueType, bool PerCpu, int Cpus, uint ValueSize)
{
    internal bool Formatted => ValueType is not null;

    internal void WriteJsonEntry(Utf8JsonWriter w, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        w.WriteStartObject();
        if (!Formatted || KeyType is not null)
        {
            w.WritePropertyName("key");
            WriteValue(w, KeyType, key);
        }
        if (PerCpu)
        {
            int stride = PerCpuLayout.Stride(ValueSize);
            w.WriteStartArray("values");
            for (int cpu = 0; cpu < Cpus; cpu++)
            {
                w.WriteStartObject();
                w.WriteNumber("cpu", cpu);
                w.WritePropertyName("value");
                WriteValue(w, ValueType, value.Slice(cpu * stride, (int)ValueSize));
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        else
        {
            w.WritePropertyName("value");
            WriteValue(w, ValueType, value[..(int)ValueSize]);
        }
        w.WriteEndObject();
    }

    internal void WriteTextEntry(TextWriter w, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        string keyText = Formatted && KeyType is null ? "" : $"key: {Text(KeyType, key)}";
        if (!PerCpu)
        {
            w.WriteLine(keyText.Length == 0 ? $"value: {Text(ValueType, value[..(int)ValueSize])}" : $"{keyText}  value: {Text(ValueType, value[..(int)ValueSize])}");
            return;
        }
        w.WriteLine(keyText);
        int stride = PerCpuLayout.Stride(ValueSize);
        for (int cpu = 0; cpu < Cpus; cpu++)
            w.WriteLine($"  value (CPU {cpu.ToString("00", CultureInfo.InvariantCulture)}): {Text(ValueType, value.Slice(cpu * stride, (int)ValueSize))}");
    }

    private static void WriteValue(Utf8JsonWriter w, BtfTypeView? type, ReadOnlySpan<byte> bytes)
    {
        if (type is not null)
        {
            BtfValueFormatter.Write(w, type, bytes);
            return;
        }
        // bpftool's raw form: each byte as a "0x%02hhx" string.
        w.WriteStartArray();
        foreach (byte b in bytes) w.WriteStringValue("0x" + b.ToString("x2", CultureInfo.InvariantCulture));
        w.WriteEndArray();
    }

    private static string Text(BtfTypeView? type, ReadOnlySpan<byte> bytes)
    {
        if (type is not null) return BtfValueFormatter.Format(type, bytes);
        var sb = new StringBuilder(bytes.Length * 3);
        for (int i = 0; i < bytes.Length; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append(bytes[i].ToString("x2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
