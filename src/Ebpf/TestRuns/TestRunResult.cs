namespace Ebpf.TestRuns;

/// <summary>What a BPF_PROG_TEST_RUN returned: the program's return value (an XDP action, a tc verdict, a filter's
/// length), the mean duration of one run, and the packet and context as the program left them.</summary>
/// <param name="ReturnValue">The program's return value (<c>retval</c>; signed programs: cast to int).</param>
/// <param name="DurationNanoseconds">Mean nanoseconds per run (<c>duration</c>; 0 for program types the kernel does not time).</param>
/// <param name="DataOut">The packet after the run (empty when no data out was asked for).</param>
/// <param name="ContextOut">The context after the run (empty when none was asked for).</param>
public sealed record TestRunResult(uint ReturnValue, uint DurationNanoseconds, byte[] DataOut, byte[] ContextOut);
