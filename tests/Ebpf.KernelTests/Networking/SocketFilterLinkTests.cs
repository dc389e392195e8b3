using System.Net;
using System.Net.Sockets;
using System.Text;
using Ebpf.Links;

namespace Ebpf.KernelTests.Networking;

/// <summary>A socket filter on a real UDP socket: datagrams marked 'D' are dropped, the rest kept; update; detach.</summary>
[Trait("Category", "Kernel")]
public sealed class SocketFilterLinkTests
{
    private const uint Dropped = 0, Kept = 1;

    private static List<string> SendMix(UdpReceiver receiver)
    {
        using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var to = new IPEndPoint(IPAddress.Loopback, receiver.Port);
        foreach (var payload in new[] { "Drop-1", "keep-1", "Drop-2", "keep-2", "Drop-3" })
            sender.SendTo(Encoding.ASCII.GetBytes(payload), to);
        return receiver.Drain();
    }

    [Fact]
    public void Filter_drops_marked_datagrams_updates_and_detaches()
    {
        Infrastructure.KernelGuard.RequireRoot();
        using var receiver = new UdpReceiver();
        using var obj = NetObjects.Socket(receiver.Port);
        var link = obj.Program("filter_drop_marked").AttachSocketFilter(receiver.Socket);
        try
        {
            Assert.False(link.IsBpfLink);
            Assert.Equal(["keep-1", "keep-2"], SendMix(receiver));
            Assert.Equal((3ul, 2ul), (PerCpuStats.Sum(obj, Dropped), PerCpuStats.Sum(obj, Kept)));

            link.Update(obj.Program("filter_keep_all"), expectedProgram: obj.Program("filter_drop_marked"));
            Assert.Equal(5, SendMix(receiver).Count);
            Assert.Equal((3ul, 7ul), (PerCpuStats.Sum(obj, Dropped), PerCpuStats.Sum(obj, Kept)));
            Assert.Throws<BpfAttachException>(() => link.Update(obj.Program("filter_drop_marked"), expectedProgram: obj.Program("filter_drop_marked")));
            Assert.Throws<NotSupportedException>(() => link.GetInfo());
        }
        finally
        {
            link.Dispose();
        }
        Assert.Equal(5, SendMix(receiver).Count);
        Assert.Equal((3ul, 7ul), (PerCpuStats.Sum(obj, Dropped), PerCpuStats.Sum(obj, Kept)));
    }

    [Fact]
    public void Dispose_after_the_socket_closed_is_harmless_and_wrong_types_are_refused()
    {
        Infrastructure.KernelGuard.RequireRoot();
        using var obj = NetObjects.Socket(4242);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var link = obj.Program("filter_keep_all").AttachSocketFilter(socket);
        socket.Dispose();
        link.Dispose();
        Assert.True(link.IsDisposed);

        using var other = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var e = Assert.Throws<BpfAttachException>(() => obj.Program("lookup_steer").AttachSocketFilter(other));
        Assert.Equal("lookup_steer", e.ProgramName);
        Assert.Contains("socket", e.Target, StringComparison.Ordinal);
    }
}
