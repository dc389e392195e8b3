using System.Buffers.Binary;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.TestRuns;

namespace Ebpf.KernelTests.TestRuns;

/// <summary>BPF_PROG_TEST_RUN on crafted packets (testrun_net.bpf.o): XDP and tc verdicts, the packet the program left
/// (data out), the skb context in and out, repeats and their duration, and the errors for bad input.</summary>
[Trait("Category", "Kernel")]
public sealed class TestRunKernelTests
{
    private const uint XdpDrop = 1, XdpPass = 2, XdpTx = 3, TcShot = 2;

    private static BpfObject Load()
    {
        KernelGuard.RequireRoot();
        return BpfObject.Load(TestObjects.Path("testrun_net.bpf.o"));
    }

    [Fact]
    public void Xdp_verdicts_and_the_packet_after_the_run()
    {
        using var obj = Load();
        var xdp = obj.Program("xdp_udp_filter");

        var discard = Packets.Udp(9);
        var dropped = xdp.TestRun(new TestRunOptions { Data = discard });
        Assert.Equal(XdpDrop, dropped.ReturnValue);
        Assert.Equal(discard, dropped.DataOut);

        var echo = Packets.Udp(7);
        var bounced = xdp.TestRun(new TestRunOptions { Data = echo });
        Assert.Equal(XdpTx, bounced.ReturnValue);
        Assert.Equal(Packets.SourceMac, bounced.DataOut[..6]);      // destination is the old source
        Assert.Equal(Packets.DestinationMac, bounced.DataOut[6..12]);
        Assert.Equal(echo[12..], bounced.DataOut[12..]);

        Assert.Equal(XdpPass, xdp.TestRun(new TestRunOptions { Data = Packets.Udp(53) }).ReturnValue);
    }

    [Fact]
    public void Repeats_run_the_program_each_time_and_report_a_duration()
    {
        using var obj = Load();
        var xdp = obj.Program("xdp_udp_filter");
        var result = xdp.TestRun(new TestRunOptions { Data = Packets.Udp(9), Repeat = 500 });
        Assert.Equal(XdpDrop, result.ReturnValue);
        Assert.True(result.DurationNanoseconds > 0, "the kernel times repeated networking runs");
        ulong drops = obj.Map("verdicts").LookupPerCpu<uint, ulong>(XdpDrop).Aggregate(0ul, (a, b) => a + b);
        Assert.Equal(500ul, drops);
    }

    [Fact]
    public void A_program_that_grows_the_packet_returns_the_longer_packet()
    {
        using var obj = Load();
        var frame = Packets.Udp(53);
        var grown = obj.Program("xdp_grow_head").TestRun(new TestRunOptions { Data = frame });
        Assert.Equal(XdpPass, grown.ReturnValue);
        Assert.Equal(frame.Length + 4, grown.DataOut.Length);
        Assert.Equal(0xfeedf00du, BinaryPrimitives.ReadUInt32BigEndian(grown.DataOut));
        Assert.Equal(frame, grown.DataOut[4..]);
    }

    [Fact]
    public void A_tc_program_sees_and_changes_the_packet_and_the_skb_context()
    {
        using var obj = Load();
        var tc = obj.Program("tc_ttl_mark");
        var context = new byte[40]; // the head of struct __sk_buff: mark at 8, priority at 32
        BinaryPrimitives.WriteUInt32LittleEndian(context.AsSpan(8), 41);

        var kept = tc.TestRun(new TestRunOptions { Data = Packets.Udp(53, ttl: 64), Context = context });
        Assert.Equal(0u, kept.ReturnValue); // TC_ACT_OK
        Assert.Equal(63, kept.DataOut[Packets.TtlOffset]);
        Assert.True(kept.ContextOut.Length >= 40, $"the kernel returns its whole __sk_buff ({kept.ContextOut.Length} bytes)");
        Assert.Equal(42u, BinaryPrimitives.ReadUInt32LittleEndian(kept.ContextOut.AsSpan(8)));
        Assert.Equal(7u, BinaryPrimitives.ReadUInt32LittleEndian(kept.ContextOut.AsSpan(32)));

        var shot = tc.TestRun(new TestRunOptions { Data = Packets.Udp(9), Context = context });
        Assert.Equal(TcShot, shot.ReturnValue);
    }

    [Fact]
    public void The_span_overload_writes_into_caller_buffers_without_allocating()
    {
        using var obj = Load();
        var xdp = obj.Program("xdp_udp_filter");
        var frame = Packets.Udp(7);
        var output = new byte[frame.Length + 64];
        var first = xdp.TestRun(frame, output, default, default);
        Assert.Equal((XdpTx, frame.Length), (first.ReturnValue, first.DataOutLength));
        Assert.Equal(Packets.SourceMac, output[..6]);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++) xdp.TestRun(frame, output, default, default);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Too_small_an_output_buffer_says_how_much_is_needed()
    {
        using var obj = Load();
        var frame = Packets.Udp(53);
        var e = Assert.Throws<BpfException>(() => obj.Program("xdp_udp_filter").TestRun(new TestRunOptions { Data = frame, DataOutSize = 10 }));
        Assert.Equal(28, e.Errno); // ENOSPC
        Assert.Contains("'xdp_udp_filter'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"at least {frame.Length}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Input_that_does_not_suit_the_program_is_refused_naming_it()
    {
        using var obj = Load();
        var xdp = obj.Program("xdp_udp_filter");
        var tooShort = Assert.Throws<BpfException>(() => xdp.TestRun(new TestRunOptions { Data = new byte[8] }));
        Assert.Equal(22, tooShort.Errno);
        Assert.Contains("'xdp_udp_filter'", tooShort.Message, StringComparison.Ordinal);
        var cpu = Assert.Throws<BpfException>(() => xdp.TestRun(new TestRunOptions { Data = Packets.Udp(53), Cpu = 0 }));
        Assert.Contains("only raw tracepoint programs take a CPU", cpu.Message, StringComparison.Ordinal);
    }
}
