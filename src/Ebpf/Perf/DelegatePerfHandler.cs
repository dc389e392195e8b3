namespace Ebpf.Perf;

/// <summary>Adapts the delegate handlers to the one generic record walk.</summary>
internal readonly struct DelegatePerfHandler(PerfSampleHandler onSample, PerfLostHandler? onLost) : IPerfBufferHandler
{
    public void OnSample(int cpu, ReadOnlySpan<byte> data) => onSample(cpu, data);

    public void OnLost(int cpu, ulong lost) => onLost?.Invoke(cpu, lost);
}
