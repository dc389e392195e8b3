using Ebpf.Internal;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Perf;

namespace Ebpf.KernelTests.Perf;

/// <summary>PerfBuffer end to end: a real BPF program (perf_test.bpf.o, BPF_PROG_TEST_RUN on a chosen CPU) writes samples.</summary>
[Collection(PerfSerialCollection.Name)]
public class PerfBufferProgramTests
{
    private const int ENOSPC = 28;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed class Received
    {
        public readonly List<(int BufferCpu, int RecordCpu, ulong Seq, int Size)> Samples = [];
        public readonly List<(int Cpu, ulong Lost)> Lost = [];
        public void OnSample(int cpu, ReadOnlySpan<byte> data)
        {
            var (recordCpu, seq, size) = PerfTestProgram.Verify(data);
            Samples.Add((cpu, recordCpu, seq, size));
        }
        public void OnLost(int cpu, ulong lost) => Lost.Add((cpu, lost));
    }

    [Fact]
    public void Samples_from_each_cpu_arrive_tagged_with_that_cpu()
    {
        KernelGuard.RequireRoot();
        int[] online = Cpus.Online();
        if (online.Length < 2) KernelGuard.Unavailable("this test needs two online CPUs");
        using var prog = new PerfTestProgram();
        var got = new Received();
        using var pb = new PerfBuffer(prog.Events, 2, got.OnSample, got.OnLost);

        foreach (int cpu in online)
        {
            got.Samples.Clear();
            prog.Emit(cpu, count: 3, size: 64);
            int handled = 0;
            while (handled < 3) Assert.NotEqual(0, handled += pb.Poll(TimeSpan.FromSeconds(5), Ct));
            Assert.Equal(3, got.Samples.Count);
            Assert.All(got.Samples, s => Assert.Equal((cpu, cpu), (s.BufferCpu, s.RecordCpu)));
            Assert.Equal([0UL, 1, 2], got.Samples.Select(s => s.Seq - got.Samples[0].Seq));
        }
        Assert.Equal(0UL, pb.LostCount);
        Assert.Equal(0UL, prog.Failures);
    }

    [Theory]
    [InlineData(128u)] // 144-byte records: the 29th starts at 4032 of a 4096-byte ring and wraps
    [InlineData(100u)] // 112-byte records, payload not a multiple of 8 (kernel padding)
    [InlineData(57u)]  // 72-byte records: raw size 60 = round_up(57 + 4, 8) - 4, three padding bytes
    public void Records_that_wrap_the_end_of_the_ring_arrive_intact(uint size)
    {
        KernelGuard.RequireRoot();
        int cpu = Cpus.Online()[0];
        using var prog = new PerfTestProgram();
        var got = new Received();
        using var pb = new PerfBuffer(prog.Events, 1, got.OnSample, got.OnLost, new PerfBufferOptions { Cpus = [cpu] });
        int recordBytes = 8 + 4 + ((int)size + 4 + 7 & ~7) - 4;
        int perLap = 4096 / recordBytes;
        // Three laps around a one-page ring, half a ring at a time: several records straddle the end.
        int total = 0;
        for (int lap = 0; lap < 8; lap++)
        {
            prog.Emit(cpu, (uint)(perLap / 2), size);
            total += perLap / 2;
            Assert.Equal(perLap / 2, pb.Consume());
        }
        Assert.True((long)total * recordBytes > 3 * 4096, "the records did not go round the ring");
        Assert.True(4096 % recordBytes != 0, "this size never straddles the end");
        Assert.Equal(total, got.Samples.Count);
        Assert.All(got.Samples, s => Assert.Equal((int)size, s.Size));
        Assert.Equal(Enumerable.Range(0, total).Select(i => got.Samples[0].Seq + (ulong)i), got.Samples.Select(s => s.Seq));
        Assert.Equal((ulong)total, prog.Successes);
        Assert.Equal(0UL, pb.CorruptCount);
    }

