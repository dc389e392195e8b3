using Ebpf.Linking;
using Ebpf.Links.MultiProbe;

namespace Ebpf.Tests.Links;

public sealed class MultiProbeSectionTests
{
    [Theory]
    [InlineData("kprobe.multi/vfs_*", BpfAttachType.TraceKprobeMulti, "vfs_*", false)]
    [InlineData("kretprobe.multi/do_*", BpfAttachType.TraceKprobeMulti, "do_*", false)]
    [InlineData("kprobe.session/bpf_fentry_test?", BpfAttachType.TraceKprobeSession, "bpf_fentry_test?", false)]
    [InlineData("uprobe.multi//bin/bash:read*", BpfAttachType.TraceUprobeMulti, "/bin/bash:read*", false)]
    [InlineData("uretprobe.multi/libc.so.6:malloc", BpfAttachType.TraceUprobeMulti, "libc.so.6:malloc", false)]
    [InlineData("uprobe.multi.s//bin/bash:readline", BpfAttachType.TraceUprobeMulti, "/bin/bash:readline", true)]
    [InlineData("uretprobe.multi.s//bin/bash:readline", BpfAttachType.TraceUprobeMulti, "/bin/bash:readline", true)]
    [InlineData("uprobe.multi", BpfAttachType.TraceUprobeMulti, null, false)]
    [InlineData("uprobe.session//bin/bash:readline", BpfAttachType.TraceUprobeSession, "/bin/bash:readline", false)]
    [InlineData("uprobe.session.s//bin/bash:read*", BpfAttachType.TraceUprobeSession, "/bin/bash:read*", true)]
    [InlineData("uprobe.session", BpfAttachType.TraceUprobeSession, null, false)]
    [InlineData("kprobe.multi", BpfAttachType.TraceKprobeMulti, null, false)]
    public void Classifies_libbpf_multi_probe_sections(string section, BpfAttachType attach, string? target, bool sleepable)
    {
        Assert.True(SectionTypes.TryClassify(section, out var type, out var a, out var t, out bool s));
        Assert.Equal(BpfProgramType.Kprobe, type);
        Assert.Equal(attach, a);
        Assert.Equal(target, t);
        Assert.Equal(sleepable, s);
    }

    [Theory]
    [InlineData("usdt//usr/bin/python3:python:function__entry", "/usr/bin/python3:python:function__entry", false)]
    [InlineData("usdt.s/libc.so.6:libc:setjmp", "libc.so.6:libc:setjmp", true)]
    [InlineData("usdt", null, false)]
    public void Classifies_usdt_sections_as_kprobe_programs(string section, string? target, bool sleepable)
    {
        Assert.True(SectionTypes.TryClassify(section, out var type, out var attach, out var t, out bool s));
        Assert.Equal(BpfProgramType.Kprobe, type);
        Assert.Equal((BpfAttachType)0, attach);
        Assert.Equal(target, t);
        Assert.Equal(sleepable, s);
    }

    [Theory]
    [InlineData("kprobe.multi/vfs_*", "vfs_*", false, false, false, null, "vfs_*")]
    [InlineData("kretprobe.multi/vfs_read", "vfs_read", false, true, false, null, "vfs_read")]
    [InlineData("kprobe.session/f*", "f*", false, false, true, null, "f*")]
    [InlineData("uprobe.multi//bin/bash:read*", "/bin/bash:read*", true, false, false, "/bin/bash", "read*")]
    [InlineData("uretprobe.multi.s/./prog:a:b", "./prog:a:b", true, true, false, "./prog", "a:b")]
    public void Parses_path_and_pattern(string section, string target, bool user, bool ret, bool session, string? path, string pattern)
    {
        Assert.Equal(new MultiProbeSection(user, ret, session, path, pattern), MultiProbeSection.Parse(section, target, "p"));
    }

    [Fact]
    public void Bare_sections_parse_to_null_and_malformed_targets_say_why()
    {
        Assert.Null(MultiProbeSection.Parse("uprobe.multi", null, "p"));
        Assert.Null(MultiProbeSection.Parse("kprobe.multi", null, "p"));
        foreach (var bad in new[] { "readline", ":readline", "/bin/bash:" })
        {
            var e = Assert.Throws<NotSupportedException>(() => MultiProbeSection.Parse("uprobe.multi/" + bad, bad, "prog"));
            Assert.Contains("PATH:PATTERN", e.Message, StringComparison.Ordinal);
            Assert.Contains("'prog'", e.Message, StringComparison.Ordinal);
        }
        Assert.Null(MultiProbeSection.KindOf("uprobe//bin/bash:readline"));
        Assert.Null(MultiProbeSection.KindOf("kprobe.multiple/x"));
        Assert.Throws<NotSupportedException>(() => MultiProbeSection.Parse("kprobe/f", "f", "p"));
    }

