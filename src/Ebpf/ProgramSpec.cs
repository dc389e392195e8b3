using Ebpf.Asm;
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
        bool sleepable, string license, Instruction[] instructions, MapReference[] mapReferences, FunctionPlacement[] functions)
    {
        Name = name;
        SectionName = sectionName;
        Type = type;
        ExpectedAttachType = expectedAttachType;
        AttachTarget = attachTarget;
        IsSleepable = sleepable;
        License = license;
        _instructions = instructions;
        MapReferences = mapReferences;
        Functions = functions;
    }

    /// <summary>
    /// A program built in code (with <see cref="Assembler"/>, or instructions from anywhere), to load with
    /// <see cref="BpfProgram.Load"/>. Maps are referenced by descriptor in its ld_imm64 instructions
    /// (<see cref="Assembler.LoadMapFd(Register, BpfMap)"/>), so they must be open when it is loaded. Set
    /// <see cref="ExpectedAttachType"/> and <see cref="AttachTarget"/> where the program type needs them.
    /// </summary>
    /// <exception cref="ArgumentException">No instructions, or a name the kernel cannot take.</exception>
    public ProgramSpec(string name, BpfProgramType type, ReadOnlySpan<Instruction> instructions, string license = "GPL")
        : this(name, "", type, default, null, false, license, instructions.ToArray(), [], [])
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(license);
        if (instructions.IsEmpty) throw new ArgumentException($"Program '{name}' has no instructions.", nameof(instructions));
    }

    private readonly Instruction[] _instructions;

    /// <summary>The program's function (symbol) name.</summary>
    public string Name { get; }

    /// <summary>The ELF section it came from, for example <c>tracepoint/syscalls/sys_enter_openat</c> ("" for a program built in code).</summary>
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

    /// <summary>The linked instructions (ld_imm64 takes two slots); print them with <see cref="Disassembler"/>. Map
    /// references are patched at load time, so their ld_imm64 immediates are 0 here.</summary>
    public ReadOnlySpan<Instruction> Instructions => _instructions;

    internal MapReference[] MapReferences { get; }

    /// <summary>Instructions that receive a ksym's or kfunc's resolution at load time.</summary>
    internal Externs.ExternReference[] ExternReferences { get; init; } = [];

    internal FunctionPlacement[] Functions { get; }

    /// <summary>CO-RE records that apply to this program (from .BTF.ext), in linked instruction indices.</summary>
    internal List<(int Instruction, Btf.BtfCoreRelocation Record)> CoreRelocations { get; } = [];

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({SectionName}, {Type}, {InstructionCount} instructions)";
}
