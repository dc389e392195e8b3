using Ebpf.Pinning;

namespace Ebpf.Tests.Pinning;

/// <summary>The entry names <c>ebpf attach --pin DIR</c> makes, checked before anything is attached or pinned: names come
/// from an object, so one that is not a single bpffs entry, or two that would share an entry, stop everything.</summary>
public sealed class PinDirectoryTests
{
    [Theory]
    [InlineData(".rodata", "_rodata")]
    [InlineData(".data.custom", "_data_custom")]
    [InlineData("counts", "counts")]
    [InlineData("my.map", "my_map")]
    public void Map_entries_replace_dots_as_libbpf_does(string map, string entry) => Assert.Equal(entry, PinDirectory.MapEntryName(map));

    [Fact]
    public void Entries_are_the_programs_then_the_maps()
    {
        var entries = PinDirectory.Entries("/sys/fs/bpf/app", ["xdp_drop", "cg_drop"], ["stats", ".bss"]);
        Assert.Equal(["xdp_drop", "cg_drop", "stats", "_bss"], entries.Select(e => e.Entry));
        Assert.Equal("map '.bss'", entries[^1].Subject);
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/b")]
    [InlineData("with.dot")]
    [InlineData("")]
    public void A_program_name_that_is_not_one_entry_is_refused(string program)
    {
        var e = Assert.Throws<BpfAttachException>(() => PinDirectory.Entries("/sys/fs/bpf/app", ["ok", program], []));
        Assert.Equal(program, e.ProgramName);
        Assert.Contains("/sys/fs/bpf/app", e.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was pinned", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../etc")]
    [InlineData("x/y")]
    public void A_map_name_that_is_not_one_entry_even_without_dots_is_refused(string map)
    {
        var e = Assert.Throws<BpfMapException>(() => PinDirectory.Entries("/sys/fs/bpf/app", ["p"], [map]));
        Assert.Equal(map, e.MapName);
        Assert.Contains("'/'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("stats", "stats")]
    [InlineData("a_b", "a.b")]
    public void Two_things_sharing_an_entry_are_refused(string program, string map)
    {
        var e = Assert.Throws<BpfAttachException>(() => PinDirectory.Entries("/sys/fs/bpf/app", [program], [map]));
        Assert.Contains($"program '{program}'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"map '{map}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Two_maps_that_differ_only_by_dot_and_underscore_are_refused()
    {
        var e = Assert.Throws<BpfAttachException>(() => PinDirectory.Entries("/d", [], ["x.y", "x_y"]));
        Assert.Contains("'x_y'", e.Message, StringComparison.Ordinal);
    }
}
