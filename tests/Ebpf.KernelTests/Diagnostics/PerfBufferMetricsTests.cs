using Ebpf.Diagnostics;
using Ebpf.Internal;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.Perf;
using Ebpf.Perf;

namespace Ebpf.KernelTests.Diagnostics;

/// <summary>The Ebpf.Net meter over a real perf buffer: per-CPU samples, bytes, kernel losses, the program's own drop
/// count and the fill level, each against what the handlers saw or the program counted.</summary>
[Collection(PerfSerialCollection.Name)]
[Trait("Category", "Kernel")]
public sealed class PerfBufferMetricsTests
{
    [Fact]
    public void Samples_bytes_losses_and_drops_per_cpu_match_the_handlers_and_the_program()
    {
        KernelGuard.RequireRoot();
        int cpu = Cpus.Online()[^1];
        using var metrics = new MetricsRecorder();
        using var prog = new PerfTestProgram();
        long samples = 0, bytes = 0, lost = 0;
        using var pb = new PerfBuffer(prog.Events, 1,
            (c, data) =>
            {
                PerfTestProgram.Verify(data);
                samples++;
                bytes += 8 + 4 + data.Length; // perf_event_header, u32 size, the (padded) raw bytes
            },
            (c, n) =>
            {
                lost += (long)n;
                bytes += 24; // PERF_RECORD_LOST: header, u64 id, u64 lost
            },
            new PerfBufferOptions { Cpus = [cpu] });
        pb.DropCounter = BpfDropCounter.FromVariable(prog.Object, "failures");

        // One data page per CPU: 256 records of 144 bytes overflow it; the kernel loses the rest and the program's
        // bpf_perf_event_output fails for each (it counts them in `failures`).
        prog.Emit(cpu, count: 256, size: 128);
        ulong written = prog.Successes;
        Assert.True(prog.Failures > 0, "the page should have overflowed");
        Assert.Equal(written * 144.0, metrics.Observe(EbpfMetrics.UnreadBytes, "events", cpu));
        Assert.Equal(written * 144.0 / 4096, metrics.Observe(EbpfMetrics.FillRatio, "events", cpu));
        Assert.Equal((double)prog.Failures, metrics.Observe(EbpfMetrics.Dropped, "events"));

        Assert.Equal((int)written, pb.Poll(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        // The kernel writes its LOST record before the next sample that fits.
        prog.Emit(cpu, count: 1, size: 128);
        Assert.Equal(2, pb.Poll(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken)); // the LOST record and the sample

        Assert.Equal((long)prog.Successes, samples);
        Assert.Equal(samples, metrics.Sum(EbpfMetrics.Records, "events", cpu));
        Assert.Equal(bytes, metrics.Sum(EbpfMetrics.Bytes, "events", cpu));
        Assert.Equal((long)prog.Failures, lost);
        Assert.Equal((long)pb.LostCount, metrics.Sum(EbpfMetrics.Lost, "events", cpu));
        Assert.Equal(lost, metrics.Sum(EbpfMetrics.Lost, "events", cpu));
        Assert.InRange(metrics.Sum(EbpfMetrics.Wakeups, "events", cpu), 2, 4);
        Assert.Equal([cpu], metrics.CpusSeen(EbpfMetrics.Records, "events"));
        Assert.Equal(0.0, metrics.Observe(EbpfMetrics.UnreadBytes, "events", cpu));
    }
}
