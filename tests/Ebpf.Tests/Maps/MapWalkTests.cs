using Ebpf.Maps;

namespace Ebpf.Tests.Maps;

/// <summary>The GET_NEXT_KEY walk against a map with the kernel's hash semantics (an absent key restarts the walk from
/// the first key): deleting during the walk neither repeats nor loses keys, keys deleted under the walk are skipped,
/// and a map changing faster than it can be walked stops the walk instead of looping.</summary>
public class MapWalkTests
{
    private static FakeKernelMap Filled(int entries)
    {
        var map = new FakeKernelMap(4, 8, (uint)entries);
        for (uint i = 0; i < entries; i++) map.Put(i, i * 10);
        return map;
    }

    private static List<(uint Key, ulong Value)> Walk(FakeKernelMap map, Action<uint>? onEach = null)
    {
        var state = new MapWalk.State();
        var current = new byte[4];
        var ahead = new byte[4];
        var key = new byte[4];
        var value = new byte[8];
        var seen = new List<(uint, ulong)>();
        while (MapWalk.Next(map, ref state, current, ahead, key, value))
        {
            uint k = BitConverter.ToUInt32(key);
            seen.Add((k, BitConverter.ToUInt64(value)));
            onEach?.Invoke(k);
        }
        return seen;
    }

    [Fact]
    public void A_walk_sees_every_entry_once()
    {
        var seen = Walk(Filled(12));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => ((uint)i, (ulong)i * 10)), seen);
    }

    [Fact]
    public void Deleting_the_current_key_during_the_walk_neither_repeats_nor_skips_keys()
    {
        var map = Filled(12);
        var seen = Walk(map, k => Assert.Equal(0, map.Delete(map.Key(k))));
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (uint)i), seen.Select(s => s.Key));
        Assert.Equal(0, map.Count);
    }

    [Fact]
    public void Deleting_every_other_key_during_the_walk_visits_each_key_once()
    {
        // A naive walk (GET_NEXT_KEY from the key just deleted) restarts from the first key here and sees keys twice.
        var map = Filled(12);
        var seen = Walk(map, k => { if (k % 2 == 0) map.Delete(map.Key(k)); });
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (uint)i), seen.Select(s => s.Key));
        Assert.Equal(6, map.Count);
    }

    [Fact]
    public void A_key_deleted_between_next_key_and_lookup_is_skipped()
    {
        var map = Filled(6);
        map.AfterNextKey = key =>
        {
            if (BitConverter.ToUInt32(key) == 3) map.Delete(key);
        };
        var seen = Walk(map);
        Assert.Equal([0u, 1u, 2u, 4u, 5u], seen.Select(s => s.Key));
    }

    [Fact]
    public void A_map_that_keeps_changing_under_the_walk_stops_it_with_a_typed_error()
    {
        // A writer that deletes every key the walk reads ahead and inserts a new one: the walk restarts forever.
        var map = Filled(4);
        uint next = 100;
        map.AfterNextKey = key =>
        {
            map.Delete(key);
            map.Put(next++, 0);
        };
        var e = Assert.Throws<BpfMapException>(() => Walk(map));
        Assert.Contains("max_entries", e.Message, StringComparison.Ordinal);
        Assert.Equal("fake", e.MapName);
    }

    [Fact]
    public void An_empty_map_ends_at_once()
    {
        Assert.Empty(Walk(new FakeKernelMap(4, 8, 4)));
    }
}
