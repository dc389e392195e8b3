using System.Net;
using System.Net.Sockets;
using Ebpf.Internal.Sys;
using Ebpf.Links;

namespace Ebpf.KernelTests.Networking;

/// <summary>An sk_msg program on a sockmap holding real TCP sockets: it counts every message sent on a socket put in
/// the map while it is attached; as a link and with BPF_PROG_ATTACH; gone after Dispose (a socket keeps the programs
/// its map had when it was added, so the check after Dispose uses a socket added after it).</summary>
[Trait("Category", "Kernel")]
public sealed class SockMapLinkTests
{
    private const uint Messages = 7;

    private sealed class Connection : IDisposable
    {
        internal Connection(NetNamespace ns)
        {
            (Listener, Client, Server) = ns.Run(() =>
            {
                var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                listener.Listen();
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                client.Connect(listener.LocalEndPoint!);
                return (listener, client, listener.Accept());
            });
        }

        internal Socket Listener { get; }

        internal Socket Client { get; }

        internal Socket Server { get; }

        /// <summary>Sends <paramref name="count"/> messages and checks that every byte arrives.</summary>
        internal void Send(int count)
        {
            for (int i = 0; i < count; i++) Client.Send("hello"u8);
            var buffer = new byte[5 * count];
            int got = 0;
            Server.ReceiveTimeout = 5000;
            while (got < buffer.Length) got += Server.Receive(buffer, got, buffer.Length - got, SocketFlags.None);
        }

        public void Dispose()
        {
            Client.Dispose();
            Server.Dispose();
            Listener.Dispose();
        }
    }

    private static uint[] Attached(BpfMap map)
    {
        long r = BpfAttach.Query(map.Fd, (uint)BpfAttachType.SkMsgVerdict, 0, out uint[] ids, out _);
        Assert.True(r >= 0, $"BPF_PROG_QUERY: {-r}");
        return ids;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Counts_messages_on_the_sockets_in_the_map_until_disposed(bool legacy)
    {
        using var ns = new NetNamespace();
        using var obj = NetObjects.Socket(4242);
        var map = obj.Map("msg_sockets");
        var p = obj.Program("msg_count");
        using var link = SockMapLink.Attach(p, map, null, forceLegacy: legacy);
        Assert.Equal(!legacy, link.IsBpfLink);
        Assert.Equal(BpfAttachType.SkMsgVerdict, link.AttachType);
        Assert.Equal([p.Id], Attached(map));
        if (!legacy)
        {
            var info = Assert.IsType<SockMapLinkInfo>(link.GetInfo());
            Assert.Equal(BpfAttachType.SkMsgVerdict, info.AttachType);
        }

        using var connection = new Connection(ns);
        map.Update(0u, (ulong)connection.Client.Handle);
        connection.Send(3);
        Assert.Equal(3ul, PerCpuStats.Sum(obj, Messages));

        link.Dispose();
        Assert.Empty(Attached(map));
        using var later = new Connection(ns);
        map.Update(1u, (ulong)later.Client.Handle);
        later.Send(2);
        Assert.Equal(3ul, PerCpuStats.Sum(obj, Messages));
    }

    [Fact]
    public void Wrong_map_or_program_is_a_typed_error()
    {
        Infrastructure.KernelGuard.RequireRoot();
        using var obj = NetObjects.Socket(4242);
        var notSockMap = Assert.Throws<BpfAttachException>(() => obj.Program("msg_count").AttachSockMap(obj.Map("stats")));
        Assert.Equal(("msg_count", "map 'stats'"), (notSockMap.ProgramName, notSockMap.Target));
        var wrongType = Assert.Throws<BpfAttachException>(() => obj.Program("filter_keep_all").AttachSockMap(obj.Map("msg_sockets")));
        Assert.Equal("filter_keep_all", wrongType.ProgramName);
        var wrongHook = Assert.Throws<BpfAttachException>(() => obj.Program("skb_verdict").AttachSockMap(obj.Map("msg_sockets"), BpfAttachType.SkMsgVerdict));
        Assert.Contains("SkMsgVerdict", wrongHook.Message, StringComparison.Ordinal);
        Assert.Empty(Attached(obj.Map("msg_sockets")));
    }
}
