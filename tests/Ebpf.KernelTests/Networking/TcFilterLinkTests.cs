using Ebpf.Internal.Netlink;
using Ebpf.Links;

namespace Ebpf.KernelTests.Networking;

/// <summary>Classic tc (clsact qdisc, bpf filter in direct-action mode) on a veth between two private namespaces,
/// checked with real UDP traffic and with iproute2's tc: the qdisc is created when missing and removed only when this
/// process created it and no filter is left; Dispose removes exactly its own filter.</summary>
[Trait("Category", "Kernel")]
public sealed class TcFilterLinkTests
{
    private const uint Dropped = 5, Passed = 6;

    private static string Qdiscs(VethPair pair) => pair.Receiver.Tc("qdisc", "show", "dev", pair.ReceiverInterface);

    private static string Filters(VethPair pair, string direction) => pair.Receiver.Tc("filter", "show", "dev", pair.ReceiverInterface, direction);

    [Fact]
    public void Filter_drops_updates_and_dispose_removes_it_and_the_qdisc_it_created()
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var obj = NetObjects.Packet(udp.Port);
        var drop = obj.Program("tc_drop_udp");
        var pass = obj.Program("tc_pass_udp");
        Assert.DoesNotContain("clsact", Qdiscs(pair), StringComparison.Ordinal);

