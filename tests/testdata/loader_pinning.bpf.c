// Test object for pinning by name: pinned_counts is declared with LIBBPF_PIN_BY_NAME (shared by every load that
// uses the same pin directory); private_counts is not pinned (each load has its own). Run with test_run (raw_tp).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} private_counts SEC(".maps");

SEC("raw_tp/sys_enter")
int count(void *ctx)
{
	__u32 key = 0;
	__u64 *shared = bpf_map_lookup_elem(&pinned_counts, &key);
	if (shared)
		__sync_fetch_and_add(shared, 1);
	__u64 *own = bpf_map_lookup_elem(&private_counts, &key);
	if (own)
		__sync_fetch_and_add(own, 1);
	return 0;
}
