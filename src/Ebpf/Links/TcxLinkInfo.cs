namespace Ebpf.Links;

/// <summary>A tcx link: the interface and the direction (<see cref="BpfAttachType.TcxIngress"/> or
/// <see cref="BpfAttachType.TcxEgress"/>).</summary>
/// <param name="Id">The link's id.</param>
/// <param name="ProgramId">The attached program's id.</param>
/// <param name="InterfaceIndex">The interface's index (0 once detached).</param>
/// <param name="AttachType">Ingress or egress.</param>
public sealed record TcxLinkInfo(uint Id, uint ProgramId, int InterfaceIndex, BpfAttachType AttachType) : BpfLinkInfo(BpfLinkType.Tcx, Id, ProgramId);
