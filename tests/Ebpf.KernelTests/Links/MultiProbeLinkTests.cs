using Ebpf.KernelTests.Infrastructure;
using Ebpf.Links;
using Ebpf.Links.MultiProbe;

namespace Ebpf.KernelTests.Links;

/// <summary>uprobe.multi links on a small C program (counts per function through attach cookies), and kprobe.multi,
/// which this kernel (CONFIG_KPROBES off) must refuse with a typed error (multi_probes.bpf.o).</summary>
[Trait("Category", "Kernel")]
public sealed class MultiProbeLinkTests
{
    // one(i) is called once per round, two(i) twice, three(i) three times; other_function once and never matched.
    // With argv[2] == "wait" the program reads a line before it starts, so a test can attach to it by process id.
    private const string Source = """
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #define PROBED __attribute__((noinline)) unsigned long
        PROBED ebpf_multi_one(unsigned long x) { __asm__ volatile("" ::: "memory"); return x + 1; }
        PROBED ebpf_multi_two(unsigned long x) { __asm__ volatile("" ::: "memory"); return x + 2; }
        PROBED ebpf_multi_three(unsigned long x) { __asm__ volatile("" ::: "memory"); return x + 3; }
        PROBED other_function(unsigned long x) { __asm__ volatile("" ::: "memory"); return x + 4; }
        int main(int argc, char **argv)
        {
            int n = argc > 1 ? atoi(argv[1]) : 1;
            if (argc > 2 && strcmp(argv[2], "wait") == 0) { char line[8]; if (!fgets(line, sizeof line, stdin)) return 2; }
            unsigned long sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += ebpf_multi_one(i);
                for (int j = 0; j < 2; j++) sum += ebpf_multi_two(i);
                for (int j = 0; j < 3; j++) sum += ebpf_multi_three(i);
                sum += other_function(i);
            }
            return (int)(sum & 1);
        }
        """;

    private static readonly string[] Functions = ["ebpf_multi_one", "ebpf_multi_two", "ebpf_multi_three"];

    private static string Target() => NativeProgram.Build("multi_target", Source, "-O1");

