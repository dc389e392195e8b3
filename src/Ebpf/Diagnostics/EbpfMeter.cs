using System.Diagnostics.Metrics;
using System.Reflection;

namespace Ebpf.Diagnostics;

/// <summary>
/// The one <see cref="Meter"/> and its instruments (Npgsql's MetricsReporter shape). The counters are added to by
/// <see cref="BufferMetrics"/> once per drain; the observable instruments ask every live buffer (an
/// <see cref="IMetricsSource"/> registered for its lifetime) when a listener collects.
/// </summary>
internal static class EbpfMeter
{
    internal static readonly Meter Meter = new(EbpfMetrics.MeterName,
        typeof(EbpfMeter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    internal static readonly Counter<long> Records = Meter.CreateCounter<long>(EbpfMetrics.Records, "{record}",
        "Records handed to a handler or a stream.");

    internal static readonly Counter<long> Bytes = Meter.CreateCounter<long>(EbpfMetrics.Bytes, "By",
        "Bytes of the ring consumed: payloads, record headers and padding.");

    internal static readonly Counter<long> Lost = Meter.CreateCounter<long>(EbpfMetrics.Lost, "{record}",
        "Samples the kernel could not write to a full perf buffer (PERF_RECORD_LOST).");

    internal static readonly Counter<long> Wakeups = Meter.CreateCounter<long>(EbpfMetrics.Wakeups, "{wakeup}",
        "Times epoll woke the poller for this buffer.");

    // The live buffers; a buffer registers when it is created and leaves when it releases its mappings.
    private static readonly Lock SourcesLock = new();
    private static readonly List<IMetricsSource> Sources = [];

    static EbpfMeter()
    {
        Meter.CreateObservableCounter(EbpfMetrics.Dropped, ObserveDrops, "{record}",
            "Events the BPF program counted as not handed over (registered drop counters).");
        Meter.CreateObservableGauge(EbpfMetrics.UnreadBytes, ObserveUnread, "By",
            "Bytes published by the kernel and not yet consumed.");
        Meter.CreateObservableGauge(EbpfMetrics.FillRatio, ObserveFill, "1",
            "Unread bytes over the size of the data area.");
    }

    internal static void Register(IMetricsSource source)
    {
        lock (SourcesLock) Sources.Add(source);
    }

    internal static void Unregister(IMetricsSource source)
    {
        lock (SourcesLock) Sources.Remove(source);
    }

    private static IMetricsSource[] Snapshot()
    {
        lock (SourcesLock) return [.. Sources];
    }

    private static List<Measurement<long>> ObserveDrops()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var source in Snapshot()) source.ObserveDrops(measurements);
        return measurements;
    }

    private static List<Measurement<long>> ObserveUnread()
    {
        var measurements = new List<Measurement<long>>();
        foreach (var source in Snapshot()) source.ObserveLevels(measurements, null);
        return measurements;
    }

    private static List<Measurement<double>> ObserveFill()
    {
        var measurements = new List<Measurement<double>>();
        foreach (var source in Snapshot()) source.ObserveLevels(null, measurements);
        return measurements;
    }
}
