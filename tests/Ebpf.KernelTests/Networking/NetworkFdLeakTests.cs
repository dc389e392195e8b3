using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.Loader;
using Ebpf.Links;

namespace Ebpf.KernelTests.Networking;

/// <summary>Attach and dispose every network and cgroup kind, and every failure path, many times: the process's
/// descriptors (links, netlink sockets, cgroup and namespace fds, program duplicates) come back to where they were.</summary>
[Collection(nameof(FdLeakCollection))]
[Trait("Category", "Kernel")]
public sealed class NetworkFdLeakTests
{
    [Fact]
    public void Attach_dispose_and_failures_leave_no_descriptor_behind()
    {
        using var pair = new VethPair();
        using var cgroup = new TestCgroup();
        using var receiver = new UdpReceiver();
        using var packet = NetObjects.Packet(4242);
        using var cg = NetObjects.Cgroup(4242);
        using var sock = NetObjects.Socket(4242);
        string iface = pair.ReceiverInterface;

        void Cycle()
        {
            pair.Receiver.Run(() =>
            {
                packet.Program("xdp_drop_udp").AttachXdp(iface, XdpMode.Generic).Dispose();
                XdpLink.Attach(packet.Program("xdp_drop_udp"), NetworkTarget.Resolve(iface, packet.Program("xdp_drop_udp"), "XDP"), XdpMode.Generic, forceNetlink: true).Dispose();
                packet.Program("tcx_drop_udp").AttachTcx(iface).Dispose();
                packet.Program("tc_drop_udp").AttachTc(iface, TcDirection.Ingress).Dispose();
                Assert.Throws<BpfAttachException>(() => packet.Program("xdp_drop_udp").AttachXdp("nosuchif0"));
                Assert.Throws<BpfAttachException>(() => packet.Program("tc_drop_udp").AttachXdp(iface));
                using (packet.Program("tc_pass_udp").AttachTc(iface, TcDirection.Ingress, 3, 1))
                    Assert.Throws<BpfAttachException>(() => packet.Program("tc_drop_udp").AttachTc(iface, TcDirection.Ingress, 3, 1));
            });
            cg.Program("egress_drop_udp").AttachCgroup(cgroup.Path).Dispose();
            CgroupLink.Attach(cg.Program("egress_drop_udp"), cgroup.Path, null, CgroupAttachMode.Multi, forceLegacy: true).Dispose();
            Assert.Throws<BpfAttachException>(() => cg.Program("egress_drop_udp").AttachCgroup(cgroup.Path + "-missing"));
            sock.Program("filter_keep_all").AttachSocketFilter(receiver.Socket).Dispose();
            sock.Program("lookup_steer").AttachSkLookup(pair.Sender.Path).Dispose();
            sock.Program("nf_accept_all").AttachNetfilter(NetfilterProtocolFamily.IPv4, NetfilterHook.LocalIn, 11, networkNamespace: pair.Sender.Path).Dispose();
            NetNsLink.Attach(sock.Program("dissect_count"), BpfAttachType.FlowDissector, pair.Sender.Path, forceLegacy: true).Dispose();
            SockMapLink.Attach(sock.Program("msg_count"), sock.Map("msg_sockets"), null, forceLegacy: true).Dispose();
            using var link = sock.Program("msg_count").AttachSockMap(sock.Map("msg_sockets"));
            Assert.Throws<BpfAttachException>(() => link.Pin("/proc/never"));
        }

        Cycle(); // the runtime opens what it needs once
        var before = FdSnapshot.Baseline();
        for (int i = 0; i < 20; i++) Cycle();
        FdSnapshot.AssertSame(before, FdSnapshot.Take());
    }
}
