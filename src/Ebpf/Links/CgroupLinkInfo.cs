namespace Ebpf.Links;

/// <summary>A cgroup link: the cgroup's id (the inode number of its directory) and the hook.</summary>
/// <param name="Id">The link's id.</param>
/// <param name="ProgramId">The attached program's id.</param>
/// <param name="CgroupId">The cgroup's id (0 once detached).</param>
/// <param name="AttachType">The cgroup hook, for example <see cref="BpfAttachType.CgroupInetEgress"/>.</param>
public sealed record CgroupLinkInfo(uint Id, uint ProgramId, ulong CgroupId, BpfAttachType AttachType) : BpfLinkInfo(BpfLinkType.Cgroup, Id, ProgramId);
