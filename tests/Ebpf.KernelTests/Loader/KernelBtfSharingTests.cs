using Ebpf.Btf;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

/// <summary>
/// The kernel's BTF is read and indexed once per process and shared by every load; a load decodes only the types its
/// CO-RE relocations, attach targets and externs reach. Before, every CO-RE load parsed all of vmlinux's ~125,000 types
/// (some 70 MiB allocated per load); a warm CO-RE load now allocates a few hundred KiB at most.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class KernelBtfSharingTests
{
    private const long Budget = 8L << 20;

    [Fact]
    public void A_second_co_re_load_reuses_the_kernel_btf_and_allocates_under_8_MiB()
    {
        KernelGuard.RequirePath(KernelBtf.DefaultPath, "kernel BTF");
        string path = TestObjects.Path("loader_core_kernel.bpf.o");
        using (BpfObject.Load(path)) { } // the first load of the process reads and indexes vmlinux
        var shared = KernelBtf.Vmlinux("test");

        var spec = BpfObjectSpec.FromFile(path);
        Assert.NotEmpty(spec.Programs["core_kernel"].CoreRelocations);
        long before = GC.GetAllocatedBytesForCurrentThread();
        using (var obj = spec.Load())
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < Budget, $"a warm CO-RE load allocated {allocated / 1048576.0:F1} MiB");
            Assert.Equal(0, obj.Program("core_kernel").TestRun(new byte[8]));
        }
        Assert.Same(shared, KernelBtf.Vmlinux("test"));
    }

    [Fact]
    public void Vmlinux_is_indexed_without_decoding_and_agrees_with_bpftool_on_a_few_names()
    {
        KernelGuard.RequirePath(KernelBtf.DefaultPath, "kernel BTF");
        if (!File.Exists("/usr/sbin/bpftool") && !File.Exists("/usr/bin/bpftool"))
            KernelGuard.Unavailable("bpftool (Debian package bpftool) is needed to check the index against it");
        var vmlinux = KernelBtf.Load(null);
        Assert.True(vmlinux.Count > 1000, $"vmlinux has {vmlinux.Count} types");
        var (code, dump) = BtfDump();
        Assert.True(code == 0, dump);
        // The index finds a type by name and kind with no type decoded; decoding it then gives the same name and kind,
        // and bpftool has that id for the first type of that name and kind.
        foreach (var (name, kind) in new[] { ("task_struct", BtfKind.Struct), ("do_unlinkat", BtfKind.Function), ("pid_t", BtfKind.Typedef) })
        {
            uint id = vmlinux.FirstOwnIdNamed(name, kind);
            Assert.NotEqual(0u, id);
            Assert.Equal((name, kind), (vmlinux[id].Name, vmlinux[id].Kind));
            string first = dump.Split('\n').First(l => l.StartsWith('[') && l.Contains($"] {KindName(kind)} '{name}'", StringComparison.Ordinal));
            Assert.StartsWith($"[{id}] ", first, StringComparison.Ordinal);
        }
        Assert.Equal(0u, vmlinux.FirstOwnIdNamed("no_such_type_in_any_kernel", BtfKind.Struct));
    }

    private static string KindName(BtfKind kind) => kind switch
    {
        BtfKind.Struct => "STRUCT",
        BtfKind.Function => "FUNC",
        BtfKind.Typedef => "TYPEDEF",
        _ => kind.ToString(),
    };

    /// <summary>bpftool's own reading of vmlinux, one type per "[id] KIND 'name'" line.</summary>
    private static (int Code, string Output) BtfDump()
    {
        var start = new System.Diagnostics.ProcessStartInfo("bpftool") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["btf", "dump", "file", KernelBtf.DefaultPath])
            start.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(start)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }
}
