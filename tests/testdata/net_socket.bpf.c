// Socket-level programs for the networking kernel tests: a socket filter that drops UDP datagrams whose payload starts
// with 'D' (and one that keeps everything), sk_lookup programs that steer UDP for target_port to the socket in
// steer_sockets, a netfilter program that drops IPv4 UDP to target_port, a flow dissector that counts and hands back
// to the kernel's, and an sk_msg program that counts messages sent on sockets in msg_sockets.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define NF_DROP 0
#define NF_ACCEPT 1
#define BPF_FLOW_DISSECTOR_CONTINUE_RET 129

volatile const __u16 target_port = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

enum { FILTER_DROPPED = 0, FILTER_KEPT = 1, LOOKUP_STEERED = 2, LOOKUP_SEEN = 3, NF_DROPPED = 4, NF_SEEN = 5, DISSECTED = 6, MSGS = 7 };

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} steer_sockets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} msg_sockets SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &slot);
	if (v)
		(*v)++;
}

// A UDP socket's filter runs with skb->data at the UDP header; read relative to the network header to be independent
// of that.
SEC("socket")
int filter_drop_marked(struct __sk_buff *skb)
{
	struct iphdr ip;
	char first;
	if (bpf_skb_load_bytes_relative(skb, 0, &ip, sizeof(ip), BPF_HDR_START_NET) < 0 || ip.ihl < 5)
		return skb->len;
	if (bpf_skb_load_bytes_relative(skb, ip.ihl * 4 + sizeof(struct udphdr), &first, 1, BPF_HDR_START_NET) < 0)
		return skb->len;
	if (first == 'D') {
		count(FILTER_DROPPED);
		return 0;
	}
	count(FILTER_KEPT);
	return skb->len;
}

SEC("socket")
int filter_keep_all(struct __sk_buff *skb)
{
	count(FILTER_KEPT);
	return skb->len;
}

SEC("sk_lookup")
int lookup_steer(struct bpf_sk_lookup *ctx)
{
	if (ctx->protocol != IPPROTO_UDP || ctx->local_port != target_port)
		return SK_PASS;
	__u32 key = 0;
	struct bpf_sock *sk = bpf_map_lookup_elem(&steer_sockets, &key);
	if (!sk)
		return SK_PASS;
	long err = bpf_sk_assign(ctx, sk, 0);
	bpf_sk_release(sk);
	if (!err)
		count(LOOKUP_STEERED);
	return SK_PASS;
}

SEC("sk_lookup")
int lookup_observe(struct bpf_sk_lookup *ctx)
{
	if (ctx->protocol == IPPROTO_UDP && ctx->local_port == target_port)
		count(LOOKUP_SEEN);
	return SK_PASS;
}

extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags, struct bpf_dynptr *ptr__uninit) __ksym;
extern void *bpf_dynptr_slice(const struct bpf_dynptr *ptr, __u32 offset, void *buffer__opt, __u32 buffer__szk) __ksym;

SEC("netfilter")
int nf_drop_udp(struct bpf_nf_ctx *ctx)
{
	struct bpf_dynptr ptr;
	struct iphdr ip_buf;
	struct udphdr udp_buf;
	if (bpf_dynptr_from_skb((struct __sk_buff *)ctx->skb, 0, &ptr))
		return NF_ACCEPT;
	// At the IP hooks the skb's data starts at the IP header.
	struct iphdr *ip = bpf_dynptr_slice(&ptr, 0, &ip_buf, sizeof(ip_buf));
	if (!ip || ip->protocol != IPPROTO_UDP || ip->ihl < 5)
		return NF_ACCEPT;
	struct udphdr *udp = bpf_dynptr_slice(&ptr, ip->ihl * 4, &udp_buf, sizeof(udp_buf));
	if (!udp || udp->dest != bpf_htons(target_port))
		return NF_ACCEPT;
	count(NF_DROPPED);
	return NF_DROP;
}

SEC("netfilter")
int nf_accept_all(struct bpf_nf_ctx *ctx)
{
	count(NF_SEEN);
	return NF_ACCEPT;
}

SEC("flow_dissector")
int dissect_count(struct __sk_buff *skb)
{
	count(DISSECTED);
	return BPF_FLOW_DISSECTOR_CONTINUE_RET;
}

SEC("sk_msg")
int msg_count(struct sk_msg_md *msg)
{
	count(MSGS);
	return SK_PASS;
}

SEC("sk_skb/stream_verdict")
int skb_verdict(struct __sk_buff *skb)
{
	return SK_PASS;
}
