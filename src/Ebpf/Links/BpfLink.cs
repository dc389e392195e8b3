using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;
using Ebpf.Pinning;

namespace Ebpf.Links;

/// <summary>
/// An attachment of a program to a hook. Disposing detaches the program. Keep a reference for as long as the
/// program must stay attached: the underlying descriptors are closed (and the program detached) when the link is
/// disposed or garbage-collected.
/// <para>
/// Most attachments are kernel BPF links (<see cref="IsBpfLink"/>): those can be pinned in bpffs (a pinned link stays
/// attached after it is disposed, even after the process exits, until the pin is removed), updated to run another
/// program, detached while the descriptor stays open, and described by the kernel (<see cref="GetInfo"/>). The older
/// attachment mechanisms (a netlink XDP program or tc filter, BPF_PROG_ATTACH, SO_ATTACH_BPF) are links too, removed
/// exactly by <see cref="Dispose()"/>, but they have no kernel link to pin or describe.
/// </para>
/// </summary>
public abstract class BpfLink : IDisposable
{
    private protected BpfLink(string programName) => ProgramName = programName;

    /// <summary>The attached program's name (the new one after <see cref="Update"/>).</summary>
    public string ProgramName { get; private protected set; }

    /// <summary>True once disposed (detached).</summary>
    public abstract bool IsDisposed { get; }

    /// <summary>True when the attachment is a kernel BPF link (BPF_LINK_CREATE and its kin), which can be pinned,
    /// updated, detached and described; false for the older mechanisms (perf ioctl, netlink, BPF_PROG_ATTACH,
    /// SO_ATTACH_BPF).</summary>
    public bool IsBpfLink => LinkFd is not null;

    /// <summary>The kernel link's descriptor, or null for attachments that are not BPF links.</summary>
    private protected virtual SafeFd? LinkFd => null;

    internal SafeFd? KernelLinkFd => LinkFd;

    /// <summary>The BPF_PROG_ATTACH attachment of a link that fell back to it because the kernel has no BPF link for
    /// the hook (cgroup, sockmap, flow dissector links on older kernels); null otherwise.</summary>
    private protected virtual ProgAttachment? ProgAttachment => null;

    /// <summary>How error messages name the hook (<c>interface 'eth0'</c>, <c>cgroup '/sys/fs/cgroup/app'</c>).</summary>
    private protected virtual string TargetDescription => ToString() ?? GetType().Name;

    /// <summary>Where <see cref="Pin(string)"/> pinned this link, or where <see cref="OpenPinned"/> found it; null otherwise.</summary>
    public string? PinnedPath { get; private set; }

    /// <summary>
    /// Pins the link at <paramref name="path"/>, a new file in a directory on a bpffs. The attachment then outlives this
    /// object and the process: it stays until the pin is removed (<see cref="Unpin"/>, or <c>rm</c>) and no descriptor
    /// is left.
    /// </summary>
    /// <exception cref="BpfAttachException">The directory is missing or not on a bpffs, the file name is not one valid
    /// path component, or the path is taken.</exception>
    /// <exception cref="NotSupportedException">The attachment is not a BPF link (<see cref="IsBpfLink"/> is false).</exception>
    public void Pin(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var fd = RequireLinkFd("pinned");
        if (PinName.PathProblem(path) is { } problem)
            throw new BpfAttachException("BPF_OBJ_PIN", 0, ProgramName, path, $"Cannot pin the link of program '{ProgramName}' ({TargetDescription}) at '{path}': {problem}.");
        long r = Bpf.TryObjPin(fd, path);
        if (r < 0)
        {
            var e = PinFile.PinFailure((int)-r, path, $"the link of program '{ProgramName}' ({TargetDescription})");
            throw e is BpfPermissionException ? e : new BpfAttachException("BPF_OBJ_PIN", e.Errno, ProgramName, path, e.Message);
        }
        PinnedPath = Path.GetFullPath(path);
    }

