namespace Ebpf.Links;

/// <summary>A network namespace link (sk_lookup, flow_dissector): the namespace's inode number and the hook.</summary>
/// <param name="Id">The link's id.</param>
/// <param name="ProgramId">The attached program's id.</param>
/// <param name="NetNsInode">The namespace's inode number (as in <c>net:[inode]</c>; 0 once detached).</param>
/// <param name="AttachType"><see cref="BpfAttachType.SkLookup"/> or <see cref="BpfAttachType.FlowDissector"/>.</param>
public sealed record NetNsLinkInfo(uint Id, uint ProgramId, uint NetNsInode, BpfAttachType AttachType) : BpfLinkInfo(BpfLinkType.NetNs, Id, ProgramId);
