using Ebpf.Cli.Bench;
using Ebpf.Cli.Unlinks;

namespace Ebpf.Cli;

/// <summary>The tool's compiled BPF objects (bpf/*.bpf.o), embedded by their generated bindings (&lt;BpfObject&gt; items).</summary>
internal static class EmbeddedObjects
{
    internal static byte[] Read(string fileName) => fileName switch
    {
        UnlinksBpf.ObjectName => UnlinksBpf.ObjectBytes.ToArray(),
        LessonUnlinksBpf.ObjectName => LessonUnlinksBpf.ObjectBytes.ToArray(),
        LessonUnlinksPerfBpf.ObjectName => LessonUnlinksPerfBpf.ObjectBytes.ToArray(),
        BenchBpf.ObjectName => BenchBpf.ObjectBytes.ToArray(),
        UserRingbufBenchBpf.ObjectName => UserRingbufBenchBpf.ObjectBytes.ToArray(),
        _ => throw new InvalidOperationException($"BPF object {fileName} is not embedded in this build (see the BpfObject items of Ebpf.Cli.csproj)."),
    };
}
