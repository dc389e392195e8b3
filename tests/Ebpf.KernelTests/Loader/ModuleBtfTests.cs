using Ebpf.Btf;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

/// <summary>Kernel module BTF on the real kernel: the files enumerated are exactly /sys/kernel/btf's other than vmlinux
/// (this machine has none; a machine with modules has some), the kernel's BTF objects (BPF_BTF_GET_NEXT_ID) carry the
/// same names, and a missing attach target is also looked for in the modules.</summary>
[Trait("Category", "Kernel")]
public sealed class ModuleBtfTests
{
    private static List<string> ModuleFilesOnDisk() =>
        [.. Directory.GetFiles(KernelBtf.Directory).Select(Path.GetFileName).OfType<string>().Where(n => n != "vmlinux").Order(StringComparer.Ordinal)];

    [Fact]
    public void Module_btf_files_are_exactly_the_sysfs_files_other_than_vmlinux()
    {
        KernelGuard.RequirePath(KernelBtf.DefaultPath, "kernel BTF");

        var enumerated = KernelBtf.ModulePaths().ToList();

        Assert.Equal(ModuleFilesOnDisk(), enumerated.Select(Path.GetFileName));
        Assert.All(enumerated, p => Assert.Equal(KernelBtf.Directory, Path.GetDirectoryName(p)));
        Assert.DoesNotContain(KernelBtf.DefaultPath, enumerated);
        if (enumerated.Count == 0) return; // no modules here: parsing vmlinux (over a second) would check nothing more
        // Each module's BTF parses as split BTF on top of vmlinux, its own ids after vmlinux's.
        var vmlinux = KernelBtf.Load(null);
        var modules = KernelBtf.Modules(vmlinux).ToList();
        Assert.Equal(enumerated.Select(Path.GetFileName), modules.Select(m => m.ObjectName));
        Assert.All(modules, m => Assert.All(m.Own, t => Assert.True(t.Id >= vmlinux.Count)));
    }

    [Fact]
    public void The_kernels_btf_objects_are_vmlinux_and_the_modules_of_sysfs()
    {
        KernelGuard.RequireRoot();
        KernelGuard.RequirePath(KernelBtf.DefaultPath, "kernel BTF");
        var before = FdSnapshot.Baseline();

        var names = KernelBtfObjects.KernelNames();
        using (var vmlinux = KernelBtfObjects.OpenModule("vmlinux"))
            Assert.NotNull(vmlinux); // the bpf_btf_info name buffer round-trips
        Assert.Null(KernelBtfObjects.OpenModule("no_such_module_ebpf_net"));

        Assert.Equal(1, names.Count(n => n == "vmlinux"));
        Assert.Equal(ModuleFilesOnDisk(), names.Where(n => n != "vmlinux").Order(StringComparer.Ordinal));
        FdSnapshot.AssertSame(before, FdSnapshot.Take());
    }

    [Fact]
    public void A_missing_attach_target_is_looked_for_in_module_btf_too()
    {
        KernelGuard.RequireRoot();
        KernelGuard.RequirePath(KernelBtf.DefaultPath, "kernel BTF");
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("loader_btf_trampoline.bpf.o"));
        foreach (var p in spec.Programs.Values) p.AutoLoad = p.Name == "on_missing_tracepoint";

        var e = Assert.Throws<BpfObjectException>(() => spec.Load());

        Assert.Contains("btf_trace_no_such_tracepoint", e.Message, StringComparison.Ordinal);
        Assert.Contains("and the loaded modules' BTF", e.Message, StringComparison.Ordinal);
    }
}
