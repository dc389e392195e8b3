using Ebpf.Btf;
using Ebpf.Internal.Sys;

namespace Ebpf.Linking;

/// <summary>
/// The function an extension program (<c>freplace/FUNCTION</c>, BPF_PROG_TYPE_EXT) replaces: a global function of another
/// loaded program (<see cref="ProgramSpec.AttachProgram"/>), found by name in that program's BTF. BPF_PROG_LOAD takes the
/// program's fd (attach_prog_fd) and the function's id in its BTF (attach_btf_id).
/// </summary>
internal static class FreplaceTarget
{
    internal static (BpfProgram Program, uint BtfId) Resolve(string objectName, ProgramSpec program)
    {
        var target = program.AttachProgram
            ?? throw new BpfObjectException(objectName, program.SectionName, MissingTarget(program));
        if (target.IsDisposed)
            throw new BpfObjectException(objectName, program.SectionName, $"program '{program.Name}' replaces a function of program '{target.Name}', which is disposed.");
        string function = program.AttachTarget
            ?? throw new BpfObjectException(objectName, program.SectionName,
                $"program '{program.Name}' is a freplace program but its section names no function (expected freplace/<function>); set ProgramSpec.AttachTarget.");
        byte[] btf = BtfObjectData.OfProgram(target.Handle, $"program '{target.Name}'")
            ?? throw new BpfObjectException(objectName, program.SectionName,
                $"program '{program.Name}' replaces '{function}' in program '{target.Name}', which was loaded without BTF; freplace needs the target's BTF (compile it with clang -g).");
        uint id = BtfScan.FindFirst(btf, function, BtfKind.Function, $"BTF of program '{target.Name}'");
        if (id == 0)
            throw new BpfObjectException(objectName, program.SectionName,
                $"program '{program.Name}': program '{target.Name}' has no function '{function}' in its BTF; freplace replaces a global (non-static, non-inlined) function of the target.");
        return (target, id);
    }

    /// <summary>
    /// The feature exception for a kernel that refuses extension programs before the verifier runs (EOPNOTSUPP, or EPERM
    /// with no log from a process that may load tracing programs; some kernels refuse fentry/fexit the same way), null
    /// when the failure is something else.
    /// </summary>
    internal static BpfFeatureNotSupportedException? Refused(string objectName, ProgramSpec program, int errno, string log)
    {
        if (log.Trim().Length != 0 || errno is not (Internal.Unix.Errno.EPERM or Internal.Unix.Errno.EOPNOTSUPP or Internal.Unix.Errno.ENOTSUPP)) return null;
        if (errno == Internal.Unix.Errno.EPERM)
        {
            try
            {
                if (!Features.KernelFeatures.HasProgramType(BpfProgramType.RawTracepoint)) return null;
            }
            catch (BpfPermissionException)
            {
                return null; // the process lacks the privileges: not the kernel's refusal
            }
        }
        return new BpfFeatureNotSupportedException("BPF_PROG_LOAD", errno, "freplace",
            $"{objectName}: this kernel refuses freplace programs: BPF_PROG_LOAD of '{program.Name}' ({program.SectionName}) against " +
            $"'{program.AttachTarget}' of program '{program.AttachProgram?.Name}' failed with {Internal.Unix.Errno.Name(errno)} before the verifier ran (no log), " +
            "although this process may load tracing programs. Extensions are patched into the target through the BPF trampoline machinery, " +
            "which this kernel does not allow (it refuses fentry/fexit the same way when KernelFeatures.HasAttachType(BpfAttachType.TraceFentry) is false). " +
            "Set ProgramSpec.AutoLoad = false to load the rest.");
    }

    internal static string MissingTarget(ProgramSpec program) =>
        $"program '{program.Name}' is a freplace program, which replaces a function of another loaded program: set ProgramSpec.AttachProgram " +
        "to that program before loading (or ProgramSpec.AutoLoad = false to load the rest).";
}
