using System.Diagnostics;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.Perf;
using Ebpf.Perf;
using Ebpf.RingBuf;

namespace Ebpf.KernelTests.Reliability;

/// <summary>Create/poll/dispose cycles leave the process exactly as it was; Dispose wakes a blocked reader at once.</summary>
[Collection(PerfSerialCollection.Name)]
public sealed class LifecycleCycleTests
{
    private const int Cycles = 1000;

    [Fact]
    public void A_thousand_load_attach_read_dispose_cycles_leave_fds_and_mappings_as_they_were()
    {
        KernelGuard.RequireRoot();
        var bytes = File.ReadAllBytes(TestObjects.Path("perf_test.bpf.o"));
        var spec = BpfObjectSpec.FromBytes(bytes, "perf_test.bpf.o");
        Cycle(spec); // first use loads lazily-initialised runtime pieces (epoll thread pools, JIT): not a leak
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var fds = FdSnapshot.Take();
        var maps = ProcessState.MappingCounts();

        for (int i = 0; i < Cycles; i++) Cycle(spec);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(fds, FdSnapshot.Take());
        Assert.Equal(maps, ProcessState.MappingCounts());
    }

    private static void Cycle(BpfObjectSpec spec)
    {
        using var obj = spec.Load();
        using var link = obj.Program("emit").AttachRawTracepoint("sys_enter");
        int samples = 0, lostRecords = 0;
        using var pb = new PerfBuffer(obj.Map("events"), 1, (_, _) => samples++, (_, _) => lostRecords++, new PerfBufferOptions { Cpus = [0] });
        using var ringMap = BpfMap.Create(new MapSpec { Name = "cycle_rb", Type = BpfMapType.RingBuf, MaxEntries = (uint)Environment.SystemPageSize });
        using var rb = new RingBuffer(ringMap, _ => 0);
        Assert.Equal(0, rb.Poll(0));
        // The attached program emits on this CPU's syscalls: whatever arrived is all accounted for.
        int handled = pb.Poll(0) + pb.Consume();
        Assert.Equal(samples + lostRecords, handled);
    }

    [Fact]
    public async Task Dispose_wakes_a_blocked_ring_poll_well_within_a_second()
    {
        KernelGuard.RequireRoot();
        using var map = BpfMap.Create(new MapSpec { Name = "wake_rb", Type = BpfMapType.RingBuf, MaxEntries = (uint)Environment.SystemPageSize });
        var rb = new RingBuffer(map, _ => 0);
        var started = new TaskCompletionSource();
        var poller = Task.Run(() => { started.SetResult(); return rb.Poll(-1); });
        await started.Task;
        await Task.Delay(200, TestContext.Current.CancellationToken); // let it block in epoll_wait
        var watch = Stopwatch.StartNew();
        rb.Dispose();
        int result = await poller.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        watch.Stop();
        Assert.Equal(0, result);
        TestContext.Current.TestOutputHelper?.WriteLine($"Dispose woke the blocked poll after {watch.Elapsed.TotalMilliseconds:F2} ms");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"woken after {watch.Elapsed.TotalMilliseconds} ms");
        Assert.Throws<ObjectDisposedException>(() => rb.Consume());
        rb.Dispose(); // double dispose is harmless
    }

    [Fact]
    public async Task Dispose_wakes_a_blocked_perf_poll_well_within_a_second()
    {
        KernelGuard.RequireRoot();
        using var program = new PerfTestProgram();
        var pb = new PerfBuffer(program.Events, 1, (_, _) => { });
        var started = new TaskCompletionSource();
        var poller = Task.Run(() => { started.SetResult(); return pb.Poll(-1); });
        await started.Task;
        await Task.Delay(200, TestContext.Current.CancellationToken);
        var watch = Stopwatch.StartNew();
        pb.Dispose();
        int result = await poller.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        watch.Stop();
        Assert.Equal(0, result);
        TestContext.Current.TestOutputHelper?.WriteLine($"Dispose woke the blocked poll after {watch.Elapsed.TotalMilliseconds:F2} ms");
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"woken after {watch.Elapsed.TotalMilliseconds} ms");
        Assert.Throws<ObjectDisposedException>(() => pb.Consume());
        pb.Dispose();
    }
}
