using Ebpf.KernelTests.Infrastructure;

namespace Ebpf.KernelTests.Maps;

/// <summary>Map-in-map: inner maps made from the outer map's inner template, set by map or descriptor, read by a program
/// through the outer map, read back as ids and opened by id.</summary>
[Trait("Category", "Kernel")]
public sealed class MapOfMapsKernelTests
{
    [Fact]
    public void A_program_reads_through_the_inner_map_user_space_set()
    {
        KernelGuard.RequireRoot();
        var spec = BpfObjectSpec.FromFile(TestObjects.Path("maps_features.bpf.o"));
        using var obj = spec.Load();
        var outer = obj.Map("outer");
        var read = obj.Program("read_inner");
        Assert.Equal(0xffff, read.TestRun(MapTestObjects.Args(0, 2)));

        using var inner = BpfMap.Create(spec.Maps["outer"].InnerMap!);
        inner.Update(2u, 777u);
        outer.SetInnerMap(0u, inner);
        Assert.Equal(777, read.TestRun(MapTestObjects.Args(0, 2)));
        Assert.Equal(0xffff, read.TestRun(MapTestObjects.Args(1, 2)));

        Assert.True(outer.TryGetInnerMapId(0u, out uint id));
        Assert.Equal(inner.Id, id);
        Assert.False(outer.TryGetInnerMapId(1u, out _));
        Assert.Null(outer.OpenInnerMap(1u));
        using (var opened = outer.OpenInnerMap(0u))
        {
            Assert.NotNull(opened);
            Assert.Equal(inner.Id, opened.Id);
            opened.Update(2u, 778u); // the same map: the program sees it
        }
        Assert.Equal(778, read.TestRun(MapTestObjects.Args(0, 2)));

        using var second = BpfMap.Create(spec.Maps["outer"].InnerMap!);
        second.Update(2u, 5u);
        outer.SetInnerMap(1u, second.Fd);
        Assert.Equal(5, read.TestRun(MapTestObjects.Args(1, 2)));
        Assert.True(outer.Delete(1u));
        Assert.Equal(0xffff, read.TestRun(MapTestObjects.Args(1, 2)));
    }

    [Fact]
    public void An_inner_map_of_another_shape_is_refused()
    {
        using var obj = MapTestObjects.LoadFeatures();
        using var wrong = BpfMap.Create(new MapSpec { Name = "wrong_inner", Type = BpfMapType.Hash, KeySize = 4, ValueSize = 4, MaxEntries = 4 });
        var e = Assert.ThrowsAny<BpfException>(() => obj.Map("outer").SetInnerMap(0u, wrong));
        Assert.Equal(22, e.Errno);
        Assert.Contains("map 'outer'", e.Message, StringComparison.Ordinal);
        Assert.Contains("inner template", e.Message, StringComparison.Ordinal);
        Assert.Throws<BpfMapException>(() => obj.Map("routes").SetInnerMap(0u, wrong));
    }

    [Fact]
    public void A_map_of_maps_made_in_code_takes_its_template_from_the_spec()
    {
        KernelGuard.RequireRoot();
        var innerSpec = new MapSpec { Name = "inner_t", Type = BpfMapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 2 };
        using var outer = BpfMap.Create(new MapSpec { Name = "by_name", Type = BpfMapType.HashOfMaps, KeySize = 8, ValueSize = 4, MaxEntries = 4, InnerMap = innerSpec });
        using var inner = BpfMap.Create(innerSpec);
        outer.SetInnerMap(0xabcdef12345ul, inner);
        Assert.True(outer.TryGetInnerMapId(0xabcdef12345ul, out uint id));
        Assert.Equal(inner.Id, id);
        var missing = Assert.Throws<BpfMapException>(() => BpfMap.Create(new MapSpec { Name = "no_template", Type = BpfMapType.ArrayOfMaps, KeySize = 4, ValueSize = 4, MaxEntries = 1 }));
        Assert.Contains("MapSpec.InnerMap", missing.Message, StringComparison.Ordinal);
    }
}
