// SPDX-License-Identifier: MIT
/*
 * user_ringbuf_bench.bpf.c: the drain side of `ebpf bench user-ringbuf`. The C# producer (Ebpf.UserRingBuf) and the
 * libbpf C reference producer (user_ring_buffer__reserve/submit) write into the same user ring buffer `urb`; this
 * program, run with BPF_PROG_TEST_RUN, drains it and checksums in the kernel what it read: `drained` counts samples,
 * `sum` adds the first u64 of each (the producer's sequence number), so each side's records are checked by the kernel
 * itself. The loader sizes `urb` before load (max_entries: a power of two, a multiple of the page size).
 * Returns what bpf_user_ringbuf_drain returned: samples consumed (at most BPF_MAX_USER_RINGBUF_SAMPLES per run), or
 * -errno.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 1 << 20);
} urb SEC(".maps");

__u64 drained = 0;
__u64 sum = 0;
__u64 short_samples = 0; /* samples under 8 bytes: the producer did not write a sequence number */

static long on_sample(struct bpf_dynptr *dynptr, void *unused)
{
	__u64 seq;

	if (bpf_dynptr_read(&seq, sizeof(seq), dynptr, 0, 0))
		short_samples++;
	else
		sum += seq;
	drained++;
	return 0;
}

SEC("raw_tp/sys_enter")
int bench_drain(void *ctx)
{
	return bpf_user_ringbuf_drain(&urb, on_sample, NULL, 0);
}
