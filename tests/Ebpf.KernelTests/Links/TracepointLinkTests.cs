using System.Runtime.InteropServices;
using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Links;

namespace Ebpf.KernelTests.Links;

[Trait("Category", "Kernel")]
public sealed class TracepointLinkTests
{
    private static readonly long GetPpid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 173 : 110;

    private static void CallGetPpid(int times)
    {
        for (int i = 0; i < times; i++) Libc.Syscall(GetPpid, 0, 0, 0, 0, 0);
    }

    private static BpfObject LoadForThisProcess()
    {
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("loader_basic.bpf.o"));
        spec.SetVariable("target_pid", (uint)Environment.ProcessId);
        return spec.Load();
    }

    [Fact]
    public void Tracepoint_Attach_FiresOnSyscall_AndDisposeDetaches()
    {
        KernelGuard.RequireRoot();
        using var obj = LoadForThisProcess();
        var link = obj.Program("count_tp").Attach();
        var tp = Assert.IsType<TracepointLink>(link);
        Assert.Equal("syscalls", tp.Category);
        Assert.Equal("sys_enter_getppid", tp.Name);

        CallGetPpid(10);
        ulong hits = obj.ReadVariable<ulong>("tp_hits");
        Assert.True(hits >= 10, $"tp_hits = {hits}");
        Assert.True(obj.Map("counters").TryLookup(1u, out ulong viaSubprogram));
        Assert.Equal(hits, viaSubprogram);

        link.Dispose();
        Assert.True(link.IsDisposed);
        CallGetPpid(10);
        Assert.Equal(hits, obj.ReadVariable<ulong>("tp_hits"));
        link.Dispose(); // harmless twice
    }

    [Fact]
    public void Tracepoint_PidFilterFromRodata_IgnoresOtherProcesses()
    {
        KernelGuard.RequireRoot();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("loader_basic.bpf.o"));
        spec.SetVariable("target_pid", (uint)Environment.ProcessId + 1_000_000); // no such process
        using var obj = spec.Load();
        using var link = obj.Program("count_tp").AttachTracepoint("syscalls", "sys_enter_getppid");
        CallGetPpid(10);
        Assert.Equal(0ul, obj.ReadVariable<ulong>("tp_hits"));
    }

    [Fact]
    public void RawTracepoint_Attach_FiresAndDisposeDetaches()
    {
        KernelGuard.RequireRoot();
        using var obj = LoadForThisProcess();
        var link = obj.Program("count_raw_tp").Attach();
        Assert.Equal("sys_enter", Assert.IsType<RawTracepointLink>(link).Tracepoint);
        CallGetPpid(10);
        ulong hits = obj.ReadVariable<ulong>("raw_tp_hits");
        Assert.True(hits >= 10, $"raw_tp_hits = {hits}");
        link.Dispose();
        ulong after = obj.ReadVariable<ulong>("raw_tp_hits");
        CallGetPpid(10);
        Assert.Equal(after, obj.ReadVariable<ulong>("raw_tp_hits"));
    }

    [Fact]
    public void Tracepoint_Missing_NamesIt()
    {
        KernelGuard.RequireRoot();
        using var obj = LoadForThisProcess();
        var ex = Assert.ThrowsAny<BpfException>(() => obj.Program("count_tp").AttachTracepoint("syscalls", "sys_enter_no_such_call"));
        Assert.Contains("syscalls:sys_enter_no_such_call", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RawTracepoint_WrongProgramType_Throws()
    {
        KernelGuard.RequireRoot();
        using var obj = LoadForThisProcess();
        Assert.Throws<InvalidOperationException>(() => obj.Program("count_tp").AttachRawTracepoint("sys_enter"));
    }
}
