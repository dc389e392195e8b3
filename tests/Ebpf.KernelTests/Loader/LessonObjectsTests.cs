using System.Text.Json;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

/// <summary>The lesson's kernel code (kprobe/do_unlinkat with BPF_KPROBE, CO-RE reads, bpf_ringbuf_query) passes the
/// verifier with this loader, even on a kernel that cannot attach kprobes.</summary>
[Trait("Category", "Kernel")]
public sealed class LessonObjectsTests
{
    [Theory]
    [InlineData("lesson_unlinks.bpf.o", "rb", BpfMapType.RingBuf)]
    [InlineData("lesson_unlinks_perf.bpf.o", "events", BpfMapType.PerfEventArray)]
    public void Lesson_object_loads_every_program(string file, string eventsMap, BpfMapType mapType)
    {
        KernelGuard.RequireRoot();
        using var obj = BpfObject.Load(TestObjects.Path(file));
        var program = obj.Program("do_unlinkat");
        Assert.Equal(BpfProgramType.Kprobe, program.Type);
        Assert.Equal("do_unlinkat", program.AttachTarget);
        Assert.NotEqual(0u, program.Id);
        Assert.Equal(mapType, obj.Map(eventsMap).Type);
        // The failure counters the tool reports as drops are readable globals, zero before anything ran.
        foreach (string counter in file.Contains("perf", StringComparison.Ordinal) ? ["output_failed"] : new[] { "skipped_full", "reserve_failed" })
            Assert.Equal(0ul, obj.ReadVariable<ulong>(counter));
    }

    [Theory]
    [InlineData("lesson_unlinks.bpf.o")]
    [InlineData("lesson_unlinks_perf.bpf.o")]
    public void Ebpf_load_json_reports_every_program_loaded(string file)
    {
        KernelGuard.RequireRoot();
        using var tool = new ToolProcess("load", TestObjects.Path(file), "--json");
        Assert.Equal(0, tool.ExitCode);
        using var doc = JsonDocument.Parse(string.Join('\n', tool.StdoutLines));
        var programs = doc.RootElement.GetProperty("programs").EnumerateArray().ToList();
        Assert.NotEmpty(programs);
        foreach (var p in programs)
            Assert.True(p.GetProperty("loaded").GetBoolean(), $"{file}/{p.GetProperty("name")}: {p.GetProperty("error")}");
    }
}
