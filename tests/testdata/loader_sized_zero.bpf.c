// Test object for maps whose size the object leaves to user space (max_entries 0, as libbpf-tools declare them): a
// hash map and a perf event array declared without max_entries, a sized array, and one program using each of the
// three. libbpf 1.1 sizes the perf event array by the possible CPUs at load and sends the hash map's 0 to the kernel,
// which refuses it: then only the program using the hash map fails, unless MapSpec.MaxEntries sized it first.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u64);
} sized_later SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

/* Counts its runs in the hash map (key = args[0] & 7); returns the new count. */
SEC("raw_tp/sys_enter")
int uses_hash(__u64 *ctx)
{
	__u32 key = ctx[0] & 7;
	__u64 one = 1, *v = bpf_map_lookup_elem(&sized_later, &key);
	if (!v) {
		bpf_map_update_elem(&sized_later, &key, &one, BPF_ANY);
		return 1;
	}
	return (int)__sync_fetch_and_add(v, 1) + 1;
}

/* Sends its first argument to the perf event array of the current CPU. */
SEC("raw_tp/sys_enter")
int uses_perf(__u64 *ctx)
{
	__u64 arg = ctx[0];
	bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &arg, sizeof(arg));
	return 0;
}

/* Uses neither: counts in the sized array. */
SEC("raw_tp/sys_enter")
int uses_neither(__u64 *ctx)
{
	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&counts, &key);
	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}
