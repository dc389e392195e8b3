using Ebpf.Asm;
using Ebpf.Internal.Unix;

namespace Ebpf.Internal.Sys;

/// <summary>Reads a loaded program's instructions as the verifier rewrote them (<c>xlated_prog_insns</c>) and the
/// addresses of its JIT-compiled functions (<c>jited_ksyms</c>), with BPF_OBJ_GET_INFO_BY_FD: once for the sizes, once
/// into buffers of those sizes.</summary>
internal static unsafe class ProgramCode
{
    internal static (Instruction[] Xlated, ulong[] FunctionAddresses) Read(SafeFd program, string subject)
    {
        var sizes = Bpf.GetInfo<BpfProgInfo>(program, subject);
        var insns = new Instruction[sizes.XlatedProgLen / 8];
        var ksyms = new ulong[sizes.NrJitedKsyms];
        fixed (Instruction* i = insns)
        fixed (ulong* k = ksyms)
        {
            // SAFETY: both buffers are pinned for the call and sized from the first answer; the kernel writes at most
            // xlated_prog_len bytes and nr_jited_ksyms addresses, and reports the real sizes back.
            var info = new BpfProgInfo
            {
                XlatedProgLen = (uint)(insns.Length * 8),
                XlatedProgInsns = (ulong)i,
                NrJitedKsyms = (uint)ksyms.Length,
                JitedKsyms = (ulong)k,
            };
            var attr = new ObjInfoAttr { BpfFd = (uint)program.Fd, InfoLen = (uint)sizeof(BpfProgInfo), Info = (ulong)&info };
            Bpf.Check(Bpf.Raw(BpfCommand.ObjGetInfoByFd, ref attr), "BPF_OBJ_GET_INFO_BY_FD", subject);
            if (info.XlatedProgLen == 0 && sizes.XlatedProgLen != 0)
                throw new BpfPermissionException("BPF_OBJ_GET_INFO_BY_FD", Errno.EPERM,
                    $"The kernel withheld the instructions of {subject}: reading them needs CAP_BPF (or CAP_SYS_ADMIN) and kernel.kptr_restrict below 2.");
            return (insns[..(int)(Math.Min(info.XlatedProgLen, (uint)(insns.Length * 8)) / 8)], ksyms[..(int)Math.Min(info.NrJitedKsyms, (uint)ksyms.Length)]);
        }
    }
}
