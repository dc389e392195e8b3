using Ebpf.Links;

namespace Ebpf.Tests.Links;

public sealed class ProbeTargetTests
{
    [Theory]
    [InlineData("kprobe/do_unlinkat", "do_unlinkat", false, false, null, "do_unlinkat", 0ul)]
    [InlineData("kprobe/do_unlinkat+16", "do_unlinkat+16", false, false, null, "do_unlinkat", 16ul)]
    [InlineData("kprobe/do_unlinkat+0x10", "do_unlinkat+0x10", false, false, null, "do_unlinkat", 16ul)]
    [InlineData("kretprobe/do_unlinkat", "do_unlinkat", false, true, null, "do_unlinkat", 0ul)]
    [InlineData("uprobe//bin/bash:readline", "/bin/bash:readline", true, false, "/bin/bash", "readline", 0ul)]
    [InlineData("uretprobe//bin/bash:readline", "/bin/bash:readline", true, true, "/bin/bash", "readline", 0ul)]
    [InlineData("uprobe.s//usr/lib/libc.so.6:malloc+4", "/usr/lib/libc.so.6:malloc+4", true, false, "/usr/lib/libc.so.6", "malloc", 4ul)]
    [InlineData("uprobe/libc.so.6:0x1234", "libc.so.6:0x1234", true, false, "libc.so.6", null, 0x1234ul)]
    public void Parses_libbpf_forms(string section, string target, bool user, bool ret, string? path, string? function, ulong offset)
    {
        var t = ProbeTarget.Parse(section, target, "p");
        Assert.NotNull(t);
        Assert.Equal(new ProbeTarget(user, ret, path, function, offset), t.Value);
    }

    [Fact]
    public void Ksyscall_gets_the_architecture_prefix()
    {
        var t = ProbeTarget.Parse("ksyscall/unlinkat", "unlinkat", "p")!.Value;
        Assert.EndsWith("_sys_unlinkat", t.Function, StringComparison.Ordinal);
        Assert.StartsWith("__", t.Function, StringComparison.Ordinal);
    }

    [Fact]
    public void No_target_is_null_and_malformed_targets_say_why()
    {
        Assert.Null(ProbeTarget.Parse("kprobe", null, "p"));
        Assert.Null(ProbeTarget.Parse("uprobe", null, "p"));
        Assert.Contains("PATH:SYMBOL", Assert.Throws<NotSupportedException>(() => ProbeTarget.Parse("uprobe/readline", "readline", "p")).Message, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(() => ProbeTarget.Parse("kprobe/f+x", "f+x", "p"));
        Assert.Throws<NotSupportedException>(() => ProbeTarget.Parse("kretprobe/f+4", "f+4", "p"));
        Assert.Contains("usdt", Assert.Throws<NotSupportedException>(() => ProbeTarget.Parse("usdt/x:y:z", "x:y:z", "p")).Message, StringComparison.Ordinal);
    }
}
