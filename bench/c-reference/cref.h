/* SPDX-License-Identifier: MIT */
/*
 * cref.h: the libbpf C reference consumer for the Ebpf.Net benchmarks (bench tooling only; the library never
 * needs it). Built by scripts/build-c-reference.sh into bench/c-reference/build/libebpf_cref.so and the CLI
 * bench/c-reference/build/cref.
 *
 * It loads bpf/bench.bpf.o with libbpf, fills its ring buffer `rb` or perf buffer `pb` with BPF_PROG_TEST_RUN,
 * and times libbpf's own consumers (ring_buffer__consume, perf_buffer__consume) draining them. The map fds are
 * exposed so that a C# consumer in the same process can drain the SAME maps, filled by the same cref_fill: that is
 * what makes the side-by-side comparison fair.
 *
 * P/Invoke conventions: every function is C ABI; handles are opaque pointers; integers are int32_t/int64_t;
 * outputs are pointers to int64_t (any output pointer may be NULL); the struct below holds only int64_t fields.
 * Functions returning int return 0 (or a non-negative value) on success and a negative errno on failure.
 * Not thread-safe: one thread uses a handle at a time (cref_stream starts its own producer threads).
 *
 * Drain protocol (the same on both sides):
 *   1. cref_open(...)                       load the object with the producer configured
 *   2. perf only: cref_perfbuf_open(...)    create libbpf's perf buffer; it installs its event fds in `pb`
 *   3. warm-up: twice { cref_fill(h, N); drain }    first touches of mapped pages cost ~1 us each: never time them
 *   4. rounds: { cref_fill(h, N); timed drain }     C:  cref_drain_ringbuf / cref_drain_perfbuf
 *                                                   C#: its own consumer on cref_ringbuf_fd / cref_perfbuf_fd
 *   A C# perf round installs its own event fds in `pb` before its fill; call cref_perfbuf_claim before a C round
 *   that follows one. The ring buffer needs no claim: both consumers share the kernel's consumer position.
 * Minimal touch per record, both sides: sum += first 8 bytes (seq) as u64. The sums are returned as checksums.
 */
#ifndef EBPF_NET_CREF_H
#define EBPF_NET_CREF_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CREF_API __attribute__((visibility("default")))

/* Producer modes: the same numbers as BENCH_MODE_* in bench/bench_record.h. */
#define CREF_MODE_RB_RESERVE 0
#define CREF_MODE_RB_OUTPUT 1
#define CREF_MODE_PERF_OUTPUT 2

typedef struct cref cref;

/* Opens and loads the object. record_size: multiple of 8 in [16, 1024] (a power of two for RB_RESERVE).
 * batch: records per bench_stream invocation (and per bench_fill run without a count), >= 1.
 * wakeup_every: ring buffer: 0 = adaptive wake-up, N = BPF_RB_NO_WAKEUP except every Nth record (forced).
 * query_avail: 1 = bpf_ringbuf_query(BPF_RB_AVAIL_DATA) before each ring emit. ring_bytes: size of `rb`
 * (0 = the object's 64 MiB default; otherwise rounded up to a power of two >= page size). The stream program is
 * filtered to the calling process (target_tgid = getpid()). */
CREF_API int cref_open(const char *object_path, int32_t mode, int32_t record_size, int32_t batch,
		       int32_t wakeup_every, int32_t query_avail, int64_t ring_bytes, cref **out);
/* Frees consumers, links, maps and programs. NULL is harmless. */
CREF_API void cref_close(cref *h);

/* Fds owned by the handle (do not close them). */
CREF_API int cref_ringbuf_fd(const cref *h);
CREF_API int cref_perfbuf_fd(const cref *h);
CREF_API int cref_stats_fd(const cref *h);   /* per-CPU array of struct bench_stats, key 0 */
CREF_API int64_t cref_ring_bytes(const cref *h); /* the loaded size of `rb` */

/* Sizing helpers: the smallest ring (bytes) / perf buffer (pages per CPU, a power of two) holding `records`
 * records of `record_size` bytes with all headers and padding. */
CREF_API int64_t cref_ring_bytes_for(int64_t records, int32_t record_size);
CREF_API int64_t cref_perf_pages_for(int64_t records, int32_t record_size);

