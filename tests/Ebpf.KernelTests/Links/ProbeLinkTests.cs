using Ebpf.Features;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Links;

namespace Ebpf.KernelTests.Links;

/// <summary>uprobes, uretprobes, kprobes and perf_event programs attached for real (loader_probes.bpf.o).</summary>
[Trait("Category", "Kernel")]
public sealed class ProbeLinkTests
{
    private static string Target()
    {
        KernelGuard.RequireRoot();
        return ProbeTargetBinary.Path ?? throw new InvalidOperationException($"The uprobe target could not be built: {ProbeTargetBinary.BuildError}");
    }

    [Fact]
    public void Uprobe_by_symbol_counts_every_call_and_sees_the_argument()
    {
        string target = Target();
        using var obj = BpfObject.Load(TestObjects.Path("loader_probes.bpf.o"));
        using (var link = obj.Program("count_calls").AttachUprobe(target, ProbeTargetBinary.Function))
        {
            Assert.True(link.IsUserSpace);
            Assert.False(link.IsReturnProbe);
            Assert.False(link.UsesTracefs);
            Assert.NotEqual(0ul, link.Offset);
            ProbeTargetBinary.Run(5);
            Assert.Equal(5ul, obj.ReadVariable<ulong>("calls"));
            Assert.Equal(1004ul, obj.ReadVariable<ulong>("last_argument"));
        }
        // Detached: further calls are not counted.
        ProbeTargetBinary.Run(3);
        Assert.Equal(5ul, obj.ReadVariable<ulong>("calls"));
    }

    [Fact]
    public void Uretprobe_sees_the_return_value()
    {
        string target = Target();
        using var obj = BpfObject.Load(TestObjects.Path("loader_probes.bpf.o"));
        using var link = obj.Program("count_returns").AttachUprobe(target, ProbeTargetBinary.Function, returnProbe: true);
        Assert.True(link.IsReturnProbe);
        ProbeTargetBinary.Run(4);
        Assert.Equal(4ul, obj.ReadVariable<ulong>("returns"));
        Assert.Equal(1003ul * 3 + 1, obj.ReadVariable<ulong>("last_return"));
    }

