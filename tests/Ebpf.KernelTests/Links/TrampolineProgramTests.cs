using Ebpf.Btf;
using Ebpf.Features;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Links;

namespace Ebpf.KernelTests.Links;

/// <summary>
/// fentry, fexit and lsm programs need a BPF trampoline, which some kernels cannot build (this CI kernel refuses
/// them). Each test asks the feature probe first and then checks the matching outcome: where the kernel has the
/// feature, the program loads, attaches and counts this process's unlinks; where it does not, loading or attaching
/// fails with <see cref="BpfFeatureNotSupportedException"/> naming the feature and the program. The tests do not
/// catch their way to a pass: the probe decides which branch must hold.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class TrampolineProgramTests
{
    private static BpfObjectSpec SpecWithOnly(string program)
    {
        KernelGuard.RequirePath(KernelBtf.DefaultPath, "kernel BTF");
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("loader_btf_trampoline.bpf.o"));
        foreach (var p in spec.Programs.Values) p.AutoLoad = p.Name == program;
        spec.SetVariable("target_tgid", (uint)Environment.ProcessId);
        return spec;
    }

    private static void UnlinkTempFiles(int count)
    {
        for (int i = 0; i < count; i++)
        {
            string path = Path.GetTempFileName();
            File.Delete(path);
        }
    }

    /// <summary>Loads and attaches <paramref name="program"/>, unlinks three files, and returns the counter.</summary>
    private static ulong RunAndCount(BpfObjectSpec spec, string program, string counter)
    {
        using var obj = spec.Load();
        using var link = Assert.IsType<TracingLink>(obj.Program(program).Attach());
        UnlinkTempFiles(3);
        return obj.ReadVariable<ulong>(counter);
    }

    private static void AssertRefused(BpfObjectSpec spec, string program, string feature)
    {
        var e = Assert.Throws<BpfFeatureNotSupportedException>(() =>
        {
            using var obj = spec.Load();
            using var link = obj.Program(program).Attach();
        });
        Assert.Equal(feature, e.Feature);
        Assert.Contains($"'{program}'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"cannot", e.Message, StringComparison.Ordinal);
        Assert.Contains(feature == "lsm" ? "BPF LSM" : "BPF trampoline", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fentry_counts_unlinks_or_reports_the_missing_trampoline()
    {
        var spec = SpecWithOnly("on_unlink_entry");
        Assert.Equal(BpfAttachType.TraceFentry, spec.Programs["on_unlink_entry"].ExpectedAttachType);
        if (KernelFeatures.HasAttachType(BpfAttachType.TraceFentry))
            Assert.True(RunAndCount(spec, "on_unlink_entry", "fentry_hits") >= 3);
        else
            AssertRefused(spec, "on_unlink_entry", "fentry");
    }

    [Fact]
    public void Fexit_sees_the_return_value_or_reports_the_missing_trampoline()
    {
        var spec = SpecWithOnly("on_unlink_exit");
        if (KernelFeatures.HasAttachType(BpfAttachType.TraceFexit))
        {
            using var obj = spec.Load();
            using var link = obj.Program("on_unlink_exit").Attach();
            UnlinkTempFiles(3);
            Assert.True(obj.ReadVariable<ulong>("fexit_hits") >= 3);
            Assert.Equal(0L, obj.ReadVariable<long>("last_unlink_result"));
        }
        else
        {
            AssertRefused(spec, "on_unlink_exit", "fexit");
        }
    }

    [Fact]
    public void Lsm_counts_unlinks_or_reports_the_missing_bpf_lsm()
    {
        var spec = SpecWithOnly("watch_unlink");
        Assert.Equal(BpfProgramType.Lsm, spec.Programs["watch_unlink"].Type);
        if (KernelFeatures.HasAttachType(BpfAttachType.LsmMac))
            Assert.True(RunAndCount(spec, "watch_unlink", "lsm_hits") >= 3);
        else
            AssertRefused(spec, "watch_unlink", "lsm");
    }

    [Fact]
    public void A_refused_program_leaves_no_descriptor_behind()
    {
        var spec = SpecWithOnly("on_unlink_entry");
        if (KernelFeatures.HasAttachType(BpfAttachType.TraceFentry))
        {
            var before = FdSnapshot.TakeBpf();
            RunAndCount(spec, "on_unlink_entry", "fentry_hits");
            Assert.Equal(before, FdSnapshot.TakeBpf());
        }
        else
        {
            var before = FdSnapshot.TakeBpf();
            Assert.Throws<BpfFeatureNotSupportedException>(() => spec.Load().Dispose());
            Assert.Equal(before, FdSnapshot.TakeBpf());
        }
    }

    [Fact]
    public void A_missing_tp_btf_target_is_an_object_error_naming_it()
    {
        var spec = SpecWithOnly("on_missing_tracepoint");
        var before = FdSnapshot.TakeBpf();
        var e = Assert.Throws<BpfObjectException>(() => spec.Load());
        Assert.Equal("tp_btf/no_such_tracepoint", e.Section);
        Assert.Contains("'on_missing_tracepoint'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'no_such_tracepoint'", e.Message, StringComparison.Ordinal);
        Assert.Contains("'btf_trace_no_such_tracepoint'", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, FdSnapshot.TakeBpf()); // resolved before any map was created
    }

    [Fact]
    public void AttachTarget_can_be_changed_before_load()
    {
        var spec = SpecWithOnly("on_missing_tracepoint");
        spec.Programs["on_missing_tracepoint"].AttachTarget = "sched_switch";
        using var obj = spec.Load();
        using var link = Assert.IsType<TracingLink>(obj.Program("on_missing_tracepoint").Attach());
        Assert.Equal("sched_switch", link.Target);
    }
}
