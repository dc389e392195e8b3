// Test object for static slots, which libbpf fills at load: a program array with a program at index 2 and a map of
// maps with an inner map at index 1 (`.values = { [i] = &target }`, relocations in .rel.maps).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int slot_target(struct xdp_md *ctx)
{
	return XDP_TX;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int (void *));
} static_jumps SEC(".maps") = {
	.values = { [2] = (void *)&slot_target },
};

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};

struct inner static_inner SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 3);
	__type(key, __u32);
	__array(values, struct inner);
} static_outer SEC(".maps") = {
	.values = { [1] = &static_inner },
};

// 3 (XDP_TX) through the static slot; 1 (XDP_DROP) if it were empty.
SEC("xdp")
int slot_entry(struct xdp_md *ctx)
{
	bpf_tail_call(ctx, &static_jumps, 2);
	return XDP_DROP;
}

// The value at index 0 of the inner map in slot 1; 0xffff when the slot is empty.
SEC("raw_tp/sys_enter")
int slot_read(void *ctx)
{
	__u32 slot = 1, zero = 0;
	void *inner = bpf_map_lookup_elem(&static_outer, &slot);
	if (!inner)
		return 0xffff;
	__u32 *value = bpf_map_lookup_elem(inner, &zero);
	return value ? *value : 0xffff;
}
