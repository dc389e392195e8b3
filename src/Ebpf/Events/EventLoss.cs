namespace Ebpf.Events;

/// <summary>
/// One reader's account of its records: <see cref="Produced"/> = <see cref="Received"/> + <see cref="Dropped"/>, whatever
/// the transport. Exact once the reader has consumed what the kernel holds (after a drain; records still in the buffer
/// are in neither term).
/// </summary>
/// <param name="Received">Records taken from the kernel and handed to the handler or queued to a stream.</param>
/// <param name="RingFull">The program's failed ring-buffer reservations or outputs: the ring had no room.</param>
/// <param name="PerfFull">The program's perf outputs refused with -ENOSPC: that CPU's buffer had no room. The kernel reports
/// the same records to the reader later as <see cref="PerfLost"/>: they are counted once, here.</param>
/// <param name="OtherFailures">The program's outputs refused for another reason (no reader on that CPU, nesting, size).</param>
/// <param name="PerfLost">PERF_RECORD_LOST counts the reader has seen so far (lags behind <see cref="PerfFull"/>: the kernel
/// writes them only when it next has room). Part of <see cref="Dropped"/> only when the program does not count its own.</param>
/// <param name="StreamDropped">Records taken from the kernel but dropped because an async stream's queue was full.</param>
/// <param name="CountedByProgram">True when the program counts its failures (a channel from ebpf_net/events.bpf.h).</param>
public readonly record struct EventLoss(
    ulong Received,
    ulong RingFull,
    ulong PerfFull,
    ulong OtherFailures,
    ulong PerfLost,
    ulong StreamDropped,
    bool CountedByProgram)
{
    /// <summary>Records that never reached the handler: the program's failures (or, without its counter, the kernel's perf
    /// losses) plus stream drops.</summary>
    public ulong Dropped => (CountedByProgram ? RingFull + PerfFull + OtherFailures : PerfLost) + StreamDropped;

    /// <summary>Records the program tried to send: received plus dropped.</summary>
    public ulong Produced => Received + Dropped;

    /// <inheritdoc/>
    public override string ToString() =>
        $"produced {Produced} = received {Received} + dropped {Dropped} (ring full {RingFull}, perf full {PerfFull}, other {OtherFailures}, " +
        $"perf lost records {PerfLost}, stream drops {StreamDropped}{(CountedByProgram ? "" : "; the program counts nothing")})";
}
