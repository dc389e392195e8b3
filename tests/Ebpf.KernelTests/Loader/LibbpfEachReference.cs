using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

/// <summary>
/// libbpf's per-program outcome for an object: the C reference's <c>cref load-each</c> (bench/c-reference, built by
/// scripts/build-c-reference.sh) creates each map alone to learn which ones the kernel refuses, then loads each
/// program alone with the others (bpf_program__set_autoload, bpf_map__set_autocreate), pinning the programs that
/// load in a private bpffs so their instructions can be compared.
/// </summary>
internal sealed class LibbpfEachReference : IDisposable
{
    private readonly string _cref;
    private readonly string _mount;

    internal LibbpfEachReference()
    {
        KernelGuard.RequireRoot();
        _cref = FindCref() ?? throw Missing();
        _mount = Directory.CreateTempSubdirectory("ebpf-each-").FullName;
        var (code, err) = PrivateBpfFs.Run("mount", "-t", "bpf", "bpf", _mount);
        Assert.True(code == 0, $"mounting a bpffs at {_mount} failed: {err}");
    }

    private static Exception Missing()
    {
        KernelGuard.Unavailable("the libbpf C reference is not built (bench/c-reference/build/cref): run scripts/build-c-reference.sh");
        return new InvalidOperationException("unreachable");
    }

    /// <summary>bench/c-reference/build/cref above the test binary.</summary>
    private static string? FindCref()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "bench", "c-reference", "build", "cref");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    /// <summary>Each program's libbpf outcome: 0 (loaded, pinned at <c>Pinned</c>) or the negative errno of its load.</summary>
    internal Dictionary<string, (int Result, string Pinned)> LoadEach(string objectPath)
    {
        string dir = Path.Combine(_mount, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var start = new System.Diagnostics.ProcessStartInfo(_cref) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["load-each", objectPath, dir]) start.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(start)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"cref load-each {objectPath} failed: {err.Result}");
        var outcomes = new Dictionary<string, (int, string)>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split('\t');
            outcomes[fields[0]] = (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture), Path.Combine(dir, fields[0]));
        }
        return outcomes;
    }

    public void Dispose()
    {
        PrivateBpfFs.Run("umount", _mount);
        Directory.Delete(_mount, recursive: true);
    }
}
