using System.Runtime.InteropServices;

namespace Ebpf.Cli.Bench;

/// <summary><c>struct bench_stats</c> (bench/bench_record.h): the producer's own counts, one per CPU in the <c>stats</c> map.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BenchStats
{
    internal ulong Attempted, Emitted, Dropped, AvailMax, Runs;

    /// <summary>The counts summed over every CPU.</summary>
    internal static BenchStats Read(BpfObject obj)
    {
        var total = new BenchStats();
        foreach (var cpu in obj.Map("stats").LookupPerCpu<uint, BenchStats>(0))
        {
            total.Attempted += cpu.Attempted;
            total.Emitted += cpu.Emitted;
            total.Dropped += cpu.Dropped;
            total.Runs += cpu.Runs;
            total.AvailMax = Math.Max(total.AvailMax, cpu.AvailMax);
        }
        return total;
    }
}
