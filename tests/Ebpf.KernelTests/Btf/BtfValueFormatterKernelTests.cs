using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Ebpf.Btf;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Maps;

namespace Ebpf.KernelTests.Btf;

/// <summary>
/// <see cref="BtfValueFormatter"/> against bpftool's own formatter (<c>bpftool -j map dump</c>, its "formatted" member) on
/// real maps of gen_types.bpf.o filled with random bytes (and some chosen values: strings, enumerators): a hash map with
/// struct key and value covering every shape, a per-CPU array, and the global-data maps (DATASEC values).
/// </summary>
[Trait("Category", "Kernel")]
public sealed class BtfValueFormatterKernelTests(ITestOutputHelper output)
{
    [Fact]
    public void Formatted_map_entries_match_bpftool()
    {
        KernelGuard.RequireRoot();
        if (!File.Exists("/usr/sbin/bpftool") && !File.Exists("/usr/bin/bpftool"))
            KernelGuard.Unavailable("bpftool (Debian package bpftool) is needed for the reference side");
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("gen_types.bpf.o"));
        var btf = spec.Btf!;
        using var obj = spec.Load();
        var random = new Random(12);

        var rich = obj.Map("rich");
        var value = btf.Find("rich_value", BtfKind.Struct);
        int nameOffset = (int)value.Members.Single(m => m.Name == "name").ByteOffset;
        int colorOffset = (int)value.Members.Single(m => m.Name == "color").ByteOffset;
        int stateOffset = (int)value.Members.Single(m => m.Name == "state").ByteOffset;
        for (int i = 0; i < 12; i++)
        {
            var k = new byte[rich.KeySize];
            var v = new byte[rich.ValueSize];
            random.NextBytes(k);
            random.NextBytes(v);
            if (i % 3 == 0)
            {
                // A printable string (bpftool prints it as a JSON string) and enumerators that match by name. No backslash:
                // bpftool 7.1's JSON writer prints one as "\n" (fixed upstream), which is not worth copying.
                Encoding.ASCII.GetBytes($"comm-{i} \"q\"").CopyTo(v, nameOffset);
                v[nameOffset + 10] = 0;
                BitConverter.TryWriteBytes(v.AsSpan(colorOffset), 7);
                v[stateOffset] = 200;
            }
            rich.Update(k, v);
        }
        var counts = obj.Map("counts");
        int cpus = Ebpf.Internal.Cpus.Possible().Max() + 1;
        for (uint key = 0; key < counts.MaxEntries; key++)
        {
            var perCpu = new byte[8 * cpus];
            random.NextBytes(perCpu);
            counts.Update(BitConverter.GetBytes(key), perCpu);
        }
        foreach (string section in new[] { ".bss", ".data", ".data.custom" })
        {
            using var memory = BpfMapMemory.Map(obj.Map(section), writable: true);
            random.NextBytes(memory.Span);
        }

        int compared = 0;
        foreach (var name in new[] { "rich", "counts", ".bss", ".data", ".data.custom", ".rodata" })
        {
            var map = obj.Map(name);
            var mapSpec = spec.Maps[name];
            using var dump = Bpftool("-j", "map", "dump", "id", map.Id.ToString(CultureInfo.InvariantCulture));
            Assert.True(dump.RootElement.GetArrayLength() > 0, $"bpftool dumped no entry of {name}");
            foreach (var entry in dump.RootElement.EnumerateArray())
            {
                var formatted = entry.GetProperty("formatted");
                byte[] key = Bytes(entry.GetProperty("key"));
                var keyType = mapSpec.BtfKeyTypeId == 0 ? null : btf[mapSpec.BtfKeyTypeId];
                var valueType = btf[mapSpec.BtfValueTypeId];
                if (keyType is not null) AssertSameJson(formatted.GetProperty("key"), BtfValueFormatter.Format(keyType, key), $"{name} key");
                if (entry.TryGetProperty("values", out var values))
                {
                    var formattedValues = formatted.GetProperty("values").EnumerateArray().ToList();
                    int i = 0;
                    foreach (var cpu in values.EnumerateArray())
                    {
                        AssertSameJson(formattedValues[i++].GetProperty("value"), BtfValueFormatter.Format(valueType, Bytes(cpu.GetProperty("value"))), $"{name} cpu value");
                        compared++;
                    }
                }
                else
                {
                    AssertSameJson(formatted.GetProperty("value"), BtfValueFormatter.Format(valueType, Bytes(entry.GetProperty("value"))), $"{name} value");
                    compared++;
                }
            }
        }
        output.WriteLine($"{compared} values formatted as bpftool formats them");
        Assert.True(compared >= 12 + 2 * cpus + 4);
    }

    private static byte[] Bytes(JsonElement hexArray) =>
        [.. hexArray.EnumerateArray().Select(h => byte.Parse(h.GetString()!.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture))];

    /// <summary>Same tokens in the same order (names, strings, numbers as written), whatever the whitespace and escapes.</summary>
    private static void AssertSameJson(JsonElement theirs, string ours, string what)
    {
        using var mine = JsonDocument.Parse(ours);
        Assert.True(Canonical(theirs) == Canonical(mine.RootElement), $"{what}:\nbpftool: {Canonical(theirs)}\nEbpf.Net: {Canonical(mine.RootElement)}");
    }

    private static string Canonical(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            element.WriteTo(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static JsonDocument Bpftool(params string[] args)
    {
        var psi = new ProcessStartInfo("bpftool") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"bpftool {string.Join(' ', args)} failed: {error}");
        return JsonDocument.Parse(stdout.Result);
    }
}
