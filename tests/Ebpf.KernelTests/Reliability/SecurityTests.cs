using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.Perf;
using Ebpf.KernelTests.RingBuf;
using Ebpf.Perf;
using Ebpf.RingBuf;

namespace Ebpf.KernelTests.Reliability;

/// <summary>The consumers ask the kernel for no more than they need: read-only data pages, close-on-exec descriptors.</summary>
[Collection(PerfSerialCollection.Name)]
public sealed class SecurityTests
{
    [Fact]
    public void Ring_buffer_data_pages_are_mapped_read_only_and_only_the_consumer_page_is_writable()
    {
        KernelGuard.RequireRoot();
        using var p = new RingProducer();
        var before = ProcessState.BpfMappings();
        using var rb = new RingBuffer(p.Rb, _ => 0);
        var added = ProcessState.BpfMappings().Except(before).ToList();
        Assert.Equal(2, added.Count);
        var perms = added.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Select(f => (Perms: f[1], Length: Length(f[0]))).ToList();
        // The consumer page: one page, read-write, shared. Producer page + twice-mapped data: read-only.
        Assert.Contains(perms, m => m.Perms == "rw-s" && m.Length == (ulong)Environment.SystemPageSize);
        Assert.Contains(perms, m => m.Perms == "r--s" && m.Length == (ulong)Environment.SystemPageSize + 2 * p.Rb.MaxEntries);
    }

    [Fact]
    public void Every_descriptor_the_library_opens_is_close_on_exec()
    {
        KernelGuard.RequireRoot();
        var before = ProcessState.Fds();
        using var obj = BpfObject.Load(TestObjects.Path("perf_test.bpf.o"));
        using var ring = new RingProducer();
        using var rb = new RingBuffer(ring.Rb, _ => 0);
        using var pb = new PerfBuffer(obj.Map("events"), 2, (_, _) => { });
        using var link = obj.Program("emit").AttachRawTracepoint("sys_enter");
        var opened = ProcessState.Fds().Where(kv => !before.ContainsKey(kv.Key)).ToList();
        Assert.True(opened.Count >= 8, $"expected maps, programs, perf events, epoll and eventfd descriptors; saw {opened.Count}");
        Assert.All(opened, kv => Assert.True(kv.Value.CloseOnExec, $"fd {kv.Key} ({kv.Value.Target}) is not close-on-exec"));
        Assert.Contains(opened, kv => kv.Value.Target.Contains("perf_event", StringComparison.Ordinal));
        Assert.Contains(opened, kv => kv.Value.Target.Contains("eventpoll", StringComparison.Ordinal));
    }

    private static ulong Length(string range)
    {
        var parts = range.Split('-');
        return Convert.ToUInt64(parts[1], 16) - Convert.ToUInt64(parts[0], 16);
    }
}
