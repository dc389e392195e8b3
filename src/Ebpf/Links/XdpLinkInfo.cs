namespace Ebpf.Links;

/// <summary>An XDP link: the interface it is attached to.</summary>
/// <param name="Id">The link's id.</param>
/// <param name="ProgramId">The attached program's id.</param>
/// <param name="InterfaceIndex">The interface's index in the link's network namespace (0 once detached).</param>
public sealed record XdpLinkInfo(uint Id, uint ProgramId, int InterfaceIndex) : BpfLinkInfo(BpfLinkType.Xdp, Id, ProgramId);