    /// <summary>
    /// Pins the link as <paramref name="name"/> in <paramref name="directory"/> (on a bpffs). The name may come from an
    /// object (a program's name): it must be exactly one path component, so the pin cannot land outside the directory.
    /// </summary>
    /// <exception cref="BpfAttachException">The name is not one valid path component, or as <see cref="Pin(string)"/>.</exception>
    public void Pin(string directory, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(name);
        if (PinName.Problem(name) is { } why)
            throw new BpfAttachException("BPF_OBJ_PIN", 0, ProgramName, $"{directory}/{name}",
                $"Cannot pin the link of program '{ProgramName}' as '{name}' in '{directory}': {why}.");
        Pin(Path.Join(directory, name));
    }

    /// <summary>Removes the pin. The attachment then lasts as long as this object (and any other descriptor of the link).
    /// Harmless when the pin is already gone.</summary>
    /// <exception cref="InvalidOperationException">The link is not known to be pinned.</exception>
    public void Unpin()
    {
        string path = PinnedPath ?? throw new InvalidOperationException($"The link of program '{ProgramName}' is not pinned (PinnedPath is null).");
        File.Delete(path);
        PinnedPath = null;
    }

    /// <summary>
    /// Replaces the attached program with <paramref name="program"/>, atomically, without detaching (BPF_LINK_UPDATE
    /// for BPF links; the equivalent replace for the older mechanisms that have one). With
    /// <paramref name="expectedProgram"/>, the replace happens only if that program is the one attached now.
    /// </summary>
    /// <exception cref="BpfAttachException">The program does not fit the hook, or <paramref name="expectedProgram"/> is
    /// not the attached one.</exception>
    /// <exception cref="NotSupportedException">This kind of attachment cannot be updated.</exception>
    public void Update(BpfProgram program, BpfProgram? expectedProgram = null)
    {
        ArgumentNullException.ThrowIfNull(program);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        ObjectDisposedException.ThrowIf(program.IsDisposed, program);
        if (expectedProgram is not null) ObjectDisposedException.ThrowIf(expectedProgram.IsDisposed, expectedProgram);
        UpdateCore(program, expectedProgram);
        ProgramName = program.Name;
    }

    /// <summary>The kernel half of <see cref="Update"/>: BPF_LINK_UPDATE. Attachments that are not BPF links override it.</summary>
    private protected virtual void UpdateCore(BpfProgram program, BpfProgram? expectedProgram)
    {
        var fd = RequireLinkFd("updated");
        long r = BpfAttach.LinkUpdate(fd, program.Handle, expectedProgram?.Handle);
        if (r >= 0) return;
        int errno = (int)-r;
        string what = $"the link of program '{ProgramName}' ({TargetDescription}) to program '{program.Name}'";
        // Kinds without an update operation answer EINVAL, as a program of the wrong type would: tell them apart.
        if (errno == Errno.EINVAL && !CanUpdate(fd))
            throw new NotSupportedException($"Cannot update {what}: the kernel cannot update this kind of link; detach it and attach the new program.");
        throw errno switch
        {
            Errno.EPERM when expectedProgram is not null => new BpfAttachException("BPF_LINK_UPDATE", errno, program.Name, TargetDescription,
                $"Cannot update {what}: program '{expectedProgram.Name}' is not the one attached any more (it was replaced meanwhile)."),
            Errno.EINVAL => new BpfAttachException("BPF_LINK_UPDATE", errno, program.Name, TargetDescription,
                $"Cannot update {what}: EINVAL. The new program must have the same type and expected attach type as the attached one ({program.Type}, {program.ExpectedAttachType})."),
            Errno.ENOLINK => new BpfAttachException("BPF_LINK_UPDATE", errno, program.Name, TargetDescription,
                $"Cannot update {what}: the link is detached (its hook is gone, or it was detached)."),
            Errno.EOPNOTSUPP or Errno.ENOTSUPP => new NotSupportedException($"Cannot update {what}: the kernel cannot update this kind of link ({Errno.Name(errno)}); detach it and attach the new program."),
            _ => Errno.ToException("BPF_LINK_UPDATE", errno, what),
        };
    }

