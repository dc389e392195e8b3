using Ebpf.Internal.Unix;

namespace Ebpf.Maps;

/// <summary>The refusals every map operation shares, raised before any syscall: wrong sizes and wrong map types, each a
/// <see cref="BpfMapException"/> naming the map and what it expects.</summary>
internal static class MapChecks
{
    internal static void Key(IMapCommands map, int length, string operation)
    {
        if (length != map.KeySize)
            throw new BpfMapException(operation, 0, map.Name, map.KeySize == 0
                ? $"Map '{map.Name}' ({map.Type}) has no keys; pass an empty key."
                : $"Map '{map.Name}' has {map.KeySize}-byte keys; got {length} bytes.");
    }

    internal static void Value(IMapCommands map, int length, string operation)
    {
        if (length == map.ValueBufferSize) return;
        throw new BpfMapException(operation, 0, map.Name, PerCpuLayout.IsPerCpu(map.Type)
            ? $"Map '{map.Name}' is per-CPU: a value takes {map.ValueBufferSize} bytes (one 8-byte-aligned slot per possible CPU); got {length} bytes."
            : $"Map '{map.Name}' has {map.ValueBufferSize}-byte values; got {length} bytes.");
    }

    /// <summary>Refuses <paramref name="operation"/> unless the map is one of <paramref name="types"/>.</summary>
    internal static void Type(IMapCommands map, string operation, string action, params ReadOnlySpan<BpfMapType> types)
    {
        foreach (var t in types)
            if (map.Type == t) return;
        throw WrongType(map, operation, action, types);
    }

    internal static BpfMapException WrongType(IMapCommands map, string operation, string action, ReadOnlySpan<BpfMapType> types)
    {
        var names = new List<string>(types.Length);
        foreach (var t in types) names.Add(t.ToString());
        string expected = names.Count == 1 ? names[0] : string.Join(", ", names[..^1]) + " or " + names[^1];
        return new BpfMapException(operation, 0, map.Name, $"Map '{map.Name}' is a {map.Type} map; {action} needs a {expected} map.");
    }

    /// <summary>True for the types whose elements can be deleted from user space (arrays keep every slot).</summary>
    internal static bool CanDelete(BpfMapType type) => type is not (BpfMapType.Array or BpfMapType.PerCpuArray or BpfMapType.RingBuf
        or BpfMapType.UserRingBuf or BpfMapType.BloomFilter or BpfMapType.Queue or BpfMapType.Stack);

    /// <summary>True for the types with keys to walk (queues, stacks, bloom filters and rings have none).</summary>
    internal static bool HasKeys(IMapCommands map) => map.KeySize != 0;

    internal static BpfException Failed(IMapCommands map, string operation, int errno, string? detail = null) =>
        Errno.ToException(operation, errno, $"map '{map.Name}'", detail);
}
