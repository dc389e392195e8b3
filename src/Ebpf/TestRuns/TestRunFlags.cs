namespace Ebpf.TestRuns;

/// <summary>The <c>BPF_F_TEST_*</c> flags of BPF_PROG_TEST_RUN (include/uapi/linux/bpf.h).</summary>
[Flags]
public enum TestRunFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>BPF_F_TEST_RUN_ON_CPU: run on <see cref="TestRunOptions.Cpu"/> (raw tracepoint programs; set for you when a CPU is given).</summary>
    RunOnCpu = 1u << 0,
    /// <summary>BPF_F_TEST_XDP_LIVE_FRAMES: XDP only; frames the program redirects or passes are really sent (Linux 5.18+).
    /// Takes no data out; see <see cref="TestRunOptions.BatchSize"/>.</summary>
    XdpLiveFrames = 1u << 1,
    /// <summary>BPF_F_TEST_SKB_CHECKSUM_COMPLETE: skb programs see CHECKSUM_COMPLETE packets (Linux 6.9+).</summary>
    SkbChecksumComplete = 1u << 2,
}
