using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Links;

namespace Ebpf.KernelTests.Networking;

/// <summary>sk_lookup in a private namespace: datagrams for a port nobody listens on are steered to a socket on
/// another port; update, pin, detach, with the traffic checked each time.</summary>
[Trait("Category", "Kernel")]
public sealed class SkLookupLinkTests
{
    private const uint Steered = 2, Seen = 3;

    private sealed class Setup : IDisposable
    {
        internal Setup()
        {
            Ns = new NetNamespace();
            Target = Ns.Run(() =>
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
                s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
                return s;
            });
            // The port the program steers: a free one nobody binds.
            SteeredPort = ((IPEndPoint)Target.LocalEndPoint!).Port == 40000 ? 40001 : 40000;
            Sender = Ns.Run(() => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
            Obj = NetObjects.Socket(SteeredPort);
            Obj.Map("steer_sockets").Update(0u, (ulong)Target.Handle);
        }

        internal NetNamespace Ns { get; }

        internal Socket Target { get; }

        internal Socket Sender { get; }

        internal int SteeredPort { get; }

        internal BpfObject Obj { get; }

        /// <summary>Sends <paramref name="count"/> datagrams to the steered port; returns how many reached the target socket.</summary>
        internal int SendAndCount(int count)
        {
            for (int i = 0; i < count; i++)
                Sender.SendTo(Encoding.ASCII.GetBytes("steer"), new IPEndPoint(IPAddress.Loopback, SteeredPort));
            int received = 0;
            var buffer = new byte[64];
            while (Target.Poll(TimeSpan.FromMilliseconds(300), SelectMode.SelectRead))
            {
                Target.Receive(buffer);
                received++;
            }
            return received;
        }

        public void Dispose()
        {
            Obj.Dispose();
            Sender.Dispose();
            Target.Dispose();
            Ns.Dispose();
        }
    }

    [Fact]
    public void Steers_updates_pins_and_detaches_with_traffic_checked_each_time()
    {
        using var s = new Setup();
        using var bpffs = new PrivateBpfFs();
        Assert.Equal(0, s.SendAndCount(3)); // nobody listens on the steered port

        var link = s.Obj.Program("lookup_steer").AttachSkLookup(s.Ns.Path);
        try
        {
            Assert.Equal(BpfAttachType.SkLookup, link.AttachType);
            Assert.Equal(5, s.SendAndCount(5));
            Assert.Equal(5ul, PerCpuStats.Sum(s.Obj, Steered));
            var info = Assert.IsType<NetNsLinkInfo>(link.GetInfo());
            uint inode = uint.Parse(Command.Run("stat", "-L", "-c", "%i", s.Ns.Path).Trim(), CultureInfo.InvariantCulture);
            Assert.Equal((inode, BpfAttachType.SkLookup), (info.NetNsInode, info.AttachType));

            link.Update(s.Obj.Program("lookup_observe"));
            Assert.Equal(0, s.SendAndCount(4));
            Assert.Equal(4ul, PerCpuStats.Sum(s.Obj, Seen));

            link.Update(s.Obj.Program("lookup_steer"));
            link.Pin(bpffs.Pin("sk_lookup"));
            link.Dispose();
            Assert.Equal(3, s.SendAndCount(3)); // attached through the pin

            using var pinned = BpfLink.OpenPinned(bpffs.Pin("sk_lookup"));
            pinned.Detach();
            Assert.Equal(0, s.SendAndCount(3));
            Assert.Equal(8ul, PerCpuStats.Sum(s.Obj, Steered));
            pinned.Unpin();
        }
        finally
        {
            link.Dispose();
        }
    }

    [Fact]
    public void Attaches_to_an_open_namespace_and_refuses_bad_input()
    {
        using var s = new Setup();
        using (var ns = NetNs.Open(s.Ns.Path, "test"))
        using (s.Obj.Program("lookup_steer").AttachSkLookup(ns))
            Assert.Equal(2, s.SendAndCount(2));
        Assert.Equal(0, s.SendAndCount(2));

        var missing = Assert.Throws<BpfAttachException>(() => s.Obj.Program("lookup_steer").AttachSkLookup("/var/run/netns/ebpfnet-no-such-namespace"));
        Assert.Equal("lookup_steer", missing.ProgramName);
        Assert.Contains("ebpfnet-no-such-namespace", missing.Message, StringComparison.Ordinal);

        var notNs = Assert.Throws<BpfAttachException>(() => s.Obj.Program("lookup_steer").AttachSkLookup("/proc/self/status"));
        Assert.Contains("/proc/self/status", notNs.Message, StringComparison.Ordinal);

        var wrongType = Assert.Throws<BpfAttachException>(() => s.Obj.Program("filter_keep_all").AttachSkLookup(s.Ns.Path));
        Assert.Equal("filter_keep_all", wrongType.ProgramName);
        Assert.Equal(0, s.SendAndCount(2)); // nothing stayed attached
    }
}
