using Ebpf.KernelTests.Infrastructure;
using Ebpf.Maps;

namespace Ebpf.KernelTests.Maps;

/// <summary>Batch lookup, lookup-and-delete, update and delete on real maps: through the kernel's batch commands where the
/// map type has them, element by element where it does not, with the same results.</summary>
[Trait("Category", "Kernel")]
public sealed class MapBatchKernelTests
{
    private static BpfMap Create(BpfMapType type, uint entries, uint valueSize = 8, uint flags = 0, uint keySize = 4)
    {
        KernelGuard.RequireRoot();
        return BpfMap.Create(new MapSpec { Name = $"batch_{type}".ToLowerInvariant(), Type = type, KeySize = keySize, ValueSize = valueSize, MaxEntries = entries, Flags = flags });
    }

    private static Dictionary<uint, ulong> ReadAll(BpfMap map, int buffer)
    {
        var cursor = new MapBatchCursor();
        var keys = new uint[buffer];
        var values = new ulong[buffer];
        var all = new Dictionary<uint, ulong>();
        int calls = 0;
        while (!cursor.IsDone)
        {
            Assert.True(++calls < 10000, "the batch walk does not end");
            int n = map.LookupBatch<uint, ulong>(cursor, keys, values);
            for (int i = 0; i < n; i++) Assert.True(all.TryAdd(keys[i], values[i]), $"key {keys[i]} returned twice");
        }
        return all;
    }

    [Theory]
    [InlineData(BpfMapType.Hash)]
    [InlineData(BpfMapType.LruHash)]
    [InlineData(BpfMapType.Array)]
    public void Update_then_lookup_in_batches_returns_everything_once(BpfMapType type)
    {
        using var map = Create(type, 300);
        var keys = Enumerable.Range(0, 300).Select(i => (uint)i).ToArray();
        var values = keys.Select(k => (ulong)k * 7 + 1).ToArray();
        Assert.Equal(300, map.UpdateBatch<uint, ulong>(keys, values));
        // Hash maps hand out whole buckets (ENOSPC when one does not fit): their buffers start at 16.
        foreach (int buffer in type == BpfMapType.Array ? new[] { 1, 7, 64, 300, 512 } : new[] { 16, 64, 300, 512 })
        {
            var all = ReadAll(map, buffer);
            Assert.Equal(300, all.Count);
            Assert.All(all, kv => Assert.Equal((ulong)kv.Key * 7 + 1, kv.Value));
        }
        Assert.Equal(MapBatchSupport.All, ((IMapCommands)map).BatchSupport); // the kernel did these itself
    }

    [Fact]
    public void Lookup_and_delete_in_batches_empties_a_hash_map()
    {
        using var map = Create(BpfMapType.Hash, 128);
        for (uint i = 0; i < 100; i++) map.Update(i, (ulong)i);
        var cursor = new MapBatchCursor();
        var keys = new uint[16];
        var values = new ulong[16];
        var drained = new HashSet<uint>();
        while (!cursor.IsDone)
        {
            int n = map.LookupAndDeleteBatch<uint, ulong>(cursor, keys, values);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal((ulong)keys[i], values[i]);
                Assert.True(drained.Add(keys[i]));
            }
        }
        Assert.Equal(100, drained.Count);
        foreach (var _ in map.Keys<uint>()) Assert.Fail("the map should be empty");
    }

    [Fact]
    public void Delete_in_batches_stops_at_the_first_absent_key()
    {
        using var map = Create(BpfMapType.Hash, 16);
        for (uint i = 0; i < 8; i++) map.Update(i, 1ul);
        Assert.Equal(2, map.DeleteBatch<uint>([0u, 1u, 99u, 2u]));
        Assert.False(map.TryLookup(1u, out ulong _));
        Assert.True(map.TryLookup(2u, out ulong _));
    }

    [Fact]
    public void A_map_type_without_batches_gets_the_same_results_element_by_element()
    {
        // Program arrays have no batch lookup or delete in the kernel (BPF_DO_BATCH: ENOTSUPP): those go per element,
        // with the kernel's own walk semantics (empty slots are skipped, as its lookup of them says ENOENT).
        using var obj = MapTestObjects.LoadFeatures();
        using var map = Create(BpfMapType.ProgramArray, 8, valueSize: 4);
        var pass = obj.Program("tail_pass");
        var tx = obj.Program("tail_tx");
        Assert.Equal(3, map.UpdateBatch<uint, int>([1u, 4u, 6u], [pass.Fd, tx.Fd, pass.Fd]));
        var read = new Dictionary<uint, uint>();
        var cursor = new MapBatchCursor();
        var keys = new uint[2];
        var ids = new uint[2];
        while (!cursor.IsDone)
        {
            int n = map.LookupBatch<uint, uint>(cursor, keys, ids);
            for (int i = 0; i < n; i++) read.Add(keys[i], ids[i]);
        }
        Assert.Equal(new Dictionary<uint, uint> { [1] = pass.Id, [4] = tx.Id, [6] = pass.Id }, read);
        Assert.Equal(1, map.DeleteBatch<uint>([4u, 5u, 6u])); // stops at the empty slot 5
        Assert.False(map.TryGetProgramId(4, out _));
        Assert.True(map.TryGetProgramId(6, out _));
        var support = ((IMapCommands)map).BatchSupport;
        Assert.True(support.HasFlag(MapBatchSupport.NoLookupBatch) && support.HasFlag(MapBatchSupport.NoDeleteBatch),
            $"expected the kernel to refuse program array batches; support flags: {support}");
    }

    [Fact]
    public void Per_cpu_values_batch_with_one_slot_per_cpu()
    {
        using var map = Create(BpfMapType.PerCpuHash, 16);
        int cpus = BpfMap.PossibleCpuCount;
        var keys = new uint[] { 1, 2, 3 };
        var values = new ulong[keys.Length * cpus];
        for (int k = 0; k < keys.Length; k++)
            for (int c = 0; c < cpus; c++) values[k * cpus + c] = (ulong)(keys[k] * 1000 + c);
        Assert.Equal(3, map.UpdateBatch<uint, ulong>(keys, values));
        for (int k = 0; k < keys.Length; k++)
        {
            var perCpu = map.LookupPerCpu<uint, ulong>(keys[k]);
            Assert.Equal(Enumerable.Range(0, cpus).Select(c => (ulong)(keys[k] * 1000 + c)), perCpu);
        }
        var e = Assert.Throws<BpfMapException>(() => map.UpdateBatch<uint, ulong>(keys, new ulong[keys.Length]));
        Assert.Contains("one 8-byte-aligned slot per possible CPU", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hash_bucket_larger_than_the_buffers_is_a_typed_error()
    {
        // Two buckets (max_entries 2): two keys share one half the time. A one-element buffer cannot take that bucket,
        // and the kernel says ENOSPC without returning anything.
        for (uint second = 1; second < 64; second++)
        {
            using var map = Create(BpfMapType.Hash, 2);
            map.Update(0u, 0ul);
            map.Update(second, 0ul);
            var cursor = new MapBatchCursor();
            try
            {
                while (!cursor.IsDone) map.LookupBatch<uint, ulong>(cursor, new uint[1], new ulong[1]);
            }
            catch (BpfMapException e)
            {
                Assert.Equal(28, e.Errno);
                Assert.Contains("pass larger buffers", e.Message, StringComparison.Ordinal);
                Assert.Equal(2, ReadAll(map, 2).Count); // two fit
                return;
            }
        }
        Assert.Fail("no two keys out of 64 shared a bucket of a two-bucket hash map");
    }
}
