namespace Ebpf.Perf;

/// <summary>
/// Receives one <c>PERF_RECORD_SAMPLE</c> from the perf buffer of <paramref name="cpu"/>.
/// </summary>
/// <param name="cpu">The CPU number whose buffer held the sample (the CPU the BPF program ran on with <c>BPF_F_CURRENT_CPU</c>).</param>
/// <param name="data">
/// The raw sample bytes. The kernel pads raw data so that the record stays 8-byte aligned: the span is the size the kernel
/// recorded, <c>round_up(n + 4, 8) - 4</c> for <c>n</c> bytes passed to <c>bpf_perf_event_output</c>, so it can be 0–7 bytes
/// longer than what the BPF side wrote (the padding bytes are unspecified). Carry the real length in the record if it matters.
/// The span points into the kernel's mapped buffer (or, for a record that wraps the buffer end, into a per-CPU scratch
/// buffer) and is valid only until the handler returns: copy what you keep. It starts only 4-byte aligned (after the
/// 8-byte record header and the 4-byte size): view it with <see cref="Records.RecordView.As{T}"/>, which refuses a type that
/// needs 8, or copy it with <see cref="Records.RecordView.Read{T}"/>.
/// </param>
public delegate void PerfSampleHandler(int cpu, ReadOnlySpan<byte> data);
