namespace Ebpf.Fuzz;

/// <summary>What a fuzz target did with one input. Anything else is an exception that escapes the target: a finding.</summary>
internal enum FuzzOutcome
{
    /// <summary>The input parsed (and the load-independent steps after parsing ran).</summary>
    Accepted,

    /// <summary>The input was refused with the library's documented exception (<see cref="BpfObjectException"/>).</summary>
    Rejected,
}
