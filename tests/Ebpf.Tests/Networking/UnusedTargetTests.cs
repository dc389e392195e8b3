using Ebpf.Links;

namespace Ebpf.Tests.Networking;

/// <summary><see cref="BpfLinkSet.Attach"/>'s check that every target given (<c>ebpf attach --iface / --xdp-mode /
/// --cgroup</c>) is taken by one of the programs, before anything is attached.</summary>
public sealed class UnusedTargetTests
{
    private static readonly (string, string, BpfProgramType) Xdp = ("xdp_drop", "xdp", BpfProgramType.Xdp);
    private static readonly (string, string, BpfProgramType) Tc = ("tc_drop", "tcx/ingress", BpfProgramType.SchedCls);
    private static readonly (string, string, BpfProgramType) Cgroup = ("cg_drop", "cgroup_skb/egress", BpfProgramType.CgroupSkb);
    private static readonly (string, string, BpfProgramType) Tracepoint = ("tp_hit", "tp/syscalls/sys_enter_getppid", BpfProgramType.Tracepoint);

    [Fact]
    public void Targets_some_program_takes_pass()
    {
        Assert.Null(NetworkAttach.UnusedTarget([Xdp], new AttachOptions { Interface = "eth0", XdpMode = XdpMode.Generic }));
        Assert.Null(NetworkAttach.UnusedTarget([Tc], new AttachOptions { Interface = "eth0" }));
        Assert.Null(NetworkAttach.UnusedTarget([Xdp, Cgroup, Tracepoint], new AttachOptions { Interface = "eth0", Cgroup = "/sys/fs/cgroup/app" }));
        Assert.Null(NetworkAttach.UnusedTarget([Tracepoint], new AttachOptions()));
    }

    [Fact]
    public void An_interface_for_no_xdp_or_tc_program_names_the_programs_and_the_interface()
    {
        var e = NetworkAttach.UnusedTarget([Tracepoint, Cgroup], new AttachOptions { Interface = "eth0", Cgroup = "/app" });
        Assert.NotNull(e);
        Assert.Equal("tp_hit", e.ProgramName);
        Assert.Equal("interface 'eth0'", e.Target);
        Assert.Contains("'tp_hit' (tp/syscalls/sys_enter_getppid, Tracepoint)", e.Message, StringComparison.Ordinal);
        Assert.Contains("'cg_drop'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cgroup_for_no_cgroup_program_is_refused()
    {
        var e = NetworkAttach.UnusedTarget([Xdp], new AttachOptions { Interface = "eth0", Cgroup = "/sys/fs/cgroup/app" });
        Assert.NotNull(e);
        Assert.Equal("cgroup '/sys/fs/cgroup/app'", e.Target);
        Assert.Contains("xdp_drop", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_xdp_mode_for_a_tc_program_is_refused()
    {
        var e = NetworkAttach.UnusedTarget([Tc], new AttachOptions { Interface = "eth0", XdpMode = XdpMode.Driver });
        Assert.NotNull(e);
        Assert.Contains("XDP mode", e.Target, StringComparison.Ordinal);
    }
}
