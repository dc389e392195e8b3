using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

[Trait("Category", "Kernel")]
public sealed class CoreRelocationTests
{
    [Fact]
    public void Field_offsets_relocated_against_vmlinux_read_the_right_task_fields()
    {
        KernelGuard.RequirePath("/sys/kernel/btf/vmlinux", "kernel BTF");
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("loader_core.bpf.o"));
        Assert.NotEmpty(spec.Programs["core_read"].CoreRelocations);
        using var obj = spec.Load();
        int ret = obj.Program("core_read").TestRun(new byte[8]);
        int tid = Libc.GetTid(); // test_run runs the program in this thread's context
        Assert.Equal(Environment.ProcessId, ret);
        Assert.Equal((uint)Environment.ProcessId, obj.ReadVariable<uint>("tgid_seen"));
        Assert.Equal((uint)tid, obj.ReadVariable<uint>("pid_seen"));
        Assert.Equal(1u, obj.ReadVariable<uint>("tgid_field_exists"));
        Assert.Equal(0u, obj.ReadVariable<uint>("missing_field_exists"));
        Assert.InRange(obj.ReadVariable<ulong>("task_size"), 1024ul, 64 * 1024ul);
    }

    [Fact]
    public void Missing_kernel_btf_is_a_clear_error()
    {
        KernelGuard.RequireRoot();
        var ex = Assert.Throws<BpfFeatureNotSupportedException>(() =>
            BpfObject.Load(TestObjects.Path("loader_core.bpf.o"), new BpfLoadOptions { KernelBtfPath = "/nonexistent/vmlinux" }));
        Assert.Contains("/nonexistent/vmlinux", ex.Message, StringComparison.Ordinal);
    }
}
