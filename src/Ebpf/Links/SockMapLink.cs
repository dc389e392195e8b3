using Ebpf.Internal.Sys;
using Ebpf.Internal.Unix;

namespace Ebpf.Links;

/// <summary>
/// An <c>sk_msg</c> or <c>sk_skb</c> program attached to a sockmap or sockhash: it runs for the sockets in the map (on
/// each message sent, or each skb received). A BPF link (BPF_LINK_CREATE with the map as target; kernel 6.10+), or on
/// older kernels BPF_PROG_ATTACH to the map, detached again by Dispose.
/// </summary>
public sealed class SockMapLink : BpfLink
{
    private readonly SafeFd? _link;
    private readonly ProgAttachment? _legacy;

    private SockMapLink(string programName, string mapName, BpfAttachType attachType, SafeFd? link, ProgAttachment? legacy) : base(programName)
    {
        MapName = mapName;
        AttachType = attachType;
        _link = link;
        _legacy = legacy;
    }

    /// <summary>The map's name.</summary>
    public string MapName { get; }

    /// <summary>The hook: <see cref="BpfAttachType.SkMsgVerdict"/>, <see cref="BpfAttachType.SkSkbStreamParser"/>,
    /// <see cref="BpfAttachType.SkSkbStreamVerdict"/> or <see cref="BpfAttachType.SkSkbVerdict"/>.</summary>
    public BpfAttachType AttachType { get; }

    /// <inheritdoc/>
    public override bool IsDisposed => _link?.IsClosed ?? _legacy!.IsClosed;

    private protected override SafeFd? LinkFd => _link;

    private protected override ProgAttachment? ProgAttachment => _legacy;

    private protected override string TargetDescription => $"map '{MapName}' ({AttachType})";

    internal static SockMapLink Attach(BpfProgram program, BpfMap map, BpfAttachType? attachType, bool forceLegacy = false)
    {
        ArgumentNullException.ThrowIfNull(map);
        ObjectDisposedException.ThrowIf(map.IsDisposed, map);
        string target = $"map '{map.Name}'";
        if (program.Type is not (BpfProgramType.SkMsg or BpfProgramType.SkSkb))
            throw AttachErrors.WrongType(program, target, "only sk_msg and sk_skb programs attach to a sockmap or sockhash.");
        if (map.Type is not (BpfMapType.SockMap or BpfMapType.SockHash))
            throw new BpfAttachException("attach", 0, program.Name, target,
                $"Cannot attach program '{program.Name}' to map '{map.Name}': it is a {map.Type} map; sk_msg and sk_skb programs attach to a sockmap or sockhash.");
        var attach = attachType ?? Implied(program)
            ?? throw AttachErrors.WrongType(program, target, "its section names no sk_skb hook (sk_skb/stream_parser, sk_skb/stream_verdict, sk_skb/verdict): pass the attach type.");
        bool fits = program.Type == BpfProgramType.SkMsg
            ? attach == BpfAttachType.SkMsgVerdict
            : attach is BpfAttachType.SkSkbStreamParser or BpfAttachType.SkSkbStreamVerdict or BpfAttachType.SkSkbVerdict;
        if (!fits) throw AttachErrors.WrongType(program, target, $"a {program.Type} program does not attach as {attach}.");
        target = $"map '{map.Name}' ({attach})";
        if (!forceLegacy)
        {
            var attr = new LinkCreateAttr { ProgFd = (uint)program.Fd, TargetFd = (uint)map.Fd, AttachType = (uint)attach };
            long r = Bpf.TryLinkCreate(ref attr);
            if (r >= 0) return new SockMapLink(program.Name, map.Name, attach, SafeFd.FromSyscall((int)r), null);
            if (!AttachErrors.KernelPredates((int)-r, 6, 10)) throw Error("BPF_LINK_CREATE", (int)-r, program, target);
        }
        var legacy = ProgAttachment.Attach(program, map.Handle, attach, 0, errno => Error("BPF_PROG_ATTACH", errno, program, target));
        return new SockMapLink(program.Name, map.Name, attach, null, legacy);
    }

    private static BpfAttachType? Implied(BpfProgram program) => program.Type switch
    {
        BpfProgramType.SkMsg => BpfAttachType.SkMsgVerdict,
        BpfProgramType.SkSkb when program.SectionName.StartsWith("sk_skb/", StringComparison.Ordinal)
            && program.ExpectedAttachType is BpfAttachType.SkSkbStreamParser or BpfAttachType.SkSkbStreamVerdict or BpfAttachType.SkSkbVerdict
            => program.ExpectedAttachType,
        _ => null,
    };

    private static BpfException Error(string operation, int errno, BpfProgram program, string target) =>
        AttachErrors.Kernel(operation, errno, program, program.Type == BpfProgramType.SkMsg ? "sk_msg" : "sk_skb", target, errno switch
        {
            Errno.EBUSY or Errno.EEXIST => "The map has a program on this hook already.",
            _ => null,
        });

    private protected override void UpdateCore(BpfProgram program, BpfProgram? expectedProgram)
    {
        if (_link is not null)
        {
            base.UpdateCore(program, expectedProgram);
            return;
        }
        // BPF_PROG_ATTACH on a map's hook replaces the program there.
        _legacy!.Replace(program, expectedProgram, ProgramName, TargetDescription, errno => Error("BPF_PROG_ATTACH", errno, program, TargetDescription));
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (!disposing) return;
        _link?.Dispose();
        _legacy?.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ProgramName} -> {AttachType} on map '{MapName}'{(_link is null ? " (BPF_PROG_ATTACH)" : "")}";
}
