namespace Ebpf.Links;

/// <summary>A tracing link (tp_btf, fentry, fexit, fmod_ret, lsm, freplace): the attach type and the BTF target.</summary>
/// <param name="Id">The link's id.</param>
/// <param name="ProgramId">The attached program's id.</param>
/// <param name="AttachType">For example <see cref="BpfAttachType.TraceFentry"/>.</param>
/// <param name="TargetObjectId">The BTF object id of the target (the target program's id for freplace).</param>
/// <param name="TargetBtfId">The target's type id in that BTF.</param>
public sealed record TracingLinkInfo(uint Id, uint ProgramId, BpfAttachType AttachType, uint TargetObjectId, uint TargetBtfId)
    : BpfLinkInfo(BpfLinkType.Tracing, Id, ProgramId);
