// SPDX-License-Identifier: MIT
/*
 * bench.bpf.c: benchmark producers for the ring-buffer and perf-buffer consumers.
 *
 * Two programs share one emitter:
 *   bench_fill    raw_tp, run by BPF_PROG_TEST_RUN only (never attached). Deterministic: drain mode fills the ring
 *                 with it while no consumer runs. Records per run: the first u64 of the test_run context, or
 *                 `batch` when the context is absent or zero.
 *   bench_stream  tracepoint syscalls/sys_enter_getpgid, for stream mode: `batch` records per getpgid() call of
 *                 process `target_tgid` (0 = any process).
 *
 * Configuration lives in .rodata (set it before load); the record layout, modes and counters are documented in
 * bench/bench_record.h. No CO-RE: the tracepoint context is a plain struct of our own.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "../bench/bench_record.h"

const volatile __u32 record_size = 64;   /* bytes per record, see BENCH_MIN_RECORD/BENCH_MAX_RECORD */
const volatile __u32 batch = 1;          /* records per invocation (bench_fill: when its context gives none) */
const volatile __u32 mode = BENCH_MODE_RB_RESERVE;
const volatile __u32 wakeup_every = 0;   /* ringbuf: 0 = kernel's adaptive wake-up; N = BPF_RB_NO_WAKEUP except
                                            every Nth record (per CPU), which forces one */
const volatile __u32 query_avail = 0;    /* 1 = bpf_ringbuf_query(BPF_RB_AVAIL_DATA) before each ringbuf emit */
const volatile __u32 target_tgid = 0;    /* bench_stream: only this process (0 = every process) */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, BENCH_DEFAULT_RING_BYTES);
} rb SEC(".maps");

/* max_entries left 0: the loader sets it to the number of possible CPUs (libbpf convention). */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} pb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_stats);
} stats SEC(".maps");

/* Source of bpf_ringbuf_output / bpf_perf_event_output: records up to 1 KiB do not fit the 512-byte stack. */
struct bench_scratch {
	__u8 bytes[BENCH_MAX_RECORD];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bench_scratch);
} scratch SEC(".maps");

/* The syscalls:sys_enter_getpgid format (see /sys/kernel/tracing/events/syscalls/sys_enter_getpgid/format). */
struct getpgid_enter_ctx {
	__u16 common_type;
	__u8 common_flags;
	__u8 common_preempt_count;
	__s32 common_pid;
	__s32 syscall_nr;
	__u32 pad;
	__u64 pid;
};

struct emit_ctx {
	void *prog_ctx;            /* bpf_perf_event_output needs the program's context */
	struct bench_stats *stats;
	struct bench_scratch *buf;
	__u64 cpu;
	__u64 ok;
	__u64 failed;
};

static __always_inline __u64 next_seq(struct emit_ctx *ec)
{
	__u64 n = ec->stats->attempted++;

	return (ec->cpu << BENCH_SEQ_CPU_SHIFT) | n;
}

/* BPF_RB_NO_WAKEUP on most records, BPF_RB_FORCE_WAKEUP on every Nth: a plain (adaptive) submit after un-woken
 * records would not wake a sleeping consumer, because the consumer position no longer equals the record's. */
static __always_inline __u64 wakeup_flags(__u64 seq)
{
	__u32 every = wakeup_every;

	if (!every)
		return 0;
	return ((seq & ((1ull << BENCH_SEQ_CPU_SHIFT) - 1)) + 1) % every == 0 ? BPF_RB_FORCE_WAKEUP
										  : BPF_RB_NO_WAKEUP;
}

static __always_inline void note_avail(struct emit_ctx *ec)
{
	__u64 avail;

	if (!query_avail)
		return;
	avail = bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA);
	if (avail > ec->stats->avail_max)
		ec->stats->avail_max = avail;
}

static __always_inline void write_header(void *rec, __u32 size, __u64 seq, __u64 cpu)
{
	struct bench_record *r = rec;

	r->seq = seq;
	r->ts_ns = bpf_ktime_get_ns();
	if (size >= sizeof(struct bench_record) + sizeof(struct bench_record_ext)) {
		struct bench_record_ext *x = (void *)(r + 1);

		x->cpu = cpu;
		x->len = size;
	}
}

/* `size` is a literal at every call site: bpf_ringbuf_reserve needs a verifier-constant size. */
static __always_inline int reserve_one(struct emit_ctx *ec, const __u32 size)
{
	__u64 seq = next_seq(ec);
	void *rec;

	note_avail(ec);
	rec = bpf_ringbuf_reserve(&rb, size, 0);
	if (!rec)
		return -1;
	write_header(rec, size, seq, ec->cpu);
	bpf_ringbuf_submit(rec, wakeup_flags(seq));
	return 0;
}

static __always_inline int reserve_sized(struct emit_ctx *ec)
{
	switch (record_size) {
	case 16: return reserve_one(ec, 16);
	case 32: return reserve_one(ec, 32);
	case 64: return reserve_one(ec, 64);
	case 128: return reserve_one(ec, 128);
	case 256: return reserve_one(ec, 256);
	case 512: return reserve_one(ec, 512);
	case 1024: return reserve_one(ec, 1024);
	default: return -1; /* the loader validates; an odd size counts every record as dropped */
	}
}

static __always_inline int output_one(struct emit_ctx *ec)
{
	__u32 size = record_size;
	__u64 seq = next_seq(ec);
	long err;

	if (size < BENCH_MIN_RECORD || size > BENCH_MAX_RECORD)
		return -1;
	write_header(ec->buf, size, seq, ec->cpu);
	if (mode == BENCH_MODE_PERF_OUTPUT) {
		err = bpf_perf_event_output(ec->prog_ctx, &pb, BPF_F_CURRENT_CPU, ec->buf, size);
	} else {
		note_avail(ec);
		err = bpf_ringbuf_output(&rb, ec->buf, size, wakeup_flags(seq));
	}
	return err ? -1 : 0;
}

static long emit_step(__u32 index, void *data)
{
	struct emit_ctx *ec = data;
	int err;

	if (mode == BENCH_MODE_RB_RESERVE)
		err = reserve_sized(ec);
	else
		err = output_one(ec);
	if (err)
		ec->failed++;
	else
		ec->ok++;
	return 0;
}

static __always_inline int emit(void *prog_ctx, __u64 count)
{
	__u32 zero = 0;
	struct emit_ctx ec = { .prog_ctx = prog_ctx };

	ec.stats = bpf_map_lookup_elem(&stats, &zero);
	ec.buf = bpf_map_lookup_elem(&scratch, &zero);
	if (!ec.stats || !ec.buf)
		return 0;
	if (count > BENCH_MAX_BATCH)
		count = BENCH_MAX_BATCH;
	ec.cpu = bpf_get_smp_processor_id();
	ec.stats->runs++;
	bpf_loop(count, emit_step, &ec, 0);
	ec.stats->emitted += ec.ok;
	ec.stats->dropped += ec.failed;
	return 0;
}

SEC("raw_tp")
int bench_fill(__u64 *ctx)
{
	__u64 count = ctx[0];

	return emit(ctx, count ? count : batch);
}

SEC("tracepoint/syscalls/sys_enter_getpgid")
int bench_stream(struct getpgid_enter_ctx *ctx)
{
	if (target_tgid && (bpf_get_current_pid_tgid() >> 32) != target_tgid)
		return 0;
	return emit(ctx, batch);
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
