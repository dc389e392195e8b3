// Test object for the user ring buffer producer (Ebpf.UserRingBuf). The raw_tp program `drain` is run with
// BPF_PROG_TEST_RUN (never attached); its u64 arguments:
//   args[0] max    samples to consume in this run (0 = as many as bpf_user_ringbuf_drain hands over)
//   args[1] flags  passed to bpf_user_ringbuf_drain (BPF_RB_NO_WAKEUP 1, BPF_RB_FORCE_WAKEUP 2)
// Every sample the drain hands over is echoed into the ring buffer `echo` as { u32 len; u32 index; data[len] }
// (data cut at ECHO_MAX bytes), so a test reads back exactly what the kernel saw. Globals: drained (samples seen),
// bytes (their lengths summed), sum (their first u64s summed), echo_failed, last_ret (the helper's return value).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define ECHO_MAX 1024

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 16 * 1024);
} urb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
} echo SEC(".maps");

struct echo_record {
	__u32 len;
	__u32 index;
	__u8 data[2 * ECHO_MAX]; /* room for the verifier's bound on n (n & (2 * ECHO_MAX - 1)) */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct echo_record);
} scratch SEC(".maps");

extern __u32 bpf_dynptr_size(const struct bpf_dynptr *p) __ksym;

__u64 drained = 0;
__u64 bytes = 0;
__u64 sum = 0;
__u64 echo_failed = 0;
__s64 last_ret = 0;
/* This run's args[0] and the samples it has seen (the callback keeps only the dynptr in registers across calls:
 * the verifier does not let it spill the dynptr pointer to the stack). */
__u64 run_max = 0;
__u64 run_seen = 0;

static long on_sample(struct bpf_dynptr *dynptr, void *unused)
{
	__u32 zero = 0;
	__u32 len = bpf_dynptr_size(dynptr);
	struct echo_record *r = bpf_map_lookup_elem(&scratch, &zero);
	__u32 n = len < ECHO_MAX ? len : ECHO_MAX;

	barrier_var(n);
	n &= 2 * ECHO_MAX - 1;
	if (!r)
		return 1;
	r->len = len;
	r->index = (__u32)drained;
	if (bpf_dynptr_read(r->data, n, dynptr, 0, 0) || bpf_ringbuf_output(&echo, r, 8 + n, 0))
		echo_failed++;
	if (n >= 8)
		sum += *(__u64 *)r->data;
	bytes += len;
	drained++;
	run_seen++;
	return run_max && run_seen >= run_max;
}

SEC("raw_tp/sys_enter")
int drain(__u64 *ctx)
{
	run_max = ctx[0];
	run_seen = 0;
	last_ret = bpf_user_ringbuf_drain(&urb, on_sample, NULL, ctx[1]);
	return 0;
}
