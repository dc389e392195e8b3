using Ebpf.KernelTests.Infrastructure;
using Ebpf.Maps;

namespace Ebpf.KernelTests.Maps;

/// <summary>Maps pinned in a private bpffs and opened by path: type, sizes, flags and name come back from the kernel;
/// what is not a map is refused; map info matches the creation.</summary>
[Trait("Category", "Kernel")]
public sealed class PinnedMapKernelTests
{
    [Fact]
    public void A_pinned_map_opens_with_its_kernel_shape_and_contents()
    {
        using var bpffs = new PrivateBpfFs();
        using (var created = BpfMap.Create(new MapSpec
        {
            Name = "pinned_shape", Type = BpfMapType.Hash, KeySize = 8, ValueSize = 16, MaxEntries = 33, Flags = (uint)BpfMapFlags.NoPrealloc,
        }))
        {
            created.Update(7ul, (1234ul, 5678ul));
            created.Pin(bpffs.Pin("shape"));
        }
        using var opened = BpfMap.OpenPinned(bpffs.Pin("shape"));
        Assert.Equal((BpfMapType.Hash, 8u, 16u, 33u, (uint)BpfMapFlags.NoPrealloc), (opened.Type, opened.KeySize, opened.ValueSize, opened.MaxEntries, opened.Flags));
        Assert.Equal("pinned_shape", opened.Name); // the kernel's name, not the pin's
        Assert.Equal(bpffs.Pin("shape"), opened.PinnedPath);
        Assert.Equal((1234ul, 5678ul), opened.Lookup<ulong, (ulong, ulong)>(7ul));

        var info = opened.GetInfo();
        Assert.Equal((BpfMapType.Hash, opened.Id, "pinned_shape", 8u, 16u, 33u, BpfMapFlags.NoPrealloc),
            (info.Type, info.Id, info.Name, info.KeySize, info.ValueSize, info.MaxEntries, info.Flags));
    }

    [Fact]
    public void A_name_the_kernel_cut_to_15_characters_is_taken_whole_from_the_pin()
    {
        using var bpffs = new PrivateBpfFs();
        using (var created = BpfMap.Create(new MapSpec { Name = "connection_counters", Type = BpfMapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 2 }))
            created.Pin(bpffs.Pin("connection_counters"));
        using var opened = BpfMap.OpenPinned(bpffs.Pin("connection_counters"));
        Assert.Equal("connection_counters", opened.Name);
        Assert.Equal("connection_coun", opened.GetInfo().Name);
    }

    [Fact]
    public void What_is_not_a_map_is_refused_naming_the_path()
    {
        using var bpffs = new PrivateBpfFs();
        using var obj = MapTestObjects.LoadFeatures();
        obj.Program("tail_pass").Pin(bpffs.Pin("a_program"));
        var before = FdSnapshot.TakeBpf();
        var e = Assert.Throws<BpfMapException>(() => BpfMap.OpenPinned(bpffs.Pin("a_program")));
        Assert.Contains(bpffs.Pin("a_program"), e.Message, StringComparison.Ordinal);
        Assert.Contains("not a map", e.Message, StringComparison.Ordinal);
        Assert.Equal(before, FdSnapshot.TakeBpf()); // the descriptor BPF_OBJ_GET opened is closed again
        Assert.Equal(2, Assert.ThrowsAny<BpfException>(() => BpfMap.OpenPinned(bpffs.Pin("nothing_here"))).Errno);
    }

    [Fact]
    public void Freezing_makes_a_map_read_only_for_user_space_only()
    {
        using var obj = MapTestObjects.LoadFeatures();
        var cells = obj.Map("per_cpu_slots");
        cells.Freeze();
        var e = Assert.ThrowsAny<BpfException>(() => cells.UpdatePerCpu<uint, Slot>(0u, new Slot[BpfMap.PossibleCpuCount]));
        Assert.Equal(1, e.Errno); // EPERM
        Assert.Contains("frozen", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, obj.Program("mark_cpu").TestRun(MapTestObjects.Args(1), 0)); // programs still write it
        Assert.Equal(1, Assert.ThrowsAny<BpfException>(cells.Freeze).Errno); // EPERM: a frozen map is not writable, not even to freeze
    }

    private readonly record struct Slot(uint Cpu, uint Marker, uint Runs);
}
