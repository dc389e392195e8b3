namespace Ebpf.Links.MultiProbe;

/// <summary>
/// One place a uprobe.multi link probes: function <see cref="Symbol"/> of the binary (<see cref="Offset"/> bytes into
/// it), or, when <see cref="Symbol"/> is null, file offset <see cref="Offset"/>. <see cref="Cookie"/> is what
/// <c>bpf_get_attach_cookie</c> returns there; <see cref="ReferenceCounterOffset"/> is the file offset of a USDT-style
/// semaphore (a u16 the kernel increments while the probe is attached), or 0.
/// </summary>
public sealed record UprobeMultiTarget(string? Symbol, ulong Offset = 0, ulong Cookie = 0, ulong ReferenceCounterOffset = 0);