    /// <summary>False for the link kinds the kernel has no update operation for.</summary>
    private static bool CanUpdate(SafeFd fd)
    {
        long r = BpfAttach.LinkInfo(fd, out var info);
        return r < 0 || (BpfLinkType)info.Type is not (BpfLinkType.RawTracepoint or BpfLinkType.Tracing or BpfLinkType.PerfEvent
            or BpfLinkType.KprobeMulti or BpfLinkType.UprobeMulti);
    }

    /// <summary>
    /// Detaches the program from its hook now, even while other descriptors or a pin hold the link (BPF_LINK_DETACH;
    /// the link becomes defunct and a pin of it stays until removed). For the older mechanisms this removes the
    /// attachment as <see cref="Dispose()"/> does.
    /// </summary>
    /// <exception cref="NotSupportedException">The kernel cannot detach this kind of link (tracing links; dispose them).</exception>
    public void Detach()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        DetachCore();
    }

    /// <summary>The kernel half of <see cref="Detach"/>: BPF_LINK_DETACH. Attachments that are not BPF links override it.</summary>
    private protected virtual void DetachCore()
    {
        if (ProgAttachment is { } legacy)
        {
            legacy.Remove();
            return;
        }
        var fd = RequireLinkFd("detached while open");
        long r = BpfAttach.LinkDetach(fd);
        if (r >= 0) return;
        int errno = (int)-r;
        string what = $"the link of program '{ProgramName}' ({TargetDescription})";
        if (errno is Errno.EOPNOTSUPP or Errno.ENOTSUPP or Errno.EINVAL)
            throw new NotSupportedException($"Cannot detach {what}: the kernel cannot detach this kind of link ({Errno.Name(errno)}); dispose it (and remove its pin) instead.");
        throw Errno.ToException("BPF_LINK_DETACH", errno, what);
    }

    /// <summary>What the kernel reports about the link (BPF_OBJ_GET_INFO_BY_FD): kind, id, program id and the
    /// kind's own fields, as a <see cref="BpfLinkInfo"/> or one of its derived records.</summary>
    /// <exception cref="NotSupportedException">The attachment is not a BPF link.</exception>
    public BpfLinkInfo GetInfo()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return ReadInfo(RequireLinkFd("described by the kernel"), $"the link of program '{ProgramName}'");
    }

    internal static unsafe BpfLinkInfo ReadInfo(SafeFd fd, string subject)
    {
        long r = BpfAttach.LinkInfo(fd, out var raw);
        if (r < 0) throw Errno.ToException("BPF_OBJ_GET_INFO_BY_FD", (int)-r, subject);
        return LinkInfoDecoder.Decode(raw.Type, raw.Id, raw.ProgId,
            new ReadOnlySpan<byte>(raw.Union, BpfLinkInfoRaw.Size - BpfLinkInfoRaw.UnionOffset));
    }

    /// <summary>Opens a link pinned at <paramref name="path"/>. The result can be updated, detached, described,
    /// unpinned; disposing it closes this descriptor only (the pin keeps the link).</summary>
    /// <exception cref="BpfException">Nothing is pinned there (ENOENT), or it is not a link.</exception>
    public static PinnedLink OpenPinned(string path) => PinnedLink.Open(path);

    internal void MarkPinned(string path) => PinnedPath = path;

    private SafeFd RequireLinkFd(string action)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return LinkFd ?? throw new NotSupportedException(
            $"The attachment of program '{ProgramName}' ({TargetDescription}) is not a BPF link, so it cannot be {action}. " +
            "Attachments made through netlink, BPF_PROG_ATTACH, SO_ATTACH_BPF or the perf ioctl are removed by Dispose only.");
    }

    /// <summary>Detaches the program. Calling it twice is harmless.</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Closes the link's descriptors.</summary>
    protected abstract void Dispose(bool disposing);
}
