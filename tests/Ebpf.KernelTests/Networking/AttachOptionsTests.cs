using Ebpf.KernelTests.Infrastructure;
using Ebpf.Links;

namespace Ebpf.KernelTests.Networking;

/// <summary>Attach(AttachOptions), the one call `ebpf attach` makes: the program's type and section pick the hook,
/// the options give the target; a missing target names what to set.</summary>
[Trait("Category", "Kernel")]
public sealed class AttachOptionsTests
{
    [Fact]
    public void Interface_programs_pick_xdp_tcx_or_classic_tc_from_their_section()
    {
        using var pair = new VethPair();
        using var udp = new UdpProbe(pair.Receiver, VethPair.ReceiverAddress, pair.Sender);
        using var obj = NetObjects.Packet(udp.Port);
        var options = new AttachOptions { Interface = pair.ReceiverInterface, XdpMode = XdpMode.Generic };

        using (var xdp = pair.Receiver.Run(() => obj.Program("xdp_drop_udp").Attach(options)))
        {
            Assert.Equal(XdpMode.Generic, Assert.IsType<XdpLink>(xdp).Mode);
            Assert.Equal(0, udp.SendAndCount(2));
        }
        using (var tcx = pair.Receiver.Run(() => obj.Program("tcx_drop_udp").Attach(options)))
        {
            Assert.Equal(TcDirection.Ingress, Assert.IsType<TcxLink>(tcx).Direction);
            Assert.Equal(0, udp.SendAndCount(2));
        }
        using (var tc = pair.Receiver.Run(() => obj.Program("tc_drop_udp").Attach(options)))
        {
            Assert.Equal(TcDirection.Ingress, Assert.IsType<TcFilterLink>(tc).Direction);
            Assert.Equal(0, udp.SendAndCount(2));
        }
        using (var preferTcx = pair.Receiver.Run(() => obj.Program("tc_drop_udp").Attach(options with { PreferTcx = true })))
            Assert.IsType<TcxLink>(preferTcx);
        Assert.Equal(2, udp.SendAndCount(2));
        Assert.Equal((2ul, 2ul, 2ul), (PerCpuStats.Sum(obj, 0), PerCpuStats.Sum(obj, 2), PerCpuStats.Sum(obj, 5)));

        var missing = Assert.Throws<BpfAttachException>(() => obj.Program("xdp_drop_udp").Attach(new AttachOptions()));
        Assert.Contains("Interface", missing.Message, StringComparison.Ordinal);
        Assert.Contains("--iface", missing.Message, StringComparison.Ordinal);
        var noTarget = Assert.Throws<NotSupportedException>(() => obj.Program("xdp_drop_udp").Attach());
        Assert.Contains("AttachXdp", noTarget.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cgroup_namespace_and_netfilter_programs_take_their_targets_from_the_options()
    {
        using var cgroup = new TestCgroup();
        using var ns = new NetNamespace();
        using var cg = NetObjects.Cgroup(4242);
        using var sock = NetObjects.Socket(4242);

        using (var link = cg.Program("egress_drop_udp").Attach(new AttachOptions { Cgroup = cgroup.Path }))
            Assert.Equal([cg.Program("egress_drop_udp").Id], cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);
        using (var link = sock.Program("lookup_steer").Attach(new AttachOptions { NetworkNamespace = ns.Path }))
            Assert.Equal(BpfAttachType.SkLookup, Assert.IsType<NetNsLink>(link).AttachType);
        using (var link = sock.Program("nf_accept_all").Attach(new AttachOptions { NetworkNamespace = ns.Path, NetfilterHook = NetfilterHook.LocalOut, NetfilterPriority = 7 }))
            Assert.Equal((NetfilterHook.LocalOut, 7), (Assert.IsType<NetfilterLinkInfo>(link.GetInfo()).Hook, ((NetfilterLink)link).Priority));

        Assert.Contains("--cgroup", Assert.Throws<BpfAttachException>(() => cg.Program("egress_drop_udp").Attach(new AttachOptions())).Message, StringComparison.Ordinal);
        Assert.Contains("AttachSocketFilter", Assert.Throws<BpfAttachException>(() => sock.Program("filter_keep_all").Attach(new AttachOptions())).Message, StringComparison.Ordinal);
        Assert.Contains("AttachSockMap", Assert.Throws<BpfAttachException>(() => sock.Program("msg_count").Attach(new AttachOptions())).Message, StringComparison.Ordinal);
        Assert.Contains("NetfilterHook", Assert.Throws<BpfAttachException>(() => sock.Program("nf_accept_all").Attach(new AttachOptions())).Message, StringComparison.Ordinal);
        Assert.Empty(cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);
    }

    [Fact]
    public void Tracing_programs_attach_where_their_section_says()
    {
        KernelGuard.RequireRoot();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("loader_basic.bpf.o"));
        spec.SetVariable("target_pid", (uint)Environment.ProcessId);
        using var obj = spec.Load();
        using var link = obj.Program("count_raw_tp").Attach(new AttachOptions { Interface = "ignored" });
        Assert.Equal("sys_enter", Assert.IsType<RawTracepointLink>(link).Tracepoint);
    }
}
