namespace Ebpf.Links;

/// <summary>
/// What the kernel reports about a BPF link (BPF_OBJ_GET_INFO_BY_FD): its kind, id (as <c>bpftool link show</c>
/// lists it) and program id. Kinds with more to say come as derived records: <see cref="XdpLinkInfo"/>,
/// <see cref="TcxLinkInfo"/>, <see cref="CgroupLinkInfo"/>, <see cref="NetNsLinkInfo"/>, <see cref="NetfilterLinkInfo"/>,
/// <see cref="SockMapLinkInfo"/>, <see cref="TracingLinkInfo"/>; match on them.
/// </summary>
/// <param name="Type">The link kind.</param>
/// <param name="Id">The link's id.</param>
/// <param name="ProgramId">The id of the program the link runs now (it changes with an update).</param>
public record BpfLinkInfo(BpfLinkType Type, uint Id, uint ProgramId);
