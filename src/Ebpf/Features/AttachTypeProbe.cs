using Ebpf.Asm;
using Ebpf.Btf;
using Ebpf.Linking;
using Ebpf.Links;

namespace Ebpf.Features;

/// <summary>
/// Probes a BTF-targeted attach type the only reliable way: loads <c>r0 = 0; exit</c> against a target every kernel
/// with BPF has, and attaches it for a moment (a kernel may accept the load and refuse the trampoline at attach).
/// The probe programs do nothing: an LSM program returning 0 allows everything, and bpf_fentry_test1 runs only
/// under BPF_PROG_TEST_RUN.
/// </summary>
internal static class AttachTypeProbe
{
    private static readonly Instruction[] ReturnZero = new Assembler().Mov(Register.R0, 0).Exit().Build();

    /// <summary>The program type and the section target each attach type is probed with.</summary>
    internal static (BpfProgramType Type, string Target) ProbeTarget(BpfAttachType attach) => attach switch
    {
        BpfAttachType.TraceRawTp => (BpfProgramType.Tracing, "sched_switch"),
        BpfAttachType.TraceFentry or BpfAttachType.TraceFexit => (BpfProgramType.Tracing, "bpf_fentry_test1"),
        BpfAttachType.ModifyReturn => (BpfProgramType.Tracing, "bpf_modify_return_test"),
        BpfAttachType.LsmMac => (BpfProgramType.Lsm, "file_open"),
        BpfAttachType.TraceIter => (BpfProgramType.Tracing, "task"),
        _ => throw new ArgumentOutOfRangeException(nameof(attach), attach,
            "Only the BTF-targeted attach types can be probed: TraceRawTp, TraceFentry, TraceFexit, ModifyReturn, LsmMac, TraceIter."),
    };

    internal static bool Probe(BpfAttachType attach)
    {
        var (type, target) = ProbeTarget(attach);
        if (!File.Exists(KernelBtf.DefaultPath)) return false;
        var spec = new ProgramSpec("probe", $"{BtfAttachTarget.KindName(attach)}/{target}", type, attach, target, false, "GPL",
            ReturnZero, [], []);
        uint id;
        try
        {
            id = BtfAttachTarget.Resolve(KernelBtf.Vmlinux("Probing BTF-targeted programs"), KernelBtf.DefaultPath, "feature probe", spec);
        }
        catch (BpfObjectException)
        {
            return false; // the kernel lacks the probe's target: it cannot have this attach type either
        }
        BpfProgram program;
        try
        {
            program = BpfProgram.FromLoaded(ProgramLoader.Load("feature probe", spec, ReturnZero, new BpfLoadOptions { LogSize = 4096 }, null, null, id), spec);
        }
        catch (BpfException e) when (e is not BpfPermissionException)
        {
            return false;
        }
        using (program)
        {
            try
            {
                using var link = attach == BpfAttachType.TraceIter ? (IDisposable)IterLink.Attach(program) : TracingLink.Attach(program);
                return true;
            }
            catch (BpfException e) when (e is not BpfPermissionException)
            {
                return false;
            }
        }
    }
}
