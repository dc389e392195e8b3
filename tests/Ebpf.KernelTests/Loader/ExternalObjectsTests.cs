using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

/// <summary>
/// BPF objects compiled by other projects and shipped by Debian packages, loaded by Ebpf.Net and by libbpf (bpftool):
/// the outcome must agree object by object, and where both load, every program's translated instructions must be
/// identical. Packages: libxdp1 (xdp-dispatcher, xdpfilt_*, xdpdump_*, xsk_def_xdp_prog*), xdp-tests (xdp_pass,
/// xdp_drop, test_long_func_name), golang-github-cilium-ebpf-dev (cilium/ebpf's little-endian test objects).
/// </summary>
[Trait("Category", "Kernel")]
public sealed class ExternalObjectsTests(ITestOutputHelper output)
{
    /// <summary>Objects libbpf refuses but Ebpf.Net loads, and why that is deliberate.</summary>
    private static readonly Dictionary<string, string> LenientByDesign = new(StringComparer.Ordinal)
    {
        // libbpf 1.x rejects "socket/tail" as a section name; Ebpf.Net (like libbpf before 1.0 and cilium/ebpf)
        // reads "socket/<label>" as a socket filter.
        ["btf_map_init-el.elf"] = "section 'socket/<label>'",
    };

    public static TheoryData<string, string> Packages() => new()
    {
        { "libxdp1", "/usr/lib/x86_64-linux-gnu/bpf/*.o" },
        { "xdp-tests", "/usr/libexec/xdp-tools/*.o" },
        { "golang-github-cilium-ebpf-dev", "/usr/share/gocode/src/github.com/cilium/ebpf/testdata/*-el.elf" },
        { "golang-github-cilium-ebpf-dev", "/usr/share/gocode/src/github.com/cilium/ebpf/btf/testdata/*-el.elf" },
    };

    [Theory]
    [MemberData(nameof(Packages))]
    public void Objects_shipped_by_a_package_load_as_libbpf_loads_them(string package, string pattern)
    {
        KernelGuard.RequireRoot();
        string dir = Path.GetDirectoryName(pattern)!;
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir, Path.GetFileName(pattern)).Order(StringComparer.Ordinal).ToList() : [];
        if (files.Count == 0) KernelGuard.Unavailable($"no {pattern}: install the Debian package {package}");
        using var libbpf = new LibbpfReference();
        int bothLoaded = 0, bothRefused = 0, programsCompared = 0;
        var disagreements = new List<string>();
        foreach (var file in files)
        {
            string name = Path.GetFileName(file);
            // No retry: the refusals once seen on a fresh machine came from its /sys/fs/bpf not being a bpffs yet
            // (libbpf will not pin xdpfilt's by-name maps there); bpftool now runs with a bpffs of its own.
            var (theirsLoaded, pinned, messages) = libbpf.LoadAll(file);
            BpfObject? ours = null;
            string? ourError = null;
            try
            {
                // Pins by name go to a fresh directory of the private bpffs, as libbpf's go to its own fresh bpffs.
                ours = BpfObject.Load(file, new BpfLoadOptions { PinPath = libbpf.NewPinDirectory() });
            }
            catch (BpfException e)
            {
                ourError = e.Message.Split('\n')[0];
            }
            using (ours)
            {
                output.WriteLine($"{name}: libbpf {(theirsLoaded ? $"loaded {pinned.Count}" : "refused")}, Ebpf.Net {(ours is null ? $"refused ({ourError})" : $"loaded {ours.Programs.Count}")}");
                if (ours is not null && theirsLoaded)
                {
                    bothLoaded++;
                    Assert.Equal(pinned.Keys.Order(StringComparer.Ordinal), ours.Programs.Keys.Order(StringComparer.Ordinal));
                    foreach (var (program, loaded) in ours.Programs)
                    {
                        LibbpfReference.AssertSameXlated($"{name}/{program}", loaded.Handle, pinned[program]);
                        programsCompared++;
                    }
                }
                else if (ours is null && !theirsLoaded) bothRefused++;
                else if (ours is not null && LenientByDesign.TryGetValue(name, out var why)) output.WriteLine($"  accepted by design: {why}");
                else disagreements.Add($"{name}: libbpf {(theirsLoaded ? "loaded it" : $"refused it ({LastLines(messages)})")}, Ebpf.Net {(ours is null ? $"refused it: {ourError}" : "loaded it")}");
            }
        }
        output.WriteLine($"{package}: {files.Count} objects, {bothLoaded} loaded by both ({programsCompared} programs with identical instructions), {bothRefused} refused by both");
        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements));
        Assert.True(bothLoaded > 0, $"no object of {package} loaded with both loaders");
    }

    /// <summary>The end of bpftool's output, where libbpf says why it gave up (its first lines are warnings).</summary>
    private static string LastLines(string messages) =>
        string.Join(" | ", messages.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));
}
