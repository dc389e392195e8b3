using System.Text.Json;
using Ebpf.Btf;
using Ebpf.Tests.Loader;

namespace Ebpf.Tests.Btf;

/// <summary>The formatter's rules (bpftool's btf_dumper) on hand-built values; the kernel suite checks it against
/// bpftool itself on random values (BtfValueFormatterKernelTests).</summary>
public class BtfValueFormatterTests
{
    private static readonly BtfSpec Btf = BpfObjectSpec.FromFile(TestObjectFiles.Path("gen_types.bpf.o")).Btf!;

    private static JsonElement Format(string type, Action<byte[], Func<string, int>> fill)
    {
        var t = Btf.Find(type, BtfKind.Struct);
        var bytes = new byte[(int)t.Size!.Value];
        fill(bytes, name => (int)t.Members.Single(m => m.Name == name).ByteOffset);
        return JsonDocument.Parse(BtfValueFormatter.Format(t, bytes)).RootElement;
    }

    [Fact]
    public void Strings_enums_bitfields_and_anonymous_members()
    {
        var json = Format("rich_value", (b, at) =>
        {
            "hello"u8.CopyTo(b.AsSpan(at("name")));
            b[at("raw")] = 0x41; // unsigned char[]: an array of numbers, never a string
            BitConverter.TryWriteBytes(b.AsSpan(at("color")), 7);
            BitConverter.TryWriteBytes(b.AsSpan(at("sign")), -2);
            b[at("flag")] = 1;
            b[at("f1")] = 0b1111_1101; // f1 = 5 (3 bits), f2 starts at bit 3
            b[at("s8")] = unchecked((byte)(sbyte)-3);
        });
        Assert.Equal("hello", json.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Array, json.GetProperty("raw").ValueKind);
        Assert.Equal(0x41, json.GetProperty("raw")[0].GetInt32());
        Assert.Equal("BLUE", json.GetProperty("color").GetString());
        Assert.Equal("NEG", json.GetProperty("sign").GetString());
        Assert.Equal(0, json.GetProperty("state").GetInt32()); // no enumerator is 0: the number
        Assert.True(json.GetProperty("flag").GetBoolean());
        Assert.Equal("0x5", json.GetProperty("f1").GetString());
        Assert.Equal("0x1f", json.GetProperty("f2").GetString());
        Assert.Equal(-3, json.GetProperty("s8").GetInt32());
        Assert.Equal("0x0", json.GetProperty("big").GetString());
        Assert.Equal(2, json.EnumerateObject().Count(p => p.Name.Length == 0)); // the anonymous union and struct
        Assert.Equal(0, json.GetProperty("tail").GetArrayLength());
    }

    [Fact]
    public void Floats_are_numbers_where_bpftool_gives_up()
    {
        var json = Format("with_floats", (b, at) => BitConverter.TryWriteBytes(b.AsSpan(at("d")), 2.5));
        Assert.Equal(2.5, json.GetProperty("d").GetDouble());
    }

    [Fact]
    public void Short_data_and_sizeless_types_are_refused()
    {
        var t = Btf.Find("rich_key", BtfKind.Struct);
        Assert.Throws<ArgumentException>(() => BtfValueFormatter.Format(t, new byte[7]));
        var func = Btf.Find("on_getppid", BtfKind.Function);
        Assert.Throws<InvalidDataException>(() => BtfValueFormatter.Format(func, new byte[8]));
    }
}
