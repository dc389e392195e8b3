using Ebpf.Internal.Netlink;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Links;

namespace Ebpf.KernelTests.Networking;

/// <summary>XDP on a veth between two private namespaces, with real UDP traffic: dropped, passed after an update,
/// kept through a pin, gone after detach; the netlink path; and bad input that leaves nothing attached.</summary>
[Trait("Category", "Kernel")]
public sealed class XdpLinkTests
{
    private const uint Dropped = 0, Passed = 1;

    private static bool XdpShown(VethPair pair) => pair.Receiver.Ip("-d", "link", "show", "dev", pair.ReceiverInterface).Contains("prog/xdp", StringComparison.Ordinal);

    [Theory]
    [InlineData(XdpMode.Generic, "xdpgeneric")]
    [InlineData(XdpMode.Driver, "xdp ")]
    [InlineData(XdpMode.Auto, "xdp ")]
    public void Link_drops_updates_pins_and_detaches_with_traffic_checked_each_time(XdpMode mode, string shownAs)
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var obj = NetObjects.Packet(udp.Port);
        using var bpffs = new PrivateBpfFs();
        Assert.Equal(5, udp.SendAndCount(5)); // the path works before anything is attached

        var link = pair.Receiver.Run(() => obj.Program("xdp_drop_udp").AttachXdp(pair.ReceiverInterface, mode));
        try
        {
            Assert.True(link.IsBpfLink);
            Assert.Equal(pair.ReceiverInterface, link.InterfaceName);
            Assert.Contains(shownAs, pair.Receiver.Ip("link", "show", "dev", pair.ReceiverInterface), StringComparison.Ordinal);
            Assert.Equal(0, udp.SendAndCount(10));
            Assert.Equal(10ul, PerCpuStats.Sum(obj, Dropped));

            var info = Assert.IsType<XdpLinkInfo>(link.GetInfo());
            Assert.Equal(link.InterfaceIndex, info.InterfaceIndex);
            Assert.Equal(obj.Program("xdp_drop_udp").Id, info.ProgramId);

            link.Update(obj.Program("xdp_pass_udp"), expectedProgram: obj.Program("xdp_drop_udp"));
            Assert.Equal("xdp_pass_udp", link.ProgramName);
            Assert.Equal(10, udp.SendAndCount(10));
            Assert.Equal(10ul, PerCpuStats.Sum(obj, Passed));
            Assert.Equal(obj.Program("xdp_pass_udp").Id, link.GetInfo().ProgramId);

            // The old-program check: the drop program is no longer the attached one.
            var stale = Assert.Throws<BpfAttachException>(() => link.Update(obj.Program("xdp_drop_udp"), expectedProgram: obj.Program("xdp_drop_udp")));
            Assert.Contains("xdp_drop_udp", stale.Message, StringComparison.Ordinal);
            Assert.Equal(10, udp.SendAndCount(10));

            // Pinned, the attachment outlives the object.
            link.Pin(bpffs.Pin("xdp_link"));
            link.Dispose();
            Assert.Equal(10, udp.SendAndCount(10));
            Assert.Equal(30ul, PerCpuStats.Sum(obj, Passed));

            using var pinned = BpfLink.OpenPinned(bpffs.Pin("xdp_link"));
            Assert.Equal(BpfLinkType.Xdp, pinned.Type);
            Assert.Equal("xdp_pass_udp", pinned.ProgramName);
            pinned.Detach();
            Assert.False(XdpShown(pair));
            Assert.Equal(10, udp.SendAndCount(10));
            Assert.Equal(30ul, PerCpuStats.Sum(obj, Passed)); // no longer runs
            Assert.Equal(0, Assert.IsType<XdpLinkInfo>(pinned.GetInfo()).InterfaceIndex);
            pinned.Unpin();
            Assert.False(File.Exists(bpffs.Pin("xdp_link")));
        }
        finally
        {
            link.Dispose();
        }
    }

    [Fact]
    public void Dispose_detaches_and_the_interface_can_be_named_by_index()
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var obj = NetObjects.Packet(udp.Port);
        int index = pair.Receiver.Run(() => Internal.Unix.Interfaces.IndexOf(pair.ReceiverInterface));
        var link = pair.Receiver.Run(() => obj.Program("xdp_drop_udp").AttachXdp(index, XdpMode.Generic));
        Assert.Equal(pair.ReceiverInterface, link.InterfaceName);
        Assert.Equal(0, udp.SendAndCount(4));
        link.Dispose();
        Assert.False(XdpShown(pair));
        Assert.Equal(4, udp.SendAndCount(4));
        Assert.Equal(4ul, PerCpuStats.Sum(obj, Dropped));
    }

    [Fact]
    public void Netlink_attachment_drops_updates_and_removes_exactly_its_own_program()
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var obj = NetObjects.Packet(udp.Port);
        var drop = obj.Program("xdp_drop_udp");
        var pass = obj.Program("xdp_pass_udp");
        var link = pair.Receiver.Run(() => XdpLink.Attach(drop, NetworkTarget.Resolve(pair.ReceiverInterface, drop, "XDP"), XdpMode.Generic, forceNetlink: true));
        try
        {
            Assert.False(link.IsBpfLink);
            Assert.Contains($"prog/xdp id {drop.Id}", pair.Receiver.Ip("-d", "link", "show", "dev", pair.ReceiverInterface), StringComparison.Ordinal);
            Assert.Equal(0, udp.SendAndCount(6));
            Assert.Equal(6ul, PerCpuStats.Sum(obj, Dropped));
            Assert.Throws<NotSupportedException>(() => link.GetInfo());
            Assert.Throws<NotSupportedException>(() => link.Pin("/tmp/never"));

            link.Update(pass);
            Assert.Contains($"prog/xdp id {pass.Id}", pair.Receiver.Ip("-d", "link", "show", "dev", pair.ReceiverInterface), StringComparison.Ordinal);
            Assert.Equal(6, udp.SendAndCount(6));
            Assert.Equal(6ul, PerCpuStats.Sum(obj, Passed));

            link.Dispose();
            Assert.False(XdpShown(pair));
            Assert.Equal(6, udp.SendAndCount(6));
            Assert.Equal(6ul, PerCpuStats.Sum(obj, Passed));
        }
        finally
        {
            link.Dispose();
        }
    }

    [Fact]
    public void Netlink_dispose_leaves_a_program_someone_else_put_in_its_place()
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var obj = NetObjects.Packet(udp.Port);
        var drop = obj.Program("xdp_drop_udp");
        var pass = obj.Program("xdp_pass_udp");
        var link = pair.Receiver.Run(() => XdpLink.Attach(pass, NetworkTarget.Resolve(pair.ReceiverInterface, pass, "XDP"), XdpMode.Generic, forceNetlink: true));
        // Another tool replaces the program (as `ip link set dev X xdpgeneric ...` would, without asking).
        pair.Receiver.Run(() =>
        {
            using var other = NetlinkSocket.OpenRoute();
            Assert.Equal(0, XdpNetlink.TrySet(other, link.InterfaceIndex, drop.Fd, Rtnl.XDP_FLAGS_SKB_MODE, -1, out _));
        });
        link.Dispose();
        Assert.Contains($"prog/xdp id {drop.Id}", pair.Receiver.Ip("-d", "link", "show", "dev", pair.ReceiverInterface), StringComparison.Ordinal);
        Assert.Equal(0, udp.SendAndCount(3));
        pair.Receiver.Ip("link", "set", "dev", pair.ReceiverInterface, "xdpgeneric", "off");
        Assert.False(XdpShown(pair));
    }

    [Fact]
    public void A_second_program_on_a_taken_interface_is_refused_and_the_first_stays()
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var obj = NetObjects.Packet(udp.Port);
        using var first = pair.Receiver.Run(() => obj.Program("xdp_drop_udp").AttachXdp(pair.ReceiverInterface, XdpMode.Generic));
        var e = Assert.Throws<BpfAttachException>(() => pair.Receiver.Run(() => obj.Program("xdp_pass_udp").AttachXdp(pair.ReceiverInterface, XdpMode.Generic)));
        Assert.Equal("xdp_pass_udp", e.ProgramName);
        Assert.Contains(pair.ReceiverInterface, e.Target, StringComparison.Ordinal);
        Assert.Contains(pair.ReceiverInterface, e.Message, StringComparison.Ordinal);
        Assert.Equal(0, udp.SendAndCount(3));
    }

    [Fact]
    public void Missing_interface_or_wrong_program_type_is_a_typed_error_and_nothing_is_attached()
    {
        using var pair = new VethPair();
        using var obj = NetObjects.Packet(4242);
        var missing = Assert.Throws<BpfAttachException>(() => pair.Receiver.Run(() => obj.Program("xdp_drop_udp").AttachXdp("nosuchif0")));
        Assert.Equal("xdp_drop_udp", missing.ProgramName);
        Assert.Contains("nosuchif0", missing.Message, StringComparison.Ordinal);
        Assert.Contains("no such interface", missing.Message, StringComparison.Ordinal);

        var wrongType = Assert.Throws<BpfAttachException>(() => pair.Receiver.Run(() => obj.Program("tc_drop_udp").AttachXdp(pair.ReceiverInterface)));
        Assert.Equal("tc_drop_udp", wrongType.ProgramName);
        Assert.Contains(pair.ReceiverInterface, wrongType.Message, StringComparison.Ordinal);
        Assert.Contains("only XDP programs", wrongType.Message, StringComparison.Ordinal);

        var devmap = Assert.Throws<BpfAttachException>(() => pair.Receiver.Run(() => obj.Program("xdp_devmap_entry").AttachXdp(pair.ReceiverInterface)));
        Assert.Contains("devmap", devmap.Message, StringComparison.Ordinal);

        Assert.Throws<BpfAttachException>(() => pair.Receiver.Run(() => obj.Program("xdp_drop_udp").AttachXdp(987654)));
        Assert.False(XdpShown(pair));
    }

    [Fact]
    public void Xdp_frags_program_attaches_to_a_jumbo_mtu_interface()
    {
        using var pair = new VethPair();
        using var obj = NetObjects.Packet(4242);
        // A page is not enough for a 9000-byte frame: only a frags-aware program may run there in driver mode.
        pair.Receiver.Ip("link", "set", "dev", pair.ReceiverInterface, "mtu", "9000");
        pair.Sender.Ip("link", "set", "dev", pair.SenderInterface, "mtu", "9000");
        using var link = pair.Receiver.Run(() => obj.Program("xdp_frags_pass").AttachXdp(pair.ReceiverInterface, XdpMode.Driver));
        Assert.True(XdpShown(pair));
        Assert.Throws<BpfAttachException>(() => pair.Sender.Run(() => obj.Program("xdp_pass_udp").AttachXdp(pair.SenderInterface, XdpMode.Driver)));
    }
}
