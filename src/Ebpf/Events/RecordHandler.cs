namespace Ebpf.Events;

/// <summary>Receives one record. The span points into the kernel's mapped ring and is valid only during the call.</summary>
public delegate void RecordHandler(ReadOnlySpan<byte> record);

/// <summary>Told that the kernel lost <paramref name="lost"/> records on <paramref name="cpu"/> (perf buffer only:
/// a ring buffer's losses are the BPF program's failed reservations, which only it can count).</summary>
public delegate void LostRecordsHandler(int cpu, ulong lost);
