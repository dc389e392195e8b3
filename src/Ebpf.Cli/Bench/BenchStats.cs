namespace Ebpf.Cli.Bench;

/// <summary>The bindings generated from bench.bpf.o (a &lt;BpfObject&gt; of this project), extended here.</summary>
public sealed partial class BenchBpf
{
    /// <summary><c>struct bench_stats</c> (bench/bench_record.h), generated: the producer's own counts, one per CPU in the <c>stats</c> map.</summary>
    public partial struct BenchStats
    {
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
}
