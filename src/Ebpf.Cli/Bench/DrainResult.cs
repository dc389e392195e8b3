namespace Ebpf.Cli.Bench;

/// <summary>One cell of the drain table: a transport and record size, C and C# medians from the same run.</summary>
internal sealed record DrainResult(
    string Transport,
    int RecordSize,
    long RecordsPerRound,
    int Rounds,
    double CSharpNsPerRecord,
    double CSharpStructNsPerRecord,
    double CNsPerRecord,
    long CSharpAllocatedBytes,
    bool ChecksumsOk,
    long Lost,
    string Notification)
{
    internal double CSharpMillionPerSecond => 1e3 / CSharpNsPerRecord;
    internal double CSharpStructMillionPerSecond => 1e3 / CSharpStructNsPerRecord;
    internal double CMillionPerSecond => 1e3 / CNsPerRecord;
    /// <summary>C# throughput over C throughput: above 1 means C# drains faster.</summary>
    internal double Ratio => CNsPerRecord / CSharpNsPerRecord;
    /// <summary>The same for the struct-handler path (<c>Consume&lt;THandler&gt;</c>).</summary>
    internal double StructRatio => CNsPerRecord / CSharpStructNsPerRecord;

    /// <summary>
    /// Medians of the draining thread's CPU time (CLOCK_THREAD_CPUTIME_ID) per record, C measured around the same call as
    /// its wall time. On a shared machine they leave out the time the thread was preempted, which wall time includes.
    /// </summary>
    internal double CSharpCpuNsPerRecord { get; init; }
    internal double CSharpStructCpuNsPerRecord { get; init; }
    internal double CCpuNsPerRecord { get; init; }
    internal double CpuRatio => CCpuNsPerRecord / CSharpCpuNsPerRecord;
    internal double CpuStructRatio => CCpuNsPerRecord / CSharpStructCpuNsPerRecord;
}
