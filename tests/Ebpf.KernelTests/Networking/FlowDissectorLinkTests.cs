using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.Links;

namespace Ebpf.KernelTests.Networking;

/// <summary>A flow dissector on a private namespace: as a link and with BPF_PROG_ATTACH inside the namespace, seen by
/// BPF_PROG_QUERY, running on real traffic, and gone after Dispose.</summary>
[Trait("Category", "Kernel")]
public sealed class FlowDissectorLinkTests
{
    private const uint Dissected = 6;

    private static uint[] Attached(NetNamespace ns)
    {
        using var fd = NetNs.Open(ns.Path, "query");
        long r = BpfAttach.Query(fd.Fd, (uint)BpfAttachType.FlowDissector, 0, out uint[] ids, out _);
        Assert.True(r >= 0, $"BPF_PROG_QUERY: {-r}");
        return ids;
    }

    [Fact]
    public void Link_runs_on_the_namespace_traffic_and_goes_away()
    {
        using var pair = new VethPair(txQueues: 4);
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var obj = NetObjects.Socket(udp.Port);
        var p = obj.Program("dissect_count");
        using (var link = p.AttachFlowDissector(pair.Sender.Path))
        {
            Assert.Equal([p.Id], Attached(pair.Sender));
            var info = Assert.IsType<NetNsLinkInfo>(link.GetInfo());
            Assert.Equal(BpfAttachType.FlowDissector, info.AttachType);
            // Hands every packet back to the kernel's dissector: traffic flows, and the program ran for it.
            Assert.Equal(20, udp.SendAndCount(20));
            Assert.True(PerCpuStats.Sum(obj, Dissected) > 0, "the flow dissector never ran");

            var second = Assert.Throws<BpfAttachException>(() => p.AttachFlowDissector(pair.Sender.Path));
            Assert.Equal("dissect_count", second.ProgramName);
        }
        Assert.Empty(Attached(pair.Sender));
        ulong after = PerCpuStats.Sum(obj, Dissected);
        Assert.Equal(20, udp.SendAndCount(20));
        Assert.Equal(after, PerCpuStats.Sum(obj, Dissected));
    }

    [Fact]
    public void Prog_attach_inside_the_namespace_and_dispose_detaches_it()
    {
        using var ns = new NetNamespace();
        using var obj = NetObjects.Socket(4242);
        var p = obj.Program("dissect_count");
        using (var link = NetNsLink.Attach(p, BpfAttachType.FlowDissector, ns.Path, forceLegacy: true))
        {
            Assert.False(link.IsBpfLink);
            Assert.Equal([p.Id], Attached(ns));
            Assert.Throws<NotSupportedException>(() => link.Update(p));
        }
        Assert.Empty(Attached(ns));
    }
}
