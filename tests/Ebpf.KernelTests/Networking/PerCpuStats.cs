namespace Ebpf.KernelTests.Networking;

/// <summary>Reads a slot of the test objects' per-CPU 'stats' array, summed over CPUs.</summary>
internal static class PerCpuStats
{
    internal static ulong Sum(BpfObject obj, uint slot)
    {
        ulong total = 0;
        foreach (ulong v in obj.Map("stats").LookupPerCpu<uint, ulong>(slot)) total += v;
        return total;
    }
}
