using System.Reflection;
using System.Reflection.Emit;
using Ebpf.Perf;
using Ebpf.RingBuf;

namespace Ebpf.Tests.Reliability;

/// <summary>
/// The lost wake-up (aya#1598) cannot be made to happen on demand on x86, so the fence that prevents it is audited in the
/// compiled code: in the ring buffer's record walk (Ring.Walk, which Ring.Drain dispatches to), the release store of
/// consumer_pos made when the walk has caught up must be followed by a full fence
/// (Interlocked.MemoryBarrier) before producer_pos is read again; in the perf ring, the fence must precede the store of
/// data_tail. Volatile.Write alone is a plain mov on x86 and lets the later load pass the store.
/// </summary>
public sealed class WaitPathFenceTests
{
    [Fact]
    public void Ring_walk_fences_between_publishing_consumer_pos_and_rereading_producer_pos()
    {
        var calls = CallsIn(typeof(Ring), "Walk", generic: true);
        var fences = Enumerable.Range(0, calls.Count).Where(i => calls[i] == "Interlocked.MemoryBarrier").ToList();
        // Two places where the walk may be about to sleep: caught up (re-read producer_pos) and stopped at a record still
        // BUSY (re-read its header). Both are Dekker pairs with the kernel's commit, which writes and then reads consumer_pos.
        Assert.True(fences.Count == 2, "expected two Interlocked.MemoryBarrier in Ring.Walk: " + string.Join(", ", calls));
        Assert.All(fences, fence =>
        {
            Assert.Equal("Volatile.Write", calls[fence - 1]); // consumer_pos published right before the fence
            Assert.Equal("Volatile.Read", calls[fence + 1]);  // producer_pos or the header re-read right after it
        });
    }

    [Fact]
    public void Perf_ring_fences_before_storing_data_tail()
    {
        var calls = CallsIn(typeof(PerfRing), "DrainWith", generic: true);
        int fence = calls.LastIndexOf("Interlocked.MemoryBarrier");
        Assert.True(fence >= 0, "no Interlocked.MemoryBarrier in PerfRing.DrainWith: " + string.Join(", ", calls));
        // Every store of data_tail (the normal end of a drain, and the one after a handler threw) comes right after a fence.
        var stores = Enumerable.Range(0, calls.Count).Where(i => calls[i] == "Volatile.Write").ToList();
        Assert.NotEmpty(stores);
        Assert.All(stores, i => Assert.Equal("Interlocked.MemoryBarrier", i > 0 ? calls[i - 1] : null));
    }

    /// <summary>The methods called (Type.Name) by the named method, in IL order. Scans call/callvirt tokens.</summary>
    private static List<string> CallsIn(Type type, string name, bool generic)
    {
        var method = type.GetMethods(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
            .Single(m => m.Name == name && m.IsGenericMethodDefinition == generic);
        byte[] il = method.GetMethodBody()!.GetILAsByteArray()!;
        var result = new List<string>();
        for (int i = 0; i + 4 < il.Length; i++)
        {
            if (il[i] != OpCodes.Call.Value && il[i] != OpCodes.Callvirt.Value) continue;
            int token = BitConverter.ToInt32(il, i + 1);
            try
            {
                var callee = type.Module.ResolveMethod(token, type.GetGenericArguments(), method.GetGenericArguments());
                if (callee?.DeclaringType is { } d && (d == typeof(Interlocked) || d == typeof(Volatile)))
                {
                    result.Add($"{d.Name}.{callee.Name}");
                    i += 4;
                }
            }
            catch (ArgumentException) { }  // not a method token: a byte that merely looks like call
            catch (BadImageFormatException) { }
        }
        return result;
    }
}
