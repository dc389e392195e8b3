using Ebpf.Internal;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Perf;

namespace Ebpf.KernelTests.Perf;

/// <summary>PerfBuffer against the real kernel without a BPF program: opening, the map's slots, waiting, Dispose, leaks.</summary>
[Collection(PerfSerialCollection.Name)]
public class PerfBufferLifecycleTests
{
    private static BpfMap CreateEventsMap() => BpfMap.Create(new MapSpec { Name = "events", Type = BpfMapType.PerfEventArray });

    private static void Ignore(int cpu, ReadOnlySpan<byte> data) { }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void Opens_one_buffer_per_online_cpu_keyed_by_cpu_number()
    {
        KernelGuard.RequireRoot();
        using var map = CreateEventsMap();
        int[] online = Cpus.Online();
        using var pb = new PerfBuffer(map, 2, Ignore);

        Assert.Equal(online.Length, pb.BufferCount);
        Assert.Equal(online, Enumerable.Range(0, pb.BufferCount).Select(pb.BufferCpu));
        Assert.True(pb.EpollFd > 0);
        Assert.Equal(pb.BufferCount, Enumerable.Range(0, pb.BufferCount).Select(pb.BufferFd).Distinct().Count());
        Assert.Equal(0UL, pb.LostCount);
    }

    [Fact]
    public void Stores_the_event_at_key_equal_to_the_cpu_number_and_removes_it_on_dispose()
    {
        KernelGuard.RequireRoot();
        int[] online = Cpus.Online();
        if (online.Length < 2) KernelGuard.Unavailable("this test needs two online CPUs");
        int chosen = online[^1];
        using var map = CreateEventsMap();
        var pb = new PerfBuffer(map, 1, Ignore, options: new PerfBufferOptions { Cpus = [chosen] });
        Assert.Equal(1, pb.BufferCount);
        Assert.Equal(chosen, pb.BufferCpu(0));
        Assert.False(map.Delete(BitConverter.GetBytes((uint)online[0])));  // not ours: empty slot
        pb.Dispose();
        Assert.False(map.Delete(BitConverter.GetBytes((uint)chosen)));     // Dispose removed ours

        using var pb2 = new PerfBuffer(map, 1, Ignore, options: new PerfBufferOptions { Cpus = [chosen] });
        Assert.True(map.Delete(BitConverter.GetBytes((uint)chosen)));      // present while open, at key = CPU
    }

    [Fact]
    public void The_buffer_keeps_its_own_map_descriptor()
    {
        KernelGuard.RequireRoot();
        var map = CreateEventsMap();
        uint id = map.Id;
        using var pb = new PerfBuffer(map, 1, Ignore);
        map.Dispose(); // closing the caller's last map fd must not clear the slots: the reader holds a duplicate
        Assert.Equal(0, pb.Poll(0, Ct));
        Assert.True(pb.EpollFd > 0);
        Assert.NotEqual(0U, id);
    }

    [Fact]
    public void Poll_times_out_with_zero()
    {
        KernelGuard.RequireRoot();
        using var map = CreateEventsMap();
        using var pb = new PerfBuffer(map, 1, Ignore);
        Assert.Equal(0, pb.Poll(0, Ct));
        Assert.Equal(0, pb.Poll(TimeSpan.FromMilliseconds(20), Ct));
        Assert.Equal(0, pb.Consume());
        Assert.Equal(0, pb.ConsumeBuffer(0));
    }

    [Fact]
    public async Task Dispose_during_a_blocked_poll_returns_promptly_and_leaks_no_descriptor()
    {
        KernelGuard.RequireRoot();
        var before = FdSnapshot.TakeBpf();
        using (var map = CreateEventsMap())
        {
            var pb = new PerfBuffer(map, 4, Ignore);
            using var entered = new ManualResetEventSlim();
            var poller = Task.Factory.StartNew(() =>
            {
                entered.Set();
                return pb.Poll(-1, CancellationToken.None); // only Dispose can end this wait
            }, Ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            entered.Wait(Ct);
            await Task.Delay(50, Ct); // let it block in epoll_wait
            Assert.False(poller.IsCompleted);
            pb.Dispose();
            var finished = await Task.WhenAny(poller, Task.Delay(TimeSpan.FromSeconds(5), Ct));
            Assert.True(finished == poller, "Poll did not return after Dispose");
            Assert.Equal(0, await poller);
            Assert.Throws<ObjectDisposedException>(() => pb.Poll(0, Ct));
            Assert.Throws<ObjectDisposedException>(() => pb.Consume());
            Assert.Throws<ObjectDisposedException>(() => pb.EpollFd);
            pb.Dispose(); // harmless
        }
        Assert.Equal(before, FdSnapshot.TakeBpf());
    }

    [Fact]
    public void Cancelling_a_blocked_poll_throws_and_the_buffer_stays_usable()
    {
        KernelGuard.RequireRoot();
        using var map = CreateEventsMap();
        using var pb = new PerfBuffer(map, 1, Ignore);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cts.Token, Ct);
        Assert.ThrowsAny<OperationCanceledException>(() => pb.Poll(linked.Token));
        Assert.Equal(0, pb.Poll(0, Ct));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(6)]
    public void Invalid_page_counts_are_refused_before_any_kernel_object_is_created(int pages)
    {
        KernelGuard.RequireRoot();
        using var map = CreateEventsMap();
        var before = FdSnapshot.TakeBpf();
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new PerfBuffer(map, pages, Ignore));
        Assert.Contains("'events'", e.Message, StringComparison.Ordinal);
        Assert.Contains("Nearest valid values", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, FdSnapshot.TakeBpf());
    }

    [Fact]
    public void A_map_of_another_type_is_refused_with_its_name()
    {
        KernelGuard.RequireRoot();
        using var map = BpfMap.Create(new MapSpec { Name = "counts", Type = BpfMapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 4 });
        var before = FdSnapshot.TakeBpf();
        var e = Assert.Throws<ArgumentException>(() => new PerfBuffer(map, 1, Ignore));
        Assert.Contains("'counts'", e.Message, StringComparison.Ordinal);
        Assert.Contains("PerfEventArray", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, FdSnapshot.TakeBpf());
    }

    [Fact]
    public void A_cpu_without_a_slot_in_the_map_is_refused()
    {
        KernelGuard.RequireRoot();
        using var map = BpfMap.Create(new MapSpec { Name = "events", Type = BpfMapType.PerfEventArray, MaxEntries = 1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerfBuffer(map, 1, Ignore, options: new PerfBufferOptions { Cpus = [1] }));
    }

    [Fact]
    public void Watermark_mode_opens()
    {
        KernelGuard.RequireRoot();
        using var map = CreateEventsMap();
        using var pb = new PerfBuffer(map, 2, Ignore, options: new PerfBufferOptions { WatermarkBytes = 4096 });
        Assert.Equal(Cpus.Online().Length, pb.BufferCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PerfBuffer(map, 1, Ignore, options: new PerfBufferOptions { WatermarkBytes = 1 << 20 }));
    }

    [Fact]
    public void Opening_and_disposing_many_times_leaks_nothing()
    {
        KernelGuard.RequireRoot();
        using var map = CreateEventsMap();
        var before = FdSnapshot.TakeBpf();
        for (int i = 0; i < 20; i++)
        {
            using var pb = new PerfBuffer(map, 1, Ignore);
            pb.Poll(0, Ct);
        }
        Assert.Equal(before, FdSnapshot.TakeBpf());
    }
}
