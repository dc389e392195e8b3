using System.Diagnostics;
using Ebpf.Internal;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.Perf;
using Ebpf.Perf;

namespace Ebpf.KernelTests.Async;

/// <summary>PerfBuffer.PollAsync over real samples: completion, and cancellation of a blocked wait.</summary>
[Collection(PerfSerialCollection.Name)]
[Trait("Category", "Kernel")]
public sealed class PerfBufferAsyncTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PollAsync_completes_with_the_samples_and_cancel_wakes_a_blocked_one_at_once()
    {
        KernelGuard.RequireRoot();
        int cpu = Cpus.Online()[0];
        using var prog = new PerfTestProgram();
        int samples = 0;
        await using var pb = new PerfBuffer(prog.Events, 1, (_, data) => { PerfTestProgram.Verify(data); samples++; },
            options: new PerfBufferOptions { Cpus = [cpu] });

        var pending = pb.PollAsync(Ct);
        AsyncPollerThreads.WaitUntilBlocked("events");
        prog.Emit(cpu, count: 5, size: 40);
        Assert.Equal(5, await pending.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(5, samples);

        using var cts = new CancellationTokenSource();
        var blocked = pb.PollAsync(cts.Token);
        AsyncPollerThreads.WaitUntilBlocked("events");
        var clock = Stopwatch.StartNew();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => blocked);
        Assert.True(clock.ElapsedMilliseconds < 200, $"PollAsync took {clock.Elapsed.TotalMilliseconds:F1} ms to return after cancel");
    }
}
