using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Ebpf.KernelTests.Networking;

/// <summary>
/// A UDP receiver and a sender, each created inside its namespace (a socket belongs to the namespace it was made in),
/// and a way to count what arrives: send N datagrams, then read until a quiet period passes.
/// </summary>
internal sealed class UdpProbe : IDisposable
{
    private readonly Socket _receiver;
    private readonly Socket _sender;
    private readonly IPEndPoint _destination;

    internal UdpProbe(NetNamespace receiverNs, IPAddress receiverAddress, NetNamespace senderNs, int port = 0)
    {
        _receiver = receiverNs.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            s.Bind(new IPEndPoint(receiverAddress, port));
            return s;
        });
        Port = ((IPEndPoint)_receiver.LocalEndPoint!).Port;
        _sender = senderNs.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        _destination = new IPEndPoint(receiverAddress, Port);
    }

    /// <summary>The receiver's port: the programs' target_port.</summary>
    internal int Port { get; }

    internal Socket ReceiverSocket => _receiver;

    /// <summary>Sends <paramref name="count"/> datagrams and returns how many arrived.</summary>
    internal int SendAndCount(int count, string payload = "ebpf-net")
    {
        byte[] data = Encoding.ASCII.GetBytes(payload);
        for (int i = 0; i < count; i++) _sender.SendTo(data, _destination);
        return Drain();
    }

    /// <summary>Reads everything that arrives until 300 ms pass without a datagram.</summary>
    internal int Drain()
    {
        int received = 0;
        var buffer = new byte[2048];
        while (_receiver.Poll(TimeSpan.FromMilliseconds(300), SelectMode.SelectRead))
        {
            _receiver.Receive(buffer);
            received++;
        }
        return received;
    }

    public void Dispose()
    {
        _sender.Dispose();
        _receiver.Dispose();
    }
}
