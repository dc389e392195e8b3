namespace Ebpf.Events;

/// <summary>
/// The timestamp a record carries (for example a <c>u64 ts_ns</c> the BPF program filled with <c>bpf_ktime_get_ns()</c>),
/// in the unit and clock of <see cref="OrderedMergerOptions.Clock"/> (default: CLOCK_MONOTONIC nanoseconds).
/// </summary>
public delegate ulong RecordTimestamp(ReadOnlySpan<byte> record);
