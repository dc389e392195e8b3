using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

/// <summary>
/// The BPF objects of Debian's libbpf-tools (bcc's libbpf-based tools: execsnoop, opensnoop, capable, cpudist...),
/// embedded in each tool by its libbpf skeleton. Many leave map sizes to user space (max_entries 0: perf event arrays,
/// and hash or stack maps the tool sizes from its options). Each such object is loaded program by program by Ebpf.Net
/// (<see cref="BpfObjectSpec.LoadEach"/>) and by libbpf (<see cref="LibbpfEachReference"/>): the same programs must load,
/// with identical translated instructions, and the same ones fail.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class LibbpfToolsObjectsTests(ITestOutputHelper output)
{
    private const string Package = "libbpf-tools";
    private const string PackageList = "/var/lib/dpkg/info/libbpf-tools.list";

    [Fact]
    public void Objects_with_maps_left_at_size_zero_load_program_by_program_as_libbpf_loads_them()
    {
        KernelGuard.RequireRoot();
        if (!File.Exists(PackageList)) KernelGuard.Unavailable($"the Debian package {Package} is not installed");
        var tools = File.ReadAllLines(PackageList).Where(l => l.StartsWith("/usr/sbin/", StringComparison.Ordinal) && File.Exists(l))
            .Order(StringComparer.Ordinal).ToList();
        string dir = Directory.CreateTempSubdirectory("ebpf-libbpf-tools-").FullName;
        using var libbpf = new LibbpfEachReference();
        int objects = 0, programsLoaded = 0, programsRefused = 0, sizedAtLoad = 0;
        var disagreements = new List<string>();
        try
        {
            foreach (var tool in tools)
            {
                var embedded = EmbeddedBpfObjects.In(tool);
                for (int i = 0; i < embedded.Count; i++)
                {
                    string name = $"{Path.GetFileName(tool)}.{i}.bpf.o";
                    BpfObjectSpec spec;
                    try
                    {
                        spec = BpfObjectSpec.FromBytes(embedded[i], name);
                    }
                    catch (BpfObjectException e)
                    {
                        output.WriteLine($"{name}: not parsed ({e.Message.Split('\n')[0]})");
                        continue;
                    }
                    if (!spec.Maps.Values.Any(m => m.MaxEntries == 0 && m.Type is not (BpfMapType.RingBuf or BpfMapType.UserRingBuf))) continue;
                    objects++;
                    sizedAtLoad += spec.Maps.Values.Count(m => m.MaxEntries == 0 && m.Type == BpfMapType.PerfEventArray);
                    string file = Path.Combine(dir, name);
                    File.WriteAllBytes(file, embedded[i]);
                    var theirs = libbpf.LoadEach(file);
                    using var ours = spec.LoadEach();
                    Assert.Equal(theirs.Keys.Order(StringComparer.Ordinal), spec.Programs.Keys.Order(StringComparer.Ordinal));
                    foreach (var (program, (result, pinned)) in theirs.OrderBy(t => t.Key, StringComparer.Ordinal))
                    {
                        bool loaded = ours.Object.Programs.TryGetValue(program, out var mine);
                        if (loaded != (result == 0))
                        {
                            disagreements.Add($"{name}/{program}: libbpf {(result == 0 ? "loaded it" : $"refused it ({result})")}, Ebpf.Net " +
                                (loaded ? "loaded it" : $"refused it: {ours.ProgramErrors[program].Message.Split('\n')[0]}"));
                            continue;
                        }
                        if (mine is not null)
                        {
                            LibbpfReference.AssertSameXlated($"{name}/{program}", mine.Handle, pinned);
                            programsLoaded++;
                        }
                        else programsRefused++;
                    }
                    output.WriteLine($"{name}: {ours}");
                }
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        output.WriteLine($"{Package}: {objects} objects with maps left at size 0 ({sizedAtLoad} perf event arrays sized at load), " +
            $"{programsLoaded} programs loaded by both with identical instructions, {programsRefused} refused by both");
        Assert.True(disagreements.Count == 0, string.Join('\n', disagreements));
        Assert.True(objects >= 10, $"only {objects} objects of {Package} leave a map's size to user space");
        Assert.True(programsLoaded > 0 && programsRefused > 0, "expected programs that load and programs a size-0 map stops");
    }
}
