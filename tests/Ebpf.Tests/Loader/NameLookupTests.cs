namespace Ebpf.Tests.Loader;

/// <summary>Looking up a map, program or variable that an object does not have gives a typed error listing what it has;
/// TryGetValue and ContainsKey keep a dictionary's answers.</summary>
public sealed class NameLookupTests
{
    private static BpfObjectSpec Basic() => BpfObjectSpec.FromFile(TestObjectFiles.Path("loader_basic.bpf.o"));

    [Fact]
    public void A_missing_program_names_the_object_and_lists_the_programs()
    {
        var spec = Basic();
        var ex = Assert.Throws<BpfNameNotFoundException>(() => spec.Programs["typo"]);
        Assert.Equal(("loader_basic.bpf.o", "program", "typo"), (ex.ObjectName, ex.Kind, ex.Name));
        Assert.Equal(spec.Programs.Keys.Order(StringComparer.Ordinal), ex.Available);
        Assert.Contains("Object 'loader_basic.bpf.o' has no program 'typo'.", ex.Message, StringComparison.Ordinal);
        foreach (var name in spec.Programs.Keys) Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Assert.IsAssignableFrom<KeyNotFoundException>(ex); // code catching KeyNotFoundException keeps working
    }

    [Fact]
    public void A_missing_map_lists_the_maps_and_suggests_a_near_name()
    {
        var spec = Basic();
        var ex = Assert.Throws<BpfNameNotFoundException>(() => spec.Maps["counter"]);
        Assert.Equal("map", ex.Kind);
        Assert.Contains("Did you mean 'counters'?", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Maps: ", ex.Message, StringComparison.Ordinal);
        Assert.Contains(".rodata", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_variable_lists_the_variables()
    {
        var spec = Basic();
        var ex = Assert.Throws<BpfNameNotFoundException>(() => spec.GetVariable<uint>("target"));
        Assert.Equal("global variable", ex.Kind);
        Assert.Equal(spec.VariableNames, ex.Available);
        Assert.Contains("target_pid", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryGetValue_and_ContainsKey_answer_as_a_dictionary()
    {
        var spec = Basic();
        Assert.False(spec.Maps.TryGetValue("typo", out var none));
        Assert.Null(none);
        Assert.False(spec.Programs.ContainsKey("typo"));
        Assert.True(spec.Maps.TryGetValue("counters", out var counters));
        Assert.Same(counters, spec.Maps["counters"]);
        Assert.Equal(spec.Maps.Count, spec.Maps.Keys.Count());
        Assert.Throws<ArgumentNullException>(() => spec.Maps[null!]);
    }

    [Fact]
    public void An_object_with_nothing_of_a_kind_says_so()
    {
        var ex = new BpfNameNotFoundException("empty.bpf.o", "map", "x", []);
        Assert.Equal("Object 'empty.bpf.o' has no map 'x' (it has no maps at all).", ex.Message);
    }
}
