using System.Text;
using Ebpf.Asm;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Linking;

/// <summary>BPF_PROG_LOAD for one linked program: first without a log (free on success), then, on failure, again with a
/// verifier log that grows until it fits, so the exception can say why.</summary>
internal static unsafe class ProgramLoader
{
    private const uint BPF_F_SLEEPABLE = 1u << 4, BPF_F_XDP_HAS_FRAGS = 1u << 5;
    private const int MaxLogSize = 1 << 30;

    internal readonly record struct BtfInfo(SafeFd Btf, byte[] FuncInfo, uint FuncInfoCount, byte[] LineInfo, uint LineInfoCount);

    internal static SafeFd Load(string objectName, ProgramSpec spec, Instruction[] instructions, BpfLoadOptions options, BtfInfo? btf, string? btfFailure = null,
        uint attachBtfId = 0, SafeFd? attachBtfObject = null, BpfAttachType? expectedAttachType = null)
    {
        byte[] license = Bpf.NulTerminated(spec.License);
        fixed (Instruction* insns = instructions)
        fixed (byte* lic = license)
        fixed (byte* funcInfo = btf?.FuncInfo)
        fixed (byte* lineInfo = btf?.LineInfo)
        {
            var attr = new ProgLoadAttr
            {
                ProgType = (uint)spec.Type,
                InsnCnt = (uint)instructions.Length,
                Insns = (ulong)insns,
                License = (ulong)lic,
                ProgName = ObjName.From(spec.Name),
                ExpectedAttachType = (uint)(expectedAttachType ?? spec.ExpectedAttachType),
                ProgFlags = (spec.IsSleepable ? BPF_F_SLEEPABLE : 0) | (SectionTypes.IsXdpFrags(spec.Type, spec.SectionName) ? BPF_F_XDP_HAS_FRAGS : 0),
                AttachBtfId = attachBtfId,
                // A module's type: attach_btf_obj_fd (AttachProgFd's union member) is the module's BTF object; 0 for vmlinux.
                AttachProgFd = attachBtfObject is null ? 0 : (uint)attachBtfObject.Fd,
            };
            if (btf is { } b)
            {
                attr.ProgBtfFd = (uint)b.Btf.Fd;
                attr.FuncInfoRecSize = 8;
                attr.FuncInfo = (ulong)funcInfo;
                attr.FuncInfoCnt = b.FuncInfoCount;
                if (b.LineInfoCount > 0)
                {
                    attr.LineInfoRecSize = 16;
                    attr.LineInfo = (ulong)lineInfo;
                    attr.LineInfoCnt = b.LineInfoCount;
                }
            }
            long r = BpfProg.TryLoad(ref attr);
            if (r >= 0) return SafeFd.FromSyscall((int)r);

            int firstErrno = (int)-r;
            string log = LoadWithLog(ref attr, options, out r);
            if (r >= 0)
            {
                // Loaded the second time (a transient failure): keep it.
                return SafeFd.FromSyscall((int)r);
            }
            int errno = (int)-r;
            if (attachBtfId != 0 && TracingRefused(objectName, spec, errno, log) is { } refused) throw refused;
            if (spec.Type == BpfProgramType.Ext && FreplaceTarget.Refused(objectName, spec, errno, log) is { } extension) throw extension;
            if (log.Trim().Length == 0)
            {
                if (errno is Errno.EPERM)
                    throw Errno.ToException("BPF_PROG_LOAD", errno, $"program '{spec.Name}' in {objectName}");
                throw new BpfVerifierException(spec.Name, errno, log,
                    $"{objectName}: BPF_PROG_LOAD for program '{spec.Name}' ({spec.SectionName}, {spec.Type}) failed with {Errno.Name(firstErrno)} " +
                    "and the kernel wrote no verifier log. Check that the kernel supports this program type and attach type.");
            }
            var e = new BpfVerifierException(spec.Name, errno, log, "");
            string note = btfFailure is null ? "" : $" (Note: the kernel rejected the object's BTF, so the program was loaded without it: {btfFailure}.)";
            throw new BpfVerifierException(spec.Name, errno, log,
                $"{objectName}: the verifier rejected program '{spec.Name}' ({spec.SectionName}) with {Errno.Name(errno)}.{note} Last lines of the log:\n{e.Tail()}");
        }
    }

    /// <summary>
    /// A kernel without BPF trampolines (or BPF LSM) refuses fentry/fexit/fmod_ret/lsm programs before the verifier
    /// runs: EOPNOTSUPP/ENOTSUPP, or EPERM with no log even for a process that may load tracing programs. Returns the
    /// feature exception for that case, null when the failure is something else.
    /// </summary>
    private static BpfFeatureNotSupportedException? TracingRefused(string objectName, ProgramSpec spec, int errno, string log)
    {
        if (!BtfAttachTarget.UsesTrampoline(spec.ExpectedAttachType)) return null;
        if (errno is Errno.EOPNOTSUPP or Errno.ENOTSUPP)
            return BtfAttachTarget.NotSupported("BPF_PROG_LOAD", errno, spec.ExpectedAttachType, "load", spec.Name, spec.SectionName,
                $"{objectName}: BPF_PROG_LOAD failed with {Errno.Name(errno)}.");
        if (errno != Errno.EPERM || log.Trim().Length != 0) return null;
        // EPERM could also be missing privileges: a raw_tp program needs the same capabilities (CAP_BPF + CAP_PERFMON);
        // if it loads, the refusal is the kernel's, not the process's. (HasProgramType throws when privileges lack.)
        try
        {
            if (!Features.KernelFeatures.HasProgramType(BpfProgramType.RawTracepoint)) return null;
        }
        catch (BpfPermissionException)
        {
            return null;
        }
        return BtfAttachTarget.NotSupported("BPF_PROG_LOAD", errno, spec.ExpectedAttachType, "load", spec.Name, spec.SectionName,
            $"{objectName}: BPF_PROG_LOAD failed with EPERM before the verifier ran (no log), although this process may load tracing programs.");
    }

    private static string LoadWithLog(ref ProgLoadAttr attr, BpfLoadOptions options, out long result)
    {
        int size = Math.Clamp(options.LogSize, 4096, MaxLogSize);
        while (true)
        {
            // Not zeroed (a 16 MiB memset per refused program is most of the cost of an object full of them): the
            // kernel NUL-terminates what it writes, and a failure before the verifier writes nothing, so byte 0 says empty.
            var buffer = GC.AllocateUninitializedArray<byte>(size);
            buffer[0] = 0;
            fixed (byte* log = buffer)
            {
                attr.LogLevel = (uint)Math.Max(1, options.LogLevel);
                attr.LogSize = (uint)buffer.Length;
                attr.LogBuf = (ulong)log;
                attr.LogTrueSize = 0;
                result = BpfProg.TryLoad(ref attr);
                attr.LogBuf = 0;
                attr.LogSize = 0;
                attr.LogLevel = 0;
            }
            if (result == -Errno.ENOSPC && size < MaxLogSize)
            {
                size = (int)Math.Min(MaxLogSize, Math.Max((long)size * 2, attr.LogTrueSize));
                continue;
            }
            int end = Array.IndexOf(buffer, (byte)0);
            return Encoding.UTF8.GetString(buffer, 0, end < 0 ? buffer.Length : end);
        }
    }
}
