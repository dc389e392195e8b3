using Ebpf.Gen.Naming;

namespace Ebpf.Gen.Tests;

public sealed class NamingTests
{
    [Theory]
    [InlineData("trace_event_raw_sys_enter", "TraceEventRawSysEnter")]
    [InlineData("args_count", "ArgsCount")]
    [InlineData("TASK_RUNNING", "TaskRunning")]
    [InlineData("rxHash", "RxHash")]
    [InlineData("__u32", "U32")]
    [InlineData("_2nd", "_2nd")]
    [InlineData("x", "X")]
    [InlineData("IPv6", "IPv6")]
    [InlineData("__", "_")]
    [InlineData("btf.ext", "BtfExt")]
    public void PascalCase_without_underscores(string c, string expected) => Assert.Equal(expected, CSharpName.Pascal(c));

    [Fact]
    public void Keywords_are_escaped_and_names_checked()
    {
        Assert.Equal("@class", CSharpName.Escape("class"));
        Assert.Equal("Class", CSharpName.Pascal("class"));
        Assert.True(CSharpName.IsIdentifier("My.Name_Space", dotted: true));
        Assert.False(CSharpName.IsIdentifier("1abc"));
        Assert.False(CSharpName.IsIdentifier("int"));
        Assert.False(CSharpName.IsIdentifier("a-b"));
    }

    [Fact]
    public void Collisions_take_the_next_free_suffix_in_order()
    {
        var scope = new NameScope(["Event"]);
        Assert.Equal("Event2", scope.Claim("Event"));      // the enclosing type's name
        Assert.Equal("TopId", scope.Claim("TopId"));       // top_id
        Assert.Equal("TopId2", scope.Claim("TopId"));      // topId
        Assert.Equal("ToString2", scope.Claim("ToString")); // would hide object.ToString
        var outer = new NameScope(["Skeleton"]);
        outer.Claim("HalvesStruct");
        Assert.Equal("HalvesStruct2", new NameScope([]).ClaimAlsoFreeIn("HalvesStruct", outer)); // a nested type never shadows a top-level one
    }

    [Fact]
    public void Bad_options_are_refused_with_the_name()
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "objects", "gen_types.bpf.o"));
        Assert.Contains("'My-Class'", Assert.Throws<ArgumentException>(() => BindingGenerator.Generate(bytes, "x.o", new GenOptions { ClassName = "My-Class" })).Message, StringComparison.Ordinal);
        Assert.Contains("'1ns'", Assert.Throws<ArgumentException>(() => BindingGenerator.Generate(bytes, "x.o", new GenOptions { Namespace = "1ns" })).Message, StringComparison.Ordinal);
        var missing = Assert.Throws<KeyNotFoundException>(() => BindingGenerator.Generate(bytes, "x.o", new GenOptions { Types = ["gen_evnt"] }));
        Assert.Contains("gen_evnt", missing.Message, StringComparison.Ordinal);
        var similar = Assert.Throws<KeyNotFoundException>(() => BindingGenerator.Generate(bytes, "x.o", new GenOptions { Types = ["rich"] }));
        Assert.Contains("rich_value", similar.Message, StringComparison.Ordinal);
    }
}