    [Theory]
    [InlineData("vfs_read", "vfs_read", true)]
    [InlineData("vfs_read", "vfs_*", true)]
    [InlineData("vfs_read", "*read", true)]
    [InlineData("vfs_read", "*", true)]
    [InlineData("", "*", true)]
    [InlineData("", "", true)]
    [InlineData("vfs_read", "", false)]
    [InlineData("vfs_read", "vfs_rea", false)]
    [InlineData("vfs_read", "vfs_read?", false)]
    [InlineData("vfs_read", "vfs_rea?", true)]
    [InlineData("vfs_read", "?fs_*d", true)]
    [InlineData("vfs_read", "v*s*r*e*a*d", true)]
    [InlineData("vfs_read", "v*x*", false)]
    [InlineData("aaa", "a*a*a*a", false)]
    [InlineData("abcabd", "*abd", true)]
    [InlineData("abcabd", "*ab?", true)]
    [InlineData("abcab", "*abd", false)]
    public void Glob_matches_like_libbpf(string text, string pattern, bool match)
    {
        Assert.Equal(match, GlobPattern.IsMatch(text, pattern));
    }

    [Fact]
    public void Glob_agrees_with_a_regular_expression_model()
    {
        var random = new Random(1234);
        const string alphabet = "ab*?";
        for (int i = 0; i < 5000; i++)
        {
            string pattern = new([.. Enumerable.Range(0, random.Next(0, 7)).Select(_ => alphabet[random.Next(alphabet.Length)])]);
            string text = new([.. Enumerable.Range(0, random.Next(0, 8)).Select(_ => "ab"[random.Next(2)])]);
            string regex = "^" + string.Concat(pattern.Select(c => c switch { '*' => ".*", '?' => ".", _ => c.ToString() })) + "$";
            Assert.True(System.Text.RegularExpressions.Regex.IsMatch(text, regex) == GlobPattern.IsMatch(text, pattern), $"'{text}' ~ '{pattern}'");
        }
    }

    [Fact]
    public void Kernel_function_lists_are_matched_by_pattern_once_each()
    {
        string dir = Directory.CreateTempSubdirectory("ebpf-kfuncs-").FullName;
        try
        {
            string filter = Path.Combine(dir, "available_filter_functions");
            File.WriteAllLines(filter, ["vfs_read", "vfs_write", "vfs_read", "do_unlinkat", "ext4_read [ext4]"]);
            Assert.Equal(["vfs_read", "vfs_write"], KernelFunctions.TryRead(filter, "vfs_*"));
            Assert.Equal(["ext4_read"], KernelFunctions.TryRead(filter, "ext4_*"));
            Assert.Null(KernelFunctions.TryRead(Path.Combine(dir, "absent"), "*"));

            string kallsyms = Path.Combine(dir, "kallsyms");
            File.WriteAllLines(kallsyms, ["ffffffff81000000 T vfs_read", "ffffffff81000010 t vfs_readv", "ffffffff81000020 D vfs_data",
                "ffffffff81000030 t __ftrace_invalid_address___64", "ffffffff81000040 t vfs_read"]);
            Assert.Equal(["vfs_read", "vfs_readv"], KernelFunctions.FromKallsyms(kallsyms, "vfs_*"));
            Assert.Empty(KernelFunctions.FromKallsyms(kallsyms, "__ftrace*"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("uprobe.session//bin/bash:read*")]
    [InlineData("uprobe.session.s//bin/bash:read*")]
    public void Uprobe_session_sections_attach_as_user_sessions_on_entry(string section)
    {
        Assert.NotNull(MultiProbeSection.KindOf(section));
        var parsed = MultiProbeSection.Parse(section, section[(section.IndexOf('/', StringComparison.Ordinal) + 1)..], "p");
        Assert.Equal(new MultiProbeSection(User: true, Return: false, Session: true, "/bin/bash", "read*"), parsed);
    }
}
