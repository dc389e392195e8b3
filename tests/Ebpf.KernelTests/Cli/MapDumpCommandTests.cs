using System.Buffers;
using System.Text;
using System.Text.Json;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Maps;

namespace Ebpf.KernelTests.Cli;

/// <summary>
/// <c>ebpf map dump PINNED --json</c> against <c>bpftool -j map dump pinned PINNED</c> on the same pinned maps, filled with
/// random bytes (and chosen strings and enumerators): the tool's list must be exactly bpftool's "formatted" list for maps
/// with BTF (a hash with struct key and value, an array, per-CPU hash and array, a global-data map), and exactly bpftool's
/// raw list for a map without BTF. bpftool runs in a mount namespace of its own with a fresh bpffs on /sys/fs/bpf, so it
/// can touch nothing of the machine's; the maps are pinned in the test's private bpffs, which that namespace shares.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class MapDumpCommandTests(ITestOutputHelper output)
{
    [Fact]
    public void Json_dump_is_exactly_bpftools_formatted_list()
    {
        KernelGuard.RequireRoot();
        if (!File.Exists("/usr/sbin/bpftool") && !File.Exists("/usr/bin/bpftool"))
            KernelGuard.Unavailable("bpftool (Debian package bpftool) is needed for the reference side");
        using var bpffs = new PrivateBpfFs("ebpf-dump-");
        var random = new Random(5);

        var cliSpec = BpfObjectSpec.FromFile(TestObjects.Path("cli_attach.bpf.o"));
        using var cli = cliSpec.Load();
        var flows = cli.Map("flows");
        int labelOffset = (int)cliSpec.Btf!.Find("cli_flow_stats", Ebpf.Btf.BtfKind.Struct).Members.Single(m => m.Name == "label").ByteOffset;
        for (int i = 0; i < 9; i++)
        {
            var k = RandomBytes(random, flows.KeySize);
            var v = RandomBytes(random, flows.ValueSize);
            if (i % 2 == 0) Encoding.ASCII.GetBytes($"flow {i}\0").CopyTo(v, labelOffset);
            flows.Update(k, v);
        }
        var drops = cli.Map("drops");
        for (uint i = 0; i < drops.MaxEntries; i++) drops.Update(BitConverter.GetBytes(i), RandomBytes(random, drops.ValueSize));
        var perCpu = cli.Map("per_cpu_flows");
        for (uint i = 0; i < 3; i++) perCpu.Update(BitConverter.GetBytes(i * 7), RandomBytes(random, (uint)perCpu.ValueBufferSize));

        var genSpec = BpfObjectSpec.FromFile(TestObjects.Path("gen_types.bpf.o"));
        using var gen = genSpec.Load();
        var rich = gen.Map("rich");
        for (int i = 0; i < 6; i++) rich.Update(RandomBytes(random, rich.KeySize), RandomBytes(random, rich.ValueSize));
        var counts = gen.Map("counts");
        for (uint i = 0; i < counts.MaxEntries; i++) counts.Update(BitConverter.GetBytes(i), RandomBytes(random, (uint)counts.ValueBufferSize));
        using (var memory = BpfMapMemory.Map(gen.Map(".bss"), writable: true)) random.NextBytes(memory.Span);

        using var raw = BpfMap.Create(new MapSpec { Name = "raw_hash", Type = BpfMapType.Hash, KeySize = 6, ValueSize = 11, MaxEntries = 8 });
        for (int i = 0; i < 5; i++) raw.Update(RandomBytes(random, 6), RandomBytes(random, 11));

        var maps = new (BpfMap Map, string Pin, bool Btf)[]
        {
            (flows, "flows", true), (drops, "drops", true), (perCpu, "per_cpu_flows", true), (rich, "rich", true),
            (counts, "counts", true), (gen.Map(".bss"), "gen_bss", true), (raw, "raw_hash", false),
        };
        foreach (var (map, pin, btf) in maps)
        {
            string path = bpffs.Pin(pin);
            map.Pin(path);
            using var tool = new ToolProcess("map", "dump", path, "--json");
            Assert.True(tool.ExitCode == 0, tool.Stderr);
            using var ours = JsonDocument.Parse(string.Join('\n', tool.StdoutLines));
            using var theirs = Bpftool(path);
            var expected = btf
                ? Canonical([.. theirs.RootElement.EnumerateArray().Select(e => e.GetProperty("formatted"))])
                : Canonical([.. theirs.RootElement.EnumerateArray()]);
            Assert.True(theirs.RootElement.GetArrayLength() > 0, $"bpftool dumped nothing of {pin}");
            Assert.True(expected == Canonical([.. ours.RootElement.EnumerateArray()]),
                $"{pin}:\nbpftool: {expected}\nebpf:    {Canonical([.. ours.RootElement.EnumerateArray()])}");
            output.WriteLine($"{pin}: {ours.RootElement.GetArrayLength()} entries as bpftool formats them");
        }
    }

    [Fact]
    public void Text_dump_prints_a_line_per_entry_and_per_cpu_and_the_count()
    {
        KernelGuard.RequireRoot();
        using var bpffs = new PrivateBpfFs("ebpf-dump-");
        using var obj = BpfObject.Load(TestObjects.Path("cli_attach.bpf.o"));
        var perCpu = obj.Map("per_cpu_flows");
        perCpu.Update(BitConverter.GetBytes(3u), new byte[perCpu.ValueBufferSize]);
        perCpu.Pin(bpffs.Pin("per_cpu_flows"));
        obj.Map("drops").Pin(bpffs.Pin("drops"));

        using (var tool = new ToolProcess("map", "dump", bpffs.Pin("drops")))
        {
            Assert.True(tool.ExitCode == 0, tool.Stderr);
            Assert.Equal(["key: 0  value: 0", "key: 1  value: 0", "key: 2  value: 0", "key: 3  value: 0", "Found 4 elements"], tool.StdoutLines);
        }
        using (var tool = new ToolProcess("map", "dump", bpffs.Pin("per_cpu_flows")))
        {
            Assert.True(tool.ExitCode == 0, tool.Stderr);
            var lines = tool.StdoutLines.ToList();
            Assert.Equal(1 + BpfMap.PossibleCpuCount + 1, lines.Count);
            Assert.Equal("key: 3", lines[0]);
            Assert.Equal("  value (CPU 00): {\"addr\":0,\"port\":0,\"proto\":0,\"flags\":\"0x0\",\"spare\":\"0x0\"}", lines[1]);
            Assert.Equal("Found 1 element", lines[^1]);
        }
    }

    [Fact]
    public void A_map_without_keys_or_a_missing_pin_is_a_one_line_error()
    {
        KernelGuard.RequireRoot();
        using var bpffs = new PrivateBpfFs("ebpf-dump-");
        using var queue = BpfMap.Create(new MapSpec { Name = "q", Type = BpfMapType.Queue, KeySize = 0, ValueSize = 4, MaxEntries = 4 });
        queue.Pin(bpffs.Pin("q"));
        foreach (var (path, named) in new[] { (bpffs.Pin("q"), "no keys"), (bpffs.Pin("missing"), "nothing is pinned there") })
        {
            using var tool = new ToolProcess("map", "dump", path, "--json");
            Assert.Equal(2, tool.ExitCode);
            var line = Assert.Single(tool.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(named, line, StringComparison.Ordinal);
            Assert.DoesNotContain(tool.StdoutLines, l => l.Length > 0);
        }
    }

    private static byte[] RandomBytes(Random random, uint size)
    {
        var b = new byte[size];
        random.NextBytes(b);
        return b;
    }

    /// <summary>The same tokens in the same order, whatever the whitespace and escapes.</summary>
    private static string Canonical(IReadOnlyList<JsonElement> elements)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartArray();
            foreach (var e in elements) e.WriteTo(writer);
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static JsonDocument Bpftool(string pinnedPath)
    {
        var (code, stdout, stderr) = Networking.Command.TryRun("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
            "mount -t bpf bpf /sys/fs/bpf && exec bpftool -j map dump pinned \"$1\"", "sh", pinnedPath);
        Assert.True(code == 0, $"bpftool -j map dump pinned {pinnedPath} failed: {stderr}");
        return JsonDocument.Parse(stdout);
    }
}
