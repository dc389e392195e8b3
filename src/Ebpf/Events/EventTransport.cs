namespace Ebpf.Events;

/// <summary>How a BPF program hands records to user space.</summary>
public enum EventTransport
{
    /// <summary>BPF_MAP_TYPE_RINGBUF: one ring shared by all CPUs, records in commit order. Linux 5.8+.</summary>
    RingBuf,

    /// <summary>BPF_MAP_TYPE_PERF_EVENT_ARRAY: one ring per CPU, no order across CPUs, lost records reported.</summary>
    PerfBuffer,
}
