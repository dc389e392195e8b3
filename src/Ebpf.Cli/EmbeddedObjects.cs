namespace Ebpf.Cli;

/// <summary>The tool's compiled BPF objects, embedded at build time from bpf/*.bpf.o.</summary>
internal static class EmbeddedObjects
{
    internal static byte[] Read(string fileName)
    {
        using var stream = typeof(EmbeddedObjects).Assembly.GetManifestResourceStream("bpf/" + fileName)
            ?? throw new InvalidOperationException($"BPF object {fileName} is not embedded in this build; run scripts/build-bpf.sh and rebuild.");
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }
}
