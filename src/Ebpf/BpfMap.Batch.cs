using System.Runtime.InteropServices;
using Ebpf.Maps;

namespace Ebpf;

public sealed partial class BpfMap
{
    /// <summary>
    /// Reads the next elements of a walk into <paramref name="keys"/> and <paramref name="values"/> (as many as
    /// <paramref name="keys"/> holds keys; <paramref name="values"/> holds as many values of <see cref="ValueBufferSize"/>
    /// bytes) with BPF_MAP_LOOKUP_BATCH, or element by element where the kernel or the map type has no batch. Returns how
    /// many were read; <see cref="MapBatchCursor.IsDone"/> turns true on the call that reached the end (whose elements
    /// still count). <paramref name="elemFlags"/>: BPF_F_LOCK (4) for values with a spin lock.
    /// </summary>
    /// <exception cref="BpfMapException">Buffer sizes that are not whole keys and values, or a hash bucket larger than the buffers (ENOSPC).</exception>
    public int LookupBatch(MapBatchCursor cursor, Span<byte> keys, Span<byte> values, ulong elemFlags = 0) =>
        MapBatch.Lookup(Live(), cursor, keys, values, elemFlags, delete: false);

    /// <summary>As <see cref="LookupBatch(MapBatchCursor, Span{byte}, Span{byte}, ulong)"/>, deleting what it returns
    /// (BPF_MAP_LOOKUP_AND_DELETE_BATCH; per element: lookup-and-delete). Hash maps (arrays cannot delete).</summary>
    public int LookupAndDeleteBatch(MapBatchCursor cursor, Span<byte> keys, Span<byte> values, ulong elemFlags = 0) =>
        MapBatch.Lookup(Live(), cursor, keys, values, elemFlags, delete: true);

    /// <summary>Writes every key of <paramref name="keys"/> with the value at the same index of <paramref name="values"/>
    /// (BPF_MAP_UPDATE_BATCH, or element by element). <paramref name="flags"/>: BPF_ANY (0), BPF_NOEXIST (1), BPF_EXIST (2),
    /// BPF_F_LOCK (4). Returns the number written (all of them).</summary>
    /// <exception cref="BpfException">An element failed; the message says how many before it were written.</exception>
    public int UpdateBatch(ReadOnlySpan<byte> keys, ReadOnlySpan<byte> values, ulong flags = 0) =>
        MapBatch.Update(Live(), keys, values, flags);

    /// <summary>Deletes the keys of <paramref name="keys"/> in order (BPF_MAP_DELETE_BATCH, or element by element) and
    /// returns how many were deleted. Like the kernel, it stops at the first absent key: a result smaller than the number
    /// of keys means the key at that index was absent and the ones after it were not tried.</summary>
    public int DeleteBatch(ReadOnlySpan<byte> keys) => MapBatch.Delete(Live(), keys, 0);

    /// <summary>Typed <see cref="LookupBatch(MapBatchCursor, Span{byte}, Span{byte}, ulong)"/>: <paramref name="values"/>
    /// holds one <typeparamref name="TValue"/> per key (per-CPU maps: one per key and possible CPU, with 8-byte-sized values).</summary>
    public int LookupBatch<TKey, TValue>(MapBatchCursor cursor, Span<TKey> keys, Span<TValue> values, ulong elemFlags = 0) where TKey : unmanaged where TValue : unmanaged =>
        MapBatch.Lookup(Live(), cursor, MemoryMarshal.AsBytes(keys), MemoryMarshal.AsBytes(values), elemFlags, delete: false);

    /// <summary>Typed <see cref="LookupAndDeleteBatch(MapBatchCursor, Span{byte}, Span{byte}, ulong)"/>.</summary>
    public int LookupAndDeleteBatch<TKey, TValue>(MapBatchCursor cursor, Span<TKey> keys, Span<TValue> values, ulong elemFlags = 0) where TKey : unmanaged where TValue : unmanaged =>
        MapBatch.Lookup(Live(), cursor, MemoryMarshal.AsBytes(keys), MemoryMarshal.AsBytes(values), elemFlags, delete: true);

    /// <summary>Typed <see cref="UpdateBatch(ReadOnlySpan{byte}, ReadOnlySpan{byte}, ulong)"/>.</summary>
    public int UpdateBatch<TKey, TValue>(ReadOnlySpan<TKey> keys, ReadOnlySpan<TValue> values, ulong flags = 0) where TKey : unmanaged where TValue : unmanaged =>
        MapBatch.Update(Live(), MemoryMarshal.AsBytes(keys), MemoryMarshal.AsBytes(values), flags);

    /// <summary>Typed <see cref="DeleteBatch(ReadOnlySpan{byte})"/>.</summary>
    public int DeleteBatch<TKey>(ReadOnlySpan<TKey> keys) where TKey : unmanaged => MapBatch.Delete(Live(), MemoryMarshal.AsBytes(keys), 0);

    private BpfMap Live()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return this;
    }
}
