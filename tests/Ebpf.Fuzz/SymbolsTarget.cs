using Ebpf.Elf;

namespace Ebpf.Fuzz;

/// <summary>
/// The uprobe symbol reader (<see cref="ExecutableSymbols"/>): a native ELF executable or shared library, the input,
/// searched for a function the seed has and for one it lacks. Its documented refusal is a <see cref="BpfException"/>
/// that names the file; anything else escapes and is a finding.
/// </summary>
internal static class SymbolsTarget
{
    internal static FuzzOutcome Run(byte[] input)
    {
        try
        {
            _ = ExecutableSymbols.FileOffsetOf(input, "my_func", FuzzTargets.InputName);
        }
        catch (BpfException e) when (e is not BpfObjectException)
        {
            Expect(e);
            return FuzzOutcome.Rejected;
        }
        try
        {
            _ = ExecutableSymbols.FileOffsetOf(input, "absent_function", FuzzTargets.InputName);
            throw new FuzzFindingException("the symbol reader resolved 'absent_function', which no input defines by design of the seeds.");
        }
        catch (BpfException e) when (e is not BpfObjectException)
        {
            Expect(e);
        }
        return FuzzOutcome.Accepted;
    }

    private static void Expect(BpfException e)
    {
        if (!e.Message.Contains($"'{FuzzTargets.InputName}'", StringComparison.Ordinal))
            throw new FuzzFindingException($"the symbol reader's BpfException does not name the file: {e.Message}", e);
    }
}
