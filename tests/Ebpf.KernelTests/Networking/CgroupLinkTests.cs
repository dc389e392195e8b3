using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.Links;

namespace Ebpf.KernelTests.Networking;

/// <summary>Cgroup programs on a child cgroup of the v2 hierarchy, with a real sender process inside it: egress
/// filtering through links and through BPF_PROG_ATTACH, updates, pins, detach; every libbpf cgroup section attached
/// and removed; bad input with BPF_PROG_QUERY showing nothing left.</summary>
[Trait("Category", "Kernel")]
public sealed class CgroupLinkTests
{
    private const uint Dropped = 0, Passed = 1;

    [Fact]
    public void Egress_link_drops_updates_pins_and_detaches_with_traffic_checked_each_time()
    {
        using var cgroup = new TestCgroup();
        using var receiver = new UdpReceiver();
        using var obj = NetObjects.Cgroup(receiver.Port);
        using var bpffs = new PrivateBpfFs();
        var drop = obj.Program("egress_drop_udp");
        var pass = obj.Program("egress_pass_udp");
        cgroup.SendUdp(receiver.Port, 3);
        Assert.Equal(3, receiver.Drain().Count); // the path works before anything is attached

        var link = drop.AttachCgroup(cgroup.Path);
        try
        {
            Assert.True(link.IsBpfLink);
            Assert.Equal(BpfAttachType.CgroupInetEgress, link.AttachType);
            Assert.Equal([drop.Id], cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);
            cgroup.SendUdp(receiver.Port, 5);
            Assert.Empty(receiver.Drain());
            Assert.Equal(5ul, PerCpuStats.Sum(obj, Dropped));
            var info = Assert.IsType<CgroupLinkInfo>(link.GetInfo());
            Assert.Equal((cgroup.Id, BpfAttachType.CgroupInetEgress, drop.Id), (info.CgroupId, info.AttachType, info.ProgramId));

            link.Update(pass, expectedProgram: drop);
            cgroup.SendUdp(receiver.Port, 5);
            Assert.Equal(5, receiver.Drain().Count);
            Assert.Equal(5ul, PerCpuStats.Sum(obj, Passed));

            link.Pin(bpffs.Pin("cgroup_egress"));
            link.Dispose();
            cgroup.SendUdp(receiver.Port, 5);
            Assert.Equal(5, receiver.Drain().Count);
            Assert.Equal(10ul, PerCpuStats.Sum(obj, Passed)); // still attached through the pin

            using var pinned = BpfLink.OpenPinned(bpffs.Pin("cgroup_egress"));
            Assert.Equal(BpfLinkType.Cgroup, pinned.Type);
            pinned.Update(drop);
            cgroup.SendUdp(receiver.Port, 4);
            Assert.Empty(receiver.Drain());
            Assert.Equal(9ul, PerCpuStats.Sum(obj, Dropped));
            pinned.Detach();
            Assert.Empty(cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);
            cgroup.SendUdp(receiver.Port, 4);
            Assert.Equal(4, receiver.Drain().Count);
            Assert.Equal(9ul, PerCpuStats.Sum(obj, Dropped));
            pinned.Unpin();
        }
        finally
        {
            link.Dispose();
        }
    }

    [Fact]
    public void Cgroup_named_inside_the_hierarchy_or_by_an_open_directory()
    {
        using var cgroup = new TestCgroup();
        using var receiver = new UdpReceiver();
        using var obj = NetObjects.Cgroup(receiver.Port);
        using (var link = obj.Program("egress_drop_udp").AttachCgroup("/" + cgroup.Name))
        {
            Assert.Equal(cgroup.Path, link.CgroupPath);
            cgroup.SendUdp(receiver.Port, 2);
            Assert.Empty(receiver.Drain());
        }
        long r = PathFd.TryOpen(cgroup.Path);
        Assert.True(r >= 0);
        using var dir = SafeFd.FromSyscall((int)r);
        using (var link = obj.Program("egress_drop_udp").AttachCgroup(dir))
        {
            Assert.Equal(cgroup.Path, link.CgroupPath);
            cgroup.SendUdp(receiver.Port, 2);
            Assert.Empty(receiver.Drain());
        }
        cgroup.SendUdp(receiver.Port, 2);
        Assert.Equal(2, receiver.Drain().Count);
        Assert.Equal(4ul, PerCpuStats.Sum(obj, Dropped));
    }

