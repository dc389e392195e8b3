namespace Ebpf.KernelTests.Infrastructure;

/// <summary>Paths of the committed BPF objects, copied beside the test binary under objects/.</summary>
public static class TestObjects
{
    public static string Path(string fileName)
    {
        string p = System.IO.Path.Combine(AppContext.BaseDirectory, "objects", fileName);
        if (!File.Exists(p)) throw new FileNotFoundException($"Test object {fileName} is missing; run scripts/build-bpf.sh and rebuild.", p);
        return p;
    }
}
