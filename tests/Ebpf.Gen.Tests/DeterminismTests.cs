using Ebpf.Btf;

namespace Ebpf.Gen.Tests;

/// <summary>The same object gives the same bytes, however often and in whatever order it is generated.</summary>
public sealed class DeterminismTests
{
    [Fact]
    public void Same_object_same_bytes()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "objects");
        foreach (string name in new[] { "gen_types.bpf.o", "loader_core_kernel.bpf.o", "unlinks.bpf.o" })
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(dir, name));
            var spec = BpfObjectSpec.FromBytes(bytes, name);
            string[] all = [.. spec.Btf!.AllTypes.Where(t => t.Kind is BtfKind.Struct or BtfKind.Union && !t.IsAnonymous).Select(t => t.Name).Distinct().Order(StringComparer.Ordinal)];
            var options = new GenOptions { Namespace = "D", Types = all };
            string first = BindingGenerator.Generate(bytes, name, options);
            string second = BindingGenerator.Generate(bytes.ToArray(), name, new GenOptions { Namespace = "D", Types = [.. all] });
            Assert.Equal(first, second);
            Assert.DoesNotContain("\r", first, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Another_object_or_option_changes_the_output()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "objects");
        byte[] bytes = File.ReadAllBytes(Path.Combine(dir, "gen_types.bpf.o"));
        string plain = BindingGenerator.Generate(bytes, "gen_types.bpf.o");
        Assert.NotEqual(plain, BindingGenerator.Generate(bytes, "gen_types.bpf.o", new GenOptions { Types = ["gen_event"] }));
        Assert.NotEqual(plain, BindingGenerator.Generate(bytes, "gen_types.bpf.o", new GenOptions { Namespace = "Other" }));
    }
}