/* Runs bench_fill with BPF_PROG_TEST_RUN until `records` records were attempted (in runs of at most 65536), with
 * no consumer involved. cpu >= 0 pins the runs to that CPU (perf: the records land in that CPU's buffer); -1 = any.
 * Outputs: records accepted by the kernel and records refused (ring full / perf slot empty or full). */
CREF_API int cref_fill(cref *h, int64_t records, int32_t cpu, int64_t *emitted, int64_t *dropped);

/* Totals of the per-CPU `stats` map (summed over CPUs) since load. */
CREF_API int cref_read_stats(const cref *h, int64_t *attempted, int64_t *emitted, int64_t *dropped,
			     int64_t *avail_max, int64_t *runs);

/* Drains `rb` with libbpf's ring_buffer__consume (the ring_buffer is created on first use and kept, so its pages
 * stay warm), timed with CLOCK_MONOTONIC around the consume call only. */
CREF_API int cref_drain_ringbuf(cref *h, int64_t *records, int64_t *elapsed_ns, int64_t *checksum);

/* Creates the C perf buffer on `pb` (pages_per_cpu a power of two) if not yet created; creating it installs its
 * event fds in `pb`. wakeup_events 1: libbpf's perf_buffer__new (its attr wakes the reader on every record);
 * N > 1: perf_buffer__new_raw with attr.wakeup_events = N (libbpf 1.1's perf_buffer_opts cannot set it) and a
 * dispatcher doing what perf_buffer__new's does. The consume loop is libbpf's either way; N only changes the
 * producer's cost (a wake-up per record costs ~5 us per record in this VM, which makes fills slow). */
CREF_API int cref_perfbuf_open(cref *h, int64_t pages_per_cpu, int32_t wakeup_events);
/* Re-installs the C perf buffer's event fds in `pb` (after another consumer replaced them). */
CREF_API int cref_perfbuf_claim(cref *h);
/* Drains the C perf buffer with perf_buffer__consume, timed like cref_drain_ringbuf. lost: PERF_RECORD_LOST sum. */
CREF_API int cref_drain_perfbuf(cref *h, int64_t *records, int64_t *lost, int64_t *elapsed_ns, int64_t *checksum);

/* Stream mode result. Every field int64_t, in this order (15 fields). */
struct cref_stream_result {
	int64_t received;        /* records the consumer callback saw */
	int64_t emitted;         /* records the BPF side emitted during the run (stats delta) */
	int64_t dropped;         /* records the BPF side could not emit (stats delta) */
	int64_t lost;            /* perf: PERF_RECORD_LOST sum; ring: 0 */
	int64_t producer_calls;  /* getpgid() calls made by the producer threads */
	int64_t wall_ns;         /* CLOCK_MONOTONIC, producers start to final drain end */
	int64_t consumer_cpu_ns; /* CLOCK_THREAD_CPUTIME_ID of the consuming (calling) thread over the same span */
	int64_t latency_samples; /* records with (seq & 63) == 0 (see cref_stream_pacing): now - ts_ns in the callback */
	int64_t latency_sum_ns;
	int64_t latency_max_ns;
	int64_t checksum;        /* sum of seq over received records */
	int64_t wakeups;         /* poll calls that returned records */
	int64_t latency_p50_ns;  /* nearest-rank percentiles of the sampled latencies (first 2^20 samples) */
	int64_t latency_p99_ns;
	int64_t latency_p999_ns;
};

/* Stream mode: attaches bench_stream (tracepoint syscalls/sys_enter_getpgid), starts producer_threads threads
 * calling getpgid() for duration_ms, and consumes on the calling thread with ring_buffer__poll /
 * perf_buffer__poll (100 ms timeout) until they stop, then drains what is left. perf_wakeup_events: records per
 * perf wake-up (>= 1; the C perf buffer for streams is made with perf_buffer__new_raw so it can set it);
 * ring wake-ups follow the object's wakeup_every. The handle's mode picks the transport. */
CREF_API int cref_stream(cref *h, int32_t duration_ms, int32_t producer_threads, int32_t perf_wakeup_events,
			 int64_t perf_pages_per_cpu, struct cref_stream_result *out);

