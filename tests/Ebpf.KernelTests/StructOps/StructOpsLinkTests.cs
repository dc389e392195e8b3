using System.Net;
using System.Net.Sockets;
using System.Text;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.StructOps;

namespace Ebpf.KernelTests.StructOps;

/// <summary>
/// struct_ops: a TCP congestion control written in BPF (struct_ops_cc.bpf.o) registered through a .struct_ops map and
/// a .struct_ops.link map, used by a real loopback TCP connection, and unregistered on dispose.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class StructOpsLinkTests
{
    private const string Available = "/proc/sys/net/ipv4/tcp_available_congestion_control";
    private const int IPPROTO_TCP = 6, TCP_CONGESTION = 13;

    private static BpfObject Load()
    {
        KernelGuard.RequireRoot();
        if (!File.Exists(Available)) KernelGuard.Unavailable($"{Available} is missing (no TCP?)");
        return BpfObject.Load(TestObjects.Path("struct_ops_cc.bpf.o"));
    }

    private static string[] Registered() => File.ReadAllText(Available).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Sends 4 MiB over a loopback TCP connection whose sender uses congestion control <paramref name="algorithm"/>;
    /// returns the algorithm the socket reports.</summary>
    private static string Transfer(string algorithm)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.SetRawSocketOption(IPPROTO_TCP, TCP_CONGESTION, Encoding.ASCII.GetBytes(algorithm + "\0"));
        client.Connect(listener.LocalEndPoint!);
        using var server = listener.Accept();
        var receiver = Task.Run(() =>
        {
            var buffer = new byte[1 << 16];
            long total = 0;
            int n;
            while ((n = server.Receive(buffer)) > 0) total += n;
            return total;
        });
        var chunk = new byte[1 << 16];
        for (int i = 0; i < 64; i++) client.Send(chunk);
        var name = new byte[16];
        int length = client.GetRawSocketOption(IPPROTO_TCP, TCP_CONGESTION, name);
        client.Shutdown(SocketShutdown.Send);
        Assert.True(receiver.Wait(TimeSpan.FromSeconds(30)));
        Assert.Equal(64L << 16, receiver.Result);
        return Encoding.ASCII.GetString(name, 0, length).TrimEnd('\0');
    }

    [Fact]
    public void Struct_ops_map_registers_a_congestion_control_that_tcp_uses_until_disposed()
    {
        using var obj = Load();
        Assert.Equal(BpfMapType.StructOps, obj.Map("ebpf_cc").Type);
        Assert.DoesNotContain("ebpfnet_cc", Registered());
        Assert.False(obj.Programs.ContainsKey("ebpf_unused")); // no map points at it
        Assert.Equal(BpfProgramType.StructOps, obj.Program("ebpf_cong_avoid").Type);
        using (var link = obj.AttachStructOps("ebpf_cc"))
        {
            Assert.False(link.IsBpfLink);
            Assert.Equal("tcp_congestion_ops", link.TypeName);
            Assert.Contains("ebpfnet_cc", Registered());
            Assert.Equal("ebpfnet_cc", Transfer("ebpfnet_cc"));
            Assert.True(obj.ReadVariable<ulong>("inits") >= 1, "init was never called");
            Assert.True(obj.ReadVariable<ulong>("cong_avoids") >= 1, "cong_avoid was never called");
        }
        Assert.DoesNotContain("ebpfnet_cc", Registered());
    }

    [Fact]
    public void Struct_ops_link_map_registers_through_a_link()
    {
        using var obj = Load();
        using (var link = obj.AttachStructOps("ebpf_cc_link"))
        {
            Assert.True(link.IsBpfLink);
            Assert.Contains("ebpfnet_cc_link", Registered());
            Assert.Equal("ebpfnet_cc_link", Transfer("ebpfnet_cc_link"));
            Assert.True(obj.ReadVariable<ulong>("link_inits") >= 1);
        }
        Assert.DoesNotContain("ebpfnet_cc_link", Registered());
    }

    [Fact]
    public void Registration_outlives_the_object_until_the_link_is_disposed()
    {
        StructOpsLink link;
        using (var obj = Load()) link = obj.AttachStructOps("ebpf_cc");
        Assert.Contains("ebpfnet_cc", Registered());
        link.Dispose();
        Assert.DoesNotContain("ebpfnet_cc", Registered());
    }

    [Fact]
    public void Bad_input_is_a_typed_error_and_leaves_nothing_registered()
    {
        using var obj = Load();
        var before = FdSnapshot.TakeBpf();
        var notStructOps = Assert.Throws<InvalidOperationException>(() => StructOpsLink.Attach(obj.Map(".bss")));
        Assert.Contains("'.bss'", notStructOps.Message, StringComparison.Ordinal);
        using (obj.AttachStructOps("ebpf_cc"))
        {
            var twice = Assert.ThrowsAny<BpfException>(() => obj.AttachStructOps("ebpf_cc"));
            Assert.Contains("'ebpf_cc'", twice.Message, StringComparison.Ordinal);
        }
        Assert.Equal(before, FdSnapshot.TakeBpf());
        Assert.DoesNotContain("ebpfnet_cc", Registered());

        var missing = Assert.Throws<BpfObjectException>(() => BpfObject.Load(TestObjects.Path("struct_ops_missing.bpf.o")));
        Assert.Contains("'ebpf_missing'", missing.Message, StringComparison.Ordinal);
        Assert.Contains("ebpfnet_no_such_ops", missing.Message, StringComparison.Ordinal);
        Assert.Equal(before, FdSnapshot.TakeBpf());
    }
}
