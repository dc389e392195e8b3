namespace Ebpf.Cli.Bench;

/// <summary>bpf/bench.bpf.o, embedded in the tool, written once to a temporary file for the C reference to open.</summary>
internal sealed class BenchObject : IDisposable
{
    internal BenchObject()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ebpf-bench-{Environment.ProcessId}.bpf.o");
        File.WriteAllBytes(Path, EmbeddedObjects.Read("bench.bpf.o"));
    }

    internal string Path { get; }

    public void Dispose() => File.Delete(Path);
}