/* Stream pacing (latency mode): each producer thread sleeps producer_gap_ns (clock_nanosleep, CLOCK_MONOTONIC)
 * after every getpgid() call, so records arrive at a consumer that is asleep in epoll_wait; and the latency of
 * every latency_sample_every-th record per CPU is measured (a power of two; 1 = every record). Defaults: 0 and 64.
 * Applies to later cref_stream calls on this handle. */
CREF_API int cref_stream_pacing(cref *h, int64_t producer_gap_ns, int64_t latency_sample_every);

/* Producer threads alone, for a consumer that is not this library's (the C# side of `ebpf bench stream`), so both
 * consumers face the same load: threads calling getpgid() in a loop, each sleeping gap_ns after every call when
 * gap_ns > 0 (as in cref_stream_pacing), thread i pinned to CPU i % pin_cpus when pin_cpus > 0.
 * cref_producers_stop stops and joins them, frees p and returns the calls made. */
typedef struct cref_producers cref_producers;
CREF_API int cref_producers_start(int32_t threads, int64_t gap_ns, int32_t pin_cpus, cref_producers **out);
CREF_API int64_t cref_producers_stop(cref_producers *p);

/* Stream pinning: cref_stream's producers run on CPUs 0..producer_cpus-1 (thread i on CPU i % producer_cpus);
 * 0 (the default) leaves them to the scheduler. Applies to later cref_stream calls on this handle. */
CREF_API int cref_stream_pinning(cref *h, int32_t producer_cpus);

/* Pins the calling thread to `cpu`, or lets it run on every CPU when cpu < 0 (the stream consumer's pinning). */
CREF_API int cref_pin_thread(int32_t cpu);

/* User ring buffer producer (`ebpf bench user-ringbuf`): libbpf's user_ring_buffer on a map the caller created and
 * loaded (the C# side loads bpf/user_ringbuf_bench.bpf.o and drains with its test-run program; both producers write
 * the same map, one after the other, never at once). cref_urb_new maps it (user_ring_buffer__new); the fd stays the
 * caller's. cref_urb_produce writes `records` records of `record_size` bytes (>= 8): user_ring_buffer__reserve, the
 * record's first u64 = first_seq + i (the minimal touch, the same on the C# side), user_ring_buffer__submit; timed
 * with CLOCK_MONOTONIC around the loop only. Returns the records written (fewer when a reserve failed: the ring was
 * full) or a negative errno. */
typedef struct cref_urb cref_urb;
CREF_API int cref_urb_new(int32_t map_fd, cref_urb **out);
CREF_API void cref_urb_free(cref_urb *p);
CREF_API int64_t cref_urb_produce(cref_urb *p, int64_t records, int32_t record_size, int64_t first_seq, int64_t *elapsed_ns);

/* libbpf as the reference loader (cref_load.c). */

/* An object's per-program outcome as libbpf gives it: first each map is created alone (no program loaded) to learn
 * which ones the kernel refuses (libbpf sizes a PERF_EVENT_ARRAY left at max_entries 0 by the possible CPUs and
 * sends any other 0 to the kernel); then each program is loaded alone (bpf_program__set_autoload) with every map the
 * kernel accepts (bpf_map__set_autocreate), so a program using a refused map fails and the others load. A loaded
 * program is pinned at pin_dir/<name> (pin_dir on a bpffs; maps pinned by name go under pin_dir too). Writes one line
 * per program, "name\t0" or "name\t-errno", into out (NUL-terminated). Returns the number of programs, or a
 * negative errno (-ENOSPC: out is too small). */
CREF_API int cref_load_each(const char *object_path, const char *pin_dir, char *out, int64_t out_len);

/* Opens (bpf_object__open_file) and loads (bpf_object__load) an object, then closes it. open_ns, load_ns: the
 * CLOCK_MONOTONIC time of each phase. Returns 0 or the load's negative errno. */
CREF_API int cref_load_object(const char *object_path, int64_t *open_ns, int64_t *load_ns);

/* 1 = let libbpf print its debug messages to stderr (default: warnings only). */
CREF_API void cref_set_verbose(int32_t verbose);

#ifdef __cplusplus
}
#endif

#endif
