namespace Ebpf.Diagnostics;

/// <summary>
/// The counters of one ring (ring buffer) or one CPU's ring (perf buffer), with their tags built once, so that a
/// drain's report is an <c>Enabled</c> check per instrument and, when someone listens, an <c>Add</c> with no
/// allocation. Called once per drain or wake-up, never per record.
/// </summary>
internal sealed class BufferMetrics
{
    internal const string RingBufTransport = "ringbuf", PerfTransport = "perf";

    internal BufferMetrics(string mapName, string transport, int? cpu)
    {
        Tags = cpu is int c
            ? [new(EbpfMetrics.MapTag, mapName), new(EbpfMetrics.TransportTag, transport), new(EbpfMetrics.CpuTag, c)]
            : [new(EbpfMetrics.MapTag, mapName), new(EbpfMetrics.TransportTag, transport)];
    }

    /// <summary>The tags of every measurement of this ring (the CPU boxed once, here).</summary>
    internal KeyValuePair<string, object?>[] Tags { get; }

    /// <summary>A drain handed over <paramref name="records"/> records and moved past <paramref name="bytes"/> bytes.</summary>
    internal void Drained(long records, long bytes)
    {
        if (records != 0 && EbpfMeter.Records.Enabled) EbpfMeter.Records.Add(records, Tags);
        if (bytes != 0 && EbpfMeter.Bytes.Enabled) EbpfMeter.Bytes.Add(bytes, Tags);
    }

    /// <summary>The kernel reported <paramref name="lost"/> samples lost (one PERF_RECORD_LOST).</summary>
    internal void Lost(ulong lost)
    {
        if (EbpfMeter.Lost.Enabled) EbpfMeter.Lost.Add((long)Math.Min(lost, long.MaxValue), Tags);
    }

    /// <summary>epoll reported this ring.</summary>
    internal void Woken()
    {
        if (EbpfMeter.Wakeups.Enabled) EbpfMeter.Wakeups.Add(1, Tags);
    }
}
