using System.Diagnostics;
using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.Perf;
using Ebpf.KernelTests.RingBuf;
using Ebpf.Perf;
using Ebpf.RingBuf;

namespace Ebpf.KernelTests.Reliability;

/// <summary>
/// Dispose under every kind of use (catalogue LC-01..LC-04, LC-14): an async reader is woken at once, every member
/// afterwards throws ObjectDisposedException even with records still in the ring (never touching the unmapped pages),
/// Dispose racing a handler that reads its span never faults, and no descriptor survives into a child process.
/// </summary>
[Collection(PerfSerialCollection.Name)]
public sealed class DisposeSafetyTests
{
    [Fact]
    public async Task Dispose_wakes_a_ring_buffer_async_reader_within_a_second()
    {
        KernelGuard.RequireRoot();
        using var map = BpfMap.Create(new MapSpec { Name = "async_rb", Type = BpfMapType.RingBuf, MaxEntries = (uint)Environment.SystemPageSize });
        var rb = new RingBuffer(map, _ => 0);
        var elapsed = await DisposeWhileReading(rb.ReadAllAsync<ulong>(TestContext.Current.CancellationToken), rb.Dispose);
        TestContext.Current.TestOutputHelper?.WriteLine($"ring buffer: Dispose ended the async read after {elapsed.TotalMilliseconds:F2} ms");
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"woken after {elapsed.TotalMilliseconds} ms");
    }

    [Fact]
    public async Task Dispose_wakes_a_perf_buffer_async_reader_within_a_second()
    {
        KernelGuard.RequireRoot();
        using var program = new PerfTestProgram();
        var pb = new PerfBuffer(program.Events, 1, (_, _) => { });
        var elapsed = await DisposeWhileReading(pb.ReadAllAsync<ulong>(TestContext.Current.CancellationToken), pb.Dispose);
        TestContext.Current.TestOutputHelper?.WriteLine($"perf buffer: Dispose ended the async read after {elapsed.TotalMilliseconds:F2} ms");
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"woken after {elapsed.TotalMilliseconds} ms");
    }

    /// <summary>Starts reading, lets the reader block, disposes, and measures until the reader's task ends.</summary>
    private static async Task<TimeSpan> DisposeWhileReading(IAsyncEnumerable<ulong> stream, Action dispose)
    {
        var reader = Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in stream) { }
            }
            catch (ObjectDisposedException) { } // either ending or ObjectDisposed is a defined outcome
            catch (OperationCanceledException) { }
        });
        await Task.Delay(300, TestContext.Current.CancellationToken); // let the pump block in epoll_wait
        Assert.False(reader.IsCompleted, "the reader should be blocked waiting for records");
        var watch = Stopwatch.StartNew();
        dispose();
        await reader.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        watch.Stop();
        dispose(); // double dispose is harmless
        return watch.Elapsed;
    }

    [Fact]
    public void Every_ring_buffer_member_throws_object_disposed_after_dispose_with_records_still_in_the_ring()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var rb = new RingBuffer(p.Rb, _ => 0);
        var ring = rb.Rings[0];
        p.Produce(10, 32);
        Assert.True(ring.AvailableBytes > 0);
        rb.Dispose();
        rb.Dispose();
        Assert.Throws<ObjectDisposedException>(() => rb.Poll(0));
        Assert.Throws<ObjectDisposedException>(() => rb.Poll(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Assert.Throws<ObjectDisposedException>(() => rb.Consume());
        Assert.Throws<ObjectDisposedException>(() => rb.ConsumeN(1));
        Assert.Throws<ObjectDisposedException>(() => rb.Add(p.Rb2, _ => 0));
        Assert.Throws<ObjectDisposedException>(() => ring.Consume());
        Assert.Throws<ObjectDisposedException>(() => ring.ConsumeN(1));
        Assert.Throws<ObjectDisposedException>(() => ring.AvailableBytes);
        Assert.Throws<ObjectDisposedException>(() => ring.ConsumerPosition);
        Assert.Throws<ObjectDisposedException>(() => ring.ProducerPosition);
        Assert.Throws<ObjectDisposedException>(() => ring.MapFd);
        Assert.ThrowsAny<ObjectDisposedException>(() => rb.ReadAllAsync<ulong>(TestContext.Current.CancellationToken).GetAsyncEnumerator(TestContext.Current.CancellationToken).MoveNextAsync().AsTask().GetAwaiter().GetResult());
    }

    [Fact]
    public void Every_perf_buffer_member_throws_object_disposed_after_dispose_with_records_still_in_the_ring()
    {
        KernelGuard.RequireRoot();
        using var program = new PerfTestProgram();
        var pb = new PerfBuffer(program.Events, 1, (_, _) => { }, null, new PerfBufferOptions { Cpus = [0] });
        program.Emit(0, 8, 32);
        pb.Dispose();
        pb.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pb.Poll(0, TestContext.Current.CancellationToken));
        Assert.Throws<ObjectDisposedException>(() => pb.Poll(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Assert.Throws<ObjectDisposedException>(() => pb.Consume());
        Assert.Throws<ObjectDisposedException>(() => pb.ConsumeBuffer(0));
        Assert.Throws<ObjectDisposedException>(() => pb.Pause());
        Assert.Throws<ObjectDisposedException>(() => pb.Resume());
        Assert.ThrowsAny<ObjectDisposedException>(() => pb.ReadAllAsync<ulong>(TestContext.Current.CancellationToken).GetAsyncEnumerator(TestContext.Current.CancellationToken).MoveNextAsync().AsTask().GetAwaiter().GetResult());
    }

    /// <summary>
    /// 1,000 races: a thread drains a full ring with a handler that reads every byte of its span while this thread
    /// disposes. An access to unmapped memory would kill the process (.NET cannot catch it); the drain must end with a
    /// count or ObjectDisposedException.
    /// </summary>
    [Fact]
    public void Dispose_racing_a_handler_that_reads_its_span_never_faults()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        int disposedBeforeDrain = 0, stoppedMidDrain = 0;
        for (int i = 0; i < 1000; i++)
        {
            p.Produce(64, 64);
            long sum = 0;
            var rb = new RingBuffer(p.Rb, span =>
            {
                foreach (byte b in span) sum += b;
                Thread.SpinWait(200); // a slow handler, so Dispose usually lands mid-drain
                return 0;
            });
            using var started = new ManualResetEventSlim();
            var drain = new Thread(() =>
            {
                started.Set();
                try { if (rb.Consume() < 64) Interlocked.Increment(ref stoppedMidDrain); }
                catch (ObjectDisposedException) { Interlocked.Increment(ref disposedBeforeDrain); }
            });
            drain.Start();
            started.Wait(TestContext.Current.CancellationToken);
            if (i % 2 == 0) Thread.SpinWait(i * 10);
            rb.Dispose();
            Assert.True(drain.Join(TimeSpan.FromSeconds(10)), "the drain did not end after Dispose");
            Assert.True(sum >= 0);
            using var cleanup = new RingBuffer(p.Rb, _ => 0); // empty the ring for the next round
            cleanup.Consume();
        }
        Assert.True(stoppedMidDrain > 0, "Dispose never landed during a drain: the race was not exercised");
        TestContext.Current.TestOutputHelper?.WriteLine($"1000 dispose/drain races: {stoppedMidDrain} drains stopped mid-way by Dispose, {disposedBeforeDrain} saw ObjectDisposedException, none faulted");
    }

    [Fact]
    public void Every_library_descriptor_has_fd_cloexec_and_none_reaches_a_child_process()
    {
        KernelGuard.RequireRoot();
        var before = ProcessState.Fds();
        using var obj = BpfObject.Load(TestObjects.Path("perf_test.bpf.o"));
        using var ring = new RingProducer();
        using var rb = new RingBuffer(ring.Rb, _ => 0);
        using var pb = new PerfBuffer(obj.Map("events"), 2, (_, _) => { });
        using var link = obj.Program("emit").AttachRawTracepoint("sys_enter");
        var ours = ProcessState.Fds().Where(kv => !before.ContainsKey(kv.Key)).Select(kv => kv.Key).ToList();
        Assert.True(ours.Count >= 8, $"expected map, program, link, perf, epoll and eventfd descriptors; saw {ours.Count}");
        foreach (int fd in ours)
        {
            int flags = Libc.Fcntl(fd, Libc.F_GETFD, 0);
            Assert.True(flags >= 0 && (flags & Libc.FD_CLOEXEC) != 0, $"fd {fd} ({ProcessState.Fds().GetValueOrDefault(fd).Target}): F_GETFD = {flags}");
        }

        var start = new ProcessStartInfo("/bin/sh", ["-c", "ls /proc/self/fd"]) { RedirectStandardOutput = true };
        using var child = Process.Start(start)!;
        var inherited = child.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToHashSet();
        Assert.True(child.WaitForExit(10_000));
        Assert.DoesNotContain(ours, inherited.Contains);
    }
}
