using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Links.MultiProbe;

/// <summary>
/// Whether the kernel has uprobe.multi links (BPF_TRACE_UPROBE_MULTI, Linux 6.6+), probed as libbpf does: a do-nothing
/// kprobe program loaded with that expected attach type, linked to offset 0 of "/". A kernel with the links answers
/// EBADF (a directory is no file to probe); one without answers EINVAL or refuses the load. Cached per process.
/// </summary>
internal static class UprobeMultiFeature
{
    private static readonly Lazy<bool> s_supported = new(Probe);

    internal static bool IsSupported => s_supported.Value;

    private static unsafe bool Probe()
    {
        // mov64 r0, 0; exit
        ulong* insns = stackalloc ulong[] { 0x00000000000000b7UL, 0x0000000000000095UL };
        byte* license = stackalloc byte[] { (byte)'G', (byte)'P', (byte)'L', 0 };
        // SAFETY: insns and license are stack buffers alive for the synchronous syscall.
        var load = new ProgLoadAttr
        {
            ProgType = (uint)BpfProgramType.Kprobe,
            InsnCnt = 2,
            Insns = (ulong)insns,
            License = (ulong)license,
            ExpectedAttachType = (uint)BpfAttachType.TraceUprobeMulti,
        };
        long prog = BpfProg.TryLoad(ref load);
        if (prog < 0) return false;
        using var fd = SafeFd.FromSyscall((int)prog);
        byte* path = stackalloc byte[] { (byte)'/', 0 };
        ulong offset = 0;
        var attr = new UprobeMultiLinkCreateAttr
        {
            ProgFd = (uint)fd.Fd,
            AttachType = (uint)BpfAttachType.TraceUprobeMulti,
            Path = (ulong)path,
            Offsets = (ulong)&offset,
            Count = 1,
        };
        long r = Bpf.Raw(BpfCommand.LinkCreate, ref attr);
        if (r >= 0)
        {
            _ = Libc.Close((int)r);
            return true;
        }
        return r == -Errno.EBADF;
    }
}
