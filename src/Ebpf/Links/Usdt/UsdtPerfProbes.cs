using System.Text;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Links.Usdt;

/// <summary>
/// The per-site way to attach a USDT program (kernels before uprobe.multi links, or programs loaded for it): one uprobe
/// perf event per probe site, opened through the uprobe PMU with the semaphore's file offset in config[63:32]
/// (<c>format/ref_ctr_offset</c>, so the kernel counts the semaphore up while attached), then linked with the spec id as
/// the BPF cookie (BPF_LINK_CREATE, BPF_PERF_EVENT), or, on kernels without perf links, attached by ioctl.
/// </summary>
internal static class UsdtPerfProbes
{
    private const uint BPF_PERF_EVENT = 41;
    private const string RefCounterFormat = "/sys/bus/event_source/devices/uprobe/format/ref_ctr_offset";

    internal static (SafeFd Perf, SafeFd? Link) Open(BpfProgram program, string path, UsdtProbe probe, int specId, int processId, string subject)
    {
        var pmu = ProbePmu.TryFind("uprobe")
            ?? throw new BpfFeatureNotSupportedException("perf_event_open", Errno.ENOENT, "uprobe",
                $"Cannot attach {subject}: this kernel has no uprobe PMU (/sys/bus/event_source/devices/uprobe; CONFIG_UPROBE_EVENTS is off).");
        if (probe.HasSemaphore && !File.Exists(RefCounterFormat))
            throw new BpfFeatureNotSupportedException("perf_event_open", Errno.EOPNOTSUPP, "uprobe ref_ctr_offset",
                $"Cannot attach {subject}: probe {probe.Provider}:{probe.Name} is guarded by a semaphore, and this kernel's uprobes cannot count it ({RefCounterFormat} is missing; Linux 4.20+).");
        byte[] name = Encoding.UTF8.GetBytes(path + "\0");
        int r;
        unsafe
        {
            fixed (byte* p = name)
            {
                var attr = new PerfEventAttr
                {
                    Type = pmu.Type,
                    Config = probe.SemaphoreOffset << 32,
                    // SAFETY: config1 points at the pinned NUL-terminated path for the duration of the syscall; the kernel copies it.
                    Config1 = (ulong)p,
                    Config2 = probe.FileOffset,
                    SamplePeriodOrFreq = 1,
                    WakeupEventsOrWatermark = 1,
                };
                r = PerfEvent.TryOpen(ref attr, processId, processId == -1 ? 0 : -1);
            }
        }
        if (r < 0)
            throw Errno.ToException("perf_event_open", -r, $"{subject}, site 0x{probe.Address:x}",
                -r == Errno.ESRCH ? $"Process {processId} does not exist." : null);
        var perf = SafeFd.FromSyscall(r);
        SafeFd? link = null;
        try
        {
            var linkAttr = new LinkCreateAttr { ProgFd = (uint)program.Fd, TargetFd = (uint)perf.Fd, AttachType = BPF_PERF_EVENT, Cookie = (ulong)specId };
            long l = Bpf.TryLinkCreate(ref linkAttr);
            if (l >= 0)
                link = SafeFd.FromSyscall((int)l);
            else if (l == -Errno.EINVAL)
                // A kernel without perf links (before 5.15) has no cookies either: the program finds its spec by ip.
                PerfEvent.Ioctl(perf, PerfEventAttr.PERF_EVENT_IOC_SET_BPF, program.Fd, subject);
            else
                throw Errno.ToException("BPF_LINK_CREATE", (int)-l, subject,
                    -l == Errno.EINVAL ? null : "Was the program loaded for uprobe.multi links? Such programs attach only through them.");
            PerfEvent.Ioctl(perf, PerfEventAttr.PERF_EVENT_IOC_ENABLE, 0, subject);
            return (perf, link);
        }
        catch
        {
            link?.Dispose();
            perf.Dispose();
            throw;
        }
    }
}
