using System.Net;

namespace Ebpf.KernelTests.Networking;

/// <summary>
/// Two private network namespaces joined by a veth pair: <see cref="Receiver"/> holds <see cref="ReceiverInterface"/>
/// (10.200.0.1) and <see cref="Sender"/> holds <see cref="SenderInterface"/> (10.200.0.2). The host's namespace is
/// never touched. Dispose deletes both namespaces and the pair with them.
/// </summary>
internal sealed class VethPair : IDisposable
{
    internal static readonly IPAddress ReceiverAddress = IPAddress.Parse("10.200.0.1");
    internal static readonly IPAddress SenderAddress = IPAddress.Parse("10.200.0.2");

    internal VethPair(int txQueues = 1)
    {
        Receiver = new NetNamespace();
        try
        {
            Sender = new NetNamespace();
            string id = Guid.NewGuid().ToString("N")[..8];
            ReceiverInterface = $"ebr{id}";
            SenderInterface = $"ebs{id}";
            // Native XDP on a veth needs at least as many rx queues as its peer has tx queues: give both sides the same.
            string queues = txQueues.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Receiver.Ip("link", "add", ReceiverInterface, "numtxqueues", queues, "numrxqueues", queues,
                "type", "veth", "peer", "name", SenderInterface, "numtxqueues", queues, "numrxqueues", queues, "netns", Sender.Name);
            Receiver.Ip("addr", "add", $"{ReceiverAddress}/24", "dev", ReceiverInterface);
            Sender.Ip("addr", "add", $"{SenderAddress}/24", "dev", SenderInterface);
            Receiver.Ip("link", "set", ReceiverInterface, "up");
            Sender.Ip("link", "set", SenderInterface, "up");
        }
        catch
        {
            Sender?.Dispose();
            Receiver.Dispose();
            throw;
        }
    }

    internal NetNamespace Receiver { get; }

    internal NetNamespace Sender { get; }

    internal string ReceiverInterface { get; }

    internal string SenderInterface { get; }

    public void Dispose()
    {
        Sender.Dispose();
        Receiver.Dispose();
    }
}
