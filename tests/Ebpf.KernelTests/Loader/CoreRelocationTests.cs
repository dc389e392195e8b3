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
    public void Kernel_bitfields_flavours_missing_fields_types_and_enum_values_relocate()
    {
        KernelGuard.RequirePath("/sys/kernel/btf/vmlinux", "kernel BTF");
        using var obj = BpfObject.Load(TestObjects.Path("loader_core_kernel.bpf.o"));
        Assert.Equal(0, obj.Program("core_kernel").TestRun(new byte[8]));
        Assert.Equal((uint)Environment.ProcessId, obj.ReadVariable<uint>("tgid"));
        // This thread is not in execve and was not set to SCHED_RESET_ON_FORK: both one-bit fields read 0.
        Assert.Equal(0ul, obj.ReadVariable<ulong>("reset_on_fork"));
        Assert.Equal(0ul, obj.ReadVariable<ulong>("in_execve"));
        // The bitfield's containing load, and the shifts that isolate it (64 - bit size = 63 for one bit).
        uint size = obj.ReadVariable<uint>("bitfield_size");
        Assert.Contains(size, new uint[] { 1, 2, 4, 8 });
        Assert.Equal(0u, obj.ReadVariable<uint>("bitfield_offset") % size);
        Assert.Equal(63u, obj.ReadVariable<uint>("bitfield_rshift"));
        Assert.InRange(obj.ReadVariable<uint>("bitfield_lshift"), 64u - size * 8, 63u);
        Assert.Equal(0u, obj.ReadVariable<uint>("bitfield_signed"));
        Assert.Equal(0u, obj.ReadVariable<uint>("gone_exists"));
        Assert.Equal(7ul, obj.ReadVariable<ulong>("gone_value"));
        Assert.Equal(0u, obj.ReadVariable<uint>("missing_type_exists"));
        Assert.Equal(1u, obj.ReadVariable<uint>("task_type_exists"));
        Assert.Equal(27ul, obj.ReadVariable<ulong>("ringbuf_value"));
        Assert.Equal(1u, obj.ReadVariable<uint>("ringbuf_exists"));
        Assert.Equal(0u, obj.ReadVariable<uint>("missing_enum_exists"));
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
