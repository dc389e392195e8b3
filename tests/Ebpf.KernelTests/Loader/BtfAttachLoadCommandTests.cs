using System.Text.Json;
using Ebpf.Btf;
using Ebpf.Features;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

/// <summary><c>ebpf load</c> reports the real outcome of BTF-targeted programs: tp_btf and iter load; fentry, fexit and
/// lsm load where the kernel has the feature and fail with the feature named where it does not; a missing target fails
/// naming it.</summary>
[Trait("Category", "Kernel")]
public sealed class BtfAttachLoadCommandTests
{
    private static Dictionary<string, JsonElement> LoadJson(string file, int expectedExit)
    {
        KernelGuard.RequirePath(KernelBtf.DefaultPath, "kernel BTF");
        using var tool = new ToolProcess("load", TestObjects.Path(file), "--json");
        Assert.Equal(expectedExit, tool.ExitCode);
        using var doc = JsonDocument.Parse(string.Join('\n', tool.StdoutLines));
        return doc.RootElement.GetProperty("programs").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.Clone());
    }

    [Fact]
    public void Tp_btf_and_iter_programs_load()
    {
        var programs = LoadJson("loader_btf_attach.bpf.o", 0);
        Assert.Equal(["count_syscall", "count_tasks", "record_exec"], programs.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, p) in programs)
            Assert.True(p.GetProperty("loaded").GetBoolean(), $"{name}: {p.GetProperty("error")}");
        Assert.Equal("Tracing", programs["count_syscall"].GetProperty("type").GetString());
    }

    [Fact]
    public void Trampoline_programs_report_the_kernels_answer()
    {
        var programs = LoadJson("loader_btf_trampoline.bpf.o", 1); // the missing target always fails
        var missing = programs["on_missing_tracepoint"];
        Assert.False(missing.GetProperty("loaded").GetBoolean());
        Assert.Contains("btf_trace_no_such_tracepoint", missing.GetProperty("error").GetString(), StringComparison.Ordinal);
        foreach (var (name, attach, kind) in new[]
        {
            ("on_unlink_entry", BpfAttachType.TraceFentry, "fentry"),
            ("on_unlink_exit", BpfAttachType.TraceFexit, "fexit"),
            ("watch_unlink", BpfAttachType.LsmMac, "lsm"),
        })
        {
            var p = programs[name];
            if (KernelFeatures.HasAttachType(attach))
            {
                Assert.True(p.GetProperty("loaded").GetBoolean(), $"{name}: {p.GetProperty("error")}");
            }
            else if (!p.GetProperty("loaded").GetBoolean())
            {
                Assert.Contains($"This kernel cannot load {kind} programs", p.GetProperty("error").GetString(), StringComparison.Ordinal);
                Assert.Contains($"'{name}'", p.GetProperty("error").GetString(), StringComparison.Ordinal);
            }
            // else: a kernel that loads the program and refuses only the attach (which `ebpf load` does not do);
            // TrampolineProgramTests covers that path.

        }
    }
}
