// Cgroup programs for the networking kernel tests. cgroup_skb egress programs see packets from the IP header on: the
// drop program refuses IPv4 UDP to target_port and counts it; the pass program counts and allows. The rest allow
// everything: they exist so that every libbpf cgroup section attaches (and detaches) for real.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP 0x0800

volatile const __u16 target_port = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

enum { EGRESS_DROPPED = 0, EGRESS_PASSED = 1 };

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &slot);
	if (v)
		(*v)++;
}

static __always_inline int is_target_udp(struct __sk_buff *skb)
{
	struct iphdr ip;
	struct udphdr udp;
	if (skb->protocol != bpf_htons(ETH_P_IP) || bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) < 0)
		return 0;
	if (ip.protocol != IPPROTO_UDP || ip.ihl < 5 || bpf_skb_load_bytes(skb, ip.ihl * 4, &udp, sizeof(udp)) < 0)
		return 0;
	return udp.dest == bpf_htons(target_port);
}

SEC("cgroup_skb/egress")
int egress_drop_udp(struct __sk_buff *skb)
{
	if (!is_target_udp(skb))
		return 1;
	count(EGRESS_DROPPED);
	return 0;
}

SEC("cgroup_skb/egress")
int egress_pass_udp(struct __sk_buff *skb)
{
	if (is_target_udp(skb))
		count(EGRESS_PASSED);
	return 1;
}

SEC("cgroup/skb") int cg_skb_either(struct __sk_buff *skb) { return 1; }
SEC("cgroup_skb/ingress") int cg_skb_ingress(struct __sk_buff *skb) { return 1; }
SEC("cgroup/sock_create") int cg_sock_create(struct bpf_sock *sk) { return 1; }
SEC("cgroup/sock_release") int cg_sock_release(struct bpf_sock *sk) { return 1; }
SEC("cgroup/post_bind4") int cg_post_bind4(struct bpf_sock *sk) { return 1; }
SEC("cgroup/post_bind6") int cg_post_bind6(struct bpf_sock *sk) { return 1; }
SEC("cgroup/bind4") int cg_bind4(struct bpf_sock_addr *ctx) { return 1; }
SEC("cgroup/bind6") int cg_bind6(struct bpf_sock_addr *ctx) { return 1; }
SEC("cgroup/connect4") int cg_connect4(struct bpf_sock_addr *ctx) { return 1; }
SEC("cgroup/connect6") int cg_connect6(struct bpf_sock_addr *ctx) { return 1; }
SEC("cgroup/sendmsg4") int cg_sendmsg4(struct bpf_sock_addr *ctx) { return 1; }
SEC("cgroup/sendmsg6") int cg_sendmsg6(struct bpf_sock_addr *ctx) { return 1; }
SEC("cgroup/recvmsg4") int cg_recvmsg4(struct bpf_sock_addr *ctx) { return 1; }
SEC("cgroup/recvmsg6") int cg_recvmsg6(struct bpf_sock_addr *ctx) { return 1; }
SEC("cgroup/getpeername4") int cg_getpeername4(struct bpf_sock_addr *ctx) { return 1; }
SEC("cgroup/getpeername6") int cg_getpeername6(struct bpf_sock_addr *ctx) { return 1; }
SEC("cgroup/getsockname4") int cg_getsockname4(struct bpf_sock_addr *ctx) { return 1; }
SEC("cgroup/getsockname6") int cg_getsockname6(struct bpf_sock_addr *ctx) { return 1; }
SEC("cgroup/sysctl") int cg_sysctl(struct bpf_sysctl *ctx) { return 1; }
SEC("cgroup/getsockopt") int cg_getsockopt(struct bpf_sockopt *ctx) { return 1; }
SEC("cgroup/setsockopt") int cg_setsockopt(struct bpf_sockopt *ctx) { return 1; }
SEC("cgroup/dev") int cg_dev(struct bpf_cgroup_dev_ctx *ctx) { return 1; }
SEC("sockops") int cg_sockops(struct bpf_sock_ops *ctx) { return 1; }
