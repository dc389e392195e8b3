using System.Runtime.InteropServices;
using Ebpf.Internal.Unix;
using Ebpf.KernelTests.Infrastructure;
using Ebpf.KernelTests.Networking;
using Ebpf.Links;
using Ebpf.Links.MultiProbe;

namespace Ebpf.KernelTests.Links;

/// <summary>Pin, reopen, describe, update and detach for the tracing link kinds, and the pin-path checks: a path off
/// bpffs, a bad name or a taken path is a typed error, and the link keeps working.</summary>
[Trait("Category", "Kernel")]
public sealed class LinkManagementTests
{
    private static readonly long GetPpid = RuntimeInformation.ProcessArchitecture == Architecture.Arm64 ? 173 : 110;

    private static void CallGetPpid(int times)
    {
        for (int i = 0; i < times; i++) Libc.Syscall(GetPpid, 0, 0, 0, 0, 0);
    }

    private static BpfObject LoadBasic()
    {
        KernelGuard.RequireRoot();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("loader_basic.bpf.o"));
        spec.SetVariable("target_pid", (uint)Environment.ProcessId);
        return spec.Load();
    }

    [Fact]
    public void Raw_tracepoint_link_pins_outlives_its_object_and_goes_with_its_pin()
    {
        using var obj = LoadBasic();
        using var bpffs = new PrivateBpfFs();
        var link = obj.Program("count_raw_tp").Attach();
        Assert.True(link.IsBpfLink);
        var info = link.GetInfo();
        Assert.Equal((BpfLinkType.RawTracepoint, obj.Program("count_raw_tp").Id), (info.Type, info.ProgramId));
        link.Pin(bpffs.Pin("raw"));
        Assert.Equal(bpffs.Pin("raw"), link.PinnedPath);
        link.Dispose();

        ulong before = obj.ReadVariable<ulong>("raw_tp_hits");
        CallGetPpid(10);
        Assert.True(obj.ReadVariable<ulong>("raw_tp_hits") >= before + 10, "the pinned link stopped counting");

        using var pinned = BpfLink.OpenPinned(bpffs.Pin("raw"));
        Assert.Equal(BpfLinkType.RawTracepoint, pinned.Type);
        Assert.Equal(info.Id, pinned.OpenedInfo.Id);
        Assert.Equal("count_raw_tp", pinned.ProgramName);
        var update = Assert.Throws<NotSupportedException>(() => pinned.Update(obj.Program("count_test_run")));
        Assert.Contains("cannot update this kind of link", update.Message, StringComparison.Ordinal);
        pinned.Unpin();
        pinned.Dispose();
        ulong after = obj.ReadVariable<ulong>("raw_tp_hits");
        CallGetPpid(10);
        Assert.Equal(after, obj.ReadVariable<ulong>("raw_tp_hits"));
    }

    [Fact]
    public void Tracepoint_perf_link_is_described_pinned_and_reopened()
    {
        using var obj = LoadBasic();
        using var bpffs = new PrivateBpfFs();
        using (var link = obj.Program("count_tp").Attach())
        {
            Assert.True(link.IsBpfLink);
            Assert.Equal(BpfLinkType.PerfEvent, link.GetInfo().Type);
            link.Pin(bpffs.Pin("tp"));
        }
        CallGetPpid(5);
        Assert.True(obj.ReadVariable<ulong>("tp_hits") >= 5);
        using var pinned = BpfLink.OpenPinned(bpffs.Pin("tp"));
        Assert.Equal(BpfLinkType.PerfEvent, pinned.Type);
        pinned.Unpin();
    }

    [Fact]
    public void Tp_btf_link_is_described_and_iterator_pins_are_readable()
    {
        KernelGuard.RequirePath(Ebpf.Btf.KernelBtf.DefaultPath, "kernel BTF");
        using var obj = BpfObject.Load(TestObjects.Path("loader_btf_attach.bpf.o"));
        using var bpffs = new PrivateBpfFs();
        // The kernel makes a raw tracepoint link for tp_btf (fentry/fexit get tracing links; they cannot run here).
        using (var link = obj.Program("count_syscall").Attach())
            Assert.Equal((BpfLinkType.RawTracepoint, obj.Program("count_syscall").Id), (link.GetInfo().Type, link.GetInfo().ProgramId));
        using (var iter = obj.Program("count_tasks").Attach())
        {
            iter.Pin(bpffs.Pin("tasks"));
            Assert.Equal(BpfLinkType.Iter, iter.GetInfo().Type);
        }
        _ = File.ReadAllBytes(bpffs.Pin("tasks")); // reading the pin runs the iterator
        Assert.True(obj.ReadVariable<ulong>("iter_calls") > 0);
        File.Delete(bpffs.Pin("tasks"));
    }

    private const string MultiTarget = """
        #define PROBED __attribute__((noinline)) unsigned long
        PROBED ebpf_multi_one(unsigned long x) { __asm__ volatile("" ::: "memory"); return x + 1; }
        PROBED ebpf_multi_two(unsigned long x) { __asm__ volatile("" ::: "memory"); return x + 2; }
        int main(void) { return (int)((ebpf_multi_one(1) + ebpf_multi_two(2)) & 1); }
        """;

    [Fact]
    public void Uprobe_multi_link_pins_and_is_described()
    {
        KernelGuard.RequireRoot();
        if (!UprobeMultiFeature.IsSupported) KernelGuard.Unavailable("this kernel has no uprobe.multi links (Linux 6.6+)");
        string target = NativeProgram.Build("link_multi_target", MultiTarget, "-O1");
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("multi_probes.bpf.o"));
        foreach (var p in spec.Programs.Values) p.AutoLoad = p.Name == "count_pattern";
        spec.Programs["count_pattern"].AttachTarget = $"{target}:ebpf_multi_*";
        using var obj = spec.Load();
        using var bpffs = new PrivateBpfFs();
        using (var link = obj.Program("count_pattern").Attach())
        {
            Assert.Equal(BpfLinkType.UprobeMulti, link.GetInfo().Type);
            link.Pin(bpffs.Pin("multi"));
        }
        NativeProgram.Run(target);
        Assert.Equal(2ul, obj.ReadVariable<ulong>("pattern_hits")); // still attached through the pin
        using (var pinned = BpfLink.OpenPinned(bpffs.Pin("multi")))
        {
            Assert.Equal(BpfLinkType.UprobeMulti, pinned.Type);
            Assert.Throws<NotSupportedException>(() => pinned.Update(obj.Program("count_pattern")));
            pinned.Unpin();
        }
        NativeProgram.Run(target);
        Assert.Equal(2ul, obj.ReadVariable<ulong>("pattern_hits"));
    }

    [Fact]
    public void Struct_ops_link_pins_is_described_and_detaches()
    {
        KernelGuard.RequireRoot();
        const string Available = "/proc/sys/net/ipv4/tcp_available_congestion_control";
        using var obj = BpfObject.Load(TestObjects.Path("struct_ops_cc.bpf.o"));
        using var bpffs = new PrivateBpfFs();
        using (var link = obj.AttachStructOps("ebpf_cc_link"))
        {
            Assert.Equal(BpfLinkType.StructOps, link.GetInfo().Type);
            link.Pin(bpffs.Pin("cc"));
        }
        Assert.Contains("ebpfnet_cc_link", File.ReadAllText(Available), StringComparison.Ordinal); // registered through the pin
        using (var pinned = BpfLink.OpenPinned(bpffs.Pin("cc")))
        {
            pinned.Detach();
            Assert.DoesNotContain("ebpfnet_cc_link", File.ReadAllText(Available), StringComparison.Ordinal);
            pinned.Unpin();
        }
    }

    [Fact]
    public void Pin_paths_off_bpffs_with_bad_names_or_taken_are_typed_errors_and_the_link_keeps_working()
    {
        using var obj = LoadBasic();
        using var bpffs = new PrivateBpfFs();
        using var link = obj.Program("count_raw_tp").Attach();
        string tmp = Path.Join(Path.GetTempPath(), $"ebpfnet-pin-{Guid.NewGuid():N}");

        var off = Assert.Throws<BpfAttachException>(() => link.Pin(tmp));
        Assert.Equal(("count_raw_tp", tmp), (off.ProgramName, off.Target));
        Assert.Contains("not on a BPF file system", off.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(tmp));

        var noDir = Assert.Throws<BpfAttachException>(() => link.Pin(Path.Join(bpffs.Path, "missing", "link")));
        Assert.Contains("does not exist", noDir.Message, StringComparison.Ordinal);

        var directory = Assert.Throws<BpfAttachException>(() => link.Pin(bpffs.Path + "/"));
        Assert.Contains("empty", directory.Message, StringComparison.Ordinal);

        link.Pin(bpffs.Pin("taken"));
        using var other = obj.Program("count_raw_tp").Attach();
        var taken = Assert.Throws<BpfAttachException>(() => other.Pin(bpffs.Pin("taken")));
        Assert.Equal(Errno.EEXIST, taken.Errno);
        Assert.Contains("taken", taken.Message, StringComparison.Ordinal);
        Assert.Null(other.PinnedPath);

        // A name from an object is one component under the directory, never a way out of it.
        var escape = Assert.Throws<BpfAttachException>(() => other.Pin(bpffs.Path, "../escape"));
        Assert.Contains("'/'", escape.Message, StringComparison.Ordinal);
        Assert.Throws<BpfAttachException>(() => other.Pin(bpffs.Path, ".."));
        other.Pin(bpffs.Path, "by_name");
        Assert.Equal(bpffs.Pin("by_name"), other.PinnedPath);
        other.Unpin();

        Assert.Throws<InvalidOperationException>(() => other.Unpin());
        ulong before = obj.ReadVariable<ulong>("raw_tp_hits");
        CallGetPpid(3);
        Assert.True(obj.ReadVariable<ulong>("raw_tp_hits") >= before + 6); // both links still count
        link.Unpin();
    }

    [Fact]
    public void Opening_a_pin_that_is_not_a_link_says_so()
    {
        using var obj = LoadBasic();
        using var bpffs = new PrivateBpfFs();
        obj.Map("counters").Pin(bpffs.Pin("map"));
        var notLink = Assert.Throws<BpfException>(() => BpfLink.OpenPinned(bpffs.Pin("map")));
        Assert.Contains("holds a pinned map, not a link", notLink.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<BpfException>(() => BpfLink.OpenPinned(bpffs.Pin("nothing")));
        Assert.Equal(Errno.ENOENT, missing.Errno);
        obj.Map("counters").Unpin();
    }

    [Fact]
    public void Attachments_that_are_not_links_refuse_pinning()
    {
        KernelGuard.RequireRoot();
        using var obj = BpfObject.Load(TestObjects.Path("loader_probes.bpf.o"));
        using var link = obj.Program("on_sample").AttachCpuClock();
        Assert.False(link.IsBpfLink);
        var e = Assert.Throws<NotSupportedException>(() => link.Pin("/sys/fs/bpf/never"));
        Assert.Contains("not a BPF link", e.Message, StringComparison.Ordinal);
        Assert.Throws<NotSupportedException>(() => link.Detach());
    }
}
