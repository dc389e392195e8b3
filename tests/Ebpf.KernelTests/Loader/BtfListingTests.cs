using System.Diagnostics;
using System.Text.RegularExpressions;
using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

/// <summary>
/// <c>ebpf inspect</c>'s BTF listing against libbpf's (<c>bpftool btf dump file</c>): the same ids, kinds and names for
/// every type of every committed object, so the parser neither drops nor misreads a type (objects with externs
/// list one more, the VAR the loader appends as libbpf does).
/// </summary>
[Trait("Category", "Kernel")]
public sealed partial class BtfListingTests
{
    public static TheoryData<string> Objects() => DifferentialLibbpfTests.Objects();

    [Theory]
    [MemberData(nameof(Objects))]
    public void Type_ids_kinds_and_names_match_bpftool(string objectFile)
    {
        if (!File.Exists("/usr/sbin/bpftool") && !File.Exists("/usr/bin/bpftool"))
            KernelGuard.Unavailable("bpftool (Debian package bpftool) is needed for the libbpf side");
        string path = TestObjects.Path(objectFile);
        var theirs = BpftoolTypes(path);
        var ours = BpfObjectSpec.FromFile(path).DescribeBtfTypes()
            .Select(t => $"[{t.Id}] {t.Kind} '{(t.Name.Length > 0 ? t.Name : "(anon)")}'").ToList();
        Assert.True(theirs.Count > 10, $"bpftool listed only {theirs.Count} types of {objectFile}");
        Assert.Equal(theirs, ours.Take(theirs.Count));
        // Past the file's types, only what the loader appends for externs (as libbpf does): the dummy_ksym VAR.
        Assert.All(ours.Skip(theirs.Count), extra => Assert.EndsWith("VAR 'dummy_ksym'", extra, StringComparison.Ordinal));
    }

    private static List<string> BpftoolTypes(string path)
    {
        var psi = new ProcessStartInfo("bpftool", ["btf", "dump", "file", path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"bpftool btf dump file {path} failed: {error}");
        return [.. output.Split('\n').Select(l => TypeLine().Match(l)).Where(m => m.Success).Select(m => m.Value)];
    }

    [GeneratedRegex(@"^\[\d+\] [A-Z_0-9]+ '[^']*'")]
    private static partial Regex TypeLine();
}
