namespace Ebpf;

/// <summary>A program's run statistics from BPF_OBJ_GET_INFO_BY_FD. The kernel only counts while run statistics are
/// enabled (<see cref="BpfProgram.EnableRunStats"/> or sysctl kernel.bpf_stats_enabled=1).</summary>
/// <param name="RunCount">Times the program ran.</param>
/// <param name="RunTimeNanoseconds">Total time spent in the program, in nanoseconds.</param>
/// <param name="RecursionMisses">Runs skipped because the program was already running on that CPU.</param>
public readonly record struct ProgramRunStats(ulong RunCount, ulong RunTimeNanoseconds, ulong RecursionMisses)
{
    /// <summary>Mean run time in nanoseconds, or 0 when the program has not run.</summary>
    public double AverageNanoseconds => RunCount == 0 ? 0 : (double)RunTimeNanoseconds / RunCount;
}
