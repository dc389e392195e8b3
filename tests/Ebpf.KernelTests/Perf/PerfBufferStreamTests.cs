using System.Runtime.InteropServices;
using Ebpf.Internal;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Perf;
using Ebpf.Streaming;

namespace Ebpf.KernelTests.Perf;

/// <summary>PerfBuffer.ReadAllAsync: the poller thread + bounded queue over real samples from perf_test.bpf.o.</summary>
[Collection(PerfSerialCollection.Name)]
public class PerfBufferStreamTests
{
    [StructLayout(LayoutKind.Sequential)]
    private struct RecordHead
    {
        public uint Cpu;
        public uint Size;
        public ulong Seq;
        public ulong Checksum;
    }

    [StructLayout(LayoutKind.Sequential, Size = 512)]
    private struct TooLarge
    {
        public ulong First;
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void Unused(int cpu, ReadOnlySpan<byte> data) => Assert.Fail("the stream takes the samples, not the handler");

    [Fact]
    public async Task Streams_samples_as_structs_in_order()
    {
        KernelGuard.RequireRoot();
        int cpu = Cpus.Online()[^1];
        using var prog = new PerfTestProgram();
        using var pb = new PerfBuffer(prog.Events, 2, Unused);
        prog.Emit(cpu, count: 10, size: 40);

        var got = new List<RecordHead>();
        await foreach (var r in pb.ReadAllAsync<RecordHead>(Ct))
        {
            got.Add(r);
            if (got.Count == 10) break;
        }

        Assert.All(got, r => Assert.Equal(((uint)cpu, 40u), (r.Cpu, r.Size)));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => got[0].Seq + (ulong)i), got.Select(r => r.Seq));
        Assert.Equal(0, pb.Poll(0, Ct)); // the poller has exited: the single-reader slot is free again
    }

    [Fact]
    public async Task A_full_queue_applies_backpressure_without_losing_samples()
    {
        KernelGuard.RequireRoot();
        int cpu = Cpus.Online()[0];
        using var prog = new PerfTestProgram();
        using var pb = new PerfBuffer(prog.Events, 1, Unused, options: new PerfBufferOptions { Cpus = [cpu] });
        prog.Emit(cpu, count: 20, size: 64); // 20 × 80 bytes: fits one page, so the kernel loses nothing

        var stream = pb.ReadAllAsync<RecordHead>(new RecordStreamOptions { Capacity = 3 }, Ct);
        var seqs = new List<ulong>();
        await foreach (var r in stream)
        {
            seqs.Add(r.Seq);
            await Task.Yield(); // a reader slower than the poller: the queue of 3 fills over and over
            if (seqs.Count == 20) break;
        }

        Assert.Equal(Enumerable.Range(0, 20).Select(i => seqs[0] + (ulong)i), seqs);
        Assert.Equal(0UL, pb.LostCount);
        Assert.Equal(20UL, prog.Successes);
        Assert.Equal(0L, pb.StreamCounters.Dropped);
    }

    [Fact]
    public async Task Drop_newest_counts_every_sample_it_drops()
    {
        KernelGuard.RequireRoot();
        int cpu = Cpus.Online()[0];
        using var prog = new PerfTestProgram();
        using var pb = new PerfBuffer(prog.Events, 1, Unused, options: new PerfBufferOptions { Cpus = [cpu] });
        using var gate = new SemaphoreSlim(0);
        prog.Emit(cpu, count: 20, size: 64);

        var seqs = new List<ulong>();
        var options = new RecordStreamOptions { Capacity = 2, FullMode = RecordStreamFullMode.DropNewest };
        await foreach (var r in pb.ReadAllAsync(sample => BitConverter.ToUInt64(sample[8..16]), options, Ct))
        {
            seqs.Add(r);
            // Hold the first item until the poller has handled all 20 (it drained them in one pass, dropping what did not fit).
            if (seqs.Count == 1)
                while (pb.StreamCounters.Delivered + pb.StreamCounters.Dropped < 20) await Task.Delay(5, Ct);
            if (seqs.Count == pb.StreamCounters.Delivered) break;
        }

        Assert.Equal(20L, pb.StreamCounters.Delivered + pb.StreamCounters.Dropped);
        Assert.True(pb.StreamCounters.Dropped > 0, "nothing was dropped");
        Assert.Equal(pb.StreamCounters.Delivered, seqs.Count);
        Assert.Equal(0UL, pb.LostCount);
    }

    [Fact]
    public async Task Dispose_ends_the_stream_normally()
    {
        KernelGuard.RequireRoot();
        int cpu = Cpus.Online()[0];
        using var prog = new PerfTestProgram();
        var pb = new PerfBuffer(prog.Events, 1, Unused);
        prog.Emit(cpu, count: 2, size: 24);
        int n = 0;
        await foreach (var _ in pb.ReadAllAsync<RecordHead>(Ct))
            if (++n == 2) pb.Dispose(); // the stream then completes instead of waiting
        Assert.Equal(2, n);
        Assert.Throws<ObjectDisposedException>(() => pb.ReadAllAsync<RecordHead>(Ct));
    }

    [Fact]
    public async Task Cancellation_throws_and_stops_the_poller()
    {
        KernelGuard.RequireRoot();
        using var prog = new PerfTestProgram();
        using var pb = new PerfBuffer(prog.Events, 1, Unused);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(50);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in pb.ReadAllAsync<RecordHead>(cts.Token)) { }
        });
        Assert.Equal(0, pb.Poll(0, Ct)); // poller gone
    }

    [Fact]
    public async Task A_sample_shorter_than_the_struct_faults_the_stream_with_a_clear_message()
    {
        KernelGuard.RequireRoot();
        int cpu = Cpus.Online()[0];
        using var prog = new PerfTestProgram();
        using var pb = new PerfBuffer(prog.Events, 1, Unused);
        prog.Emit(cpu, count: 1, size: 24);
        var e = await Assert.ThrowsAsync<InvalidDataException>(async () =>
        {
            await foreach (var _ in pb.ReadAllAsync<TooLarge>(Ct)) { }
        });
        Assert.Contains("'events'", e.Message, StringComparison.Ordinal);
        Assert.Contains("TooLarge", e.Message, StringComparison.Ordinal);
    }
}
