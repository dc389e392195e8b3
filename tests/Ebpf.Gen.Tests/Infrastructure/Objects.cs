namespace Ebpf.Gen.Tests.Infrastructure;

/// <summary>Every BPF object the project tests with, and those the Debian packages installed by .ci/run ship.</summary>
internal static class Objects
{
    internal static readonly (string Package, string Pattern)[] Packaged =
    [
        ("libxdp1", "/usr/lib/x86_64-linux-gnu/bpf/*.o"),
        ("xdp-tests", "/usr/libexec/xdp-tools/*.o"),
        ("golang-github-cilium-ebpf-dev", "/usr/share/gocode/src/github.com/cilium/ebpf/testdata/*-el.elf"),
        ("golang-github-cilium-ebpf-dev", "/usr/share/gocode/src/github.com/cilium/ebpf/btf/testdata/*-el.elf"),
    ];

    /// <summary>The project's own objects (tests/testdata and bpf/, copied beside the tests under objects/).</summary>
    internal static IReadOnlyList<string> Project()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "objects");
        var files = Directory.GetFiles(dir, "*.bpf.o").Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count > 20, $"only {files.Count} objects in {dir}");
        return files;
    }

    /// <summary>A package's objects; outside CI a missing package skips the test with the reason, in CI it fails.</summary>
    internal static IReadOnlyList<string> FromPackage(string package, string pattern)
    {
        string dir = Path.GetDirectoryName(pattern)!;
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, Path.GetFileName(pattern)).Order(StringComparer.Ordinal).ToList() : [];
        if (files.Count == 0)
        {
            string reason = $"no {pattern}: install the Debian package {package}";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)) Assert.Fail($"CI=true and {reason}.");
            Assert.Skip(reason);
        }
        return files;
    }
}
