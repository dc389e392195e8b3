using Ebpf.Maps;

namespace Ebpf;

public sealed partial class BpfMap
{
    /// <summary>A walk over this map's keys and values into caller buffers (BPF_MAP_GET_NEXT_KEY then lookup), which
    /// survives deletions made during the walk; see <see cref="BpfMapIterator"/>.</summary>
    /// <exception cref="BpfMapException">The map has no keys (queue, stack, bloom filter, ring buffer).</exception>
    public BpfMapIterator Iterate()
    {
        RequireKeys("Iterate");
        return new BpfMapIterator(this);
    }

    /// <summary>The keys, for <c>foreach</c>, without allocation. Deleting the current key in the loop is safe.</summary>
    /// <exception cref="BpfMapException"><typeparamref name="TKey"/> is not <see cref="KeySize"/> bytes, or the map has no keys.</exception>
    public MapKeys<TKey> Keys<TKey>() where TKey : unmanaged
    {
        RequireKeys("Keys");
        MapChecks.Key(this, System.Runtime.CompilerServices.Unsafe.SizeOf<TKey>(), "BPF_MAP_GET_NEXT_KEY");
        return new MapKeys<TKey>(this);
    }

    /// <summary>The entries, for <c>foreach</c>, without allocation. Deleting the current entry in the loop is safe. For
    /// per-CPU maps use <see cref="Iterate"/> with a <see cref="ValueBufferSize"/> buffer, or <see cref="Keys{TKey}"/> and
    /// <see cref="TryLookupPerCpu{TKey, TValue}"/>.</summary>
    /// <exception cref="BpfMapException">The key or value type has the wrong size, or the map has no keys.</exception>
    public MapEntries<TKey, TValue> Entries<TKey, TValue>() where TKey : unmanaged where TValue : unmanaged
    {
        RequireKeys("Entries");
        MapChecks.Key(this, System.Runtime.CompilerServices.Unsafe.SizeOf<TKey>(), "BPF_MAP_GET_NEXT_KEY");
        MapChecks.Value(this, System.Runtime.CompilerServices.Unsafe.SizeOf<TValue>(), "BPF_MAP_LOOKUP_ELEM");
        return new MapEntries<TKey, TValue>(this);
    }

    private void RequireKeys(string action)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (KeySize == 0)
            throw new BpfMapException("BPF_MAP_GET_NEXT_KEY", 0, Name, $"Map '{Name}' is a {Type} map, which has no keys; {action} needs a map with keys (queues and stacks pop with TryPop).");
    }
}
