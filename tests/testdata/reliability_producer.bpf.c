// SPDX-License-Identifier: MIT
/*
 * reliability_producer.bpf.c: the producer of the reliability accounting tests.
 *
 * produce  raw_tp, run only by BPF_PROG_TEST_RUN. Context (u64 args): [0] producer id (< MAX_PRODUCERS),
 *          [1] records to attempt in this run (bpf_loop), [2] transport (0 ring buffer reserve/submit,
 *          1 perf event output). Every attempt takes the producer's next sequence number, whether or not it fits,
 *          so a receiver sees per-producer numbers that only rise and whose gaps are exactly the failures.
 *          Per producer, the program counts attempts, successes and failures by cause: the books the test balances.
 *
 * A producer id is used by one user-space thread at a time, so its counters are never updated concurrently.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define MAX_PRODUCERS 16
#define SEQ_SHIFT 48
#define CHECK_MUL 0x9E3779B97F4A7C15ull
#define CHECK_XOR 0x5DEECE66Dull

struct record {
	__u64 seq;   /* producer << 48 | n */
	__u64 check; /* seq * CHECK_MUL ^ CHECK_XOR: a record torn or overwritten does not match */
};

struct producer_stats {
	__u64 attempted;
	__u64 emitted;
	__u64 dropped_full;  /* ring buffer: reserve returned NULL; perf: -ENOSPC */
	__u64 failed_other;  /* any other error (perf: -ENOENT, -EOPNOTSUPP, ...): must stay 0 */
	__u64 runs;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} pb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_PRODUCERS);
	__type(key, __u32);
	__type(value, struct producer_stats);
} producers SEC(".maps");

struct loop_ctx {
	void *prog_ctx;
	struct producer_stats *stats;
	__u64 producer;
	__u64 transport;
};

static long produce_one(__u32 index, void *data)
{
	struct loop_ctx *lc = data;
	struct producer_stats *st = lc->stats;
	struct record rec;
	long err;

	rec.seq = (lc->producer << SEQ_SHIFT) | st->attempted++;
	rec.check = rec.seq * CHECK_MUL ^ CHECK_XOR;
	if (lc->transport == 0) {
		struct record *r = bpf_ringbuf_reserve(&rb, sizeof(*r), 0);

		if (!r) {
			st->dropped_full++;
			return 0;
		}
		r->seq = rec.seq;
		r->check = rec.check;
		bpf_ringbuf_submit(r, 0);
		st->emitted++;
		return 0;
	}
	err = bpf_perf_event_output(lc->prog_ctx, &pb, BPF_F_CURRENT_CPU, &rec, sizeof(rec));
	if (!err)
		st->emitted++;
	else if (err == -28 /* ENOSPC */)
		st->dropped_full++;
	else
		st->failed_other++;
	return 0;
}

SEC("raw_tp")
int produce(__u64 *ctx)
{
	struct loop_ctx lc = { .prog_ctx = ctx };
	__u32 id = ctx[0];
	__u64 count = ctx[1];

	if (id >= MAX_PRODUCERS)
		return 1;
	lc.stats = bpf_map_lookup_elem(&producers, &id);
	if (!lc.stats)
		return 1;
	lc.producer = id;
	lc.transport = ctx[2];
	lc.stats->runs++;
	if (bpf_loop(count, produce_one, &lc, 0) < 0)
		return 2;
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
