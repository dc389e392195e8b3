using Ebpf.Asm;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.TestRuns;

namespace Ebpf.KernelTests.Maps;

/// <summary>Devmap, cpumap and XSKMAP entries set from user space, seen by XDP programs: bpf_redirect_map answers
/// XDP_REDIRECT (4) only for an entry that exists, XDP_ABORTED (0) otherwise.</summary>
[Trait("Category", "Kernel")]
public sealed class RedirectMapsKernelTests
{
    private const uint Redirect = 4, Aborted = 0;

    private static uint Run(BpfObject obj, string program) =>
        obj.Program(program).TestRun(new TestRunOptions { Data = MapTestObjects.Frame() }).ReturnValue;

    [Fact]
    public void A_devmap_entry_redirects_to_its_interface_and_carries_its_program()
    {
        using var veth = new TestVeth();
        using var obj = MapTestObjects.LoadFeatures();
        var ports = obj.Map("ports");
        Assert.Equal(Aborted, Run(obj, "redirect_port"));
        ports.SetDevice(0, veth.Index);
        Assert.Equal(Redirect, Run(obj, "redirect_port"));
        Assert.True(ports.TryGetDevice(0, out int ifindex, out uint programId));
        Assert.Equal((veth.Index, 0u), (ifindex, programId));

        ports.SetDevice(1, veth.Index, obj.Program("on_port"));
        Assert.True(ports.TryGetDevice(1, out _, out programId));
        Assert.Equal(obj.Program("on_port").Id, programId);

        var missing = Assert.ThrowsAny<BpfException>(() => ports.SetDevice(2, 999_999));
        Assert.Contains("map 'ports'", missing.Message, StringComparison.Ordinal);
        Assert.True(ports.Delete(0u));
        Assert.Equal(Aborted, Run(obj, "redirect_port"));
    }

    [Fact]
    public void A_cpumap_entry_enables_a_cpu_with_its_queue_and_program()
    {
        using var obj = MapTestObjects.LoadFeatures();
        var cpus = obj.Map("cpus");
        Assert.Equal(Aborted, Run(obj, "redirect_cpu"));
        cpus.SetCpu(0, 64);
        Assert.Equal(Redirect, Run(obj, "redirect_cpu"));
        Assert.True(cpus.TryGetCpu(0, out uint queue, out uint programId));
        Assert.Equal((64u, 0u), (queue, programId));

        // A program for cpumap entries, built in code (expected attach type BPF_XDP_CPUMAP).
        var spec = new ProgramSpec("on_cpu", BpfProgramType.Xdp, new Assembler().Mov(Register.R0, 2).Exit().Build()) { ExpectedAttachType = BpfAttachType.XdpCpumap };
        using var onCpu = BpfProgram.Load(spec);
        cpus.SetCpu(0, 128, onCpu);
        Assert.True(cpus.TryGetCpu(0, out queue, out programId));
        Assert.Equal((128u, onCpu.Id), (queue, programId));
        Assert.Throws<BpfMapException>(() => cpus.SetCpu(1, 0));
        Assert.True(cpus.Delete(0u));
        Assert.Equal(Aborted, Run(obj, "redirect_cpu"));
    }

    [Fact]
    public void An_xskmap_takes_a_bound_af_xdp_socket()
    {
        using var veth = new TestVeth();
        using var obj = MapTestObjects.LoadFeatures();
        var xsks = obj.Map("xsks");
        Assert.Equal(Aborted, Run(obj, "redirect_xsk"));
        using (var socket = new XdpSocket(veth.Index))
        {
            xsks.SetSocket(0u, socket.Fd);
            Assert.Equal(Redirect, Run(obj, "redirect_xsk"));
        }
        // Closing the socket takes it out of the map.
        Assert.Equal(Aborted, Run(obj, "redirect_xsk"));
        var notASocket = Assert.ThrowsAny<BpfException>(() => xsks.SetSocket(0u, obj.Map("ports").Fd));
        Assert.Contains("map 'xsks'", notASocket.Message, StringComparison.Ordinal);
    }
}
