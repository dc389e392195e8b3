namespace Ebpf.TestRuns;

/// <summary>What a BPF_PROG_TEST_RUN into caller buffers returned (no allocation): the return value, the mean duration,
/// and how many bytes of the data-out and context-out buffers the kernel filled.</summary>
/// <param name="ReturnValue">The program's return value.</param>
/// <param name="DurationNanoseconds">Mean nanoseconds per run.</param>
/// <param name="DataOutLength">Bytes of packet written to the data-out buffer.</param>
/// <param name="ContextOutLength">Bytes of context written to the context-out buffer.</param>
public readonly record struct TestRunOutcome(uint ReturnValue, uint DurationNanoseconds, int DataOutLength, int ContextOutLength);
