using Ebpf.Internal.Unix;

namespace Ebpf.Maps;

/// <summary>
/// Keyless maps: queue and stack (BPF_MAP_TYPE_QUEUE/STACK: push = update with no key, pop = lookup-and-delete, peek
/// = lookup) and the bloom filter (push = update with no key; a lookup with the value to test is its membership check).
/// </summary>
internal static class MapQueue
{
    internal static void Push(IMapCommands map, ReadOnlySpan<byte> value, ulong flags)
    {
        MapChecks.Type(map, "BPF_MAP_UPDATE_ELEM", "Push", BpfMapType.Queue, BpfMapType.Stack, BpfMapType.BloomFilter);
        MapChecks.Value(map, value.Length, "BPF_MAP_UPDATE_ELEM");
        int errno = map.Update(default, value, flags);
        if (errno == Errno.E2BIG)
            throw new BpfMapException("BPF_MAP_UPDATE_ELEM", errno, map.Name,
                $"Map '{map.Name}' is full ({map.MaxEntries} elements). Pop first, or push with BPF_EXIST (2) to drop the oldest element.");
        if (errno != 0) throw MapChecks.Failed(map, "BPF_MAP_UPDATE_ELEM", errno);
    }

    internal static bool TryPop(IMapCommands map, Span<byte> value)
    {
        MapChecks.Type(map, "BPF_MAP_LOOKUP_AND_DELETE_ELEM", "TryPop", BpfMapType.Queue, BpfMapType.Stack);
        MapChecks.Value(map, value.Length, "BPF_MAP_LOOKUP_AND_DELETE_ELEM");
        return Found(map, map.LookupAndDelete(default, value, 0), "BPF_MAP_LOOKUP_AND_DELETE_ELEM");
    }

    internal static bool TryPeek(IMapCommands map, Span<byte> value)
    {
        MapChecks.Type(map, "BPF_MAP_LOOKUP_ELEM", "TryPeek", BpfMapType.Queue, BpfMapType.Stack);
        MapChecks.Value(map, value.Length, "BPF_MAP_LOOKUP_ELEM");
        return Found(map, map.Lookup(default, value, 0), "BPF_MAP_LOOKUP_ELEM");
    }

    internal static bool MayContain(IMapCommands map, ReadOnlySpan<byte> value)
    {
        MapChecks.Type(map, "BPF_MAP_LOOKUP_ELEM", "MayContain", BpfMapType.BloomFilter);
        MapChecks.Value(map, value.Length, "BPF_MAP_LOOKUP_ELEM");
        // The kernel reads the value to test from the value pointer; it writes nothing back.
        var probe = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(
            ref System.Runtime.InteropServices.MemoryMarshal.GetReference(value), value.Length);
        return Found(map, map.Lookup(default, probe, 0), "BPF_MAP_LOOKUP_ELEM");
    }

    private static bool Found(IMapCommands map, int errno, string operation)
    {
        if (errno == Errno.ENOENT) return false;
        if (errno != 0) throw MapChecks.Failed(map, operation, errno);
        return true;
    }
}
