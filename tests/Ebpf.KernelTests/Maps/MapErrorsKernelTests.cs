using Ebpf.KernelTests.Infrastructure;
using Ebpf.Maps;

namespace Ebpf.KernelTests.Maps;

/// <summary>Bad input to real maps: wrong key and value sizes, operations the map's type does not have, buffers too
/// small; each a BpfMapException naming the map and what it expects, raised before the kernel is asked, with no
/// descriptor left behind.</summary>
[Trait("Category", "Kernel")]
public sealed class MapErrorsKernelTests
{
    private static BpfMap Hash()
    {
        KernelGuard.RequireRoot();
        return BpfMap.Create(new MapSpec { Name = "strict", Type = BpfMapType.Hash, KeySize = 4, ValueSize = 8, MaxEntries = 4 });
    }

    [Fact]
    public void Wrong_sizes_name_the_map_and_the_sizes_it_takes()
    {
        using var map = Hash();
        var key = Assert.Throws<BpfMapException>(() => map.Update(1ul, 1ul));
        Assert.Equal(("strict", "BPF_MAP_UPDATE_ELEM"), (key.MapName, key.Operation));
        Assert.Contains("4-byte keys; got 8 bytes", key.Message, StringComparison.Ordinal);
        var value = Assert.Throws<BpfMapException>(() => map.Update(1u, 1u));
        Assert.Contains("8-byte values; got 4 bytes", value.Message, StringComparison.Ordinal);
        Assert.Throws<BpfMapException>(() => map.TryLookup(stackalloc byte[4], stackalloc byte[7]));
        Assert.Throws<BpfMapException>(() => map.Delete(1ul));
        Assert.Throws<BpfMapException>(() => map.Keys<ulong>());
        Assert.Throws<BpfMapException>(() => map.Entries<uint, uint>());
        Assert.Throws<BpfMapException>(() => map.TryGetNextKey(default, new byte[3]));
    }

    [Fact]
    public void Operations_of_other_map_types_name_the_types_that_have_them()
    {
        using var map = Hash();
        var push = Assert.Throws<BpfMapException>(() => map.Push(1ul));
        Assert.Contains("'strict' is a Hash map; Push needs a Queue, Stack or BloomFilter map", push.Message, StringComparison.Ordinal);
        Assert.Throws<BpfMapException>(() => map.TryPop(out ulong _));
        Assert.Throws<BpfMapException>(() => map.SetCpu(0, 16));
        Assert.Throws<BpfMapException>(() => map.SetDevice(0, 1));
        Assert.Throws<BpfMapException>(() => map.TryGetInnerMapId(0u, out _));
        Assert.Throws<BpfMapException>(() => map.LookupPerCpu<uint, ulong>(0u));
        using var array = BpfMap.Create(new MapSpec { Name = "cells", Type = BpfMapType.Array, KeySize = 4, ValueSize = 8, MaxEntries = 4 });
        Assert.Contains("cannot be deleted", Assert.Throws<BpfMapException>(() => array.Delete(0u)).Message, StringComparison.Ordinal);
        Assert.Throws<BpfMapException>(() => array.TryLookupAndDelete(0u, out ulong _));
        Assert.Throws<BpfMapException>(() => array.LookupAndDeleteBatch<uint, ulong>(new MapBatchCursor(), new uint[2], new ulong[2]));
    }

    [Fact]
    public void Mismatched_batch_buffers_and_a_foreign_cursor_are_refused()
    {
        using var map = Hash();
        var e = Assert.Throws<BpfMapException>(() => map.LookupBatch<uint, ulong>(new MapBatchCursor(), new uint[4], new ulong[3]));
        Assert.Contains("must be 32 bytes", e.Message, StringComparison.Ordinal);
        Assert.Throws<BpfMapException>(() => map.UpdateBatch<uint, uint>([1u], [1u]));
        using var other = Hash();
        var cursor = new MapBatchCursor();
        map.LookupBatch<uint, ulong>(cursor, new uint[4], new ulong[4]);
        Assert.Throws<BpfMapException>(() => other.LookupBatch<uint, ulong>(cursor, new uint[4], new ulong[4]));
    }

    [Fact]
    public void Kernel_refusals_name_the_map_and_say_why()
    {
        using var map = Hash();
        map.Update(1u, 1ul);
        var exists = Assert.ThrowsAny<BpfException>(() => map.Update(1u, 2ul, flags: 1));
        Assert.Equal(17, exists.Errno);
        Assert.Contains("map 'strict'", exists.Message, StringComparison.Ordinal);
        Assert.Contains("BPF_NOEXIST", exists.Message, StringComparison.Ordinal);
        for (uint i = 2; i <= 4; i++) map.Update(i, 0ul);
        var full = Assert.ThrowsAny<BpfException>(() => map.Update(5u, 0ul));
        Assert.Equal(7, full.Errno); // E2BIG
        Assert.Contains("full", full.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<BpfMapException>(() => map.Lookup<uint, ulong>(9u));
        Assert.Equal((2, "strict"), (missing.Errno, missing.MapName));
    }

    [Fact]
    public void Refusals_leave_no_descriptor_behind()
    {
        KernelGuard.RequireRoot();
        var before = FdSnapshot.TakeBpf();
        Assert.Throws<BpfMapException>(() => BpfMap.Create(new MapSpec { Name = "oom", Type = BpfMapType.HashOfMaps, KeySize = 4, ValueSize = 4, MaxEntries = 1 }));
        // The inner template is created, then the kernel refuses the outer map (map-in-map values are 4-byte fds):
        // the template's descriptor must be closed too.
        Assert.Equal(22, Assert.ThrowsAny<BpfException>(() => BpfMap.Create(new MapSpec
        {
            Name = "bad_outer", Type = BpfMapType.ArrayOfMaps, KeySize = 4, ValueSize = 8, MaxEntries = 1,
            InnerMap = new MapSpec { Name = "inner", Type = BpfMapType.Array, KeySize = 4, ValueSize = 4, MaxEntries = 1 },
        })).Errno);
        Assert.Equal(before, FdSnapshot.TakeBpf());
    }
}
