namespace Ebpf.TestRuns;

/// <summary>
/// One BPF_PROG_TEST_RUN: what goes in (a packet as <see cref="Data"/>, a context such as <c>struct __sk_buff</c> or
/// <c>struct xdp_md</c>, or a raw tracepoint's u64 arguments, as <see cref="Context"/>), how often, and where. What may go
/// in depends on the program type: networking programs (XDP, tc/sched_cls, socket filter, cgroup skb, flow dissector,
/// sk_lookup) take data, raw tracepoint and tracing programs take only a context.
/// </summary>
public sealed class TestRunOptions
{
    /// <summary>The packet (<c>data_in</c>): from the Ethernet header for XDP and tc programs.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>Room for the packet after the run (<c>data_out</c>). Default: <see cref="Data"/>'s length plus 4096 bytes
    /// (enough for programs that grow the packet), or none without <see cref="Data"/>. 0 asks for no data out.</summary>
    public int? DataOutSize { get; init; }

    /// <summary>The context (<c>ctx_in</c>): for example a <c>struct __sk_buff</c> (fields the kernel lets tests set:
    /// mark, priority, ifindex, cb, tstamp, wire_len, gso_segs, gso_size, hwtstamp), a <c>struct xdp_md</c>, or a raw
    /// tracepoint's arguments as u64s.</summary>
    public ReadOnlyMemory<byte> Context { get; init; }

    /// <summary>Room for the context after the run (<c>ctx_out</c>). Default: with a <see cref="Context"/>, for program types
    /// that give it back (socket filter, tc, cgroup skb, lwt, XDP, sk_lookup, flow dissector), its length or 256 bytes
    /// whichever is larger (the kernel returns its whole struct); otherwise none. 0 asks for none.</summary>
    public int? ContextOutSize { get; init; }

    /// <summary>How many times to run (the kernel reports the mean duration); 0 and 1 both mean once. Raw tracepoint and tracing programs run once only.</summary>
    public uint Repeat { get; init; }

    /// <summary>The CPU to run on (sets <see cref="TestRunFlags.RunOnCpu"/>; raw tracepoint programs only); null for the current one.</summary>
    public int? Cpu { get; init; }

    /// <summary>BPF_F_TEST_* flags.</summary>
    public TestRunFlags Flags { get; init; }

    /// <summary>With <see cref="TestRunFlags.XdpLiveFrames"/>: frames sent per batch (<c>batch_size</c>; 0 lets the kernel choose).</summary>
    public uint BatchSize { get; init; }
}
