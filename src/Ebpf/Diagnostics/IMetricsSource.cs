using System.Diagnostics.Metrics;

namespace Ebpf.Diagnostics;

/// <summary>A live buffer the observable instruments ask when a listener collects (off the hot path).</summary>
internal interface IMetricsSource
{
    /// <summary>Adds unread bytes and/or fill ratio per ring (per CPU for perf), read from the mapped positions. A
    /// buffer disposed meanwhile adds nothing.</summary>
    void ObserveLevels(List<Measurement<long>>? unread, List<Measurement<double>>? fill);

    /// <summary>Adds the registered drop counter's total, if any and still readable.</summary>
    void ObserveDrops(List<Measurement<long>> dropped);
}