    private static BpfObjectSpec Spec(string? only = null)
    {
        KernelGuard.RequireRoot();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("multi_probes.bpf.o"));
        if (only is not null)
            foreach (var p in spec.Programs.Values) p.AutoLoad = p.Name == only;
        return spec;
    }

    private static UprobeMultiTarget[] WithCookies() => [.. Functions.Select((f, i) => new UprobeMultiTarget(f, Cookie: (ulong)i))];

    private static void RequireUprobeMulti()
    {
        if (!UprobeMultiFeature.IsSupported) KernelGuard.Unavailable("this kernel has no uprobe.multi links (Linux 6.6+)");
    }

    [Fact]
    public void Uprobe_multi_counts_each_function_under_its_cookie_and_stops_on_dispose()
    {
        string target = Target();
        RequireUprobeMulti();
        using var obj = Spec("count_by_cookie").Load();
        using (var link = obj.Program("count_by_cookie").AttachUprobeMulti(target, WithCookies()))
        {
            Assert.Equal(Functions, link.Symbols);
            Assert.Equal([0ul, 1, 2], link.Cookies);
            Assert.Equal(3, link.Offsets.Distinct().Count());
            Assert.All(link.Offsets, o => Assert.NotEqual(0ul, o));
            NativeProgram.Run(target, "2");
            Assert.Equal([2ul, 4, 6, 0, 0, 0, 0, 0], Table(obj, "hits"));
        }
        NativeProgram.Run(target, "5");
        Assert.Equal([2ul, 4, 6, 0, 0, 0, 0, 0], Table(obj, "hits"));
    }

    [Fact]
    public void Uretprobe_multi_sees_each_function_return_its_value()
    {
        string target = Target();
        RequireUprobeMulti();
        using var obj = Spec("count_returns").Load();
        using var link = obj.Program("count_returns").AttachUprobeMulti(target, WithCookies(), returnProbe: true);
        Assert.True(link.IsReturnProbe);
        NativeProgram.Run(target, "3");
        Assert.Equal([3ul, 6, 9, 0, 0, 0, 0, 0], Table(obj, "returns"));
        // The last round is i = 2: one returns 3, two 4, three 5.
        Assert.Equal([3ul, 4, 5, 0, 0, 0, 0, 0], Table(obj, "last_return"));
    }

    [Fact]
    public void Section_pattern_attaches_every_matching_function_and_no_other()
    {
        string target = Target();
        RequireUprobeMulti();
        var spec = Spec("count_pattern");
        Assert.Equal(BpfAttachType.TraceUprobeMulti, spec.Programs["count_pattern"].ExpectedAttachType);
        Assert.Equal("placeholder:ebpf_multi_*", spec.Programs["count_pattern"].AttachTarget);
        spec.Programs["count_pattern"].AttachTarget = $"{target}:ebpf_multi_*";
        using var obj = spec.Load();
        using var link = Assert.IsType<UprobeMultiLink>(obj.Program("count_pattern").Attach());
        Assert.Equal(Functions.Order(StringComparer.Ordinal), link.Symbols.Order(StringComparer.Ordinal));
        NativeProgram.Run(target, "4");
        Assert.Equal(4ul * 6, obj.ReadVariable<ulong>("pattern_hits"));
    }

    [Fact]
    public void Uprobe_session_section_runs_the_program_on_entry_and_on_return()
    {
        string target = Target();
        RequireUprobeMulti();
        var spec = Spec("session_runs_twice");
        Assert.Equal(BpfAttachType.TraceUprobeSession, spec.Programs["session_runs_twice"].ExpectedAttachType);
        spec.Programs["session_runs_twice"].AttachTarget = $"{target}:ebpf_multi_one";
        using var obj = spec.Load();
        using (var link = Assert.IsType<UprobeMultiLink>(obj.Program("session_runs_twice").Attach()))
        {
            Assert.Equal(["ebpf_multi_one"], link.Symbols);
            NativeProgram.Run(target, "3");
            // ebpf_multi_one is called 3 times; each entry run returns 0, so the return runs too.
            Assert.Equal(6ul, obj.ReadVariable<ulong>("session_runs"));
        }
        NativeProgram.Run(target, "3");
        Assert.Equal(6ul, obj.ReadVariable<ulong>("session_runs"));
    }

    [Fact]
    public void Process_filter_counts_only_the_chosen_process()
    {
        string target = Target();
        RequireUprobeMulti();
        using var obj = Spec("count_by_cookie").Load();
        using var chosen = NativeProgram.Start(target, "1", "wait");
        using var link = obj.Program("count_by_cookie").AttachUprobeMulti(target, WithCookies(), processId: chosen.Id);
        Assert.Equal(chosen.Id, link.ProcessId);
        NativeProgram.Run(target, "7"); // another process: not counted
        chosen.StandardInput.WriteLine("go");
        chosen.StandardInput.Close();
        chosen.WaitForExit();
        Assert.Equal([1ul, 2, 3, 0, 0, 0, 0, 0], Table(obj, "hits"));
    }

    [Fact]
    public void Bad_targets_are_typed_errors_naming_program_and_target_and_leave_nothing_attached()
    {
        string target = Target();
        RequireUprobeMulti();
        using var obj = Spec("count_by_cookie").Load();
        var program = obj.Program("count_by_cookie");
        var before = FdSnapshot.TakeBpf();

        var missing = Assert.Throws<BpfException>(() => program.AttachUprobeMulti("/nonexistent/ebpf-binary", "f*"));
        Assert.Contains("count_by_cookie", missing.Message, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/ebpf-binary", missing.Message, StringComparison.Ordinal);

        var nothing = Assert.Throws<BpfException>(() => program.AttachUprobeMulti(target, "no_such_function_*"));
        Assert.Contains("'no_such_function_*' matches no function", nothing.Message, StringComparison.Ordinal);
        Assert.Contains("count_by_cookie", nothing.Message, StringComparison.Ordinal);

        var absent = Assert.Throws<BpfException>(() => program.AttachUprobeMulti(target, [new UprobeMultiTarget("ebpf_multi_one"), new UprobeMultiTarget("absent_function")]));
        Assert.Contains("'absent_function'", absent.Message, StringComparison.Ordinal);

        var noProcess = Assert.Throws<BpfException>(() => program.AttachUprobeMulti(target, WithCookies(), processId: int.MaxValue - 1));
        Assert.Equal(3, noProcess.Errno); // ESRCH
        Assert.Contains("count_by_cookie", noProcess.Message, StringComparison.Ordinal);

        Assert.Equal(before, FdSnapshot.TakeBpf());
        NativeProgram.Run(target, "1");
        Assert.Equal(new ulong[8], Table(obj, "hits"));
    }

    [Fact]
    public void Kprobe_multi_loads_and_attaching_names_what_the_kernel_lacks()
    {
        var spec = Spec();
        Assert.Equal(BpfAttachType.TraceKprobeMulti, spec.Programs["kernel_entry"].ExpectedAttachType);
        Assert.Equal(BpfAttachType.TraceKprobeMulti, spec.Programs["kernel_return"].ExpectedAttachType);
        using var obj = spec.Load();
        bool kprobes = Directory.Exists("/sys/bus/event_source/devices/kprobe");
        foreach (var name in new[] { "kernel_entry", "kernel_return" })
        {
            var program = obj.Program(name);
            var before = FdSnapshot.TakeBpf();
            try
            {
                using var link = Assert.IsType<KprobeMultiLink>(program.Attach());
                // A kernel with fprobe: the link works; unlink a file and see it counted.
                Assert.True(kprobes, "kprobe.multi attached on a kernel without kprobes");
                string path = Path.GetTempFileName();
                File.Delete(path);
                Assert.True(obj.ReadVariable<ulong>("kernel_hits") > 0);
            }
            catch (BpfFeatureNotSupportedException e)
            {
                Assert.Equal("kprobe.multi", e.Feature);
                Assert.Contains($"'{name}'", e.Message, StringComparison.Ordinal);
                Assert.Contains(kprobes ? "CONFIG_FPROBE" : "CONFIG_KPROBES", e.Message, StringComparison.Ordinal);
            }
            Assert.Equal(before, FdSnapshot.TakeBpf());
        }
        var none = Assert.Throws<BpfException>(() => obj.Program("kernel_entry").AttachKprobeMulti("ebpf_no_such_kernel_function_*"));
        Assert.Contains("matches no kernel function", none.Message, StringComparison.Ordinal);
        Assert.Contains("kernel_entry", none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Programs_of_other_kinds_are_refused_before_any_syscall()
    {
        string target = Target();
        using var obj = Spec().Load();
        var e = Assert.Throws<InvalidOperationException>(() => obj.Program("kernel_entry").AttachUprobeMulti(target, "ebpf_multi_*"));
        Assert.Contains("uprobe.multi", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => obj.Program("count_by_cookie").AttachKprobeMulti("do_unlinkat"));
    }

    private static ulong[] Table(BpfObject obj, string name)
    {
        var table = obj.ReadVariable<Hits>(name);
        return ((ReadOnlySpan<ulong>)table).ToArray();
    }

    [System.Runtime.CompilerServices.InlineArray(8)]
    private struct Hits
    {
        private ulong _first;
    }
}
