using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>Attaches a program to an open perf event (tracepoint, kprobe, uprobe, software event) and enables it:
/// through a BPF link (BPF_LINK_CREATE, BPF_PERF_EVENT; kernel 5.15+) where the kernel has one, else the
/// PERF_EVENT_IOC_SET_BPF ioctl. Returns the link descriptor, or null when the ioctl was used.</summary>
internal static class PerfEventAttachment
{
    private const uint BPF_PERF_EVENT = 41;

    internal static SafeFd? Attach(BpfProgram program, SafeFd perfEvent, string subject)
    {
        SafeFd? link = null;
        try
        {
            var linkAttr = new LinkCreateAttr { ProgFd = (uint)program.Fd, TargetFd = (uint)perfEvent.Fd, AttachType = BPF_PERF_EVENT };
            long r = Bpf.TryLinkCreate(ref linkAttr);
            if (r >= 0)
                link = SafeFd.FromSyscall((int)r);
            else
                PerfEvent.Ioctl(perfEvent, PerfEventAttr.PERF_EVENT_IOC_SET_BPF, program.Fd, subject);
            PerfEvent.Ioctl(perfEvent, PerfEventAttr.PERF_EVENT_IOC_ENABLE, 0, subject);
            return link;
        }
        catch
        {
            link?.Dispose();
            throw;
        }
    }
}
