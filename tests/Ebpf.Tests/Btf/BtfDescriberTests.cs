using Ebpf.Tests.Loader;

namespace Ebpf.Tests.Btf;

/// <summary>What <c>ebpf inspect</c> shows of an object's BTF and globals, checked against loader_basic.bpf.c's source.</summary>
public sealed class BtfDescriberTests
{
    private static BpfObjectSpec Basic() => BpfObjectSpec.FromFile(TestObjectFiles.Path("loader_basic.bpf.o"));

    [Fact]
    public void Global_variables_carry_section_offset_size_and_c_type()
    {
        var vars = Basic().GlobalVariables.ToDictionary(v => v.Name);
        Assert.Equal(new GlobalVariableInfo("increment", ".rodata", 0, 8, "const volatile __u64"), vars["increment"]);
        Assert.Equal(new GlobalVariableInfo("target_pid", ".rodata", 8, 4, "const volatile __u32"), vars["target_pid"]);
        Assert.Equal(".bss", vars["bss_counter"].Section);
        Assert.Equal("__u64", vars["bss_counter"].TypeName);
        Assert.Equal(".data", vars["data_marker"].Section);
    }

    [Fact]
    public void Types_are_listed_in_id_order_with_kind_name_and_members()
    {
        var types = Basic().DescribeBtfTypes();
        Assert.Equal(Enumerable.Range(1, types.Count).Select(i => (uint)i), types.Select(t => t.Id));
        var value = types.Single(t => t.Kind == "STRUCT" && t.Summary.StartsWith("size=16 vlen=3", StringComparison.Ordinal));
        Assert.Contains("__u32 a; __u32 b; __u64 c;", value.Summary, StringComparison.Ordinal);
        Assert.StartsWith("[", value.ToString(), StringComparison.Ordinal);
        Assert.Contains("'(anon)'", value.ToString(), StringComparison.Ordinal);
        var rodata = types.Single(t => t.Kind == "DATASEC" && t.Name == ".rodata");
        Assert.Contains("increment@0+8; target_pid@8+4;", rodata.Summary, StringComparison.Ordinal);
        var fn = types.Single(t => t.Kind == "FUNC" && t.Name == "count_tp");
        Assert.Contains("linkage=global", fn.Summary, StringComparison.Ordinal);
    }

    /// <summary>Each format BtfTypeInfo's documentation gives, checked on loader_basic.bpf.c's types (the ids vary
    /// with the compiler, so they are matched as numbers).</summary>
    [Theory]
    [InlineData("INT", "int", @"size=4 bits=32 signed")]
    [InlineData("INT", "unsigned int", @"size=4 bits=32")]
    [InlineData("TYPEDEF", "__u64", @"type_id=\d+ \(unsigned long long\)")]
    [InlineData("ARRAY", "", @"type_id=\d+ nr_elems=4 \(int\[4\]\)")]
    [InlineData("STRUCT", "", @"size=16 vlen=3 \{ __u32 a; __u32 b; __u64 c; \}")]
    [InlineData("DATASEC", ".rodata", @"size=12 vlen=2 \{ increment@0\+8; target_pid@8\+4; \}")]
    [InlineData("VAR", "target_pid", @"type_id=\d+ \(const volatile __u32\) linkage=global")]
    [InlineData("FUNC", "count_tp", @"type_id=\d+ \(int \(\*\)\(void \*\)\) linkage=global")]
    [InlineData("FUNC", "bump", @"type_id=\d+ \(__u64 \(\*\)\(__u32, __u64\)\) linkage=static")]
    [InlineData("FUNC_PROTO", "", @"int \(\*\)\(void \*\)")]
    [InlineData("PTR", "", @"type_id=\d+ \(__u64\)")]
    public void The_documented_summary_formats_are_what_is_printed(string kind, string name, string summary)
    {
        var types = Basic().DescribeBtfTypes();
        var regex = new System.Text.RegularExpressions.Regex("^" + summary + "$");
        Assert.Contains(types, t => t.Kind == kind && t.Name == name && regex.IsMatch(t.Summary));
        var line = types.First(t => t.Kind == kind && t.Name == name && regex.IsMatch(t.Summary)).ToString();
        Assert.Matches(@"^\[\d+\] " + kind + " '" + (name.Length > 0 ? System.Text.RegularExpressions.Regex.Escape(name) : @"\(anon\)") + "' ", line);
    }
}
