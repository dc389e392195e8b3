using System.Buffers;
using System.Text;
using System.Text.Json;
using Ebpf.Btf;
using Ebpf.Maps;
using Ebpf.Tests.Loader;

namespace Ebpf.Tests.Maps;

/// <summary>How <c>ebpf map dump</c> prints one entry (bpftool's shapes); the kernel suite compares whole dumps with
/// bpftool's own (MapDumpCommandTests).</summary>
public sealed class MapDumpLayoutTests
{
    private static readonly BtfSpec Btf = BpfObjectSpec.FromFile(TestObjectFiles.Path("gen_types.bpf.o")).Btf!;

    private static string Json(MapDumpLayout layout, byte[] key, byte[] value)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer)) layout.WriteJsonEntry(w, key, value);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Text(MapDumpLayout layout, byte[] key, byte[] value)
    {
        var w = new StringWriter { NewLine = "\n" };
        layout.WriteTextEntry(w, key, value);
        return w.ToString();
    }

    [Fact]
    public void Without_btf_bytes_are_bpftools_hex_strings()
    {
        var layout = new MapDumpLayout(null, null, PerCpu: false, Cpus: 1, ValueSize: 3);
        Assert.Equal("""{"key":["0x01","0xab"],"value":["0x00","0x7f","0xff"]}""", Json(layout, [0x01, 0xab], [0x00, 0x7f, 0xff]));
        Assert.Equal("key: 01 ab  value: 00 7f ff\n", Text(layout, [0x01, 0xab], [0x00, 0x7f, 0xff]));
    }

    [Fact]
    public void Per_cpu_values_are_read_at_eight_byte_strides()
    {
        // A 4-byte value on 2 CPUs crosses the syscall as 2 slots of 8 bytes; the padding must not show.
        var layout = new MapDumpLayout(null, null, PerCpu: true, Cpus: 2, ValueSize: 4);
        byte[] value = [1, 2, 3, 4, 0xee, 0xee, 0xee, 0xee, 5, 6, 7, 8, 0xee, 0xee, 0xee, 0xee];
        Assert.Equal("""{"key":["0x09"],"values":[{"cpu":0,"value":["0x01","0x02","0x03","0x04"]},{"cpu":1,"value":["0x05","0x06","0x07","0x08"]}]}""",
            Json(layout, [9], value));
        Assert.Equal("key: 09\n  value (CPU 00): 01 02 03 04\n  value (CPU 01): 05 06 07 08\n", Text(layout, [9], value));
    }

    [Fact]
    public void With_btf_keys_and_values_are_formatted()
    {
        var u32 = Btf.Find("__u32", BtfKind.Typedef);
        var u64 = Btf.Find("__u64", BtfKind.Typedef);
        var layout = new MapDumpLayout(u32, u64, PerCpu: true, Cpus: 2, ValueSize: 8);
        byte[] value = [.. BitConverter.GetBytes(7ul), .. BitConverter.GetBytes(ulong.MaxValue)];
        Assert.Equal("""{"key":3,"values":[{"cpu":0,"value":7},{"cpu":1,"value":18446744073709551615}]}""", Json(layout, BitConverter.GetBytes(3u), value));
        Assert.Equal("key: 3\n  value (CPU 00): 7\n  value (CPU 01): 18446744073709551615\n", Text(layout, BitConverter.GetBytes(3u), value));
    }

    [Fact]
    public void A_global_data_map_has_no_key_in_its_formatted_entries()
    {
        var bss = Btf.Find(".bss", BtfKind.DataSection);
        var layout = new MapDumpLayout(null, bss, PerCpu: false, Cpus: 1, ValueSize: (uint)bss.Size!.Value);
        var value = new byte[layout.ValueSize];
        using var doc = JsonDocument.Parse(Json(layout, [0, 0, 0, 0], value));
        Assert.Equal(["value"], doc.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.True(doc.RootElement.GetProperty("value").TryGetProperty(".bss", out _));
        Assert.StartsWith("value: {\".bss\":[", Text(layout, [0, 0, 0, 0], value), StringComparison.Ordinal);
    }
}
