using Ebpf.Features;

namespace Ebpf.Events;

/// <summary>
/// Prepares an object whose program declares its event channel with <c>EBPF_NET_EVENTS(name, type, bytes)</c> from
/// bpf/include/ebpf_net/events.bpf.h (shipped with the package) for one transport, before load: the same compiled
/// object then runs over a ring buffer or a perf buffer, and <see cref="EventReader"/> reads either.
/// </summary>
/// <example>
/// <code>
/// var spec = BpfObjectSpec.FromFile("probe.bpf.o");
/// EventTransport transport = EventChannel.Configure(spec, "events"); // ring buffer if the kernel has one
/// using var obj = spec.Load();
/// using var reader = EventReader.Open(obj, "events", record => Handle(record));
/// </code>
/// </example>
public static class EventChannel
{
    /// <summary>The ring size used when a channel compiled as a perf buffer is switched to a ring buffer without a size.</summary>
    public const uint DefaultRingBytes = 256 * 1024;

    /// <summary>
    /// Picks the transport (<paramref name="transport"/>, or the ring buffer when this kernel has one and the perf buffer
    /// otherwise) and edits <paramref name="spec"/> for it: the channel map's type and sizes (a ring buffer: no keys or
    /// values, max_entries = bytes; a perf event array: 4-byte keys and values, one slot per possible CPU) and the
    /// program's read-only <c>&lt;name&gt;_ringbuf</c> switch, so the verifier sees only the chosen transport's helpers.
    /// </summary>
    /// <param name="spec">The parsed object, not loaded yet.</param>
    /// <param name="mapName">The channel's name, the first argument of <c>EBPF_NET_EVENTS</c>.</param>
    /// <param name="transport">The transport to use; null picks by feature probe.</param>
    /// <param name="ringBytes">The ring buffer's size in bytes (a power of two, a multiple of the page size); null keeps the
    /// size compiled into the object.</param>
    /// <returns>The transport the object is now set up for.</returns>
    /// <exception cref="ArgumentException">The object has no such channel (no map, or no <c>&lt;name&gt;_ringbuf</c> variable).</exception>
    /// <exception cref="BpfFeatureNotSupportedException">The ring buffer was asked for and this kernel has none.</exception>
    public static EventTransport Configure(BpfObjectSpec spec, string mapName, EventTransport? transport = null, uint? ringBytes = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentException.ThrowIfNullOrEmpty(mapName);
        string flag = SwitchVariable(mapName);
        if (!spec.Maps.TryGetValue(mapName, out var map) || !spec.VariableNames.Contains(flag))
            throw new ArgumentException(
                $"Object '{spec.Name}' declares no event channel '{mapName}' (it needs map '{mapName}' and the variable '{flag}'): " +
                $"declare it with EBPF_NET_EVENTS({mapName}, <record type>, <ring bytes>) from ebpf_net/events.bpf.h.", nameof(mapName));
        var chosen = transport ?? EventReader.PreferredTransport();
        if (chosen == EventTransport.RingBuf)
        {
            KernelFeatures.RequireMapType(BpfMapType.RingBuf);
            uint bytes = ringBytes ?? (map.Type == BpfMapType.RingBuf ? map.MaxEntries : DefaultRingBytes);
            map.Type = BpfMapType.RingBuf;
            map.KeySize = map.ValueSize = 0;
            map.MaxEntries = bytes;
        }
        else
        {
            // max_entries 0: one slot per possible CPU, filled in at creation (BpfMap.EffectiveShape).
            map.Type = BpfMapType.PerfEventArray;
            map.KeySize = map.ValueSize = 4;
            map.MaxEntries = 0;
        }
        map.BtfKeyTypeId = map.BtfValueTypeId = 0;
        spec.SetVariable(flag, chosen == EventTransport.RingBuf ? 1u : 0u);
        return chosen;
    }

    /// <summary>The per-CPU map where the program counts what it could not hand over (<c>&lt;name&gt;_drops</c>).</summary>
    internal static string DropsMap(string mapName) => mapName + "_drops";

    private static string SwitchVariable(string mapName) => mapName + "_ringbuf";
}
