namespace Ebpf.Fuzz;

/// <summary>
/// The fuzz targets, selected by name. <see cref="Run"/> is the one entry point: AFL (through SharpFuzz), the replay
/// mode of this program and the corpus test in tests/Ebpf.Tests all call it. It returns only when the library accepted
/// the input or refused it with its documented exception; every other exception escapes and is a finding.
/// </summary>
internal static class FuzzTargets
{
    /// <summary>The name every input is parsed under; a <see cref="BpfObjectException"/> must carry it.</summary>
    internal const string InputName = "fuzz-input";

    /// <summary>Most bytes one input may make the harness allocate. The loader accepts a zero-filled (.bss-style)
    /// section of up to 256 MiB, so legitimate inputs stay below this; more means something is sized from an unchecked
    /// header field.</summary>
    internal const long AllocationBudget = 1L << 30;

    internal static IReadOnlyList<string> Names { get; } = ["elf", "btf", "btfext", "symbols"];

    /// <summary>Runs <paramref name="input"/> through <paramref name="target"/>.</summary>
    /// <exception cref="ArgumentException">No such target.</exception>
    internal static FuzzOutcome Run(string target, byte[] input)
    {
        ArgumentNullException.ThrowIfNull(input);
        long before = GC.GetAllocatedBytesForCurrentThread();
        FuzzOutcome outcome;
        try
        {
            outcome = target switch
            {
                "elf" => ElfTarget.Run(input),
                "btf" => BtfTarget.Run(input),
                "btfext" => BtfExtTarget.Run(input),
                "symbols" => SymbolsTarget.Run(input),
                _ => throw new ArgumentException($"unknown fuzz target '{target}' (targets: {string.Join(", ", Names)}).", nameof(target)),
            };
        }
        catch (BpfObjectException e)
        {
            Expect(e);
            outcome = FuzzOutcome.Rejected;
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated > AllocationBudget)
            throw new FuzzFindingException($"a {input.Length}-byte input made the {target} target allocate {allocated >> 20} MiB (budget {AllocationBudget >> 20} MiB).");
        return outcome;
    }

    /// <summary>Checks that a documented exception names the input, as its contract says; use where a target catches
    /// one to go on with the next step.</summary>
    internal static void Expect(BpfObjectException e)
    {
        if (e.ObjectName != InputName)
            throw new FuzzFindingException($"BpfObjectException names object '{e.ObjectName}', not '{InputName}'.", e);
    }
}
