using System.Runtime.CompilerServices;

namespace Ebpf.Maps;

/// <summary>
/// A map with its key and value types: what a generated skeleton hands out for a map whose BTF gives them. The sizes are
/// checked once, here, against the map's; the operations are <see cref="BpfMap"/>'s.
/// </summary>
/// <typeparam name="TKey">The key's C# type (the same size as the map's key).</typeparam>
/// <typeparam name="TValue">The value's C# type (the same size as the map's value; for per-CPU maps, one CPU's value).</typeparam>
public sealed class TypedMap<TKey, TValue> where TKey : unmanaged where TValue : unmanaged
{
    /// <summary>Wraps <paramref name="map"/>.</summary>
    /// <exception cref="ArgumentException">The sizes of <typeparamref name="TKey"/> or <typeparamref name="TValue"/> differ from the map's.</exception>
    public TypedMap(BpfMap map)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (Unsafe.SizeOf<TKey>() != map.KeySize || Unsafe.SizeOf<TValue>() != map.ValueSize)
            throw new ArgumentException($"Map '{map.Name}' has {map.KeySize}-byte keys and {map.ValueSize}-byte values, but {typeof(TKey).Name} is " +
                $"{Unsafe.SizeOf<TKey>()} bytes and {typeof(TValue).Name} is {Unsafe.SizeOf<TValue>()} bytes.", nameof(map));
        Map = map;
    }

    /// <summary>The untyped map.</summary>
    public BpfMap Map { get; }

    /// <summary>Looks up <paramref name="key"/>; false when absent.</summary>
    public bool TryLookup(in TKey key, out TValue value) => Map.TryLookup(key, out value);

    /// <summary>The value at <paramref name="key"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such key.</exception>
    public TValue Lookup(in TKey key) => TryLookup(key, out var value) ? value : throw new KeyNotFoundException($"Map '{Map.Name}' has no such key.");

    /// <summary>Writes <paramref name="value"/> at <paramref name="key"/>. <paramref name="flags"/>: BPF_ANY (0), BPF_NOEXIST (1), BPF_EXIST (2).</summary>
    public void Update(in TKey key, in TValue value, ulong flags = 0) => Map.Update(key, value, flags);

    /// <summary>Deletes <paramref name="key"/>; false when it was absent.</summary>
    public unsafe bool Delete(in TKey key)
    {
        TKey copy = key;
        return Map.Delete(new ReadOnlySpan<byte>(&copy, sizeof(TKey)));
    }

    /// <summary>For a per-CPU map: the value of every possible CPU at <paramref name="key"/> (zeros when absent).</summary>
    public TValue[] LookupPerCpu(in TKey key) => Map.LookupPerCpu<TKey, TValue>(key);

    /// <summary>The keys, in the kernel's order (a snapshot walk: entries added or removed meanwhile may be missed or seen).</summary>
    public IEnumerable<TKey> Keys
    {
        get
        {
            var current = new byte[Unsafe.SizeOf<TKey>()];
            var next = new byte[Unsafe.SizeOf<TKey>()];
            bool first = true;
            while (Map.TryGetNextKey(first ? default : current, next))
            {
                first = false;
                yield return System.Runtime.InteropServices.MemoryMarshal.Read<TKey>(next);
                (current, next) = (next, current);
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Map} <{typeof(TKey).Name}, {typeof(TValue).Name}>";
}
