using System.Diagnostics;
using System.Runtime.InteropServices;
using Ebpf.Btf;
using Ebpf.Features;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Links;

namespace Ebpf.KernelTests.Links;

/// <summary>
/// BTF-targeted programs end to end: tp_btf programs loaded against btf_trace_&lt;name&gt; and attached through a
/// tracing link, a task iterator, and the attach-target resolution the loader does against /sys/kernel/btf/vmlinux.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class BtfTracingLinkTests
{
    private static readonly long GetPpid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 173 : 110;

    private static void CallGetPpid(int times)
    {
        for (int i = 0; i < times; i++) Libc.Syscall(GetPpid, 0, 0, 0, 0, 0);
    }

    private static BpfObject LoadForThisThread(params string[] programs)
    {
        KernelGuard.RequirePath(KernelBtf.DefaultPath, "kernel BTF");
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("loader_btf_attach.bpf.o"));
        foreach (var p in spec.Programs.Values) p.AutoLoad = programs.Contains(p.Name);
        spec.SetVariable("target_tid", (uint)Libc.GetTid());
        spec.SetVariable("target_syscall", GetPpid);
        return spec.Load();
    }

    [Fact]
    public void TpBtf_sys_enter_counts_this_threads_syscalls_reading_the_typed_arguments()
    {
        using var obj = LoadForThisThread("count_syscall");
        var program = obj.Program("count_syscall");
        Assert.Equal(BpfProgramType.Tracing, program.Type);
        Assert.Equal(BpfAttachType.TraceRawTp, program.ExpectedAttachType);

        var link = program.Attach();
        var tracing = Assert.IsType<TracingLink>(link);
        Assert.Equal(BpfAttachType.TraceRawTp, tracing.AttachType);
        Assert.Equal("sys_enter", tracing.Target);
        Assert.Equal("count_syscall -> tp_btf/sys_enter", tracing.ToString());

        CallGetPpid(10);
        // The program filters on this thread and on id (ctx[1]) == getppid: nothing else on this thread calls getppid.
        Assert.Equal(10ul, obj.ReadVariable<ulong>("syscall_hits"));
        Assert.Equal((uint)Environment.ProcessId, obj.ReadVariable<uint>("last_tgid"));
        Assert.Equal(GetPpid, obj.ReadVariable<long>("last_syscall"));

        link.Dispose();
        Assert.True(link.IsDisposed);
        CallGetPpid(10);
        Assert.Equal(10ul, obj.ReadVariable<ulong>("syscall_hits"));
        link.Dispose(); // harmless twice
    }

    [Fact]
    public void TpBtf_sched_process_exec_records_the_execd_pid_from_its_arguments()
    {
        using var obj = LoadForThisThread("record_exec");
        using var link = obj.Program("record_exec").Attach();
        using var child = Process.Start(new ProcessStartInfo("/bin/true") { UseShellExecute = false })!;
        child.WaitForExit();
        Assert.Equal(0, child.ExitCode);
        // Key: the tgid after exec (the child); value: the tracepoint's old_pid argument (the same, single-threaded child).
        Assert.True(obj.Map("execs").TryLookup((uint)child.Id, out uint oldPid), $"no exec recorded for pid {child.Id}");
        Assert.Equal((uint)child.Id, oldPid);
    }

    [Fact]
    public void The_loader_resolves_attach_btf_ids_as_libbpf_names_them()
    {
        using var obj = LoadForThisThread("count_syscall", "record_exec", "count_tasks");
        var vmlinux = KernelBtf.Load(null);
        foreach (var (program, btfName, kind) in new[]
        {
            ("count_syscall", "btf_trace_sys_enter", BtfKind.Typedef),
            ("record_exec", "btf_trace_sched_process_exec", BtfKind.Typedef),
            ("count_tasks", "bpf_iter_task", BtfKind.Function),
        })
        {
            var info = Bpf.GetInfo<BpfProgInfo>(obj.Program(program).Handle, program);
            uint expected = vmlinux.IdsNamed(btfName).First(id => vmlinux[id].Kind == kind);
            Assert.Equal(expected, info.AttachBtfId);
        }
    }

    [Fact]
    public void Iter_task_runs_once_per_task_on_each_read()
    {
        using var obj = LoadForThisThread("count_tasks");
        var program = obj.Program("count_tasks");
        Assert.Equal(BpfAttachType.TraceIter, program.ExpectedAttachType);
        using var link = Assert.IsType<IterLink>(program.Attach());
        Assert.Equal("task", link.Target);
        Assert.Equal(0ul, obj.ReadVariable<ulong>("iter_calls"));

        Assert.Empty(link.Read(TestContext.Current.CancellationToken)); // the program writes nothing with bpf_seq_*
        ulong first = obj.ReadVariable<ulong>("iter_calls");
        // At least every thread of this process, plus the final call with a null task.
        Assert.True(first > (ulong)Process.GetCurrentProcess().Threads.Count, $"iter_calls = {first}");
        link.Read(TestContext.Current.CancellationToken);
        Assert.True(obj.ReadVariable<ulong>("iter_calls") > first);
    }

    [Fact]
    public void Loading_and_attaching_tp_btf_leaks_no_descriptor()
    {
        KernelGuard.RequirePath(KernelBtf.DefaultPath, "kernel BTF");
        using (LoadForThisThread("count_syscall")) { } // warm up (runtime-owned descriptors, feature probes)
        var before = FdSnapshot.TakeBpf();
        using (var obj = LoadForThisThread("count_syscall", "count_tasks"))
        {
            using var link = obj.Program("count_syscall").Attach();
            using var iter = (IterLink)obj.Program("count_tasks").Attach();
            iter.Read(TestContext.Current.CancellationToken);
        }
        Assert.Equal(before, FdSnapshot.TakeBpf());
    }

    [Fact]
    public void The_feature_probe_finds_tp_btf_and_iterators_on_this_kernel()
    {
        KernelGuard.RequirePath(KernelBtf.DefaultPath, "kernel BTF");
        Assert.True(KernelFeatures.HasAttachType(BpfAttachType.TraceRawTp));
        Assert.True(KernelFeatures.HasAttachType(BpfAttachType.TraceIter));
        KernelFeatures.RequireAttachType(BpfAttachType.TraceRawTp);
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelFeatures.HasAttachType(BpfAttachType.Xdp));
    }
}
