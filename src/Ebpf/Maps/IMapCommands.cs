using Ebpf.Internal.Sys;

namespace Ebpf.Maps;

/// <summary>
/// The element commands of one map as the logic above them needs them: each returns 0 or the errno (positive), never
/// throws, so that iteration and the batch fallback can react to ENOENT, ENOTSUPP and friends. <see cref="BpfMap"/>
/// implements it over bpf(2); the pure tests implement it over memory, with the kernel's semantics.
/// An empty key span is passed to the kernel as NULL (queue, stack and bloom filter maps have no keys; the first
/// GET_NEXT_KEY has no previous key).
/// </summary>
internal interface IMapCommands
{
    string Name { get; }

    BpfMapType Type { get; }

    uint KeySize { get; }

    /// <summary>Bytes of one value in a user-space buffer (per-CPU maps: one 8-byte-aligned slot per possible CPU).</summary>
    int ValueBufferSize { get; }

    uint MaxEntries { get; }

    /// <summary>Batch commands this map's kernel refused outright (cached so that the refusal costs one syscall).</summary>
    MapBatchSupport BatchSupport { get; set; }

    int Lookup(ReadOnlySpan<byte> key, Span<byte> value, ulong flags);

    int LookupAndDelete(ReadOnlySpan<byte> key, Span<byte> value, ulong flags);

    int Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, ulong flags);

    int Delete(ReadOnlySpan<byte> key);

    int GetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey);

    /// <summary>One BPF_MAP_*_BATCH call. <paramref name="position"/> is both <c>in_batch</c> (when
    /// <paramref name="resume"/>) and <c>out_batch</c>; empty passes NULL for both. <paramref name="count"/> is the
    /// capacity in and the number processed out (untouched when the kernel refuses the command outright).</summary>
    int Batch(BpfCommand command, Span<byte> position, bool resume, Span<byte> keys, Span<byte> values, ref uint count, ulong elemFlags);
}
