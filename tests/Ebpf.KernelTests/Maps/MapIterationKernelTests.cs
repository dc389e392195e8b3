using Ebpf.KernelTests.Infrastructure;
using Ebpf.Maps;

namespace Ebpf.KernelTests.Maps;

/// <summary>Walking real maps: every key once, deletion during the walk, per-CPU values through the span iterator.</summary>
[Trait("Category", "Kernel")]
public sealed class MapIterationKernelTests
{
    private static BpfMap Hash(uint entries)
    {
        KernelGuard.RequireRoot();
        return BpfMap.Create(new MapSpec { Name = "walk_hash", Type = BpfMapType.Hash, KeySize = 4, ValueSize = 8, MaxEntries = entries });
    }

    [Fact]
    public void Entries_and_keys_visit_every_element_once()
    {
        using var map = Hash(256);
        for (uint i = 0; i < 200; i++) map.Update(i, (ulong)i * 3);
        var seen = new Dictionary<uint, ulong>();
        foreach (var (key, value) in map.Entries<uint, ulong>()) Assert.True(seen.TryAdd(key, value), $"key {key} seen twice");
        Assert.Equal(200, seen.Count);
        Assert.All(seen, kv => Assert.Equal((ulong)kv.Key * 3, kv.Value));
        var keys = new List<uint>();
        foreach (var key in map.Keys<uint>()) keys.Add(key);
        Assert.Equal(seen.Keys.Order(), keys.Order());
    }

    [Fact]
    public void Deleting_during_the_walk_visits_each_key_once()
    {
        // A walk that asks GET_NEXT_KEY from a key it just deleted restarts at the hash map's first key.
        using var map = Hash(256);
        for (uint i = 0; i < 200; i++) map.Update(i, (ulong)i);
        var visits = new List<uint>();
        foreach (var (key, _) in map.Entries<uint, ulong>())
        {
            visits.Add(key);
            if (key % 3 != 0) Assert.True(map.Delete(key));
        }
        Assert.Equal(200, visits.Count);
        Assert.Equal(200, visits.Distinct().Count());
        int left = 0;
        foreach (var key in map.Keys<uint>())
        {
            Assert.Equal(0u, key % 3);
            left++;
        }
        Assert.Equal(67, left);
    }

    [Fact]
    public void The_span_iterator_reads_per_cpu_values_slot_by_slot()
    {
        KernelGuard.RequireRoot();
        using var map = BpfMap.Create(new MapSpec { Name = "walk_percpu", Type = BpfMapType.PerCpuHash, KeySize = 4, ValueSize = 4, MaxEntries = 8 });
        int cpus = BpfMap.PossibleCpuCount;
        Assert.Equal(8 * cpus, map.ValueBufferSize); // 4-byte values take 8-byte slots
        var values = Enumerable.Range(0, cpus).Select(c => (uint)(100 + c)).ToArray();
        map.UpdatePerCpu(5u, values);
        var iterator = map.Iterate();
        var key = new byte[4];
        var value = new byte[map.ValueBufferSize];
        Assert.True(iterator.TryNext(key, value));
        Assert.Equal(5u, BitConverter.ToUInt32(key));
        for (int c = 0; c < cpus; c++) Assert.Equal(100u + (uint)c, BitConverter.ToUInt32(value, c * 8));
        Assert.False(iterator.TryNext(key, value));
        Assert.Throws<BpfMapException>(() => map.Iterate().TryNext(key, new byte[4]));
    }

    [Fact]
    public void Arrays_walk_every_index()
    {
        KernelGuard.RequireRoot();
        using var map = BpfMap.Create(new MapSpec { Name = "walk_array", Type = BpfMapType.Array, KeySize = 4, ValueSize = 4, MaxEntries = 10 });
        map.Update(3u, 33u);
        var entries = new List<KeyValuePair<uint, uint>>();
        foreach (var entry in map.Entries<uint, uint>()) entries.Add(entry);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (uint)i), entries.Select(e => e.Key));
        Assert.Equal(33u, entries[3].Value);
    }

    [Fact]
    public void Walks_and_batches_into_caller_buffers_allocate_nothing_per_element()
    {
        using var map = Hash(512);
        for (uint i = 0; i < 400; i++) map.Update(i, (ulong)i);
        var keys = new uint[64];
        var values = new ulong[64];
        var iterator = map.Iterate();
        var key = new byte[4];
        var value = new byte[8];
        ulong Walk()
        {
            ulong sum = 0;
            foreach (var (k, v) in map.Entries<uint, ulong>()) sum += k + v;
            foreach (var k in map.Keys<uint>()) sum += k;
            return sum;
        }
        Walk(); // JIT and first-use costs
        long before = GC.GetAllocatedBytesForCurrentThread();
        ulong total = Walk();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(3ul * 399 * 400 / 2, total);

        var cursor = new MapBatchCursor();
        map.LookupBatch<uint, ulong>(cursor, keys, values); // binds the cursor (its one allocation)
        before = GC.GetAllocatedBytesForCurrentThread();
        int read = 0;
        while (!cursor.IsDone) read += map.LookupBatch<uint, ulong>(cursor, keys, values);
        while (iterator.TryNext(key, value)) read++;
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(read > 400);
    }
}
