using Ebpf.Asm;
using Ebpf.Btf;
using Ebpf.Internal.Sys;
using Ebpf.Linking;

namespace Ebpf;

public sealed partial class BpfProgram
{
    /// <summary>
    /// Loads a program built in code (<see cref="ProgramSpec(string, BpfProgramType, ReadOnlySpan{Instruction}, string)"/>,
    /// typically from an <see cref="Assembler"/>): BPF_PROG_LOAD, with the verifier log in the exception when it is
    /// refused. BTF-targeted types (tp_btf, fentry, lsm...) resolve <see cref="ProgramSpec.AttachTarget"/> in vmlinux.
    /// </summary>
    /// <exception cref="BpfVerifierException">The verifier refused the program; the exception carries its log.</exception>
    /// <exception cref="BpfObjectException">The spec came from an object and refers to its maps or externs: load it with
    /// its <see cref="BpfObjectSpec"/>.</exception>
    public static BpfProgram Load(ProgramSpec spec, BpfLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.MapReferences.Length > 0 || spec.ExternReferences.Length > 0 || spec.CoreRelocations.Count > 0)
            throw new BpfObjectException(spec.Name, spec.SectionName,
                $"program '{spec.Name}' refers to maps, externs or CO-RE records of its object; load it with BpfObjectSpec.Load.");
        uint attachBtfId = 0;
        if (BtfAttachTarget.IsBtfTargeted(spec.Type, spec.ExpectedAttachType))
            attachBtfId = BtfAttachTarget.Resolve(KernelBtf.Vmlinux($"Program '{spec.Name}' attaches to a kernel BTF type and"), KernelBtf.DefaultPath, spec.Name, spec);
        var fd = ProgramLoader.Load(spec.Name, spec, spec.Instructions.ToArray(), options ?? new BpfLoadOptions(), null, attachBtfId: attachBtfId);
        return FromLoaded(fd, spec);
    }

    /// <summary>The program's instructions as the kernel holds them after verification (xlated: helper calls and map
    /// references rewritten, maps by id).</summary>
    /// <exception cref="BpfPermissionException">The kernel withholds them (no CAP_BPF, or kernel.kptr_restrict = 2).</exception>
    public Instruction[] GetXlatedInstructions()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return ProgramCode.Read(Handle, $"program '{Name}'").Xlated;
    }

    /// <summary>
    /// The program as the kernel holds it, in the text of <c>bpftool prog dump xlated</c> (without its source lines):
    /// one <c>"   N: (op) ..."</c> line per instruction, maps by id, calls named from /proc/kallsyms.
    /// </summary>
    public string Disassemble()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var (xlated, functions) = ProgramCode.Read(Handle, $"program '{Name}'");
        var names = new KernelCallNames(functions);
        return Disassembler.Format(xlated, new DisassemblyOptions { MapsById = true, CallTargetName = names.Name });
    }
}
