namespace Ebpf.Perf;

/// <summary>Lets a sample handler end the current drain after its record (the async stream does this when its queue is full).</summary>
internal sealed class PerfDrainStop
{
    /// <summary>Set by the handler; cleared by whoever starts the next drain. Read and written on the polling thread only.</summary>
    internal bool Requested;
}
