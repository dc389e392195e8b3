using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Ebpf.Diagnostics;

namespace Ebpf.KernelTests.Diagnostics;

/// <summary>
/// A <see cref="MeterListener"/> on the Ebpf.Net meter, as an application's exporter would attach: sums every counter
/// measurement per (instrument, map, cpu) and keeps the last observation of the observable instruments.
/// </summary>
internal sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Instrument, string Map, int Cpu), long> _sums = new();
    private readonly ConcurrentDictionary<(string Instrument, string Map, int Cpu), double> _last = new();

    internal MetricsRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == EbpfMetrics.MeterName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = (instrument.Name, Tag(tags, EbpfMetrics.MapTag) as string ?? "", Tag(tags, EbpfMetrics.CpuTag) as int? ?? -1);
            if (instrument is ObservableInstrument<long>) _last[key] = value;
            else _sums.AddOrUpdate(key, value, (_, sum) => sum + value);
        });
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            _last[(instrument.Name, Tag(tags, EbpfMetrics.MapTag) as string ?? "", Tag(tags, EbpfMetrics.CpuTag) as int? ?? -1)] = value);
        _listener.Start();
    }

    /// <summary>Sum of a counter's measurements for <paramref name="map"/> (all CPUs, unless one is given).</summary>
    internal long Sum(string instrument, string map, int? cpu = null) =>
        _sums.Where(kv => kv.Key.Instrument == instrument && kv.Key.Map == map && (cpu is null || kv.Key.Cpu == cpu)).Sum(kv => kv.Value);

    /// <summary>Collects the observable instruments now and returns <paramref name="instrument"/>'s value for the map
    /// (and CPU), or null when nothing was observed for it.</summary>
    internal double? Observe(string instrument, string map, int cpu = -1)
    {
        _last.Clear();
        _listener.RecordObservableInstruments();
        return _last.TryGetValue((instrument, map, cpu), out double v) ? v : null;
    }

    /// <summary>The tag sets counters were reported with for <paramref name="map"/>.</summary>
    internal IEnumerable<int> CpusSeen(string instrument, string map) =>
        _sums.Keys.Where(k => k.Instrument == instrument && k.Map == map).Select(k => k.Cpu).Distinct();

    private static object? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string name)
    {
        foreach (var tag in tags)
            if (tag.Key == name) return tag.Value;
        return null;
    }

    public void Dispose() => _listener.Dispose();
}
