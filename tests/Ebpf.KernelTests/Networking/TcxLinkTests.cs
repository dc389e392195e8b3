using Ebpf.Internal.Sys;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Links;

namespace Ebpf.KernelTests.Networking;

/// <summary>tcx links on a veth between two private namespaces, with real UDP traffic: ingress and egress drops,
/// update, pin, detach, ordering by anchors (checked both by which program sees the packets and by BPF_PROG_QUERY).</summary>
[Trait("Category", "Kernel")]
public sealed class TcxLinkTests
{
    private const uint Dropped = 2, Passed = 3, EgressDropped = 4;

    private static uint[] Attached(VethPair pair, TcDirection direction) => pair.Receiver.Run(() =>
    {
        int index = Internal.Unix.Interfaces.IndexOf(pair.ReceiverInterface);
        var type = direction == TcDirection.Ingress ? BpfAttachType.TcxIngress : BpfAttachType.TcxEgress;
        long r = BpfAttach.Query(index, (uint)type, 0, out uint[] ids, out _);
        Assert.True(r >= 0, $"BPF_PROG_QUERY failed with {-r}");
        return ids;
    });

    [Fact]
    public void Ingress_link_drops_updates_pins_and_detaches_with_traffic_checked_each_time()
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var obj = NetObjects.Packet(udp.Port);
        using var bpffs = new PrivateBpfFs();
        var drop = obj.Program("tcx_drop_udp");
        var link = pair.Receiver.Run(() => drop.AttachTcx(pair.ReceiverInterface));
        try
        {
            Assert.Equal(TcDirection.Ingress, link.Direction); // from the section, tcx/ingress
            Assert.Equal([drop.Id], Attached(pair, TcDirection.Ingress));
            Assert.Equal(0, udp.SendAndCount(8));
            Assert.Equal(8ul, PerCpuStats.Sum(obj, Dropped));
            var info = Assert.IsType<TcxLinkInfo>(link.GetInfo());
            Assert.Equal((link.InterfaceIndex, BpfAttachType.TcxIngress, drop.Id), (info.InterfaceIndex, info.AttachType, info.ProgramId));

            link.Update(obj.Program("tcx_pass_udp"), drop);
            Assert.Equal(8, udp.SendAndCount(8));
            Assert.Equal(8ul, PerCpuStats.Sum(obj, Passed));

            link.Pin(bpffs.Pin("tcx"));
            link.Dispose();
            Assert.Equal(8, udp.SendAndCount(8));
            Assert.Equal(16ul, PerCpuStats.Sum(obj, Passed)); // still attached through the pin

            using var pinned = BpfLink.OpenPinned(bpffs.Pin("tcx"));
            Assert.IsType<TcxLinkInfo>(pinned.OpenedInfo);
            pinned.Update(drop);
            Assert.Equal(0, udp.SendAndCount(8));
            Assert.Equal(16ul, PerCpuStats.Sum(obj, Dropped));
            pinned.Detach();
            Assert.Empty(Attached(pair, TcDirection.Ingress));
            Assert.Equal(8, udp.SendAndCount(8));
            Assert.Equal(16ul, PerCpuStats.Sum(obj, Dropped));
            pinned.Unpin();
        }
        finally
        {
            link.Dispose();
        }
    }

    [Fact]
    public void Egress_link_on_the_sender_drops_what_it_sends()
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var obj = NetObjects.Packet(udp.Port);
        using (var link = pair.Sender.Run(() => obj.Program("tcx_egress_drop_udp").AttachTcx(pair.SenderInterface)))
        {
            Assert.Equal(TcDirection.Egress, link.Direction);
            Assert.Equal(0, udp.SendAndCount(5));
            Assert.Equal(5ul, PerCpuStats.Sum(obj, EgressDropped));
        }
        Assert.Equal(5, udp.SendAndCount(5));
        Assert.Equal(5ul, PerCpuStats.Sum(obj, EgressDropped));
    }

    [Fact]
    public void Anchors_order_the_programs()
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var obj = NetObjects.Packet(udp.Port);
        var pass = obj.Program("tcx_pass_udp");
        var drop = obj.Program("tcx_drop_udp");
        using var passLink = pair.Receiver.Run(() => pass.AttachTcx(pair.ReceiverInterface));

        // Before the counting program: the drop runs first, so the counter never sees the packets.
        using (var first = pair.Receiver.Run(() => drop.AttachTcx(pair.ReceiverInterface, anchor: LinkAnchor.Before(passLink))))
        {
            Assert.Equal([drop.Id, pass.Id], Attached(pair, TcDirection.Ingress));
            Assert.Equal(0, udp.SendAndCount(6));
            Assert.Equal((6ul, 0ul), (PerCpuStats.Sum(obj, Dropped), PerCpuStats.Sum(obj, Passed)));
        }

        // After it: the counter sees every packet, then the drop.
        using (var last = pair.Receiver.Run(() => drop.AttachTcx(pair.ReceiverInterface, anchor: LinkAnchor.After(pass))))
        {
            Assert.Equal([pass.Id, drop.Id], Attached(pair, TcDirection.Ingress));
            Assert.Equal(0, udp.SendAndCount(6));
            Assert.Equal((12ul, 6ul), (PerCpuStats.Sum(obj, Dropped), PerCpuStats.Sum(obj, Passed)));
        }

        using (var head = pair.Receiver.Run(() => drop.AttachTcx(pair.ReceiverInterface, anchor: LinkAnchor.First)))
            Assert.Equal([drop.Id, pass.Id], Attached(pair, TcDirection.Ingress));
        Assert.Equal([pass.Id], Attached(pair, TcDirection.Ingress));

        // An anchor that is not on the hook is refused, naming it.
        var e = Assert.Throws<BpfAttachException>(() => pair.Receiver.Run(() => drop.AttachTcx(pair.ReceiverInterface, anchor: LinkAnchor.Before(obj.Program("tc_pass_udp")))));
        Assert.Contains("tc_pass_udp", e.Message, StringComparison.Ordinal);
        Assert.Equal([pass.Id], Attached(pair, TcDirection.Ingress));
    }

    [Fact]
    public void Bad_input_is_a_typed_error_and_nothing_is_attached()
    {
        using var pair = new VethPair();
        using var obj = NetObjects.Packet(4242);
        var missing = Assert.Throws<BpfAttachException>(() => pair.Receiver.Run(() => obj.Program("tcx_drop_udp").AttachTcx("nosuchif0")));
        Assert.Equal(("tcx_drop_udp", "interface 'nosuchif0'"), (missing.ProgramName, missing.Target));

        var wrongType = Assert.Throws<BpfAttachException>(() => pair.Receiver.Run(() => obj.Program("xdp_drop_udp").AttachTcx(pair.ReceiverInterface, TcDirection.Ingress)));
        Assert.Equal("xdp_drop_udp", wrongType.ProgramName);
        Assert.Contains(pair.ReceiverInterface, wrongType.Message, StringComparison.Ordinal);

        var noDirection = Assert.Throws<BpfAttachException>(() => pair.Receiver.Run(() => obj.Program("tc_drop_udp").AttachTcx(pair.ReceiverInterface)));
        Assert.Contains("direction", noDirection.Message, StringComparison.Ordinal);

        // A stale expected revision of the hook's program list is refused (ESTALE), naming the revision.
        var stale = Assert.Throws<BpfAttachException>(() => pair.Receiver.Run(() => obj.Program("tcx_drop_udp").AttachTcx(pair.ReceiverInterface, expectedRevision: 12345)));
        Assert.Contains("12345", stale.Message, StringComparison.Ordinal);

        Assert.Empty(Attached(pair, TcDirection.Ingress));
        Assert.Empty(Attached(pair, TcDirection.Egress));
    }
}
