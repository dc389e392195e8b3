using System.Runtime.InteropServices;
using Ebpf.Cgroups;
using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>
/// A cgroup program (<c>cgroup_skb/*</c>, <c>cgroup/*</c>, <c>sockops</c>) attached to a cgroup v2 directory: a BPF
/// link (BPF_LINK_CREATE; kernel 5.7+), or on older kernels BPF_PROG_ATTACH with a <see cref="CgroupAttachMode"/>,
/// detached again by Dispose (BPF_PROG_DETACH of exactly this program). The program runs for every process in the
/// cgroup and its descendants.
/// </summary>
public sealed class CgroupLink : BpfLink
{
    private readonly SafeFd? _link;
    private readonly ProgAttachment? _legacy;

    private CgroupLink(string programName, string cgroupPath, BpfAttachType attachType, CgroupAttachMode? mode, SafeFd? link, ProgAttachment? legacy)
        : base(programName)
    {
        CgroupPath = cgroupPath;
        AttachType = attachType;
        LegacyMode = mode;
        _link = link;
        _legacy = legacy;
    }

    /// <summary>The cgroup's directory.</summary>
    public string CgroupPath { get; }

    /// <summary>The hook.</summary>
    public BpfAttachType AttachType { get; }

    /// <summary>The BPF_PROG_ATTACH mode when attached that way; null for a BPF link.</summary>
    public CgroupAttachMode? LegacyMode { get; }

    /// <inheritdoc/>
    public override bool IsDisposed => _link?.IsClosed ?? _legacy!.IsClosed;

    private protected override SafeFd? LinkFd => _link;

    private protected override ProgAttachment? ProgAttachment => _legacy;

    private protected override string TargetDescription => $"cgroup '{CgroupPath}' ({CgroupHooks.SectionOf(AttachType)})";

    internal static CgroupLink Attach(BpfProgram program, string cgroup, BpfAttachType? attachType, CgroupAttachMode mode, bool forceLegacy = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(cgroup);
        var attach = CheckHook(program, attachType, $"cgroup '{cgroup}'");
        string directory;
        try
        {
            directory = CgroupV2.ResolveDirectory(cgroup);
        }
        catch (BpfException e)
        {
            throw new BpfAttachException("open", e.Errno, program.Name, $"cgroup '{cgroup}'", $"Cannot attach program '{program.Name}' to {e.Message}");
        }
        long r = PathFd.TryOpen(directory);
        if (r < 0)
            throw AttachErrors.Kernel("open", (int)-r, program, "cgroup", $"cgroup '{directory}'");
        using var fd = SafeFd.FromSyscall((int)r);
        return Attach(program, fd, directory, attach, mode, forceLegacy);
    }

    internal static CgroupLink Attach(BpfProgram program, SafeHandle cgroup, BpfAttachType? attachType, CgroupAttachMode mode, bool forceLegacy = false)
    {
        ArgumentNullException.ThrowIfNull(cgroup);
        bool added = false;
        cgroup.DangerousAddRef(ref added);
        try
        {
            int raw = (int)cgroup.DangerousGetHandle();
            string path = new FileInfo($"/proc/self/fd/{raw}").LinkTarget ?? $"fd {raw}";
            var attach = CheckHook(program, attachType, $"cgroup '{path}'");
            using var fd = SafeFd.Duplicate(raw);
            return Attach(program, fd, path, attach, mode, forceLegacy);
        }
        finally
        {
            if (added) cgroup.DangerousRelease();
        }
    }

    private static BpfAttachType CheckHook(BpfProgram program, BpfAttachType? attachType, string target)
    {
        if (!CgroupHooks.IsCgroupProgram(program.Type))
            throw AttachErrors.WrongType(program, target, "only cgroup programs (cgroup_skb/..., cgroup/..., sockops) attach to a cgroup.");
        var attach = attachType ?? CgroupHooks.FromSection(program)
            ?? throw AttachErrors.WrongType(program, target, "its section names no cgroup hook (cgroup/skb, or a program opened from a pin): pass the attach type, for example BpfAttachType.CgroupInetEgress.");
        if (CgroupHooks.ProgramTypeOf(attach) != program.Type)
            throw AttachErrors.WrongType(program, target, $"hook {CgroupHooks.SectionOf(attach)} takes {CgroupHooks.ProgramTypeOf(attach)?.ToString() ?? "no cgroup"} programs.");
        return attach;
    }

    private static CgroupLink Attach(BpfProgram program, SafeFd cgroup, string path, BpfAttachType attach, CgroupAttachMode mode, bool forceLegacy)
    {
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "Exclusive, Override or Multi.");
        string target = $"cgroup '{path}' ({CgroupHooks.SectionOf(attach)})";
        if (!forceLegacy)
        {
            var attr = new LinkCreateAttr { ProgFd = (uint)program.Fd, TargetFd = (uint)cgroup.Fd, AttachType = (uint)attach };
            long r = Bpf.TryLinkCreate(ref attr);
            if (r >= 0) return new CgroupLink(program.Name, path, attach, null, SafeFd.FromSyscall((int)r), null);
            if (!AttachErrors.KernelPredates((int)-r, 5, 7)) throw Error("BPF_LINK_CREATE", (int)-r, program, target);
        }
        var legacy = ProgAttachment.Attach(program, cgroup, attach, (uint)mode, errno => Error("BPF_PROG_ATTACH", errno, program, target));
        return new CgroupLink(program.Name, path, attach, mode, null, legacy);
    }

    private static BpfException Error(string operation, int errno, BpfProgram program, string target) =>
        AttachErrors.Kernel(operation, errno, program, "cgroup", target, errno switch
        {
            Errno.EPERM => "The cgroup (or an ancestor) has a program on this hook attached in exclusive or override mode, which forbids more; or the process lacks CAP_NET_ADMIN.",
            Errno.EEXIST => "This program is attached to that hook of the cgroup already.",
            Errno.EINVAL => "The kernel refused the hook for this program: a cgroup program attaches to the hook it was loaded for (its section's expected attach type).",
            Errno.EBADF => "The target is not a cgroup v2 directory.",
            _ => null,
        });

    private protected override void UpdateCore(BpfProgram program, BpfProgram? expectedProgram)
    {
        if (_link is not null)
        {
            base.UpdateCore(program, expectedProgram);
            return;
        }
        _legacy!.RequireAttached(ProgramName, TargetDescription);
        if (CgroupHooks.ProgramTypeOf(AttachType) != program.Type)
            throw AttachErrors.WrongType(program, TargetDescription, $"hook {CgroupHooks.SectionOf(AttachType)} takes {CgroupHooks.ProgramTypeOf(AttachType)} programs.");
        // Multi mode names the program to replace (BPF_F_REPLACE); the single-program modes replace by attaching again.
        _legacy.Replace(program, expectedProgram, ProgramName, TargetDescription, errno => Error("BPF_PROG_ATTACH", errno, program, TargetDescription));
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        _link?.Dispose();
        _legacy?.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> {CgroupHooks.SectionOf(AttachType)} on {CgroupPath}{(LegacyMode is { } m ? $" (BPF_PROG_ATTACH, {m})" : "")}";
}
