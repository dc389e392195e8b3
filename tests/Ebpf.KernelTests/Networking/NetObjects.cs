using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Networking;

/// <summary>Loads the networking test objects with target_port set.</summary>
internal static class NetObjects
{
    internal static BpfObject Load(string file, int targetPort)
    {
        var spec = BpfObjectSpec.FromFile(TestObjects.Path(file));
        spec.SetVariable("target_port", (ushort)targetPort);
        return spec.Load();
    }

    internal static BpfObject Packet(int port) => Load("net_packet.bpf.o", port);

    internal static BpfObject Cgroup(int port) => Load("net_cgroup.bpf.o", port);

    internal static BpfObject Socket(int port) => Load("net_socket.bpf.o", port);
}
