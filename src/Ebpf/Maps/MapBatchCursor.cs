namespace Ebpf.Maps;

/// <summary>
/// Where a batched walk of one map stands (<see cref="BpfMap.LookupBatch(MapBatchCursor, Span{byte}, Span{byte}, ulong)"/>,
/// <see cref="BpfMap.LookupAndDeleteBatch(MapBatchCursor, Span{byte}, Span{byte}, ulong)"/>): start with a new cursor,
/// call until <see cref="IsDone"/>. A cursor belongs to the first map it is used with.
/// </summary>
/// <example><code>
/// var cursor = new MapBatchCursor();
/// var keys = new uint[64]; var values = new ulong[64];
/// while (!cursor.IsDone)
/// {
///     int n = map.LookupBatch&lt;uint, ulong&gt;(cursor, keys, values);
///     for (int i = 0; i &lt; n; i++) Console.WriteLine($"{keys[i]} {values[i]}");
/// }
/// </code></example>
public sealed class MapBatchCursor
{
    /// <summary>True once a call reached the end of the map (that call's elements are still valid).</summary>
    public bool IsDone { get; internal set; }

    /// <summary>Starts over from the beginning of the map.</summary>
    public void Reset()
    {
        IsDone = false;
        Started = false;
        PerElement = false;
    }

    /// <summary>The kernel's opaque position (a key for the generic walk, a u32 bucket index for hash maps), or, on the
    /// per-element path, the last key returned.</summary>
    internal byte[] Position { get; private set; } = [];

    internal bool Started { get; set; }

    /// <summary>Set when the first call found no batch command: the walk stays per element to its end.</summary>
    internal bool PerElement { get; set; }

    internal object? Owner { get; private set; }

    internal void Bind(IMapCommands map, string operation)
    {
        if (Owner is null)
        {
            Owner = map;
            Position = new byte[Math.Max(map.KeySize, 4)];
        }
        else if (!ReferenceEquals(Owner, map))
            throw new BpfMapException(operation, 0, map.Name, $"This cursor walks map '{((IMapCommands)Owner).Name}'; use a new MapBatchCursor for map '{map.Name}'.");
    }
}
