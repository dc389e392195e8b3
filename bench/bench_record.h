/* SPDX-License-Identifier: MIT */
/*
 * bench_record.h: the contract between the benchmark producers (bpf/bench.bpf.c), the libbpf C reference
 * consumer (bench/c-reference) and the C# benchmark (which mirrors these numbers by hand).
 *
 * Record layout (what a consumer sees as the sample, little endian):
 *
 *   offset  size  field
 *   0       8     seq     (cpu << 48) | per-CPU attempt number; a gap in one CPU's numbers is a dropped record
 *   8       8     ts_ns   bpf_ktime_get_ns() at emission (CLOCK_MONOTONIC in user space)
 *   16      4     cpu     the CPU that emitted it              } only when record_size >= 24
 *   20      4     len     record_size, as the producer meant it }
 *   24..          payload (not written: its content is whatever the ring or scratch buffer held)
 *
 * The record is exactly record_size bytes on the ring buffer. On the perf buffer the kernel pads the raw sample so
 * that the sample header plus data is a multiple of 8: a perf consumer may see up to 7 extra bytes after the record.
 *
 * The consumers' "minimal touch" (the same on the C and the C# side): read the first 8 bytes (seq) as a u64 and add
 * it to a running sum. The sum doubles as a checksum both sides can compare.
 */
#ifndef EBPF_NET_BENCH_RECORD_H
#define EBPF_NET_BENCH_RECORD_H

/* Producer modes (.rodata `mode`). */
#define BENCH_MODE_RB_RESERVE 0   /* bpf_ringbuf_reserve + bpf_ringbuf_submit */
#define BENCH_MODE_RB_OUTPUT 1    /* bpf_ringbuf_output from a per-CPU scratch buffer */
#define BENCH_MODE_PERF_OUTPUT 2  /* bpf_perf_event_output(BPF_F_CURRENT_CPU) from the scratch buffer */

/* record_size bounds: a multiple of 8 in [16, 1024]; the reserve mode needs a power of two (16, 32, ..., 1024)
 * because bpf_ringbuf_reserve takes a verifier-constant size. */
#define BENCH_MIN_RECORD 16
#define BENCH_MAX_RECORD 1024

/* Records per program run. bpf_loop accepts at most 1 << 23 iterations. */
#define BENCH_MAX_BATCH (1u << 23)

/* Default ring size declared in the object (64 MiB). Loaders resize it before load (max_entries: a power of two,
 * a multiple of the page size). */
#define BENCH_DEFAULT_RING_BYTES (64u << 20)

#define BENCH_SEQ_CPU_SHIFT 48

/* First 16 bytes of every record. */
struct bench_record {
	__u64 seq;
	__u64 ts_ns;
};

/* Bytes 16..23 of records of 24 bytes or more. */
struct bench_record_ext {
	__u32 cpu;
	__u32 len;
};

/* Value of the per-CPU array `stats` (key 0): sum over CPUs for totals. */
struct bench_stats {
	__u64 attempted; /* records the producer tried to emit (also the per-CPU seq counter) */
	__u64 emitted;   /* records accepted by bpf_ringbuf_reserve/_output or bpf_perf_event_output */
	__u64 dropped;   /* records refused: reserve returned NULL, or output returned an error */
	__u64 avail_max; /* highest bpf_ringbuf_query(BPF_RB_AVAIL_DATA) seen when query_avail is set */
	__u64 runs;      /* program invocations that passed the tgid filter */
};

#endif
