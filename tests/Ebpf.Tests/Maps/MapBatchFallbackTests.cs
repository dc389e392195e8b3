using CsCheck;
using Ebpf.Maps;

namespace Ebpf.Tests.Maps;

/// <summary>The batch commands' per-element fallback against a map with the kernel's semantics: where the kernel has no
/// batch (ENOTSUPP for the map type, EINVAL for an old kernel) the same calls give the same elements, counts and end as
/// the kernel's generic batch does; refusals are remembered; real element errors are not mistaken for refusals.</summary>
public class MapBatchFallbackTests
{
    private static FakeKernelMap Filled(int entries, FakeKernelMap.BatchMode mode, uint maxEntries = 64)
    {
        var map = new FakeKernelMap(4, 8, maxEntries, mode);
        for (uint i = 0; i < entries; i++) map.Put(100 + i, 1000 + i);
        return map;
    }

    /// <summary>Every (count, done, keys, values) a walk with buffers of <paramref name="buffer"/> elements returns.</summary>
    private static List<(int Count, bool Done, uint[] Keys, ulong[] Values)> Walk(FakeKernelMap map, int buffer, bool delete = false)
    {
        var cursor = new MapBatchCursor();
        var calls = new List<(int, bool, uint[], ulong[])>();
        for (int guard = 0; !cursor.IsDone; guard++)
        {
            Assert.True(guard < 1000, "the walk does not end");
            var keys = new uint[buffer];
            var values = new ulong[buffer];
            int n = MapBatch.Lookup(map, cursor, System.Runtime.InteropServices.MemoryMarshal.AsBytes(keys.AsSpan()),
                System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()), 0, delete);
            calls.Add((n, cursor.IsDone, keys[..n], values[..n]));
        }
        return calls;
    }

    [Theory]
    [InlineData(true)]  // ENOTSUPP: a map type without batch operations
    [InlineData(false)] // EINVAL: a kernel without the batch commands
    public void Without_kernel_batches_a_walk_returns_what_the_kernels_generic_batch_returns(bool typeWithoutBatch)
    {
        var refusal = typeWithoutBatch ? FakeKernelMap.BatchMode.NoBatchForType : FakeKernelMap.BatchMode.UnknownCommand;
        Gen.Select(Gen.Int[0, 20], Gen.Int[1, 8]).Sample((entries, buffer) =>
        {
            var expected = Walk(Filled(entries, FakeKernelMap.BatchMode.Generic), buffer);
            var fallback = Filled(entries, refusal);
            var actual = Walk(fallback, buffer);
            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Count, actual[i].Count);
                Assert.Equal(expected[i].Done, actual[i].Done);
                Assert.Equal(expected[i].Keys, actual[i].Keys);
                Assert.Equal(expected[i].Values, actual[i].Values);
            }
            Assert.True(fallback.BatchCalls <= 1, "the refusal is asked once, then remembered");
        });
    }

    [Fact]
    public void The_end_of_the_map_comes_with_the_last_elements_and_an_exact_fit_ends_with_an_empty_call()
    {
        // Ten elements in buffers of four: 4, 4, then 2 with the end (the kernel's ENOENT still returns its elements).
        var ten = Walk(Filled(10, FakeKernelMap.BatchMode.NoBatchForType), 4);
        Assert.Equal([(4, false), (4, false), (2, true)], ten.Select(c => (c.Count, c.Done)));
        // Eight in buffers of four: the end is only seen by a third call, which returns nothing.
        var eight = Walk(Filled(8, FakeKernelMap.BatchMode.NoBatchForType), 4);
        Assert.Equal([(4, false), (4, false), (0, true)], eight.Select(c => (c.Count, c.Done)));
        Assert.Equal(Enumerable.Range(100, 8).Select(i => (uint)i), eight.SelectMany(c => c.Keys));
    }

    [Fact]
    public void Lookup_and_delete_fallback_returns_each_element_once_and_empties_the_map()
    {
        var map = Filled(11, FakeKernelMap.BatchMode.NoBatchForType);
        var calls = Walk(map, 3, delete: true);
        Assert.Equal(Enumerable.Range(100, 11).Select(i => (uint)i), calls.SelectMany(c => c.Keys).Order());
        Assert.Equal(Enumerable.Range(1000, 11).Select(i => (ulong)i), calls.SelectMany(c => c.Values).Order());
        Assert.Equal(0, map.Count);
    }

    [Fact]
    public void A_refused_command_is_remembered_per_map()
    {
        var map = Filled(5, FakeKernelMap.BatchMode.NoBatchForType);
        Walk(map, 2);
        Walk(map, 2);
        Assert.Equal(1, map.BatchCalls);
        Assert.True(map.BatchSupport.HasFlag(MapBatchSupport.NoLookupBatch));
    }

    [Fact]
    public void Update_falls_back_element_by_element_and_reports_how_far_it_got()
    {
        var map = new FakeKernelMap(4, 8, 64, FakeKernelMap.BatchMode.NoBatchForType);
        uint[] keys = [1, 2, 3, 4, 5];
        ulong[] values = [10, 20, 30, 40, 50];
        Assert.Equal(5, MapBatch.Update(map, Bytes(keys), Bytes(values), 0));
        Assert.Equal(5, map.Count);

        // BPF_NOEXIST on a key that exists: the kernel's EEXIST after two elements; nothing after it is tried.
        map.Put(8, 80);
        var e = Assert.Throws<BpfException>(() => MapBatch.Update(map, Bytes([6u, 7u, 8u, 9u]), Bytes([60ul, 70ul, 80ul, 90ul]), 1));
        Assert.Equal(17, e.Errno);
        Assert.Contains("Element 2 of 4", e.Message, StringComparison.Ordinal);
        Assert.True(map.Contains(7) && !map.Contains(9));
    }

    [Fact]
    public void An_element_error_from_the_kernels_batch_is_not_taken_for_a_missing_batch()
    {
        // EINVAL from the first element (count 0 written back): a real error, not an old kernel. No fallback, no retry.
        var map = new FakeKernelMap(4, 8, 64) { FailUpdate = (0, 22) };
        var e = Assert.Throws<BpfException>(() => MapBatch.Update(map, Bytes([1u, 2u]), Bytes([1ul, 2ul]), 0));
        Assert.Equal(22, e.Errno);
        Assert.Equal(1, map.BatchCalls);
        Assert.Equal(MapBatchSupport.All, map.BatchSupport);
        Assert.Equal(0, map.Count);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Delete_stops_at_the_first_absent_key_as_the_kernel_does(bool kernelBatch)
    {
        var map = Filled(6, kernelBatch ? FakeKernelMap.BatchMode.Generic : FakeKernelMap.BatchMode.NoBatchForType); // keys 100..105
        int deleted = MapBatch.Delete(map, Bytes([100u, 101u, 999u, 102u]), 0);
        Assert.Equal(2, deleted);
        Assert.False(map.Contains(100) || map.Contains(101));
        Assert.True(map.Contains(102)); // after the absent key: not tried
    }

    [Fact]
    public void Buffers_that_are_not_whole_elements_are_refused_naming_the_map()
    {
        var map = Filled(3, FakeKernelMap.BatchMode.Generic);
        var e = Assert.Throws<BpfMapException>(() => MapBatch.Lookup(map, new MapBatchCursor(), new byte[10], new byte[16], 0, false));
        Assert.Equal("fake", e.MapName);
        Assert.Contains("4-byte keys", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<BpfMapException>(() => MapBatch.Update(map, new byte[8], new byte[8], 0));
        Assert.Contains("must be 16 bytes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cursor_belongs_to_one_map()
    {
        var first = Filled(3, FakeKernelMap.BatchMode.Generic);
        var second = Filled(3, FakeKernelMap.BatchMode.Generic);
        var cursor = new MapBatchCursor();
        MapBatch.Lookup(first, cursor, new byte[4], new byte[8], 0, false);
        Assert.Throws<BpfMapException>(() => MapBatch.Lookup(second, cursor, new byte[4], new byte[8], 0, false));
    }

    private static byte[] Bytes<T>(T[] values) where T : unmanaged => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
