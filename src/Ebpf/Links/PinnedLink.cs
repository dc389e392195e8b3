using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>
/// A BPF link opened from its pin in bpffs (<see cref="BpfLink.OpenPinned"/>), of any kind. It can be updated,
/// detached, described and unpinned; disposing it closes this descriptor only, and the pin keeps the attachment.
/// </summary>
public sealed class PinnedLink : BpfLink
{
    private readonly SafeFd _fd;

    private PinnedLink(string programName, BpfLinkInfo info, SafeFd fd) : base(programName)
    {
        OpenedInfo = info;
        _fd = fd;
    }

    /// <summary>What the kernel reported when the link was opened (kind, ids and the kind's fields).</summary>
    public BpfLinkInfo OpenedInfo { get; }

    /// <summary>The link's kind.</summary>
    public BpfLinkType Type => OpenedInfo.Type;

    /// <inheritdoc/>
    public override bool IsDisposed => _fd.IsClosed;

    private protected override SafeFd? LinkFd => _fd;

    private protected override string TargetDescription => $"{OpenedInfo.Type} link {OpenedInfo.Id} pinned at {PinnedPath}";

    internal static PinnedLink Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // PinFile checks what the fd is: a map or program fd would answer BPF_OBJ_GET_INFO_BY_FD with its own info.
        var fd = Pinning.PinFile.Open(path, Pinning.PinFile.ObjectKind.Link, "link");
        try
        {
            var info = ReadInfo(fd, $"'{path}'");
            var link = new PinnedLink(ProgramNameOf(info.ProgramId), info, fd);
            link.MarkPinned(Path.GetFullPath(path));
            return link;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>The name the kernel keeps for program <paramref name="id"/>, or <c>id N</c> when it cannot be read.</summary>
    internal static string ProgramNameOf(uint id)
    {
        long r = BpfAttach.GetFdById(BpfCommand.ProgGetFdById, id);
        if (r < 0) return $"id {id}";
        using var prog = SafeFd.FromSyscall((int)r);
        try
        {
            string name = Bpf.GetInfo<BpfProgInfo>(prog, $"program {id}").Name.AsString();
            return name.Length == 0 ? $"id {id}" : name;
        }
        catch (BpfException)
        {
            return $"id {id}";
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing) _fd.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> {OpenedInfo.Type} link {OpenedInfo.Id} (pinned at {PinnedPath})";
}
