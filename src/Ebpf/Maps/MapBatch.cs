using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Maps;

/// <summary>
/// The batch commands with their per-element fallback. The kernel's batch is tried first; when the kernel refuses the
/// command outright (ENOTSUPP: the map type has no batch operation; EINVAL with the count untouched: a kernel older
/// than 5.6 that does not know the command) the same result is built element by element, with the kernel's semantics:
/// a lookup walk ends with ENOENT, which still returns that call's elements; a delete stops at the first absent key.
/// No path allocates per element: keys and values land in the caller's buffers.
/// </summary>
internal static class MapBatch
{
    internal static int Lookup(IMapCommands map, MapBatchCursor cursor, Span<byte> keys, Span<byte> values, ulong elemFlags, bool delete)
    {
        var command = delete ? BpfCommand.MapLookupAndDeleteBatch : BpfCommand.MapLookupBatch;
        string operation = delete ? "BPF_MAP_LOOKUP_AND_DELETE_BATCH" : "BPF_MAP_LOOKUP_BATCH";
        ArgumentNullException.ThrowIfNull(cursor);
        if (!MapChecks.HasKeys(map))
            throw new BpfMapException(operation, 0, map.Name, $"Map '{map.Name}' is a {map.Type} map, which has no keys to walk; use TryPop or TryPeek.");
        if (delete && !MapChecks.CanDelete(map.Type))
            throw new BpfMapException(operation, 0, map.Name, $"Map '{map.Name}' is a {map.Type} map, whose elements cannot be deleted; use LookupBatch.");
        int count = Count(map, keys.Length, values.Length, operation);
        cursor.Bind(map, operation);
        if (cursor.IsDone || count == 0) return 0;

        var unsupported = delete ? MapBatchSupport.NoLookupAndDeleteBatch : MapBatchSupport.NoLookupBatch;
        if (!cursor.PerElement && (map.BatchSupport & unsupported) == 0)
        {
            uint n = (uint)count;
            int errno = map.Batch(command, cursor.Position, cursor.Started, keys, values, ref n, elemFlags);
            switch (errno)
            {
                case 0:
                    cursor.Started = true;
                    return (int)n;
                case Errno.ENOENT:
                    // The end of the map: this call's elements (n may be 0) are the last ones.
                    cursor.Started = true;
                    cursor.IsDone = true;
                    return (int)n;
                case Errno.ENOSPC when n == 0:
                    throw new BpfMapException(operation, Errno.ENOSPC, map.Name,
                        $"Map '{map.Name}': buffers for {count} elements cannot hold the next hash bucket whole; pass larger buffers.");
                default:
                    if (!Refused(errno, n, (uint)count, cursor.Started)) throw MapChecks.Failed(map, operation, errno);
                    if (errno != Errno.EINVAL || elemFlags == 0) map.BatchSupport |= unsupported;
                    cursor.PerElement = true;
                    break;
            }
        }
        cursor.PerElement = true;
        return LookupEachElement(map, cursor, keys, values, count, elemFlags, delete, operation);
    }

    internal static int Update(IMapCommands map, ReadOnlySpan<byte> keys, ReadOnlySpan<byte> values, ulong elemFlags)
    {
        const string operation = "BPF_MAP_UPDATE_BATCH";
        if (!MapChecks.HasKeys(map))
            throw new BpfMapException(operation, 0, map.Name, $"Map '{map.Name}' is a {map.Type} map, which has no keys; use Push.");
        int count = Count(map, keys.Length, values.Length, operation);
        if (count == 0) return 0;
        if ((map.BatchSupport & MapBatchSupport.NoUpdateBatch) == 0)
        {
            uint n = (uint)count;
            int errno = map.Batch(BpfCommand.MapUpdateBatch, default, false, AsWritable(keys), AsWritable(values), ref n, elemFlags);
            if (errno == 0) return count;
            if (!Refused(errno, n, (uint)count, started: false))
                throw PartialFailure(map, operation, errno, (int)n, count);
            if (errno != Errno.EINVAL || elemFlags == 0) map.BatchSupport |= MapBatchSupport.NoUpdateBatch;
        }
        int keySize = (int)map.KeySize, valueSize = map.ValueBufferSize;
        for (int i = 0; i < count; i++)
        {
            int errno = map.Update(keys.Slice(i * keySize, keySize), values.Slice(i * valueSize, valueSize), elemFlags);
            if (errno != 0) throw PartialFailure(map, operation, errno, i, count);
        }
        return count;
    }

