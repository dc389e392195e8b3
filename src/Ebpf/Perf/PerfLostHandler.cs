namespace Ebpf.Perf;

/// <summary>
/// Receives one <c>PERF_RECORD_LOST</c>: the kernel could not write <paramref name="lost"/> samples into the buffer of
/// <paramref name="cpu"/> because it was full. The BPF side saw <c>bpf_perf_event_output</c> fail (-ENOSPC) for each of them.
/// </summary>
/// <param name="cpu">The CPU number whose buffer overflowed.</param>
/// <param name="lost">The number of samples dropped since the previous lost record of that buffer.</param>
public delegate void PerfLostHandler(int cpu, ulong lost);
