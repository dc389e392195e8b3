using System.Runtime.InteropServices;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Maps;

/// <summary>maps_features.bpf.o, and the u64 argument arrays its raw tracepoint programs take under BPF_PROG_TEST_RUN.</summary>
internal static class MapTestObjects
{
    internal static BpfObject LoadFeatures()
    {
        KernelGuard.RequireRoot();
        return BpfObject.Load(TestObjects.Path("maps_features.bpf.o"));
    }

    internal static byte[] Args(params ulong[] args) => MemoryMarshal.AsBytes(args.AsSpan()).ToArray();

    /// <summary>A 64-byte XDP test frame (the programs that take one look at nothing but an IPv4 header, if any).</summary>
    internal static byte[] Frame() => TestRuns.Packets.Udp(53);
}
