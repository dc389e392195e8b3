// Test object for the loader: a BTF-defined ARRAY map, .rodata config (const volatile), .bss and .data globals,
// a static subprogram (bpf-to-bpf call), a raw_tp program (test_run-able) and a tracepoint program.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 128);
	__uint(map_flags, 1); /* BPF_F_NO_PREALLOC */
	__type(key, __u64);
	__type(value, struct { __u32 a; __u32 b; __u64 c; });
} pairs SEC(".maps");

/* Configuration, set from user space before load with BpfObjectSpec.SetVariable. */
const volatile __u64 increment = 1;
const volatile __u32 target_pid = 0;

/* Counters read back from user space. */
__u64 bss_counter = 0;
__u64 tp_hits = 0;
__u64 raw_tp_hits = 0;
__u64 data_marker = 0x1122334455667788ULL;

static __attribute__((noinline)) __u64 bump(__u32 idx, __u64 by)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);
	if (!v)
		return 0;
	__sync_fetch_and_add(v, by);
	return *v;
}

/* test_run target: ctx = the raw_tp u64 args; args[0] picks the slot. Returns the slot's new value. */
SEC("raw_tp/sys_enter")
int count_test_run(__u64 *ctx)
{
	__u32 idx = ctx[0] & 3;
	bss_counter += increment;
	data_marker += 1;
	return (int)bump(idx, increment);
}

static __always_inline int is_target(void)
{
	return target_pid != 0 && (bpf_get_current_pid_tgid() >> 32) == target_pid;
}

SEC("raw_tracepoint/sys_enter")
int count_raw_tp(void *ctx)
{
	if (is_target())
		__sync_fetch_and_add(&raw_tp_hits, 1);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int count_tp(void *ctx)
{
	if (is_target()) {
		__sync_fetch_and_add(&tp_hits, 1);
		bump(1, 1);
	}
	return 0;
}
