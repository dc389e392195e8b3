using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Networking;

/// <summary>The networking test objects load: every program passes the verifier with the type its section names.</summary>
[Trait("Category", "Kernel")]
public sealed class NetObjectsLoadTests
{
    [Theory]
    [InlineData("net_packet.bpf.o")]
    [InlineData("net_cgroup.bpf.o")]
    [InlineData("net_socket.bpf.o")]
    public void Every_program_loads(string file)
    {
        KernelGuard.RequireRoot();
        using var obj = NetObjects.Load(file, 4242);
        Assert.NotEmpty(obj.Programs);
        foreach (var p in obj.Programs.Values) Assert.NotEqual(0u, p.Id);
    }
}
