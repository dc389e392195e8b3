// Test object for the map features, each read back from the BPF side through BPF_PROG_TEST_RUN: a program array
// (tail call), a map-in-map (a value read through the inner map user space set), a per-CPU array written on a chosen
// CPU, a queue and a stack fed by a program, a bloom filter probed by a program, an LPM trie classifying a packet's
// source address, and devmap/cpumap/xskmap redirects (XDP_REDIRECT only when the entry user space set exists).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} jump_table SEC(".maps");

struct inner_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_array);
} outer SEC(".maps");

struct cpu_slot {
	__u32 cpu;
	__u32 marker;
	__u32 runs;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_slot);
} per_cpu_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 8);
	__type(value, __u64);
} fifo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 8);
	__type(value, __u64);
} lifo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 64);
	__uint(map_extra, 3);
	__type(value, __u32);
} seen SEC(".maps");

struct lpm_v4 {
	__u32 prefixlen;
	__u32 addr;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v4);
	__type(value, __u32);
} routes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct bpf_devmap_val);
} ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct bpf_cpumap_val);
} cpus SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

// Tail calls: jump to jump_table[0]; 1 (XDP_DROP) when the slot is empty.
SEC("xdp")
int tail_entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &jump_table, 0);
	return XDP_DROP;
}

SEC("xdp")
int tail_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

SEC("xdp")
int tail_tx(struct xdp_md *ctx)
{
	return XDP_TX;
}

// Map-in-map: returns inner[args[1]] of outer[args[0]], or 0xffff when either is missing.
SEC("raw_tp/sys_enter")
int read_inner(__u64 *args)
{
	__u32 slot = args[0], index = args[1];
	void *inner = bpf_map_lookup_elem(&outer, &slot);
	if (!inner)
		return 0xffff;
	__u32 *value = bpf_map_lookup_elem(inner, &index);
	return value ? *value : 0xffff;
}

// Per-CPU: this CPU's slot records its number, a marker and the runs.
SEC("raw_tp/sys_enter")
int mark_cpu(__u64 *args)
{
	__u32 zero = 0;
	struct cpu_slot *slot = bpf_map_lookup_elem(&per_cpu_slots, &zero);
	if (!slot)
		return 1;
	slot->cpu = bpf_get_smp_processor_id();
	slot->marker = (__u32)args[0];
	slot->runs += 1;
	return 0;
}

// Queue and stack: pushes args[0] into both; returns the push results (0 when both succeeded).
SEC("raw_tp/sys_enter")
int push_both(__u64 *args)
{
	__u64 value = args[0];
	long a = bpf_map_push_elem(&fifo, &value, 0);
	long b = bpf_map_push_elem(&lifo, &value, 0);
	return (a ? 1 : 0) | (b ? 2 : 0);
}

// Bloom filter: 1 when args[0] may be in it, 0 when it is not.
SEC("raw_tp/sys_enter")
int bloom_check(__u64 *args)
{
	__u32 value = args[0];
	return bpf_map_peek_elem(&seen, &value) == 0;
}

// LPM: the value stored for the packet's IPv4 source, as the XDP verdict; XDP_PASS when no prefix matches.
SEC("xdp")
int lpm_classify(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(0x0800))
		return XDP_PASS;
	struct iphdr *ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	struct lpm_v4 key = { .prefixlen = 32, .addr = ip->saddr };
	__u32 *verdict = bpf_map_lookup_elem(&routes, &key);
	return verdict ? *verdict : XDP_PASS;
}

// Redirects: XDP_REDIRECT when the entry at index 0 exists, XDP_ABORTED (the flags' fallback) when it does not.
SEC("xdp")
int redirect_port(struct xdp_md *ctx)
{
	return bpf_redirect_map(&ports, 0, 0);
}

SEC("xdp")
int redirect_cpu(struct xdp_md *ctx)
{
	return bpf_redirect_map(&cpus, 0, 0);
}

SEC("xdp")
int redirect_xsk(struct xdp_md *ctx)
{
	return bpf_redirect_map(&xsks, 0, 0);
}

// Runs on frames a devmap entry redirects (value with a program): loaded as xdp/devmap.
SEC("xdp/devmap")
int on_port(struct xdp_md *ctx)
{
	return XDP_PASS;
}