    [Fact]
    public void Prog_attach_in_multi_mode_drops_updates_and_detaches_exactly_its_program()
    {
        using var cgroup = new TestCgroup();
        using var receiver = new UdpReceiver();
        using var obj = NetObjects.Cgroup(receiver.Port);
        var drop = obj.Program("egress_drop_udp");
        var pass = obj.Program("egress_pass_udp");
        var link = CgroupLink.Attach(drop, cgroup.Path, null, CgroupAttachMode.Multi, forceLegacy: true);
        try
        {
            Assert.False(link.IsBpfLink);
            Assert.Equal(CgroupAttachMode.Multi, link.LegacyMode);
            var (ids, flags) = cgroup.Query(BpfAttachType.CgroupInetEgress);
            Assert.Equal([drop.Id], ids);
            Assert.Equal(BpfAttach.BPF_F_ALLOW_MULTI, flags);
            cgroup.SendUdp(receiver.Port, 4);
            Assert.Empty(receiver.Drain());
            Assert.Equal(4ul, PerCpuStats.Sum(obj, Dropped));

            // A link beside it: both run (multi mode), and Dispose of the legacy one leaves the link.
            using var beside = pass.AttachCgroup(cgroup.Path);
            Assert.Equal(2, cgroup.Query(BpfAttachType.CgroupInetEgress).Ids.Length);
            link.Dispose();
            Assert.Equal([pass.Id], cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);
            cgroup.SendUdp(receiver.Port, 4);
            Assert.Equal(4, receiver.Drain().Count);
        }
        finally
        {
            link.Dispose();
        }
        Assert.Empty(cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);

        // Update replaces in place (BPF_F_REPLACE), checked against the expected program.
        using (var legacy = CgroupLink.Attach(drop, cgroup.Path, null, CgroupAttachMode.Multi, forceLegacy: true))
        {
            legacy.Update(pass, expectedProgram: drop);
            Assert.Equal([pass.Id], cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);
            Assert.Throws<BpfAttachException>(() => legacy.Update(drop, expectedProgram: drop));
            cgroup.SendUdp(receiver.Port, 3);
            Assert.Equal(3, receiver.Drain().Count);
        }
        Assert.Empty(cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);
    }

    [Fact]
    public void Prog_attach_in_override_mode_updates_by_attaching_again_and_detaches_while_open()
    {
        using var cgroup = new TestCgroup();
        using var obj = NetObjects.Cgroup(4242);
        var drop = obj.Program("egress_drop_udp");
        var pass = obj.Program("egress_pass_udp");
        using (var legacy = CgroupLink.Attach(drop, cgroup.Path, null, CgroupAttachMode.Override, forceLegacy: true))
        {
            legacy.Update(pass, expectedProgram: drop);
            var (ids, flags) = cgroup.Query(BpfAttachType.CgroupInetEgress);
            Assert.Equal([pass.Id], ids);
            Assert.Equal(BpfAttach.BPF_F_ALLOW_OVERRIDE, flags);
            Assert.Equal("egress_pass_udp", legacy.ProgramName);

            // Detach removes the attachment now; the object stays open, and there is nothing left to update.
            legacy.Detach();
            Assert.False(legacy.IsDisposed);
            Assert.Empty(cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);
            Assert.Throws<InvalidOperationException>(() => legacy.Update(drop));
            Assert.Empty(cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);
        }
        Assert.Empty(cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);
    }

    [Fact]
    public void An_exclusive_attachment_refuses_others_with_a_typed_error()
    {
        using var cgroup = new TestCgroup();
        using var obj = NetObjects.Cgroup(4242);
        using (var exclusive = CgroupLink.Attach(obj.Program("egress_drop_udp"), cgroup.Path, null, CgroupAttachMode.Exclusive, forceLegacy: true))
        {
            Assert.Equal(0u, cgroup.Query(BpfAttachType.CgroupInetEgress).Flags);
            var e = Assert.Throws<BpfAttachException>(() => obj.Program("egress_pass_udp").AttachCgroup(cgroup.Path));
            Assert.Equal("egress_pass_udp", e.ProgramName);
            Assert.Contains(cgroup.Path, e.Message, StringComparison.Ordinal);
            Assert.Contains("exclusive", e.Message, StringComparison.Ordinal);
            Assert.Equal([obj.Program("egress_drop_udp").Id], cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);
        }
        Assert.Empty(cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);
    }

