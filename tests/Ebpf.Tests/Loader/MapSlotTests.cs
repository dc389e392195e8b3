using Ebpf.Linking;

namespace Ebpf.Tests.Loader;

/// <summary>Static slots (<c>.values = { [i] = &amp;target }</c>) are read from .rel.maps into the map specs.</summary>
public class MapSlotTests
{
    [Fact]
    public void Static_slots_name_their_index_and_target()
    {
        var spec = BpfObjectSpec.FromFile(TestObjectFiles.Path("maps_static_slots.bpf.o"));
        Assert.Equal([new MapSlot(2, "slot_target")], spec.Maps["static_jumps"].InitialSlots);
        Assert.Equal([new MapSlot(1, "static_inner")], spec.Maps["static_outer"].InitialSlots);
        Assert.Empty(spec.Maps["static_inner"].InitialSlots);
        Assert.Empty(BpfObjectSpec.FromFile(TestObjectFiles.Path("maps_features.bpf.o")).Maps["jump_table"].InitialSlots);
    }
}
