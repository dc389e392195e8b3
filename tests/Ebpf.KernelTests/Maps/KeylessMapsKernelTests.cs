using Ebpf.KernelTests.Infrastructure;
using Ebpf.Maps;

namespace Ebpf.KernelTests.Maps;

/// <summary>Queue, stack and bloom filter maps, filled and read from both sides.</summary>
[Trait("Category", "Kernel")]
public sealed class KeylessMapsKernelTests
{
    [Fact]
    public void A_queue_pops_in_order_and_a_stack_in_reverse_what_a_program_pushed()
    {
        using var obj = MapTestObjects.LoadFeatures();
        var push = obj.Program("push_both");
        foreach (ulong v in new ulong[] { 10, 20, 30 }) Assert.Equal(0, push.TestRun(MapTestObjects.Args(v)));
        var fifo = obj.Map("fifo");
        var lifo = obj.Map("lifo");
        Assert.Equal(0u, fifo.KeySize);

        Assert.True(fifo.TryPeek(out ulong head));
        Assert.Equal(10ul, head);
        var popped = new List<ulong>();
        while (fifo.TryPop(out ulong v)) popped.Add(v);
        Assert.Equal([10ul, 20ul, 30ul], popped);
        popped.Clear();
        while (lifo.TryPop(out ulong v)) popped.Add(v);
        Assert.Equal([30ul, 20ul, 10ul], popped);
        Assert.False(fifo.TryPeek(out ulong _));
    }

    [Fact]
    public void A_full_queue_refuses_a_push_unless_told_to_drop_the_oldest()
    {
        using var obj = MapTestObjects.LoadFeatures();
        var fifo = obj.Map("fifo");
        for (ulong i = 0; i < fifo.MaxEntries; i++) fifo.Push(i);
        var full = Assert.Throws<BpfMapException>(() => fifo.Push(100ul));
        Assert.Equal(7, full.Errno); // E2BIG
        Assert.Contains("'fifo' is full", full.Message, StringComparison.Ordinal);
        Assert.Equal(1, obj.Program("push_both").TestRun(MapTestObjects.Args(5)) & 1); // the program finds it full too
        fifo.Push(100ul, flags: 2); // BPF_EXIST: drops the oldest
        Assert.True(fifo.TryPop(out ulong oldest));
        Assert.Equal(1ul, oldest);
    }

    [Fact]
    public void A_bloom_filter_answers_user_space_and_programs_alike()
    {
        using var obj = MapTestObjects.LoadFeatures();
        var seen = obj.Map("seen");
        var check = obj.Program("bloom_check");
        Assert.Equal(3ul, seen.GetInfo().MapExtra); // three hash functions, from the object's map_extra
        Assert.False(seen.MayContain(42u));
        Assert.Equal(0, check.TestRun(MapTestObjects.Args(42)));
        seen.Push(42u);
        seen.Push(7u);
        Assert.True(seen.MayContain(42u));
        Assert.True(seen.MayContain(7u));
        Assert.Equal(1, check.TestRun(MapTestObjects.Args(42)));
        Assert.Equal(1, check.TestRun(MapTestObjects.Args(7)));
    }

    [Fact]
    public void Keyless_operations_on_keyed_maps_and_the_reverse_are_refused_naming_the_map()
    {
        using var obj = MapTestObjects.LoadFeatures();
        var routes = obj.Map("routes");
        var push = Assert.Throws<BpfMapException>(() => routes.Push(1u));
        Assert.Equal("routes", push.MapName);
        Assert.Contains("needs a Queue, Stack or BloomFilter map", push.Message, StringComparison.Ordinal);
        Assert.Throws<BpfMapException>(() => obj.Map("seen").TryPop(out uint _));
        Assert.Throws<BpfMapException>(() => obj.Map("fifo").MayContain(1ul));
        Assert.Throws<BpfMapException>(() => obj.Map("fifo").Keys<uint>());
        var size = Assert.Throws<BpfMapException>(() => obj.Map("fifo").Push(1u)); // 4 bytes into an 8-byte queue
        Assert.Contains("8-byte values", size.Message, StringComparison.Ordinal);
    }
}
