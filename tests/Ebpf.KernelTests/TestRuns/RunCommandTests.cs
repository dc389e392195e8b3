using System.Buffers.Binary;
using System.Text.Json;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.TestRuns;

/// <summary><c>ebpf run</c> end to end: the real tool runs one program of an object on a packet file; <c>--json</c> is
/// exactly one object with the return value, the duration and the size of the packet out.</summary>
[Trait("Category", "Kernel")]
public sealed class RunCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ebpf-run-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Json_gives_the_return_value_duration_and_packet_size()
    {
        KernelGuard.RequireRoot();
        var frame = Packets.Udp(9);
        using var tool = new ToolProcess("run", TestObjects.Path("testrun_net.bpf.o"), "xdp_udp_filter",
            "--data-in", Write("udp9.bin", frame), "--repeat", "50", "--json");
        Assert.True(tool.ExitCode == 0, tool.Stderr);
        var lines = tool.StdoutLines.Where(l => l.Length > 0).ToList();
        var line = Assert.Single(lines);
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        Assert.Equal(["data_out_size", "duration_ns", "retval"], root.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(1u, root.GetProperty("retval").GetUInt32()); // XDP_DROP
        Assert.Equal(frame.Length, root.GetProperty("data_out_size").GetInt32());
        Assert.True(root.GetProperty("duration_ns").GetUInt32() > 0);
    }

    [Fact]
    public void Text_output_and_context_and_packet_files_in_and_out()
    {
        KernelGuard.RequireRoot();
        var context = new byte[40];
        BinaryPrimitives.WriteUInt32LittleEndian(context.AsSpan(8), 1000); // __sk_buff.mark
        string dataOut = Path.Combine(_dir, "out.bin"), ctxOut = Path.Combine(_dir, "ctx-out.bin");
        using var tool = new ToolProcess("run", TestObjects.Path("testrun_net.bpf.o"), "tc_ttl_mark",
            "--data-in", Write("udp53.bin", Packets.Udp(53, ttl: 10)), "--ctx-in", Write("ctx.bin", context),
            "--data-out", dataOut, "--ctx-out", ctxOut);
        Assert.True(tool.ExitCode == 0, tool.Stderr);
        Assert.StartsWith("retval 0 ", Assert.Single(tool.StdoutLines), StringComparison.Ordinal);
        Assert.Equal(9, File.ReadAllBytes(dataOut)[Packets.TtlOffset]);
        Assert.Equal(1001u, BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(ctxOut).AsSpan(8)));
    }

    [Fact]
    public void An_unknown_program_or_bad_input_exits_2_with_a_message()
    {
        KernelGuard.RequireRoot();
        string frame = Write("frame.bin", Packets.Udp(53));
        using (var missing = new ToolProcess("run", TestObjects.Path("testrun_net.bpf.o"), "no_such_prog", "--data-in", frame, "--json"))
        {
            Assert.Equal(2, missing.ExitCode);
            Assert.Contains("no program 'no_such_prog'", missing.Stderr, StringComparison.Ordinal);
            Assert.Contains("xdp_udp_filter", missing.Stderr, StringComparison.Ordinal);
            Assert.Empty(missing.StdoutLines);
        }
        using var tooShort = new ToolProcess("run", TestObjects.Path("testrun_net.bpf.o"), "xdp_udp_filter", "--data-in", Write("short.bin", new byte[6]));
        Assert.Equal(2, tooShort.ExitCode);
        Assert.Contains("'xdp_udp_filter'", tooShort.Stderr, StringComparison.Ordinal);
    }
}
