using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Loader;

/// <summary>A loaded object's lookups (Maps[...], Programs[...], Map(), Program(), ReadVariable) throw the typed
/// not-found error listing what the object has.</summary>
[Trait("Category", "Kernel")]
public sealed class LoadedNameLookupTests
{
    [Fact]
    public void Every_lookup_of_a_missing_name_lists_the_names_that_exist()
    {
        KernelGuard.RequireRoot();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("loader_basic.bpf.o"));
        spec.Programs["count_tp"].AutoLoad = false;
        using var obj = spec.Load();

        var map = Assert.Throws<BpfNameNotFoundException>(() => obj.Maps["typo"]);
        Assert.Equal(obj.Maps.Keys.Order(StringComparer.Ordinal), map.Available);
        Assert.Equal(map.Message, Assert.Throws<BpfNameNotFoundException>(() => obj.Map("typo")).Message);

        var program = Assert.Throws<BpfNameNotFoundException>(() => obj.Programs["count_tp"]);
        Assert.Equal("loaded program", program.Kind);
        Assert.DoesNotContain("count_tp", program.Available); // not loaded: AutoLoad = false
        Assert.Equal(program.Message, Assert.Throws<BpfNameNotFoundException>(() => obj.Program("count_tp")).Message);

        var variable = Assert.Throws<BpfNameNotFoundException>(() => obj.ReadVariable<uint>("target_pi"));
        Assert.Contains("Did you mean 'target_pid'?", variable.Message, StringComparison.Ordinal);
        Assert.False(obj.Maps.ContainsKey("typo"));
        Assert.True(obj.Programs.TryGetValue("count_test_run", out _));
    }
}