    [Fact]
    public void A_stalled_consumer_of_a_tiny_buffer_gets_lost_records_that_reconcile_exactly()
    {
        KernelGuard.RequireRoot();
        int cpu = Cpus.Online()[^1];
        using var prog = new PerfTestProgram();
        var got = new Received();
        using var pb = new PerfBuffer(prog.Events, 1, got.OnSample, got.OnLost, new PerfBufferOptions { Cpus = [cpu] });

        prog.Emit(cpu, count: 100, size: PerfTestProgram.MaxRecordSize); // 144-byte records: 28 fit in one page
        Assert.True(prog.Failures > 0, "the ring did not overflow");
        Assert.Equal(-ENOSPC, prog.LastError);
        pb.Consume();
        // The kernel reports the loss with the next record it manages to write.
        prog.Emit(cpu, count: 1, size: 24);
        pb.Consume();

        Assert.Equal(prog.Failures, pb.LostCount);
        Assert.Equal([(cpu, prog.Failures)], got.Lost);
        Assert.Equal(prog.Successes, (ulong)got.Samples.Count);
        Assert.Equal(prog.Attempts, (ulong)got.Samples.Count + pb.LostCount);
        Assert.Equal(101UL, prog.Attempts);
        Assert.All(got.Samples, s => Assert.Equal(cpu, s.BufferCpu));
    }

    [Fact]
    public void Wakeup_events_batches_wakeups_and_consume_drains_below_the_threshold()
    {
        KernelGuard.RequireRoot();
        int cpu = Cpus.Online()[0];
        using var prog = new PerfTestProgram();
        var got = new Received();
        using var pb = new PerfBuffer(prog.Events, 2, got.OnSample, options: new PerfBufferOptions { WakeupEvents = 4, Cpus = [cpu] });

        prog.Emit(cpu, count: 3, size: 32);
        Assert.Equal(0, pb.Poll(20, Ct)); // 3 < 4: no wake-up, the samples wait
        Assert.Equal(3, pb.Consume());
        prog.Emit(cpu, count: 4, size: 32);
        Assert.Equal(4, pb.Poll(TimeSpan.FromSeconds(5), Ct)); // the 4th sample wakes the reader
        Assert.Equal(7, got.Samples.Count);
    }

    [Fact]
    public void Dispose_from_a_handler_stops_reading_after_that_record()
    {
        KernelGuard.RequireRoot();
        int cpu = Cpus.Online()[0];
        using var prog = new PerfTestProgram();
        int seen = 0;
        PerfBuffer? pb = null;
        pb = new PerfBuffer(prog.Events, 2, (_, _) =>
        {
            seen++;
            pb!.Dispose();
        }, options: new PerfBufferOptions { Cpus = [cpu] });
        var before = FdSnapshot.TakeBpf();
        prog.Emit(cpu, count: 5, size: 32);
        Assert.Equal(1, pb.Poll(TimeSpan.FromSeconds(5), Ct));
        Assert.Equal(1, seen);
        Assert.Throws<ObjectDisposedException>(() => pb.Consume());
        Assert.True(FdSnapshot.TakeBpf().Count < before.Count, "Dispose released no descriptor");
    }

    [Fact]
    public void Consume_allocates_nothing_per_record()
    {
        KernelGuard.RequireRoot();
        int cpu = Cpus.Online()[0];
        using var prog = new PerfTestProgram();
        long bytes = 0;
        using var pb = new PerfBuffer(prog.Events, 64, (_, data) => bytes += data.Length, options: new PerfBufferOptions { Cpus = [cpu] });
        prog.Emit(cpu, count: 10, size: 64);
        Assert.Equal(10, pb.Consume()); // JIT warm-up
        prog.Emit(cpu, count: 200, size: 64); // 200 × 80 bytes from offset 800: no wrap in a 256 KiB ring

        long before = GC.GetAllocatedBytesForCurrentThread();
        int handled = pb.Consume();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(200, handled);
        Assert.Equal(0, allocated);
        Assert.Equal(210 * 68, bytes);
    }

    [Fact]
    public async Task A_poll_blocked_on_another_thread_wakes_for_a_sample()
    {
        KernelGuard.RequireRoot();
        int cpu = Cpus.Online()[^1];
        using var prog = new PerfTestProgram();
        var got = new Received();
        using var pb = new PerfBuffer(prog.Events, 1, got.OnSample);
        var poller = Task.Factory.StartNew(() => pb.Poll(Ct), Ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        prog.Emit(cpu, count: 1, size: 40);
        Assert.Equal(1, await poller.WaitAsync(TimeSpan.FromSeconds(5), Ct));
        Assert.Equal(cpu, Assert.Single(got.Samples).RecordCpu);
    }
}
