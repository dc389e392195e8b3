// XDP, tcx and classic tc programs for the networking kernel tests: each drops or passes IPv4 UDP to target_port and
// counts what it matched in the per-CPU 'stats' array (one slot per program, named below).
#include "net_common.h"

char LICENSE[] SEC("license") = "GPL";

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2
#define TCX_NEXT -1
#define TCX_DROP 2

enum { XDP_DROPPED = 0, XDP_PASSED = 1, TCX_DROPPED = 2, TCX_PASSED = 3, TCX_EGRESS_DROPPED = 4, TC_DROPPED = 5, TC_PASSED = 6 };

SEC("xdp")
int xdp_drop_udp(struct xdp_md *ctx)
{
	if (!is_target_udp((void *)(long)ctx->data, (void *)(long)ctx->data_end))
		return XDP_PASS;
	count(XDP_DROPPED);
	return XDP_DROP;
}

SEC("xdp")
int xdp_pass_udp(struct xdp_md *ctx)
{
	if (is_target_udp((void *)(long)ctx->data, (void *)(long)ctx->data_end))
		count(XDP_PASSED);
	return XDP_PASS;
}

SEC("xdp.frags")
int xdp_frags_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp/devmap")
int xdp_devmap_entry(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("tcx/ingress")
int tcx_drop_udp(struct __sk_buff *skb)
{
	if (!is_target_udp((void *)(long)skb->data, (void *)(long)skb->data_end))
		return TCX_NEXT;
	count(TCX_DROPPED);
	return TCX_DROP;
}

SEC("tcx/ingress")
int tcx_pass_udp(struct __sk_buff *skb)
{
	if (is_target_udp((void *)(long)skb->data, (void *)(long)skb->data_end))
		count(TCX_PASSED);
	return TCX_NEXT;
}

SEC("tcx/egress")
int tcx_egress_drop_udp(struct __sk_buff *skb)
{
	if (!is_target_udp((void *)(long)skb->data, (void *)(long)skb->data_end))
		return TCX_NEXT;
	count(TCX_EGRESS_DROPPED);
	return TCX_DROP;
}

SEC("tc")
int tc_drop_udp(struct __sk_buff *skb)
{
	if (!is_target_udp((void *)(long)skb->data, (void *)(long)skb->data_end))
		return TC_ACT_OK;
	count(TC_DROPPED);
	return TC_ACT_SHOT;
}

SEC("classifier")
int tc_pass_udp(struct __sk_buff *skb)
{
	if (is_target_udp((void *)(long)skb->data, (void *)(long)skb->data_end))
		count(TC_PASSED);
	return TC_ACT_OK;
}
