// Test object for BPF_PROG_TEST_RUN on networking programs: an XDP filter that drops UDP to port 9, bounces UDP to
// port 7 back (MACs swapped, XDP_TX) and passes the rest, counting verdicts per CPU; an XDP program that grows the
// packet at its head; a tc program that drops UDP to port 9, decrements the IPv4 TTL of what it keeps, and bumps the
// skb's mark and priority (context in and out).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define ETH_P_IP 0x0800
#define IPPROTO_UDP_ 17
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 5);
	__type(key, __u32);
	__type(value, __u64);
} verdicts SEC(".maps");

static __always_inline struct udphdr *udp_of(void *data, void *data_end, struct iphdr **ip_out)
{
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return 0;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP_)
		return 0;
	struct udphdr *udp = (void *)(ip + 1);
	if ((void *)(udp + 1) > data_end)
		return 0;
	*ip_out = ip;
	return udp;
}

static __always_inline int count(__u32 verdict)
{
	__u64 *n = bpf_map_lookup_elem(&verdicts, &verdict);
	if (n)
		*n += 1;
	return verdict;
}

SEC("xdp")
int xdp_udp_filter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct iphdr *ip;
	struct udphdr *udp = udp_of(data, data_end, &ip);
	if (!udp)
		return count(XDP_PASS);
	if (udp->dest == bpf_htons(9))
		return count(XDP_DROP);
	if (udp->dest == bpf_htons(7)) {
		struct ethhdr *eth = data;
		unsigned char tmp[6];
		__builtin_memcpy(tmp, eth->h_source, 6);
		__builtin_memcpy(eth->h_source, eth->h_dest, 6);
		__builtin_memcpy(eth->h_dest, tmp, 6);
		return count(XDP_TX);
	}
	return count(XDP_PASS);
}

SEC("xdp")
int xdp_grow_head(struct xdp_md *ctx)
{
	if (bpf_xdp_adjust_head(ctx, -4))
		return XDP_ABORTED;
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	if (data + 4 > data_end)
		return XDP_ABORTED;
	__u32 marker = bpf_htonl(0xfeedf00d);
	__builtin_memcpy(data, &marker, 4);
	return XDP_PASS;
}

SEC("tc")
int tc_ttl_mark(struct __sk_buff *skb)
{
	skb->mark = skb->mark + 1;
	skb->priority = 7;
	void *data = (void *)(long)skb->data, *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip;
	struct udphdr *udp = udp_of(data, data_end, &ip);
	if (!udp)
		return TC_ACT_OK;
	if (udp->dest == bpf_htons(9))
		return TC_ACT_SHOT;
	__u8 ttl = ip->ttl - 1;
	bpf_skb_store_bytes(skb, sizeof(struct ethhdr) + __builtin_offsetof(struct iphdr, ttl), &ttl, 1, 0);
	return TC_ACT_OK;
}
