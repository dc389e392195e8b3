using System.Net;
using System.Net.Sockets;

namespace Ebpf.KernelTests.Networking;

/// <summary>A UDP socket on 127.0.0.1 (a free port) in this process's namespace, counting what arrives.</summary>
internal sealed class UdpReceiver : IDisposable
{
    internal UdpReceiver()
    {
        Socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        Socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Port = ((IPEndPoint)Socket.LocalEndPoint!).Port;
    }

    internal Socket Socket { get; }

    internal int Port { get; }

    /// <summary>Reads everything that arrives until 300 ms pass without a datagram; returns the payloads.</summary>
    internal List<string> Drain()
    {
        var received = new List<string>();
        var buffer = new byte[2048];
        while (Socket.Poll(TimeSpan.FromMilliseconds(300), SelectMode.SelectRead))
        {
            int n = Socket.Receive(buffer);
            received.Add(System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        }
        return received;
    }

    public void Dispose() => Socket.Dispose();
}
