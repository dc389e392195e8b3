namespace Ebpf.Links;

/// <summary>A sockmap link (sk_msg or sk_skb program on a sockmap or sockhash, kernel 6.10+).</summary>
/// <param name="Id">The link's id.</param>
/// <param name="ProgramId">The attached program's id.</param>
/// <param name="MapId">The map's id (0 once detached).</param>
/// <param name="AttachType">For example <see cref="BpfAttachType.SkMsgVerdict"/>.</param>
public sealed record SockMapLinkInfo(uint Id, uint ProgramId, uint MapId, BpfAttachType AttachType) : BpfLinkInfo(BpfLinkType.SockMap, Id, ProgramId);
