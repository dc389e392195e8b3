namespace Ebpf.Diagnostics;

/// <summary>
/// The names Ebpf.Net publishes its metrics under (<c>System.Diagnostics.Metrics</c>): one meter,
/// <see cref="MeterName"/>, with instruments per ring buffer ring and per perf buffer CPU. Nothing is measured unless
/// something listens (OpenTelemetry's <c>AddMeter("Ebpf.Net")</c>, <c>dotnet-counters monitor --counters Ebpf.Net</c>,
/// a <c>MeterListener</c>); counters are added once per drain of a ring, never per record.
/// </summary>
/// <remarks>
/// <para>Tags: <see cref="MapTag"/> (the map's name), <see cref="TransportTag"/> (<c>ringbuf</c> or <c>perf</c>), and
/// <see cref="CpuTag"/> on the perf buffer's per-CPU instruments.</para>
/// <para>Instruments: <see cref="Records"/>, <see cref="Bytes"/>, <see cref="Lost"/>, <see cref="Dropped"/>,
/// <see cref="Wakeups"/> (counters) and <see cref="UnreadBytes"/>, <see cref="FillRatio"/> (gauges read from the
/// mapped positions when collected).</para>
/// </remarks>
public static class EbpfMetrics
{
    /// <summary>The meter's name: <c>Ebpf.Net</c>.</summary>
    public const string MeterName = "Ebpf.Net";

    /// <summary>Counter <c>ebpf.buffer.records</c> ({record}): records handed to a handler or a stream (perf: samples).</summary>
    public const string Records = "ebpf.buffer.records";

    /// <summary>Counter <c>ebpf.buffer.bytes</c> (By): bytes of the ring the consumer moved past — payloads plus each
    /// record's header and alignment padding (and, for a ring buffer, discarded records): the ring's throughput.</summary>
    public const string Bytes = "ebpf.buffer.bytes";

    /// <summary>Counter <c>ebpf.buffer.lost</c> ({record}): samples the kernel could not write to a full perf buffer
    /// (PERF_RECORD_LOST), per CPU. A ring buffer has none: its losses are the BPF program's, see <see cref="Dropped"/>.</summary>
    public const string Lost = "ebpf.buffer.lost";

    /// <summary>Observable counter <c>ebpf.buffer.dropped</c> ({record}): events the BPF program counted as not handed
    /// over (a failed <c>bpf_ringbuf_reserve</c> or <c>bpf_perf_event_output</c>), read when collected from the counter
    /// registered with <c>Ring.DropCounter</c>, <c>PerfBuffer.DropCounter</c> or <c>EventReader.DropCounter</c>.</summary>
    public const string Dropped = "ebpf.buffer.dropped";

    /// <summary>Counter <c>ebpf.buffer.wakeups</c> ({wakeup}): times epoll woke the poller for this ring (ring buffer)
    /// or this CPU's buffer (perf buffer). Records per wake-up is <see cref="Records"/> / this.</summary>
    public const string Wakeups = "ebpf.buffer.wakeups";

    /// <summary>Gauge <c>ebpf.buffer.unread</c> (By): bytes published by the kernel and not yet consumed, from the
    /// mapped producer and consumer positions (ring: producer_pos − consumer_pos; perf: data_head − data_tail).</summary>
    public const string UnreadBytes = "ebpf.buffer.unread";

    /// <summary>Gauge <c>ebpf.buffer.fill_ratio</c> (1): <see cref="UnreadBytes"/> over the data area's size, 0 to 1.
    /// Near 1 the producer is about to fail (ring) or lose records (perf).</summary>
    public const string FillRatio = "ebpf.buffer.fill_ratio";

    /// <summary>Tag: the map's name.</summary>
    public const string MapTag = "ebpf.map.name";

    /// <summary>Tag: <c>ringbuf</c> (BPF_MAP_TYPE_RINGBUF) or <c>perf</c> (BPF_MAP_TYPE_PERF_EVENT_ARRAY).</summary>
    public const string TransportTag = "ebpf.transport";

    /// <summary>Tag: the CPU of a perf buffer's per-CPU ring.</summary>
    public const string CpuTag = "ebpf.cpu";
}
