namespace Ebpf.Links;

/// <summary>A netfilter link: protocol family, hook, priority and flags.</summary>
/// <param name="Id">The link's id.</param>
/// <param name="ProgramId">The attached program's id.</param>
/// <param name="Family">IPv4 or IPv6.</param>
/// <param name="Hook">The netfilter hook.</param>
/// <param name="Priority">The hook priority (lower runs first).</param>
/// <param name="Flags">BPF_F_NETFILTER_IP_DEFRAG (1) when packets are defragmented first.</param>
public sealed record NetfilterLinkInfo(uint Id, uint ProgramId, NetfilterProtocolFamily Family, NetfilterHook Hook, int Priority, uint Flags)
    : BpfLinkInfo(BpfLinkType.Netfilter, Id, ProgramId);
