using Ebpf.Internal.Unix;

namespace Ebpf.Internal.Sys;

/// <summary>The map commands beyond lookup/update/delete: lookup-and-delete, the four batch commands, and opening a
/// map or program by id. Each returns 0 (or an fd) or -errno: callers decide what an errno means.</summary>
internal static unsafe class BpfMapCommands
{
    internal static long LookupAndDelete(SafeFd map, void* key, void* value, ulong flags = 0)
    {
        var attr = new MapElemAttr { MapFd = (uint)map.Fd, Key = (ulong)key, ValueOrNextKey = (ulong)value, Flags = flags };
        return Bpf.Raw(BpfCommand.MapLookupAndDeleteElem, ref attr);
    }

    /// <summary>One BPF_MAP_*_BATCH call; <paramref name="count"/> goes in as the capacity and comes back as the number
    /// of elements processed (the kernel leaves it untouched when it rejects the command outright).</summary>
    internal static long Batch(BpfCommand command, SafeFd map, void* inBatch, void* outBatch, void* keys, void* values, ref uint count, ulong elemFlags)
    {
        var attr = new MapBatchAttr
        {
            InBatch = (ulong)inBatch,
            OutBatch = (ulong)outBatch,
            Keys = (ulong)keys,
            Values = (ulong)values,
            Count = count,
            MapFd = (uint)map.Fd,
            ElemFlags = elemFlags,
        };
        long r = Bpf.Raw(command, ref attr);
        count = attr.Count;
        return r;
    }

    /// <summary>BPF_MAP_GET_FD_BY_ID / BPF_PROG_GET_FD_BY_ID: an fd of object <paramref name="id"/>, or -errno
    /// (-ENOENT when no such object exists any more).</summary>
    internal static long GetFdById(BpfCommand command, uint id)
    {
        var attr = new GetIdAttr { StartId = id };
        return Bpf.Raw(command, ref attr);
    }
}