    [Fact]
    public void Section_name_uprobe_PATH_SYMBOL_attaches_automatically()
    {
        string target = Target();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("loader_probes.bpf.o"));
        // As if the section were SEC("uprobe/<target>:ebpf_probe_target") / SEC("uretprobe/...").
        spec.Programs["count_calls"].AttachTarget = $"{target}:{ProbeTargetBinary.Function}";
        spec.Programs["count_returns"].AttachTarget = $"{target}:{ProbeTargetBinary.Function}";
        using var obj = spec.Load();
        using var calls = obj.Program("count_calls").Attach();
        using var returns = obj.Program("count_returns").Attach();
        Assert.IsType<ProbeLink>(returns);
        Assert.True(((ProbeLink)returns).IsReturnProbe);
        ProbeTargetBinary.Run(2);
        Assert.Equal(2ul, obj.ReadVariable<ulong>("calls"));
        Assert.Equal(2ul, obj.ReadVariable<ulong>("returns"));
    }

    [Fact]
    public void Uprobe_at_a_file_offset_and_through_tracefs_uprobe_events()
    {
        string target = Target();
        using var obj = BpfObject.Load(TestObjects.Path("loader_probes.bpf.o"));
        var program = obj.Program("count_calls");
        ulong offset;
        using (var bySymbol = program.AttachUprobe(target, ProbeTargetBinary.Function)) offset = bySymbol.Offset;
        string events = Path.Combine(Tracefs.FindRoot(), "uprobe_events");
        if (!File.Exists(events)) KernelGuard.Unavailable("tracefs has no uprobe_events (CONFIG_UPROBE_EVENTS)");
        string name;
        using (var legacy = ProbeLink.AttachUprobe(program, target, null, offset, false, -1, preferTracefs: true))
        {
            Assert.True(legacy.UsesTracefs);
            name = File.ReadAllLines(events).Single(l => l.Contains($"ebpfnet/uprobe_{Environment.ProcessId}_", StringComparison.Ordinal));
            ProbeTargetBinary.Run(3);
            Assert.Equal(3ul, obj.ReadVariable<ulong>("calls"));
        }
        Assert.DoesNotContain(name, File.ReadAllLines(events));
        using (var byOffset = program.AttachUprobeAt(target, offset))
        {
            ProbeTargetBinary.Run(1);
            Assert.Equal(4ul, obj.ReadVariable<ulong>("calls"));
        }
    }

    [Fact]
    public void Uprobe_on_a_shared_library_function_by_bare_library_name()
    {
        Target();
        using var obj = BpfObject.Load(TestObjects.Path("loader_probes.bpf.o"));
        // The target program parses argv[1] with strtol (atoi is inlined into it); other processes may call it too.
        using var link = obj.Program("count_calls").AttachUprobe("libc.so.6", "strtol");
        Assert.StartsWith("/", link.BinaryPath, StringComparison.Ordinal);
        ProbeTargetBinary.Run(1);
        Assert.True(obj.ReadVariable<ulong>("calls") >= 1);
    }

    [Fact]
    public void Uprobe_errors_name_the_file_and_symbol()
    {
        string target = Target();
        using var obj = BpfObject.Load(TestObjects.Path("loader_probes.bpf.o"));
        var program = obj.Program("count_calls");
        var noSymbol = Assert.Throws<BpfException>(() => program.AttachUprobe(target, "no_such_function_here"));
        Assert.Contains("no_such_function_here", noSymbol.Message, StringComparison.Ordinal);
        Assert.Contains(target, noSymbol.Message, StringComparison.Ordinal);
        var notElf = Assert.Throws<BpfException>(() => program.AttachUprobe("/proc/self/status", "main"));
        Assert.Contains("not an ELF file", notElf.Message, StringComparison.Ordinal);
        Assert.Throws<BpfException>(() => program.AttachUprobe("/nonexistent/binary", "main"));
        Assert.Throws<InvalidOperationException>(() => obj.Program("on_sample").AttachUprobe(target, ProbeTargetBinary.Function));
    }

    [Fact]
    public void Kprobe_attaches_or_says_the_kernel_has_no_kprobe_support()
    {
        KernelGuard.RequireRoot();
        using var obj = BpfObject.Load(TestObjects.Path("loader_probes.bpf.o"));
        bool kernelHasKprobes = Directory.Exists("/sys/bus/event_source/devices/kprobe") || File.Exists(Path.Combine(Tracefs.FindRoot(), "kprobe_events"));
        if (!kernelHasKprobes)
        {
            var e = Assert.Throws<BpfFeatureNotSupportedException>(() => obj.Program("on_unlinkat").Attach());
            Assert.Equal("kprobe", e.Feature);
            Assert.Contains("built without kprobes", e.Message, StringComparison.Ordinal);
            Assert.Contains("do_unlinkat", e.Message, StringComparison.Ordinal);
            var ret = Assert.Throws<BpfFeatureNotSupportedException>(() => obj.Program("on_unlinkat_return").AttachKprobe("do_unlinkat", returnProbe: true));
            Assert.Contains("kretprobe", ret.Message, StringComparison.Ordinal);
            return;
        }
        using var entry = obj.Program("on_unlinkat").Attach();
        using var exit = obj.Program("on_unlinkat_return").Attach();
        string file = Path.GetTempFileName();
        File.Delete(file);
        Assert.True(obj.ReadVariable<ulong>("kprobe_hits") >= 2);
    }

    [Fact]
    public void The_kprobe_and_uprobe_feature_answers_agree_with_attaching()
    {
        KernelGuard.RequireRoot();
        using var obj = BpfObject.Load(TestObjects.Path("loader_probes.bpf.o"));
        // The cheap question (sysfs and tracefs, nothing loaded) must give the answer the attach itself gives.
        if (KernelFeatures.HasKprobes())
        {
            using var link = obj.Program("on_unlinkat").Attach();
        }
        else
        {
            Assert.Throws<BpfFeatureNotSupportedException>(() => obj.Program("on_unlinkat").Attach());
        }
        Assert.True(KernelFeatures.HasUprobes()); // the brief's machine has uprobes; the uprobe tests above attach them
        using var uprobe = obj.Program("count_calls").AttachUprobe(Target(), ProbeTargetBinary.Function);
    }

    [Fact]
    public void Perf_event_program_counts_cpu_clock_samples_on_every_online_CPU()
    {
        KernelGuard.RequireRoot();
        using var obj = BpfObject.Load(TestObjects.Path("loader_probes.bpf.o"));
        var program = obj.Program("on_sample");
        Assert.Throws<NotSupportedException>(() => program.Attach());
        using var link = program.AttachCpuClock(1000);
        Assert.Equal(Environment.ProcessorCount, link.CpuCount);
        // Samples arrive while this thread runs; spin (bounded) until one has.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (obj.ReadVariable<ulong>("samples") == 0 && DateTime.UtcNow < deadline) Thread.SpinWait(100_000);
        Assert.NotEqual(0ul, obj.ReadVariable<ulong>("samples"));
        link.Dispose();
        Assert.True(link.IsDisposed);
    }

    [Fact]
    public void Probe_links_close_every_descriptor()
    {
        string target = Target();
        using var obj = BpfObject.Load(TestObjects.Path("loader_probes.bpf.o"));
        var before = FdSnapshot.TakeBpf();
        for (int i = 0; i < 3; i++)
        {
            using var a = obj.Program("count_calls").AttachUprobe(target, ProbeTargetBinary.Function);
            using var b = obj.Program("on_sample").AttachCpuClock(10);
        }
        Assert.Equal(before, FdSnapshot.TakeBpf());
    }
}