        var link = pair.Receiver.Run(() => drop.AttachTc(pair.ReceiverInterface, TcDirection.Ingress));
        try
        {
            Assert.True(link.CreatedQdisc);
            Assert.False(link.IsBpfLink);
            Assert.Contains("clsact", Qdiscs(pair), StringComparison.Ordinal);
            string shown = Filters(pair, "ingress");
            Assert.Contains($"id {drop.Id}", shown, StringComparison.Ordinal);
            Assert.Contains("direct-action", shown, StringComparison.Ordinal);
            Assert.Contains($"pref {link.Priority}", shown, StringComparison.Ordinal);
            Assert.Contains($"handle 0x{link.Handle:x}", shown, StringComparison.Ordinal);
            Assert.Equal(0, udp.SendAndCount(7));
            Assert.Equal(7ul, PerCpuStats.Sum(obj, Dropped));

            link.Update(pass);
            Assert.Contains($"id {pass.Id}", Filters(pair, "ingress"), StringComparison.Ordinal);
            Assert.Equal(7, udp.SendAndCount(7));
            Assert.Equal(7ul, PerCpuStats.Sum(obj, Passed));
            Assert.Throws<BpfAttachException>(() => link.Update(drop, expectedProgram: drop)); // drop is not attached any more

            Assert.Throws<NotSupportedException>(() => link.Pin("/tmp/never"));
            Assert.Throws<NotSupportedException>(() => link.GetInfo());
        }
        finally
        {
            link.Dispose();
        }
        Assert.DoesNotContain("bpf", Filters(pair, "ingress"), StringComparison.Ordinal);
        Assert.DoesNotContain("clsact", Qdiscs(pair), StringComparison.Ordinal);
        Assert.Equal(7, udp.SendAndCount(7));
        Assert.Equal(7ul, PerCpuStats.Sum(obj, Passed));
    }

    [Fact]
    public void A_qdisc_that_was_there_stays()
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var obj = NetObjects.Packet(udp.Port);
        pair.Receiver.Tc("qdisc", "add", "dev", pair.ReceiverInterface, "clsact");
        using (var link = pair.Receiver.Run(() => obj.Program("tc_drop_udp").AttachTc(pair.ReceiverInterface, TcDirection.Ingress)))
        {
            Assert.False(link.CreatedQdisc);
            Assert.Equal(0, udp.SendAndCount(3));
        }
        Assert.DoesNotContain("bpf", Filters(pair, "ingress"), StringComparison.Ordinal);
        Assert.Contains("clsact", Qdiscs(pair), StringComparison.Ordinal);
        Assert.Equal(3, udp.SendAndCount(3));
    }

    [Fact]
    public void A_qdisc_in_a_later_namespace_is_not_taken_for_one_this_process_created_in_an_earlier_one()
    {
        // The kernel reuses a gone namespace's inode number for the next one. Each round leaves a qdisc this process
        // created, still in use by another tool's filter, in a namespace that then goes; the next round's namespace has
        // a qdisc its owner made, which must outlive this process's filter on it (a full kernel run once saw it deleted).
        var identities = new HashSet<string>();
        for (int round = 0; round < 4; round++)
        {
            using (var earlier = new VethPair())
            using (var obj = NetObjects.Packet(9))
            {
                Assert.True(identities.Add(earlier.Receiver.Run(NamespaceIdentity)));
                var link = earlier.Receiver.Run(() => obj.Program("tc_pass_udp").AttachTc(earlier.ReceiverInterface, TcDirection.Ingress));
                Assert.True(link.CreatedQdisc);
                earlier.Receiver.Run(() =>
                {
                    using var other = NetlinkSocket.OpenRoute();
                    TcNetlink.AddFilter(other, link.InterfaceIndex, TcNetlink.HookParent(false), link.Priority, link.Handle, obj.Program("tc_drop_udp").Fd, "other", replace: true, "test");
                });
                link.Dispose(); // the other tool's filter keeps the qdisc, so it stays on the books as this process's
            }
            using var later = new VethPair();
            using var udp = new UdpProbe(later.Receiver, VethPair.ReceiverAddress, later.Sender);
            using var packet = NetObjects.Packet(udp.Port);
            Assert.True(identities.Add(later.Receiver.Run(NamespaceIdentity)));
            later.Receiver.Tc("qdisc", "add", "dev", later.ReceiverInterface, "clsact");
            using (later.Receiver.Run(() => packet.Program("tc_drop_udp").AttachTc(later.ReceiverInterface, TcDirection.Ingress)))
                Assert.Equal(0, udp.SendAndCount(2));
            Assert.Contains("clsact", Qdiscs(later), StringComparison.Ordinal);
        }
    }

    private static string NamespaceIdentity()
    {
        using var socket = NetlinkSocket.OpenRoute();
        return socket.NamespaceIdentity();
    }

    [Fact]
    public void The_qdisc_this_process_created_goes_with_the_last_filter_on_it()
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var obj = NetObjects.Packet(udp.Port);
        var first = pair.Receiver.Run(() => obj.Program("tc_pass_udp").AttachTc(pair.ReceiverInterface, TcDirection.Ingress, priority: 10));
        var second = pair.Receiver.Run(() => obj.Program("tc_drop_udp").AttachTc(pair.ReceiverInterface, TcDirection.Egress, priority: 20));
        try
        {
            Assert.True(first.CreatedQdisc);
            Assert.False(second.CreatedQdisc);
            Assert.Equal(((ushort)10, (ushort)20), (first.Priority, second.Priority));
            first.Dispose();
            Assert.Contains("clsact", Qdiscs(pair), StringComparison.Ordinal); // the egress filter still needs it
            Assert.Contains($"id {obj.Program("tc_drop_udp").Id}", Filters(pair, "egress"), StringComparison.Ordinal);
            second.Dispose();
            Assert.DoesNotContain("clsact", Qdiscs(pair), StringComparison.Ordinal);
        }
        finally
        {
            first.Dispose();
            second.Dispose();
        }
    }

    [Fact]
    public void Egress_filter_on_the_sender_drops_what_it_sends()
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var obj = NetObjects.Packet(udp.Port);
        using (pair.Sender.Run(() => obj.Program("tc_drop_udp").AttachTc(pair.SenderInterface, TcDirection.Egress)))
            Assert.Equal(0, udp.SendAndCount(4));
        Assert.Equal(4, udp.SendAndCount(4));
        Assert.Equal(4ul, PerCpuStats.Sum(obj, Dropped));
    }

    [Fact]
    public void Dispose_leaves_a_filter_someone_else_replaced()
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var obj = NetObjects.Packet(udp.Port);
        var pass = obj.Program("tc_pass_udp");
        var drop = obj.Program("tc_drop_udp");
        var link = pair.Receiver.Run(() => pass.AttachTc(pair.ReceiverInterface, TcDirection.Ingress));
        // Another tool replaces the filter's program in place (tc filter replace ... pref P handle H bpf da).
        pair.Receiver.Run(() =>
        {
            using var other = NetlinkSocket.OpenRoute();
            TcNetlink.AddFilter(other, link.InterfaceIndex, TcNetlink.HookParent(false), link.Priority, link.Handle, drop.Fd, "other", replace: true, "test");
        });
        link.Dispose();
        Assert.Contains($"id {drop.Id}", Filters(pair, "ingress"), StringComparison.Ordinal);
        Assert.Contains("clsact", Qdiscs(pair), StringComparison.Ordinal); // a filter is left on it
        Assert.Equal(0, udp.SendAndCount(3));
    }

    [Fact]
    public void Bad_input_is_a_typed_error_and_nothing_is_left()
    {
        using var pair = new VethPair();
        using var obj = NetObjects.Packet(4242);
        var missing = Assert.Throws<BpfAttachException>(() => pair.Receiver.Run(() => obj.Program("tc_drop_udp").AttachTc("nosuchif0", TcDirection.Ingress)));
        Assert.Equal(("tc_drop_udp", "interface 'nosuchif0'"), (missing.ProgramName, missing.Target));

        var wrongType = Assert.Throws<BpfAttachException>(() => pair.Receiver.Run(() => obj.Program("xdp_drop_udp").AttachTc(pair.ReceiverInterface, TcDirection.Ingress)));
        Assert.Equal("xdp_drop_udp", wrongType.ProgramName);
        Assert.Contains(pair.ReceiverInterface, wrongType.Message, StringComparison.Ordinal);

        // The kernel refuses a filter whose priority and handle are taken: nothing of it is left, and the qdisc goes
        // with the first filter.
        using (var taken = pair.Receiver.Run(() => obj.Program("tc_pass_udp").AttachTc(pair.ReceiverInterface, TcDirection.Ingress, 5, 1)))
        {
            var clash = Assert.Throws<BpfAttachException>(() => pair.Receiver.Run(() => obj.Program("tc_drop_udp").AttachTc(pair.ReceiverInterface, TcDirection.Ingress, 5, 1)));
            Assert.Equal("tc_drop_udp", clash.ProgramName);
            Assert.DoesNotContain($"id {obj.Program("tc_drop_udp").Id}", Filters(pair, "ingress"), StringComparison.Ordinal);
        }
        Assert.DoesNotContain("clsact", Qdiscs(pair), StringComparison.Ordinal);
        Assert.DoesNotContain("bpf", Filters(pair, "ingress"), StringComparison.Ordinal);
    }
}
