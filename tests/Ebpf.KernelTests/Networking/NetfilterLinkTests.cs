using System.Net;
using System.Net.Sockets;
using System.Text;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Links;

namespace Ebpf.KernelTests.Networking;

/// <summary>A netfilter link in a private namespace (LOCAL_IN, IPv4) dropping UDP to one port; pin; detach; the host's
/// namespace untouched; what the kernel refuses (updates, a taken priority) as typed errors.</summary>
[Trait("Category", "Kernel")]
public sealed class NetfilterLinkTests
{
    private const uint Dropped = 4;

    [Fact]
    public void Drops_in_its_namespace_only_and_detaches()
    {
        using var ns = new NetNamespace();
        using var udp = new UdpProbe(ns, IPAddress.Loopback, ns);
        using var obj = NetObjects.Socket(udp.Port);
        using var bpffs = new PrivateBpfFs();
        Assert.Equal(3, udp.SendAndCount(3));

        var link = obj.Program("nf_drop_udp").AttachNetfilter(NetfilterProtocolFamily.IPv4, NetfilterHook.LocalIn, -100, networkNamespace: ns.Path);
        try
        {
            Assert.Equal(0, udp.SendAndCount(5));
            Assert.Equal(5ul, PerCpuStats.Sum(obj, Dropped));
            var info = Assert.IsType<NetfilterLinkInfo>(link.GetInfo());
            Assert.Equal((NetfilterProtocolFamily.IPv4, NetfilterHook.LocalIn, -100, 0u), (info.Family, info.Hook, info.Priority, info.Flags));

            // The host's namespace is not hooked: the same port there still receives.
            using (var host = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
            using (var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
            {
                var hostEndPoint = new IPEndPoint(IPAddress.Loopback, udp.Port);
                host.Bind(hostEndPoint);
                sender.SendTo(Encoding.ASCII.GetBytes("host"), hostEndPoint);
                Assert.True(host.Poll(TimeSpan.FromSeconds(2), SelectMode.SelectRead), "the host's namespace dropped the datagram");
                Assert.Equal(5ul, PerCpuStats.Sum(obj, Dropped));
            }

            // One BPF program per hook and priority in a namespace.
            var taken = Assert.Throws<BpfAttachException>(() => obj.Program("nf_accept_all").AttachNetfilter(NetfilterProtocolFamily.IPv4, NetfilterHook.LocalIn, -100, networkNamespace: ns.Path));
            Assert.Contains("priority", taken.Message, StringComparison.Ordinal);

            // The kernel cannot swap a netfilter link's program: a clear error, and the link keeps working.
            var update = Assert.Throws<NotSupportedException>(() => link.Update(obj.Program("nf_accept_all")));
            Assert.Contains("nf_drop_udp", update.Message, StringComparison.Ordinal);
            Assert.Equal(0, udp.SendAndCount(2));

            link.Pin(bpffs.Pin("nf"));
            link.Dispose();
            Assert.Equal(0, udp.SendAndCount(2));
            using var pinned = BpfLink.OpenPinned(bpffs.Pin("nf"));
            pinned.Detach();
            Assert.Equal(2, udp.SendAndCount(2));
            Assert.Equal(9ul, PerCpuStats.Sum(obj, Dropped));
            pinned.Unpin();
        }
        finally
        {
            link.Dispose();
        }
    }

    [Fact]
    public void Bad_input_is_a_typed_error()
    {
        using var ns = new NetNamespace();
        using var obj = NetObjects.Socket(4242);
        var wrongType = Assert.Throws<BpfAttachException>(() => obj.Program("filter_keep_all").AttachNetfilter(NetfilterProtocolFamily.IPv4, NetfilterHook.LocalIn, 0, networkNamespace: ns.Path));
        Assert.Equal("filter_keep_all", wrongType.ProgramName);
        Assert.Contains("netfilter", wrongType.Target, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => obj.Program("nf_drop_udp").AttachNetfilter(NetfilterProtocolFamily.IPv4, NetfilterHook.LocalIn, int.MinValue));
        var defrag = Assert.Throws<BpfAttachException>(() => obj.Program("nf_drop_udp").AttachNetfilter(NetfilterProtocolFamily.IPv4, NetfilterHook.LocalIn, -500, defragment: true, networkNamespace: ns.Path));
        Assert.Equal("nf_drop_udp", defrag.ProgramName);
        Assert.Contains("priority", defrag.Message, StringComparison.Ordinal);
    }
}
