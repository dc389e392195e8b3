using Ebpf.Linking;

namespace Ebpf;

/// <summary>
/// A program as declared in an object, linked (subprograms appended, calls fixed) but not loaded: plain data,
/// editable before <see cref="BpfObjectSpec.Load"/>, the way libbpf's <c>bpf_program__set_*</c> and cilium's
/// <c>ProgramSpec</c> are.
/// </summary>
public sealed class ProgramSpec
{
    internal ProgramSpec(string name, string sectionName, BpfProgramType type, BpfAttachType expectedAttachType, string? attachTarget,
        bool sleepable, string license, BpfInstruction[] instructions, MapReference[] mapReferences, FunctionPlacement[] functions)
    {
        Name = name;
        SectionName = sectionName;
        Type = type;
        ExpectedAttachType = expectedAttachType;
        AttachTarget = attachTarget;
        IsSleepable = sleepable;
        License = license;
        Instructions = instructions;
        MapReferences = mapReferences;
        Functions = functions;
    }

    /// <summary>The program's function (symbol) name.</summary>
    public string Name { get; }

    /// <summary>The ELF section it came from, for example <c>tracepoint/syscalls/sys_enter_openat</c>.</summary>
    public string SectionName { get; }

    /// <summary>The program type, derived from the section name.</summary>
    public BpfProgramType Type { get; set; }

    /// <summary>The expected attach type passed to BPF_PROG_LOAD, derived from the section name.</summary>
    public BpfAttachType ExpectedAttachType { get; set; }

    /// <summary>What the section name says to attach to: <c>syscalls/sys_enter_unlinkat</c> for a tracepoint,
    /// <c>sys_enter</c> for a raw tracepoint, the function for a kprobe; null when the section names none.</summary>
    public string? AttachTarget { get; set; }

    /// <summary>
    /// For freplace (extension) programs: the loaded program one of whose global functions (the one
    /// <see cref="AttachTarget"/> names) this program replaces, as libbpf's <c>bpf_program__set_attach_target</c> sets it.
    /// </summary>
    public BpfProgram? AttachProgram { get; set; }

    /// <summary>True for sleepable sections (<c>fentry.s/</c>, <c>lsm.s/</c>, <c>uprobe.s/</c>, <c>syscall</c>...).</summary>
    public bool IsSleepable { get; }

    /// <summary>The object's license (from its <c>license</c> section).</summary>
    public string License { get; set; }

    /// <summary>False to skip this program when the object is loaded (libbpf's <c>bpf_program__set_autoload</c>).</summary>
    public bool AutoLoad { get; set; } = true;

    /// <summary>The number of instructions after linking (ld_imm64 counts as two).</summary>
    public int InstructionCount => Instructions.Length;

    internal BpfInstruction[] Instructions { get; }

    internal MapReference[] MapReferences { get; }

    /// <summary>Instructions that receive a ksym's or kfunc's resolution at load time.</summary>
    internal Externs.ExternReference[] ExternReferences { get; init; } = [];

    internal FunctionPlacement[] Functions { get; }

    /// <summary>CO-RE records that apply to this program (from .BTF.ext), in linked instruction indices.</summary>
    internal List<(int Instruction, Btf.BtfCoreRelocation Record)> CoreRelocations { get; } = [];

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({SectionName}, {Type}, {InstructionCount} instructions)";
}
