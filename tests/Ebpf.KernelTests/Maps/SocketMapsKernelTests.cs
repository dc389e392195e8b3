using System.Net;
using System.Net.Sockets;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Maps;

/// <summary>Sockmap and sockhash populated with real sockets; the kernel hands back each socket's cookie, which must be
/// the one getsockopt(SO_COOKIE) reports for it.</summary>
[Trait("Category", "Kernel")]
public sealed class SocketMapsKernelTests
{
    private static ulong Cookie(Socket socket)
    {
        var value = new byte[8];
        Assert.Equal(8, socket.GetRawSocketOption(1, 57, value)); // SOL_SOCKET, SO_COOKIE
        return BitConverter.ToUInt64(value);
    }

    [Theory]
    [InlineData(BpfMapType.SockMap)]
    [InlineData(BpfMapType.SockHash)]
    public void Sockets_go_in_and_their_cookies_come_out(BpfMapType type)
    {
        KernelGuard.RequireRoot();
        using var map = BpfMap.Create(new MapSpec { Name = "socks", Type = type, KeySize = 4, ValueSize = 8, MaxEntries = 8 });
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        client.Connect(listener.LocalEndPoint!);
        using var server = listener.Accept();
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        udp.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        map.SetSocket(0u, listener);
        map.SetSocket(1u, client);
        map.SetSocket(2u, server.SafeHandle);
        map.SetSocket(3u, (int)udp.Handle);
        foreach (var (key, socket) in new[] { (0u, listener), (1u, client), (2u, server), (3u, udp) })
        {
            Assert.True(map.TryGetSocketCookie(key, out ulong cookie));
            Assert.Equal(Cookie(socket), cookie);
        }
        Assert.False(map.TryGetSocketCookie(5u, out _));
        Assert.True(map.Delete(1u));
        Assert.False(map.TryGetSocketCookie(1u, out _));
    }

    [Fact]
    public void Sockets_the_kernel_cannot_take_and_maps_that_cannot_answer_are_refused()
    {
        KernelGuard.RequireRoot();
        using var map = BpfMap.Create(new MapSpec { Name = "socks4", Type = BpfMapType.SockMap, KeySize = 4, ValueSize = 4, MaxEntries = 2 });
        using var unbound = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var refused = Assert.ThrowsAny<BpfException>(() => map.SetSocket(0u, unbound));
        Assert.Contains("map 'socks4'", refused.Message, StringComparison.Ordinal);
        var cookie = Assert.Throws<BpfMapException>(() => map.TryGetSocketCookie(0u, out _));
        Assert.Contains("8-byte values", cookie.Message, StringComparison.Ordinal);
        using var hash = BpfMap.Create(new MapSpec { Name = "not_socks", Type = BpfMapType.Hash, KeySize = 4, ValueSize = 4, MaxEntries = 2 });
        Assert.Throws<BpfMapException>(() => hash.SetSocket(0u, unbound));
    }
}
