using System.Runtime.InteropServices;
using System.Text.Json;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

/// <summary>
/// Maps declared without max_entries (tests/testdata/loader_sized_zero.bpf.c: a hash map and a perf event array left at
/// 0, a sized array, a program using each): as libbpf 1.1, the perf event array gets one slot per possible CPU, the
/// kernel refuses the hash map, and exactly the program using it fails, with the kernel's reason naming the map, unless
/// <see cref="MapSpec.MaxEntries"/> sized it before load.
/// </summary>
[Trait("Category", "Kernel")]
public sealed class SizeLeftToUserSpaceTests
{
    private const string Object = "loader_sized_zero.bpf.o";

    /// <summary>The possible CPUs' count as the kernel publishes it (its highest number + 1), read here on its own.</summary>
    private static uint PossibleCpus()
    {
        string text = File.ReadAllText("/sys/devices/system/cpu/possible").Trim();
        return text.Split(',').Select(r => uint.Parse(r.Split('-')[^1], System.Globalization.CultureInfo.InvariantCulture)).Max() + 1;
    }

    [Fact]
    public void Each_program_gets_libbpfs_outcome_and_only_the_user_of_the_unsized_hash_map_fails()
    {
        using var libbpf = new LibbpfEachReference();
        string path = TestObjects.Path(Object);
        var theirs = libbpf.LoadEach(path);
        using var ours = BpfObjectSpec.FromFile(path).LoadEach();

        Assert.Equal(["uses_hash", "uses_neither", "uses_perf"], theirs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(theirs.Where(t => t.Value.Result == 0).Select(t => t.Key).Order(StringComparer.Ordinal),
            ours.Object.Programs.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["uses_neither", "uses_perf"], ours.Object.Programs.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, program) in ours.Object.Programs)
            LibbpfReference.AssertSameXlated($"{Object}/{name}", program.Handle, theirs[name].Pinned);

        var error = Assert.IsType<BpfMapException>(Assert.Single(ours.ProgramErrors, e => e.Key == "uses_hash").Value);
        Assert.Equal("sized_later", error.MapName);
        Assert.Equal(22, error.Errno); // EINVAL, libbpf's answer too
        Assert.Equal(-22, theirs["uses_hash"].Result);
        Assert.Contains(Object, error.Message, StringComparison.Ordinal);
        Assert.Contains("MapSpec.MaxEntries", error.Message, StringComparison.Ordinal);
        Assert.Same(error, Assert.Single(ours.MapErrors).Value);
        Assert.Equal(PossibleCpus(), ours.Object.Map("events").MaxEntries);
        Assert.False(ours.IsComplete);
    }

    [Fact]
    public void Load_all_or_nothing_refuses_with_a_map_error_naming_object_and_map_and_leaks_nothing()
    {
        KernelGuard.RequireRoot();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path(Object));
        var before = FdSnapshot.Baseline();
        var e = Assert.Throws<BpfMapException>(() => spec.Load());
        Assert.Equal("sized_later", e.MapName);
        Assert.Contains(Object, e.Message, StringComparison.Ordinal);
        Assert.Contains("'sized_later'", e.Message, StringComparison.Ordinal);
        FdSnapshot.AssertSame(before, FdSnapshot.Take());
    }

    [Fact]
    public void Max_entries_set_before_load_sizes_the_map_and_every_program_loads()
    {
        KernelGuard.RequireRoot();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path(Object));
        Assert.Equal(0u, spec.Maps["sized_later"].MaxEntries);
        Assert.Equal(0u, spec.Maps["events"].MaxEntries);
        spec.Maps["sized_later"].MaxEntries = 8;
        spec.Maps["events"].MaxEntries = 1; // fewer slots than CPUs is the caller's choice

        using (var loaded = spec.LoadEach())
        {
            Assert.True(loaded.IsComplete, string.Join("; ", loaded.ProgramErrors.Select(e => $"{e.Key}: {e.Value.Message}")));
            Assert.Equal(8u, loaded.Object.Map("sized_later").MaxEntries);
            Assert.Equal(1u, loaded.Object.Map("events").MaxEntries);
        }
        using var obj = spec.Load();
        Assert.Equal(8u, obj.Map("sized_later").MaxEntries);
        var program = obj.Program("uses_hash");
        ulong arg = 3;
        Assert.Equal(1, program.TestRun(MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(ref arg))));
        Assert.Equal(2, program.TestRun(MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(ref arg))));
        Assert.True(obj.Map("sized_later").TryLookup(3u, out ulong count));
        Assert.Equal(2ul, count);
    }

    [Fact]
    public void Ebpf_load_json_reports_every_program_and_the_refused_map()
    {
        KernelGuard.RequireRoot();
        using var tool = new ToolProcess("load", TestObjects.Path(Object), "--json");
        Assert.True(tool.ExitCode == 1, $"exit {tool.ExitCode}\nstderr:\n{tool.Stderr}");
        using var doc = JsonDocument.Parse(string.Join('\n', tool.StdoutLines));
        var programs = doc.RootElement.GetProperty("programs").EnumerateArray()
            .ToDictionary(p => p.GetProperty("name").GetString()!, p => p.Clone());
        Assert.Equal(["uses_hash", "uses_neither", "uses_perf"], programs.Keys);
        Assert.False(programs["uses_hash"].GetProperty("loaded").GetBoolean());
        Assert.Contains("'sized_later'", programs["uses_hash"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(programs["uses_neither"].GetProperty("loaded").GetBoolean());
        Assert.True(programs["uses_perf"].GetProperty("loaded").GetBoolean());
        var maps = doc.RootElement.GetProperty("maps").EnumerateArray().ToDictionary(m => m.GetProperty("name").GetString()!, m => m.Clone());
        Assert.False(maps["sized_later"].GetProperty("created").GetBoolean());
        Assert.True(maps["events"].GetProperty("created").GetBoolean());
    }
}
