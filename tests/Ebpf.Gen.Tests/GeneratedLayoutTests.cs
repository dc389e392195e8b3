using Ebpf.Btf;
using Ebpf.Gen.Model;
using Ebpf.Gen.Tests.Infrastructure;

namespace Ebpf.Gen.Tests;

/// <summary>
/// Bindings for every object the project tests with and every object the CI's Debian packages ship, with every named
/// struct, union and enum of their BTF (kernel types reached through CO-RE included), compile without a diagnostic,
/// and every generated struct's size and member offsets are BTF's (<see cref="LayoutChecker"/>).
/// </summary>
public sealed class GeneratedLayoutTests(ITestOutputHelper output)
{
    /// <summary>Every struct, union and enum name in the object's BTF (the generator is asked for all of them).</summary>
    private static string[] AllNamedTypes(BtfSpec? btf) => btf is null ? [] :
        [.. btf.AllTypes.Where(t => t.Kind is BtfKind.Struct or BtfKind.Union or BtfKind.Enum or BtfKind.Enum64 && !t.IsAnonymous)
            .Select(t => t.Name).Distinct().Order(StringComparer.Ordinal)];

    private void GenerateCompileAndCheck(IReadOnlyList<string> files, string assemblyName)
    {
        var generated = new List<(string File, string Namespace, string Class, IReadOnlyList<GenType> Types)>();
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        var refused = new List<string>();
        for (int i = 0; i < files.Count; i++)
        {
            string file = files[i];
            byte[] bytes = File.ReadAllBytes(file);
            BpfObjectSpec spec;
            try
            {
                spec = BpfObjectSpec.FromBytes(bytes, Path.GetFileName(file));
            }
            catch (BpfObjectException e)
            {
                // An object the loader refuses to read is refused by the generator with the same error (never a compile error).
                var again = Assert.Throws<BpfObjectException>(() => BindingGenerator.Generate(bytes, Path.GetFileName(file)));
                Assert.Equal(e.Message, again.Message);
                refused.Add($"{Path.GetFileName(file)}: {e.Message.Split('\n')[0]}");
                continue;
            }
            string ns = $"Generated.O{i}";
            var (code, className, types) = BindingGenerator.GenerateWithModel(bytes, Path.GetFileName(file),
                new GenOptions { Namespace = ns, Types = AllNamedTypes(spec.Btf) });
            sources[file] = code;
            generated.Add((file, ns, className, types));
        }
        var assembly = GeneratedCode.Compile(assemblyName, sources);
        var checker = new LayoutChecker();
        foreach (var (file, ns, className, types) in generated)
            checker.CheckAll(assembly.GetType($"{ns}.{className}", throwOnError: true)!, types);
        output.WriteLine($"{generated.Count} objects compiled; {checker.Structs} structs, {checker.Fields} fields and {checker.Bitfields} bitfields match BTF; {checker.Skipped} members skipped with a reason");
        foreach (string reason in checker.SkipReasons.Distinct().Take(30)) output.WriteLine($"  skipped {reason}");
        foreach (string r in refused) output.WriteLine($"  refused {r}");
        Assert.True(checker.Structs > 0);
    }

    [Fact]
    public void The_projects_objects()
    {
        var files = Objects.Project();
        GenerateCompileAndCheck(files, "ProjectObjects");
    }

    public static TheoryData<string, string> Packages() => new(Objects.Packaged.Select(p => (p.Package, p.Pattern)));

    [Theory]
    [MemberData(nameof(Packages))]
    public void Objects_shipped_by_a_package(string package, string pattern) =>
        GenerateCompileAndCheck(Objects.FromPackage(package, pattern), "Packaged_" + Path.GetFileName(Path.GetDirectoryName(pattern)));

    [Fact]
    public void Kernel_types_from_the_running_kernels_btf()
    {
        const string vmlinux = "/sys/kernel/btf/vmlinux";
        if (!File.Exists(vmlinux))
        {
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)) Assert.Fail($"CI=true and {vmlinux} is missing.");
            Assert.Skip($"{vmlinux} is missing (a kernel without CONFIG_DEBUG_INFO_BTF)");
        }
        var btf = BtfSpec.LoadKernel();
        string[] names = ["task_struct", "sk_buff", "file", "inode", "mm_struct", "trace_event_raw_sys_enter", "bpf_map", "perf_event_attr", "sock"];
        var (code, types) = BindingGenerator.GenerateTypesWithModel(btf, names, "Kernel", "Generated.Kernel");
        var assembly = GeneratedCode.Compile("KernelTypes", new Dictionary<string, string> { ["vmlinux.g.cs"] = code });
        var checker = new LayoutChecker();
        checker.CheckAll(assembly.GetType("Generated.Kernel.Kernel", throwOnError: true)!, types);
        output.WriteLine($"{checker.Structs} kernel structs, {checker.Fields} fields, {checker.Bitfields} bitfields match BTF; {checker.Skipped} skipped");
        foreach (string reason in checker.SkipReasons.Distinct().Take(30)) output.WriteLine($"  skipped {reason}");
        Assert.True(checker.Structs > 50, $"only {checker.Structs} structs reached from {string.Join(", ", names)}");
    }
}
