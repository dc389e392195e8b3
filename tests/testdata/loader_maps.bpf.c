// Test object for map declarations the loader must understand: ring buffer, perf event array, per-CPU array,
// LRU hash, map-in-map (__array(values, ...)), program array, and key_size/value_size given as numbers.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} per_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 64);
	__uint(key_size, 16);
	__uint(value_size, 24);
} lru SEC(".maps");

struct inner_array {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u32);
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_array);
} outer SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, int (void *));
} jump_table SEC(".maps");

struct event {
	__u32 pid;
	__u32 seq;
};

__u32 seq = 0;

/* test_run: writes one record to the ring buffer and one to the perf buffer, bumps the per-CPU counter. */
SEC("raw_tp/sys_enter")
int emit(void *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		e->pid = bpf_get_current_pid_tgid() >> 32;
		e->seq = ++seq;
		bpf_ringbuf_submit(e, 0);
	}
	struct event pe = { .pid = 1, .seq = seq };
	bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, &pe, sizeof(pe));

	__u32 key = 0;
	__u64 *v = bpf_map_lookup_elem(&per_cpu, &key);
	if (v)
		*v += 1;
	void *inner = bpf_map_lookup_elem(&outer, &key);
	if (inner) {
		__u32 *slot = bpf_map_lookup_elem(inner, &key);
		if (slot)
			*slot = seq;
	}
	bpf_tail_call(ctx, &jump_table, 0);
	return 0;
}
