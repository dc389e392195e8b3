using Ebpf.KernelTests.Infrastructure;
using Ebpf.TestRuns;

namespace Ebpf.KernelTests.Maps;

/// <summary>Slots an object fills statically (<c>.values = { [i] = &amp;target }</c>) are filled at load, as libbpf
/// fills them: before, a tail call into such a slot fell through and the inner map was missing.</summary>
[Trait("Category", "Kernel")]
public sealed class StaticSlotsKernelTests
{
    [Fact]
    public void A_program_array_slot_holds_its_program_after_load()
    {
        KernelGuard.RequireRoot();
        using var obj = BpfObject.Load(TestObjects.Path("maps_static_slots.bpf.o"));
        Assert.True(obj.Map("static_jumps").TryGetProgramId(2, out uint id));
        Assert.Equal(obj.Program("slot_target").Id, id);
        Assert.Equal(3u, obj.Program("slot_entry").TestRun(new TestRunOptions { Data = MapTestObjects.Frame() }).ReturnValue);
    }

    [Fact]
    public void A_map_of_maps_slot_holds_its_inner_map_after_load()
    {
        KernelGuard.RequireRoot();
        using var obj = BpfObject.Load(TestObjects.Path("maps_static_slots.bpf.o"));
        var inner = obj.Map("static_inner");
        Assert.True(obj.Map("static_outer").TryGetInnerMapId(1u, out uint id));
        Assert.Equal(inner.Id, id);
        Assert.False(obj.Map("static_outer").TryGetInnerMapId(0u, out _));
        inner.Update(0u, 4242u);
        Assert.Equal(4242, obj.Program("slot_read").TestRun(new byte[8]));
    }

    [Fact]
    public void A_slot_whose_program_is_not_loaded_stays_empty()
    {
        KernelGuard.RequireRoot();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("maps_static_slots.bpf.o"));
        spec.Programs["slot_target"].AutoLoad = false;
        using var obj = spec.Load();
        Assert.False(obj.Map("static_jumps").TryGetProgramId(2, out _));
        Assert.Equal(1u, obj.Program("slot_entry").TestRun(new TestRunOptions { Data = MapTestObjects.Frame() }).ReturnValue);
    }
}
