using System.Text.Json;
using Ebpf.Btf;
using Ebpf.Internal.Sys;

namespace Ebpf.Maps;

/// <summary>
/// Every entry of a map, formatted as <c>bpftool map dump</c> formats it (<c>ebpf map dump</c>). With the map's BTF (read
/// back from the kernel), <see cref="WriteJson"/> writes exactly the list of what <c>bpftool -j map dump</c> prints under
/// <c>"formatted"</c>: <c>[{"key": …, "value": …}]</c>, per-CPU maps <c>[{"key": …, "values": [{"cpu": N, "value": …}]}]</c>
/// (<see cref="BtfValueFormatter"/>). Without BTF it writes what bpftool prints then: the raw bytes as arrays of
/// <c>"0x.."</c> strings, <c>[{"key": ["0x00", …], "value": [...]}]</c> (per-CPU: <c>"values"</c> as above).
/// </summary>
public static class MapDump
{
    /// <summary>Writes the map's entries as one JSON array; returns how many entries it wrote.</summary>
    /// <exception cref="BpfMapException">The map has no keys to walk (queue, stack, bloom filter, ring buffer).</exception>
    /// <exception cref="BpfException">The map's BTF cannot be read back from the kernel.</exception>
    public static int WriteJson(BpfMap map, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(writer);
        // Both before the first byte is written: a map it cannot dump (no BTF to read, no keys to walk) leaves the writer untouched.
        var layout = Layout(map);
        var iterator = map.Iterate();
        writer.WriteStartArray();
        int count = ForEachEntry(map, iterator, (key, value) => layout.WriteJsonEntry(writer, key, value));
        writer.WriteEndArray();
        writer.Flush();
        return count;
    }

    /// <summary>Writes the map's entries as text, one entry per line (<c>key: K  value: V</c>; per-CPU maps one
    /// <c>value (CPU N): V</c> line per CPU under the key), values as compact JSON from BTF or as hex bytes without it,
    /// then <c>Found N elements</c> as bpftool does; returns how many entries it wrote.</summary>
    /// <exception cref="BpfMapException">The map has no keys to walk.</exception>
    /// <exception cref="BpfException">The map's BTF cannot be read back from the kernel.</exception>
    public static int WriteText(BpfMap map, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(writer);
        var layout = Layout(map);
        int count = ForEachEntry(map, map.Iterate(), (key, value) => layout.WriteTextEntry(writer, key, value));
        writer.WriteLine($"Found {count} element{(count == 1 ? "" : "s")}");
        writer.Flush();
        return count;
    }

    /// <summary>Walks the map's entries (key, then all CPUs' values) into two buffers reused for every entry.</summary>
    private static int ForEachEntry(BpfMap map, BpfMapIterator iterator, Action<byte[], byte[]> entry)
    {
        var key = new byte[map.KeySize];
        var value = new byte[map.ValueBufferSize];
        int count = 0;
        while (iterator.TryNext(key, value))
        {
            entry(key, value);
            count++;
        }
        return count;
    }

    /// <summary>How to print the entries of <paramref name="map"/>: its BTF key and value types (from the kernel), or raw.</summary>
    internal static MapDumpLayout Layout(BpfMap map)
    {
        var info = map.GetInfo();
        bool perCpu = PerCpuLayout.IsPerCpu(map.Type);
        int cpus = perCpu ? BpfMap.PossibleCpuCount : 1;
        if (info.BtfId == 0 || info.BtfValueTypeId == 0) return new MapDumpLayout(null, null, perCpu, cpus, map.ValueSize);
        var btf = BtfSpec.FromBytes(BtfObjectData.OfId(info.BtfId, $"map '{map.Name}'"), $"BTF of map '{map.Name}'");
        return new MapDumpLayout(info.BtfKeyTypeId == 0 ? null : btf[info.BtfKeyTypeId], btf[info.BtfValueTypeId], perCpu, cpus, map.ValueSize);
    }
}
