using Ebpf.Pinning;

namespace Ebpf.Tests.Pinning;

/// <summary>The pin-name rule: one bpffs entry (no '/', no NUL, no '.', not empty, at most 255 bytes).</summary>
public sealed class PinNameTests
{
    [Theory]
    [InlineData("counts")]
    [InlineData("filter_ethernet")]
    [InlineData("a_name_longer_than_the_kernels_15_characters")]
    [InlineData("x")]
    public void Names_bpffs_accepts_pass(string name) => Assert.Null(PinName.Problem(name));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("../../../x/y", "'/'")]
    [InlineData("/etc/passwd", "'/'")]
    [InlineData("a/b", "'/'")]
    [InlineData(".", "directory")]
    [InlineData("..", "directory")]
    [InlineData(".rodata", "'.'")]
    [InlineData("nul\0byte", "NUL")]
    public void Names_that_are_not_one_bpffs_entry_fail_with_the_reason(string name, string reason)
    {
        string? problem = PinName.Problem(name);
        Assert.NotNull(problem);
        Assert.Contains(reason, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_limit_is_255_bytes_of_utf8_not_255_characters()
    {
        Assert.Null(PinName.Problem(new string('a', 255)));
        Assert.Contains("256 bytes", PinName.Problem(new string('a', 256)), StringComparison.Ordinal);
        Assert.Contains("256 bytes", PinName.Problem(new string('é', 128)), StringComparison.Ordinal); // 2 bytes each
    }

    [Fact]
    public void A_map_pin_path_is_the_root_and_the_name_or_an_error_naming_object_and_map()
    {
        Assert.Equal("/sys/fs/bpf/app/counts", PinName.MapPinPath("/sys/fs/bpf/app/", "o.bpf.o", "counts"));
        var ex = Assert.Throws<BpfObjectException>(() => PinName.MapPinPath("/sys/fs/bpf", "evil.bpf.o", "../../../tmp/x"));
        Assert.Equal("evil.bpf.o", ex.ObjectName);
        Assert.Contains("map '../../../tmp/x'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Control_characters_in_a_name_are_escaped_in_messages()
    {
        var ex = Assert.Throws<BpfObjectException>(() => PinName.Check("o.bpf.o", "a\nforged line/x"));
        Assert.DoesNotContain("\n", ex.Message, StringComparison.Ordinal);
        Assert.Contains("a\\x0aforged line/x", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_explicit_pin_path_is_checked_on_its_last_component()
    {
        PinName.CheckPath("/sys/fs/bpf/dir.with.dots/ok", "map 'm'"); // directories are the caller's choice
        Assert.Throws<ArgumentException>(() => PinName.CheckPath("/sys/fs/bpf/not.ok", "map 'm'"));
        Assert.Throws<ArgumentException>(() => PinName.CheckPath("/sys/fs/bpf/", "map 'm'"));
    }
}