    internal static int Delete(IMapCommands map, ReadOnlySpan<byte> keys, ulong elemFlags)
    {
        const string operation = "BPF_MAP_DELETE_BATCH";
        if (!MapChecks.HasKeys(map) || !MapChecks.CanDelete(map.Type))
            throw new BpfMapException(operation, 0, map.Name, $"Map '{map.Name}' is a {map.Type} map, whose elements cannot be deleted by key.");
        int keySize = (int)map.KeySize;
        if (keys.Length % keySize != 0)
            throw new BpfMapException(operation, 0, map.Name, $"Map '{map.Name}' has {keySize}-byte keys; the keys buffer ({keys.Length} bytes) is not a whole number of keys.");
        int count = keys.Length / keySize;
        if (count == 0) return 0;
        if ((map.BatchSupport & MapBatchSupport.NoDeleteBatch) == 0)
        {
            uint n = (uint)count;
            int errno = map.Batch(BpfCommand.MapDeleteBatch, default, false, AsWritable(keys), default, ref n, elemFlags);
            if (errno == 0) return count;
            if (errno == Errno.ENOENT) return (int)n; // keys[n] is absent; the kernel stops there
            if (!Refused(errno, n, (uint)count, started: false))
                throw PartialFailure(map, operation, errno, (int)n, count);
            if (errno != Errno.EINVAL || elemFlags == 0) map.BatchSupport |= MapBatchSupport.NoDeleteBatch;
        }
        for (int i = 0; i < count; i++)
        {
            int errno = map.Delete(keys.Slice(i * keySize, keySize));
            if (errno == Errno.ENOENT) return i;
            if (errno != 0) throw PartialFailure(map, operation, errno, i, count);
        }
        return count;
    }

    /// <summary>The kernel's generic walk, done from user space: GET_NEXT_KEY from the last key, then the lookup; a key
    /// deleted between the two is skipped, as the kernel skips it.</summary>
    private static int LookupEachElement(IMapCommands map, MapBatchCursor cursor, Span<byte> keys, Span<byte> values, int count,
        ulong elemFlags, bool delete, string operation)
    {
        int keySize = (int)map.KeySize, valueSize = map.ValueBufferSize;
        Span<byte> last = cursor.Position.AsSpan(0, keySize);
        int filled = 0;
        while (filled < count)
        {
            var key = keys.Slice(filled * keySize, keySize);
            var value = values.Slice(filled * valueSize, valueSize);
            int errno = map.GetNextKey(cursor.Started ? last : default, key);
            if (errno == Errno.ENOENT)
            {
                cursor.IsDone = true;
                break;
            }
            if (errno != 0) throw MapChecks.Failed(map, "BPF_MAP_GET_NEXT_KEY", errno);
            key.CopyTo(last);
            cursor.Started = true;
            errno = delete ? LookupAndDeleteOne(map, key, value, elemFlags) : map.Lookup(key, value, elemFlags);
            if (errno == Errno.ENOENT) continue;
            if (errno != 0) throw MapChecks.Failed(map, delete ? "BPF_MAP_LOOKUP_AND_DELETE_ELEM" : "BPF_MAP_LOOKUP_ELEM", errno);
            filled++;
        }
        return filled;
    }

    /// <summary>BPF_MAP_LOOKUP_AND_DELETE_ELEM, or (hash maps before Linux 5.14) a lookup then a delete.</summary>
    internal static int LookupAndDeleteOne(IMapCommands map, ReadOnlySpan<byte> key, Span<byte> value, ulong flags)
    {
        if ((map.BatchSupport & MapBatchSupport.NoLookupAndDeleteElement) == 0)
        {
            int errno = map.LookupAndDelete(key, value, flags);
            if (errno is not (Errno.ENOTSUPP or Errno.EOPNOTSUPP or Errno.EINVAL) || flags != 0) return errno;
            map.BatchSupport |= MapBatchSupport.NoLookupAndDeleteElement;
        }
        int found = map.Lookup(key, value, flags);
        if (found != 0) return found;
        int deleted = map.Delete(key);
        // Deleted by someone else since the lookup: the value was still read, so it is returned.
        return deleted == Errno.ENOENT ? 0 : deleted;
    }

    /// <summary>True when the kernel refused the command itself rather than an element: ENOTSUPP (no batch operation for
    /// this map type) or EINVAL from a kernel without the command, both before it counted anything.</summary>
    private static bool Refused(int errno, uint countAfter, uint countBefore, bool started) =>
        errno is Errno.ENOTSUPP or Errno.EOPNOTSUPP or Errno.EINVAL && countAfter == countBefore && !started;

    private static int Count(IMapCommands map, int keyBytes, int valueBytes, string operation)
    {
        int keySize = (int)map.KeySize, valueSize = map.ValueBufferSize;
        if (keyBytes % keySize != 0)
            throw new BpfMapException(operation, 0, map.Name, $"Map '{map.Name}' has {keySize}-byte keys; the keys buffer ({keyBytes} bytes) is not a whole number of keys.");
        int count = keyBytes / keySize;
        if (valueBytes != (long)count * valueSize)
            throw new BpfMapException(operation, 0, map.Name,
                $"Map '{map.Name}': the keys buffer holds {count} keys, so the values buffer must be {(long)count * valueSize} bytes ({valueSize} per value{(PerCpuLayout.IsPerCpu(map.Type) ? ", one 8-byte-aligned slot per possible CPU" : "")}); got {valueBytes} bytes.");
        return count;
    }

    private static BpfException PartialFailure(IMapCommands map, string operation, int errno, int done, int count) =>
        MapChecks.Failed(map, operation, errno, $"Element {done} of {count} failed; the {done} before it were applied, the rest were not attempted.");

    // The update and delete batches only read these buffers; the shared Batch signature takes writable spans.
    private static Span<byte> AsWritable(ReadOnlySpan<byte> span) =>
        System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(span), span.Length);
}
