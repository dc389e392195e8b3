// For the `ebpf attach` and `ebpf map dump` end-to-end tests: an XDP program and a cgroup egress program that drop
// every IPv4 UDP datagram (the tests confine them to a private veth and a private cgroup), a tracepoint program, each
// counting in the 'drops' array; and maps of the shapes `map dump` formats (a hash with struct key and value, a per-CPU
// hash), filled by the tests.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define ETH_P_IP 0x0800

enum slot { XDP_DROPPED = 0, CGROUP_DROPPED = 1, TRACEPOINT_HITS = 2 };

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

struct cli_flow_key {
	__u32 addr;
	__u16 port;
	__u8 proto;
	__u8 flags : 3;
	__u8 spare : 5;
};

enum cli_verdict { VERDICT_PASS = 1, VERDICT_DROP = 2 };

struct cli_flow_stats {
	__u64 packets;
	__s32 delta;
	enum cli_verdict verdict;
	char label[12];
	__u16 ports[3];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__type(key, struct cli_flow_key);
	__type(value, struct cli_flow_stats);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, struct cli_flow_key);
} per_cpu_flows SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&drops, &slot);
	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int xdp_drop_udp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->protocol != IPPROTO_UDP)
		return XDP_PASS;
	count(XDP_DROPPED);
	return XDP_DROP;
}

SEC("cgroup_skb/egress")
int cg_drop_udp(struct __sk_buff *skb)
{
	struct iphdr ip;
	if (skb->protocol != bpf_htons(ETH_P_IP) || bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) < 0 || ip.protocol != IPPROTO_UDP)
		return 1;
	count(CGROUP_DROPPED);
	return 0;
}

SEC("tp/syscalls/sys_enter_getppid")
int tp_getppid(void *ctx)
{
	count(TRACEPOINT_HITS);
	return 0;
}