    public static TheoryData<string, BpfAttachType> Sections => new()
    {
        { "cg_skb_ingress", BpfAttachType.CgroupInetIngress },
        { "egress_pass_udp", BpfAttachType.CgroupInetEgress },
        { "cg_sock_create", BpfAttachType.CgroupInetSockCreate },
        { "cg_sock_release", BpfAttachType.CgroupInetSockRelease },
        { "cg_post_bind4", BpfAttachType.CgroupInet4PostBind },
        { "cg_post_bind6", BpfAttachType.CgroupInet6PostBind },
        { "cg_bind4", BpfAttachType.CgroupInet4Bind },
        { "cg_bind6", BpfAttachType.CgroupInet6Bind },
        { "cg_connect4", BpfAttachType.CgroupInet4Connect },
        { "cg_connect6", BpfAttachType.CgroupInet6Connect },
        { "cg_sendmsg4", BpfAttachType.CgroupUdp4Sendmsg },
        { "cg_sendmsg6", BpfAttachType.CgroupUdp6Sendmsg },
        { "cg_recvmsg4", BpfAttachType.CgroupUdp4Recvmsg },
        { "cg_recvmsg6", BpfAttachType.CgroupUdp6Recvmsg },
        { "cg_getpeername4", BpfAttachType.CgroupInet4Getpeername },
        { "cg_getpeername6", BpfAttachType.CgroupInet6Getpeername },
        { "cg_getsockname4", BpfAttachType.CgroupInet4Getsockname },
        { "cg_getsockname6", BpfAttachType.CgroupInet6Getsockname },
        { "cg_sysctl", BpfAttachType.CgroupSysctl },
        { "cg_getsockopt", BpfAttachType.CgroupGetsockopt },
        { "cg_setsockopt", BpfAttachType.CgroupSetsockopt },
        { "cg_dev", BpfAttachType.CgroupDevice },
        { "cg_sockops", BpfAttachType.CgroupSockOps },
    };

    [Theory]
    [MemberData(nameof(Sections))]
    public void Every_cgroup_section_attaches_to_its_hook_and_goes_away(string program, BpfAttachType hook)
    {
        using var cgroup = new TestCgroup();
        using var obj = NetObjects.Cgroup(4242);
        var p = obj.Program(program);
        using (var link = p.AttachCgroup(cgroup.Path))
        {
            Assert.Equal(hook, link.AttachType);
            Assert.Equal([p.Id], cgroup.Query(hook).Ids);
            Assert.Equal(hook, Assert.IsType<CgroupLinkInfo>(link.GetInfo()).AttachType);
        }
        Assert.Empty(cgroup.Query(hook).Ids);
        using (CgroupLink.Attach(p, cgroup.Path, null, CgroupAttachMode.Override, forceLegacy: true))
        {
            var (ids, flags) = cgroup.Query(hook);
            Assert.Equal([p.Id], ids);
            Assert.Equal(BpfAttach.BPF_F_ALLOW_OVERRIDE, flags);
        }
        Assert.Empty(cgroup.Query(hook).Ids);
    }

    [Fact]
    public void Cgroup_skb_section_needs_a_direction()
    {
        using var cgroup = new TestCgroup();
        using var obj = NetObjects.Cgroup(4242);
        var p = obj.Program("cg_skb_either");
        var e = Assert.Throws<BpfAttachException>(() => p.AttachCgroup(cgroup.Path));
        Assert.Contains("cgroup/skb", e.Message, StringComparison.Ordinal);
        using (p.AttachCgroup(cgroup.Path, BpfAttachType.CgroupInetIngress))
            Assert.Equal([p.Id], cgroup.Query(BpfAttachType.CgroupInetIngress).Ids);
        Assert.Empty(cgroup.Query(BpfAttachType.CgroupInetIngress).Ids);
    }

    [Fact]
    public void Bad_input_is_a_typed_error_and_nothing_is_attached()
    {
        using var cgroup = new TestCgroup();
        using var obj = NetObjects.Cgroup(4242);
        var drop = obj.Program("egress_drop_udp");

        string missingPath = Path.Join(cgroup.Mount, "ebpfnet-no-such-cgroup");
        var missing = Assert.Throws<BpfAttachException>(() => drop.AttachCgroup(missingPath));
        Assert.Equal(("egress_drop_udp", $"cgroup '{missingPath}'"), (missing.ProgramName, missing.Target));
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
        Assert.Contains(cgroup.Mount, missing.Message, StringComparison.Ordinal);

        string? v1 = Cgroups.MountInfo.ReadAll().FirstOrDefault(m => m.FileSystemType == "cgroup").MountPoint;
        if (v1 is not null)
        {
            var notV2 = Assert.Throws<BpfAttachException>(() => drop.AttachCgroup(v1));
            Assert.Contains("not a cgroup v2 directory", notV2.Message, StringComparison.Ordinal);
        }

        var wrongHook = Assert.Throws<BpfAttachException>(() => obj.Program("cg_connect4").AttachCgroup(cgroup.Path, BpfAttachType.CgroupInetEgress));
        Assert.Equal("cg_connect4", wrongHook.ProgramName);
        Assert.Contains(cgroup.Path, wrongHook.Message, StringComparison.Ordinal);

        using var packet = NetObjects.Packet(4242);
        var notCgroup = Assert.Throws<BpfAttachException>(() => packet.Program("xdp_drop_udp").AttachCgroup(cgroup.Path));
        Assert.Contains("only cgroup programs", notCgroup.Message, StringComparison.Ordinal);

        Assert.Empty(cgroup.Query(BpfAttachType.CgroupInetEgress).Ids);
        Assert.Empty(cgroup.Query(BpfAttachType.CgroupInet4Connect).Ids);
    }
}
