using Ebpf.Asm;
using Ebpf.Elf;

namespace Ebpf.Linking;

/// <summary>An executable section: its instructions, its relocations by instruction index and its functions.</summary>
internal sealed class CodeSection
{
    internal CodeSection(ElfSection section, Instruction[] instructions, Dictionary<int, ElfRelocation> relocations, List<CodeFunction> functions)
    {
        Section = section;
        Instructions = instructions;
        Relocations = relocations;
        Functions = functions;
    }

    internal ElfSection Section { get; }
    internal Instruction[] Instructions { get; }
    internal Dictionary<int, ElfRelocation> Relocations { get; }

    /// <summary>Functions sorted by start.</summary>
    internal List<CodeFunction> Functions { get; }

    internal CodeFunction? FunctionStartingAt(int instruction)
    {
        foreach (var f in Functions)
            if (f.Start == instruction) return f;
        return null;
    }
}

/// <summary>One FUNC symbol's instruction range.</summary>
internal sealed record CodeFunction(string Name, CodeSection Code, int Start, int Length, bool IsGlobal);
