namespace Ebpf.Cli.Bench;

/// <summary>
/// One consumer's stream run: what arrived, what the BPF side dropped, what it cost, how often the consumer woke with
/// records (polls that returned some), how late records were, and (C#) how many methods the JIT compiled during the
/// timed run (non-zero: a compile may have stalled a thread).
/// </summary>
internal sealed record StreamResult(
    string Consumer,
    long Received,
    long Emitted,
    long Dropped,
    long Lost,
    long WallNs,
    long ConsumerCpuNs,
    long LatencySamples,
    double LatencyMeanNs,
    long LatencyMaxNs,
    long? LatencyP50Ns,
    long? LatencyP99Ns,
    long? LatencyP999Ns,
    long Wakeups,
    long ProducerCalls,
    long JitCompilesDuringRun = 0)
{
    internal double ReceivedPerSecond => Received * 1e9 / WallNs;
    internal double DroppedPerSecond => (Dropped + Lost) * 1e9 / WallNs;
    /// <summary>Consumer CPU time per received record.</summary>
    internal double CpuNsPerRecord => Received == 0 ? 0 : (double)ConsumerCpuNs / Received;
    /// <summary>Records per poll that returned records: how much each wake-up of the consumer found.</summary>
    internal double RecordsPerWakeup => Wakeups == 0 ? 0 : (double)Received / Wakeups;
}
