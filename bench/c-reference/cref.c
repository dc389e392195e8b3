// SPDX-License-Identifier: MIT
/*
 * cref.c: the libbpf C reference consumer (see cref.h for the contract and the drain protocol).
 * Written for Ebpf.Net against Debian 12's libbpf 1.1; uses only libbpf's public API.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "cref.h"
#include "../bench_record.h"

#define FILL_CHUNK 65536          /* records per BPF_PROG_TEST_RUN: keeps each run well under a millisecond-ish */
#define LATENCY_SAMPLE_MASK 63ull /* stream default: latency of records whose per-CPU seq is a multiple of 64 */

/* What a consumer callback accumulates: the minimal touch (sum of seq) and counts. */
struct tally {
	int64_t records;
	uint64_t checksum;
	int64_t lost;
	int64_t latency_samples;
	int64_t latency_sum_ns;
	int64_t latency_max_ns;
	int64_t *latencies;        /* stream: every sample, for percentiles (NULL in drains) */
	int64_t latency_capacity;
	uint64_t sample_mask;      /* stream: sample records with (seq & sample_mask) == 0 */
};

#define LATENCY_CAPACITY (1 << 20)

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* The q-quantile of the first n sorted samples (nearest rank, as the C# side computes it). */
static int64_t quantile(const int64_t *sorted, int64_t n, double q)
{
	int64_t i = (int64_t)(q * (double)n);

	return n == 0 ? 0 : sorted[i < n ? i : n - 1];
}

struct cref {
	struct bpf_object *obj;
	struct bpf_program *fill_prog;
	struct bpf_program *stream_prog;
	int rb_fd;
	int pb_fd;
	int stats_fd;
	int mode;
	int record_size;
	int64_t ring_bytes;
	struct ring_buffer *ring;  /* drain and ring stream consumer, created on first use */
	struct perf_buffer *perf;  /* drain perf consumer, from cref_perfbuf_open */
	struct tally tally;        /* the active consumer's callback context */
	int64_t producer_gap_ns;   /* stream: producer sleep after each call (0 = none), see cref_stream_pacing */
	int32_t producer_cpus;     /* stream: pin producers to CPUs 0..producer_cpus-1 (0 = no pinning), see cref_stream_pinning */
	uint64_t sample_mask;      /* stream: latency sample mask (sample_every - 1) */
};

static int verbose_libbpf;

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !verbose_libbpf)
		return 0;
	return vfprintf(stderr, fmt, args);
}

void cref_set_verbose(int32_t verbose)
{
	verbose_libbpf = verbose;
}

static int64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t round_up_pow2(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

static uint64_t round_up8(uint64_t v)
{
	return (v + 7) & ~7ull;
}

static void store_out(int64_t *out, int64_t value)
{
	if (out)
		*out = value;
}

int64_t cref_ring_bytes_for(int64_t records, int32_t record_size)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t need = (uint64_t)records * round_up8((uint64_t)record_size + 8); /* 8-byte ringbuf header */

	return (int64_t)round_up_pow2(need < page ? page : need);
}

int64_t cref_perf_pages_for(int64_t records, int32_t record_size)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	/* perf_event_header (8) + u32 raw size + raw data, padded to 8 */
	uint64_t need = (uint64_t)records * (8 + round_up8((uint64_t)record_size + 4));

	return (int64_t)round_up_pow2((need + page - 1) / page);
}

static bool valid_record_size(int mode, int size)
{
	if (size < BENCH_MIN_RECORD || size > BENCH_MAX_RECORD || size % 8)
		return false;
	return mode != CREF_MODE_RB_RESERVE || (size & (size - 1)) == 0;
}

/* Writes a u32 .rodata variable of the opened (not yet loaded) object, found by name through the object's BTF. */
static int set_rodata_u32(struct bpf_object *obj, const char *name, uint32_t value)
{
	struct btf *btf = bpf_object__btf(obj);
	struct bpf_map *map, *rodata = NULL;
	const struct btf_type *sec;
	const struct btf_var_secinfo *vars;
	int sec_id;

	bpf_object__for_each_map(map, obj) {
		const char *n = bpf_map__name(map);
		size_t len = strlen(n);

		if (len >= 7 && strcmp(n + len - 7, ".rodata") == 0)
			rodata = map;
	}
	if (!btf || !rodata)
		return -ENOENT;
	sec_id = btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC);
	if (sec_id < 0)
		return -ENOENT;
	sec = btf__type_by_id(btf, sec_id);
	vars = btf_var_secinfos(sec);
	for (int i = 0; i < btf_vlen(sec); i++) {
		const struct btf_type *var = btf__type_by_id(btf, vars[i].type);
		size_t size;
		const void *initial;
		uint8_t *copy;
		int err;

		if (strcmp(btf__name_by_offset(btf, var->name_off), name) != 0)
			continue;
		if (vars[i].size != sizeof(uint32_t))
			return -EINVAL;
		initial = bpf_map__initial_value(rodata, &size);
		if (!initial || vars[i].offset + sizeof(uint32_t) > size)
			return -EINVAL;
		copy = malloc(size);
		if (!copy)
			return -ENOMEM;
		memcpy(copy, initial, size);
		memcpy(copy + vars[i].offset, &value, sizeof(value));
		err = bpf_map__set_initial_value(rodata, copy, size);
		free(copy);
		return err;
	}
	return -ENOENT;
}

int cref_open(const char *object_path, int32_t mode, int32_t record_size, int32_t batch, int32_t wakeup_every,
	      int32_t query_avail, int64_t ring_bytes, cref **out)
{
	struct bpf_map *rb_map;
	cref *h;
	int err;

	if (!out || !object_path)
		return -EINVAL;
	*out = NULL;
	if (mode < CREF_MODE_RB_RESERVE || mode > CREF_MODE_PERF_OUTPUT || !valid_record_size(mode, record_size) ||
	    batch < 1 || (uint32_t)batch > BENCH_MAX_BATCH || wakeup_every < 0 || ring_bytes < 0 ||
	    ring_bytes > (1ll << 31)) {
		fprintf(stderr, "cref_open: invalid configuration (mode %d, record_size %d, batch %d, wakeup_every %d,"
				" ring_bytes %lld): see cref.h\n",
			mode, record_size, batch, wakeup_every, (long long)ring_bytes);
		return -EINVAL;
	}
	libbpf_set_print(print_libbpf);
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->mode = mode;
	h->sample_mask = LATENCY_SAMPLE_MASK;
	h->record_size = record_size;
	h->obj = bpf_object__open_file(object_path, NULL);
	if (!h->obj) {
		err = -errno;
		fprintf(stderr, "cref_open: cannot open %s: %s\n", object_path, strerror(-err));
		free(h);
		return err;
	}
	err = set_rodata_u32(h->obj, "record_size", (uint32_t)record_size);
	err = err ?: set_rodata_u32(h->obj, "batch", (uint32_t)batch);
	err = err ?: set_rodata_u32(h->obj, "mode", (uint32_t)mode);
	err = err ?: set_rodata_u32(h->obj, "wakeup_every", (uint32_t)wakeup_every);
	err = err ?: set_rodata_u32(h->obj, "query_avail", query_avail ? 1 : 0);
	err = err ?: set_rodata_u32(h->obj, "target_tgid", (uint32_t)getpid());
	if (err) {
		fprintf(stderr, "cref_open: %s: cannot set .rodata (%s): is it bench.bpf.o?\n", object_path,
			strerror(-err));
		goto fail;
	}
	rb_map = bpf_object__find_map_by_name(h->obj, "rb");
	h->fill_prog = bpf_object__find_program_by_name(h->obj, "bench_fill");
	h->stream_prog = bpf_object__find_program_by_name(h->obj, "bench_stream");
	if (!rb_map || !h->fill_prog || !h->stream_prog || !bpf_object__find_map_by_name(h->obj, "pb") ||
	    !bpf_object__find_map_by_name(h->obj, "stats")) {
		fprintf(stderr, "cref_open: %s lacks map rb/pb/stats or program bench_fill/bench_stream\n", object_path);
		err = -ENOENT;
		goto fail;
	}
	if (ring_bytes) {
		uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
		uint64_t size = round_up_pow2((uint64_t)ring_bytes < page ? page : (uint64_t)ring_bytes);

		err = bpf_map__set_max_entries(rb_map, (uint32_t)(size > UINT32_MAX ? 1u << 31 : size));
		if (err)
			goto fail;
	}
	err = bpf_object__load(h->obj);
	if (err) {
		fprintf(stderr, "cref_open: loading %s failed: %s\n", object_path, strerror(-err));
		goto fail;
	}
	h->ring_bytes = bpf_map__max_entries(rb_map);
	h->rb_fd = bpf_map__fd(rb_map);
	h->pb_fd = bpf_object__find_map_fd_by_name(h->obj, "pb");
	h->stats_fd = bpf_object__find_map_fd_by_name(h->obj, "stats");
	*out = h;
	return 0;
fail:
	bpf_object__close(h->obj);
	free(h);
	return err;
}

void cref_close(cref *h)
{
	if (!h)
		return;
	ring_buffer__free(h->ring);
	perf_buffer__free(h->perf);
	bpf_object__close(h->obj);
	free(h);
}

int cref_ringbuf_fd(const cref *h) { return h->rb_fd; }
int cref_perfbuf_fd(const cref *h) { return h->pb_fd; }
int cref_stats_fd(const cref *h) { return h->stats_fd; }
int64_t cref_ring_bytes(const cref *h) { return h->ring_bytes; }

int cref_read_stats(const cref *h, int64_t *attempted, int64_t *emitted, int64_t *dropped, int64_t *avail_max,
		    int64_t *runs)
{
	int ncpu = libbpf_num_possible_cpus();
	struct bench_stats *per_cpu, sum = { 0 };
	uint32_t key = 0;
	int err = 0;

	if (ncpu < 0)
		return ncpu;
	/* sizeof(struct bench_stats) is a multiple of 8, the per-CPU value stride */
	per_cpu = calloc((size_t)ncpu, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	if (bpf_map_lookup_elem(h->stats_fd, &key, per_cpu)) {
		err = -errno;
		goto out;
	}
	for (int i = 0; i < ncpu; i++) {
		sum.attempted += per_cpu[i].attempted;
		sum.emitted += per_cpu[i].emitted;
		sum.dropped += per_cpu[i].dropped;
		sum.runs += per_cpu[i].runs;
		if (per_cpu[i].avail_max > sum.avail_max)
			sum.avail_max = per_cpu[i].avail_max;
	}
	store_out(attempted, (int64_t)sum.attempted);
	store_out(emitted, (int64_t)sum.emitted);
	store_out(dropped, (int64_t)sum.dropped);
	store_out(avail_max, (int64_t)sum.avail_max);
	store_out(runs, (int64_t)sum.runs);
out:
	free(per_cpu);
	return err;
}

int cref_fill(cref *h, int64_t records, int32_t cpu, int64_t *emitted, int64_t *dropped)
{
	int64_t emitted0, dropped0, emitted1, dropped1;
	int prog_fd = bpf_program__fd(h->fill_prog);
	int err;
	cpu_set_t saved, pinned;
	bool repin = false;

	if (records < 0)
		return -EINVAL;
	err = cref_read_stats(h, NULL, &emitted0, &dropped0, NULL, NULL);
	if (err)
		return err;
	/* Move this thread to the target CPU first: BPF_F_TEST_RUN_ON_CPU on another CPU runs the program in an IPI
	 * (hard interrupt) there, on this one it runs it in place. */
	if (cpu >= 0 && sched_getaffinity(0, sizeof(saved), &saved) == 0) {
		CPU_ZERO(&pinned);
		CPU_SET(cpu, &pinned);
		repin = sched_setaffinity(0, sizeof(pinned), &pinned) == 0;
	}
	for (int64_t left = records; left > 0 && !err;) {
		uint64_t count = left < FILL_CHUNK ? (uint64_t)left : FILL_CHUNK;
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = &count, .ctx_size_in = sizeof(count));

		if (cpu >= 0) {
			opts.flags = BPF_F_TEST_RUN_ON_CPU;
			opts.cpu = (uint32_t)cpu;
		}
		if (bpf_prog_test_run_opts(prog_fd, &opts))
			err = -errno;
		left -= (int64_t)count;
	}
	if (repin)
		sched_setaffinity(0, sizeof(saved), &saved);
	if (err)
		return err;
	err = cref_read_stats(h, NULL, &emitted1, &dropped1, NULL, NULL);
	if (err)
		return err;
	store_out(emitted, emitted1 - emitted0);
	store_out(dropped, dropped1 - dropped0);
	return 0;
}

/* The minimal touch: the C# consumer does exactly this per record. */
static inline void touch(struct tally *t, const void *data)
{
	uint64_t seq;

	memcpy(&seq, data, sizeof(seq));
	t->checksum += seq;
	t->records++;
}

static int on_ring_sample(void *ctx, void *data, size_t size)
{
	(void)size;
	touch(ctx, data);
	return 0;
}

static void on_perf_sample(void *ctx, int cpu, void *data, __u32 size)
{
	(void)cpu;
	(void)size;
	touch(ctx, data);
}

static void on_perf_lost(void *ctx, int cpu, __u64 count)
{
	(void)cpu;
	((struct tally *)ctx)->lost += (int64_t)count;
}

static int ensure_ring(cref *h)
{
	if (h->mode == CREF_MODE_PERF_OUTPUT)
		return -EINVAL;
	if (h->ring)
		return 0;
	h->ring = ring_buffer__new(h->rb_fd, on_ring_sample, &h->tally, NULL);
	return h->ring ? 0 : -errno;
}

int cref_drain_ringbuf(cref *h, int64_t *records, int64_t *elapsed_ns, int64_t *checksum)
{
	int64_t start, end;
	int err = ensure_ring(h);
	int n;

	if (err)
		return err;
	memset(&h->tally, 0, sizeof(h->tally));
	start = now_ns(CLOCK_MONOTONIC);
	n = ring_buffer__consume(h->ring);
	end = now_ns(CLOCK_MONOTONIC);
	if (n < 0)
		return n;
	store_out(records, h->tally.records);
	store_out(elapsed_ns, end - start);
	store_out(checksum, (int64_t)h->tally.checksum);
	return 0;
}

/* Online CPUs in ascending order, as perf_buffer__new enumerates them (it skips offline ones). */
static int online_cpus(bool *online, int ncpu)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	int a, b;
	char sep;

	if (!f)
		return -errno;
	memset(online, 0, (size_t)ncpu);
	while (fscanf(f, "%d", &a) == 1) {
		b = a;
		sep = (char)fgetc(f);
		if (sep == '-') {
			if (fscanf(f, "%d", &b) != 1)
				break;
			sep = (char)fgetc(f);
		}
		for (int c = a; c <= b && c < ncpu; c++)
			online[c] = true;
		if (sep != ',')
			break;
	}
	fclose(f);
	return 0;
}

int cref_perfbuf_claim(cref *h)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t idx = 0, cnt;
	bool *online;
	int err;

	if (!h->perf)
		return -EINVAL;
	if (ncpu < 0)
		return ncpu;
	online = calloc((size_t)ncpu, 1);
	if (!online)
		return -ENOMEM;
	err = online_cpus(online, ncpu);
	cnt = perf_buffer__buffer_cnt(h->perf);
	for (int cpu = 0; !err && cpu < ncpu && idx < cnt; cpu++) {
		int fd;

		if (!online[cpu])
			continue;
		fd = perf_buffer__buffer_fd(h->perf, idx++);
		if (fd < 0 || bpf_map_update_elem(h->pb_fd, &cpu, &fd, BPF_ANY))
			err = fd < 0 ? fd : -errno;
	}
	free(online);
	return err;
}

/* Raw-event dispatcher for the drain perf buffer made with perf_buffer__new_raw (wakeup_events > 1): the same
 * work perf_buffer__new's built-in dispatcher does before it calls the sample and lost callbacks. */
static enum bpf_perf_event_ret on_perf_event(void *ctx, int cpu, struct perf_event_header *event)
{
	if (event->type == PERF_RECORD_SAMPLE) {
		/* header, u32 size, raw data */
		on_perf_sample(ctx, cpu, (uint8_t *)(event + 1) + sizeof(uint32_t), 0);
	} else if (event->type == PERF_RECORD_LOST) {
		uint64_t lost;

		/* header, u64 id, u64 lost */
		memcpy(&lost, (const uint8_t *)(event + 1) + sizeof(uint64_t), sizeof(lost));
		on_perf_lost(ctx, cpu, lost);
	}
	return LIBBPF_PERF_EVENT_CONT;
}

static struct perf_buffer *new_perf_buffer(int map_fd, int64_t pages, int32_t wakeup_events,
					   perf_buffer_event_fn fn, struct tally *t)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_BPF_OUTPUT,
		.sample_type = PERF_SAMPLE_RAW,
		.sample_period = 1,
		.wakeup_events = (uint32_t)wakeup_events,
		.size = sizeof(attr),
	};

	return perf_buffer__new_raw(map_fd, (size_t)pages, &attr, fn, t, NULL);
}

int cref_perfbuf_open(cref *h, int64_t pages_per_cpu, int32_t wakeup_events)
{
	if (h->mode != CREF_MODE_PERF_OUTPUT || pages_per_cpu < 1 || (pages_per_cpu & (pages_per_cpu - 1)) ||
	    wakeup_events < 1)
		return -EINVAL;
	if (h->perf)
		return cref_perfbuf_claim(h);
	if (wakeup_events == 1)
		h->perf = perf_buffer__new(h->pb_fd, (size_t)pages_per_cpu, on_perf_sample, on_perf_lost, &h->tally,
					   NULL);
	else
		h->perf = new_perf_buffer(h->pb_fd, pages_per_cpu, wakeup_events, on_perf_event, &h->tally);
	return h->perf ? 0 : -errno;
}

int cref_drain_perfbuf(cref *h, int64_t *records, int64_t *lost, int64_t *elapsed_ns, int64_t *checksum)
{
	int64_t start, end;
	int err;

	if (!h->perf)
		return -EINVAL;
	memset(&h->tally, 0, sizeof(h->tally));
	start = now_ns(CLOCK_MONOTONIC);
	err = perf_buffer__consume(h->perf);
	end = now_ns(CLOCK_MONOTONIC);
	if (err < 0)
		return err;
	store_out(records, h->tally.records);
	store_out(lost, h->tally.lost);
	store_out(elapsed_ns, end - start);
	store_out(checksum, (int64_t)h->tally.checksum);
	return 0;
}

/* ---- stream mode ---- */

struct producer {
	pthread_t thread;
	atomic_bool *stop;
	int64_t calls;
	int64_t gap_ns;
};

struct cref_producers {
	atomic_bool stop;
	int32_t started;
	struct producer *threads;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	struct timespec gap = { .tv_sec = p->gap_ns / 1000000000, .tv_nsec = p->gap_ns % 1000000000 };

	while (!atomic_load_explicit(p->stop, memory_order_relaxed)) {
		syscall(SYS_getpgid, 0);
		p->calls++;
		if (p->gap_ns > 0)
			clock_nanosleep(CLOCK_MONOTONIC, 0, &gap, NULL);
	}
	return NULL;
}

int cref_pin_thread(int32_t cpu)
{
	cpu_set_t set;
	long cpus = sysconf(_SC_NPROCESSORS_CONF);

	if (cpu >= cpus || cpus < 1)
		return -EINVAL;
	CPU_ZERO(&set);
	for (long i = 0; i < cpus; i++)
		if (cpu < 0 || i == cpu)
			CPU_SET(i, &set);
	return -pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int cref_producers_start(int32_t threads, int64_t gap_ns, int32_t pin_cpus, cref_producers **out)
{
	cref_producers *p;
	int err = 0;

	if (!out || threads < 1 || gap_ns < 0 || pin_cpus < 0 || pin_cpus > sysconf(_SC_NPROCESSORS_CONF))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->threads = calloc((size_t)threads, sizeof(*p->threads));
	if (!p->threads) {
		free(p);
		return -ENOMEM;
	}
	atomic_init(&p->stop, false);
	for (; p->started < threads; p->started++) {
		p->threads[p->started].stop = &p->stop;
		p->threads[p->started].gap_ns = gap_ns;
		err = -pthread_create(&p->threads[p->started].thread, NULL, produce, &p->threads[p->started]);
		if (err)
			break;
		if (pin_cpus > 0) {
			cpu_set_t set;

			CPU_ZERO(&set);
			CPU_SET(p->started % pin_cpus, &set);
			err = -pthread_setaffinity_np(p->threads[p->started].thread, sizeof(set), &set);
			if (err) {
				p->started++;
				break;
			}
		}
	}
	if (err) {
		cref_producers_stop(p);
		return err;
	}
	*out = p;
	return 0;
}

int64_t cref_producers_stop(cref_producers *p)
{
	int64_t calls = 0;

	if (!p)
		return 0;
	atomic_store(&p->stop, true);
	for (int i = 0; i < p->started; i++) {
		pthread_join(p->threads[i].thread, NULL);
		calls += p->threads[i].calls;
	}
	free(p->threads);
	free(p);
	return calls;
}

int cref_stream_pinning(cref *h, int32_t producer_cpus)
{
	if (!h || producer_cpus < 0 || producer_cpus > sysconf(_SC_NPROCESSORS_CONF))
		return -EINVAL;
	h->producer_cpus = producer_cpus;
	return 0;
}

int cref_stream_pacing(cref *h, int64_t producer_gap_ns, int64_t latency_sample_every)
{
	if (!h || producer_gap_ns < 0 || latency_sample_every < 1 ||
	    (latency_sample_every & (latency_sample_every - 1)))
		return -EINVAL;
	h->producer_gap_ns = producer_gap_ns;
	h->sample_mask = (uint64_t)latency_sample_every - 1;
	return 0;
}

/* Stream callbacks: the minimal touch plus a sampled latency (clock read on 1 record in sample_mask + 1 per CPU). */
static inline void touch_timed(struct tally *t, const void *data)
{
	struct bench_record r;

	memcpy(&r, data, sizeof(r));
	t->checksum += r.seq;
	t->records++;
	if ((r.seq & t->sample_mask) == 0) {
		int64_t latency = now_ns(CLOCK_MONOTONIC) - (int64_t)r.ts_ns;

		if (t->latencies && t->latency_samples < t->latency_capacity)
			t->latencies[t->latency_samples] = latency;
		t->latency_samples++;
		t->latency_sum_ns += latency;
		if (latency > t->latency_max_ns)
			t->latency_max_ns = latency;
	}
}

static int on_ring_stream(void *ctx, void *data, size_t size)
{
	(void)size;
	touch_timed(ctx, data);
	return 0;
}

static enum bpf_perf_event_ret on_perf_stream(void *ctx, int cpu, struct perf_event_header *event)
{
	struct tally *t = ctx;

	(void)cpu;
	if (event->type == PERF_RECORD_SAMPLE) {
		/* header, u32 size, raw data */
		touch_timed(t, (const uint8_t *)(event + 1) + sizeof(uint32_t));
	} else if (event->type == PERF_RECORD_LOST) {
		uint64_t lost;

		/* header, u64 id, u64 lost */
		memcpy(&lost, (const uint8_t *)(event + 1) + sizeof(uint64_t), sizeof(lost));
		t->lost += (int64_t)lost;
	}
	return LIBBPF_PERF_EVENT_CONT;
}

int cref_stream(cref *h, int32_t duration_ms, int32_t producer_threads, int32_t perf_wakeup_events,
		int64_t perf_pages_per_cpu, struct cref_stream_result *out)
{
	bool perf = h->mode == CREF_MODE_PERF_OUTPUT;
	struct ring_buffer *ring = NULL;
	struct perf_buffer *pbuf = NULL;
	struct bpf_link *link = NULL;
	cref_producers *producers = NULL;
	int64_t emitted0, dropped0, emitted1, dropped1, wall0, cpu0, deadline;
	int err;

	if (!out || duration_ms < 1 || producer_threads < 1 || perf_wakeup_events < 1 ||
	    (perf && (perf_pages_per_cpu < 1 || (perf_pages_per_cpu & (perf_pages_per_cpu - 1)))))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	memset(&h->tally, 0, sizeof(h->tally));
	h->tally.sample_mask = h->sample_mask;
	if (perf) {
		pbuf = new_perf_buffer(h->pb_fd, perf_pages_per_cpu, perf_wakeup_events, on_perf_stream, &h->tally);
		if (!pbuf)
			return -errno;
	} else {
		/* A separate ring_buffer with the timed callback; the drain one keeps its own. */
		ring = ring_buffer__new(h->rb_fd, on_ring_stream, &h->tally, NULL);
		if (!ring)
			return -errno;
	}
	/* Percentiles need every sample: without the buffer only mean and max are reported. */
	h->tally.latencies = malloc(sizeof(int64_t) * LATENCY_CAPACITY);
	h->tally.latency_capacity = h->tally.latencies ? LATENCY_CAPACITY : 0;
	err = cref_read_stats(h, NULL, &emitted0, &dropped0, NULL, NULL);
	if (err)
		goto out;
	link = bpf_program__attach(h->stream_prog);
	if (!link) {
		err = -errno;
		goto out;
	}
	wall0 = now_ns(CLOCK_MONOTONIC);
	cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	deadline = wall0 + (int64_t)duration_ms * 1000000;
	err = cref_producers_start(producer_threads, h->producer_gap_ns, h->producer_cpus, &producers);
	while (!err && now_ns(CLOCK_MONOTONIC) < deadline) {
		int n = perf ? perf_buffer__poll(pbuf, 100) : ring_buffer__poll(ring, 100);

		if (n > 0)
			out->wakeups++;
		else if (n < 0 && n != -EINTR)
			err = n;
	}
	out->producer_calls = cref_producers_stop(producers);
	producers = NULL;
	/* Detach first so nothing is emitted after the final drain. */
	bpf_link__destroy(link);
	link = NULL;
	if (!err) {
		int n = perf ? perf_buffer__consume(pbuf) : ring_buffer__consume(ring);

		if (n < 0)
			err = n;
	}
	out->consumer_cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	out->wall_ns = now_ns(CLOCK_MONOTONIC) - wall0;
	if (!err)
		err = cref_read_stats(h, NULL, &emitted1, &dropped1, NULL, NULL);
	if (!err) {
		out->emitted = emitted1 - emitted0;
		out->dropped = dropped1 - dropped0;
	}
	out->received = h->tally.records;
	out->lost = h->tally.lost;
	out->latency_samples = h->tally.latency_samples;
	out->latency_sum_ns = h->tally.latency_sum_ns;
	out->latency_max_ns = h->tally.latency_max_ns;
	if (h->tally.latencies) {
		int64_t n = h->tally.latency_samples < h->tally.latency_capacity ? h->tally.latency_samples
										    : h->tally.latency_capacity;

		qsort(h->tally.latencies, (size_t)n, sizeof(int64_t), cmp_i64);
		out->latency_p50_ns = quantile(h->tally.latencies, n, 0.50);
		out->latency_p99_ns = quantile(h->tally.latencies, n, 0.99);
		out->latency_p999_ns = quantile(h->tally.latencies, n, 0.999);
		free(h->tally.latencies);
		h->tally.latencies = NULL;
	}
	out->checksum = (int64_t)h->tally.checksum;
out:
	free(h->tally.latencies);
	h->tally.latencies = NULL;
	bpf_link__destroy(link);
	cref_producers_stop(producers);
	ring_buffer__free(ring);
	perf_buffer__free(pbuf);
	/* The stream perf buffer took the map slots; give them back to the drain perf buffer if there is one. */
	if (perf && h->perf) {
		int claim = cref_perfbuf_claim(h);

		err = err ?: claim;
	}
	return err;
}

/* ---- user ring buffer producer ---- */

struct cref_urb {
	struct user_ring_buffer *rb;
};

int cref_urb_new(int32_t map_fd, cref_urb **out)
{
	cref_urb *p;

	if (!out)
		return -EINVAL;
	*out = NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->rb = user_ring_buffer__new(map_fd, NULL);
	if (!p->rb) {
		int err = -errno;

		free(p);
		return err ? err : -EINVAL;
	}
	*out = p;
	return 0;
}

void cref_urb_free(cref_urb *p)
{
	if (!p)
		return;
	user_ring_buffer__free(p->rb);
	free(p);
}

int64_t cref_urb_produce(cref_urb *p, int64_t records, int32_t record_size, int64_t first_seq, int64_t *elapsed_ns)
{
	struct timespec start, end;
	int64_t i;

	if (!p || records < 0 || record_size < 8)
		return -EINVAL;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (i = 0; i < records; i++) {
		uint64_t *sample = user_ring_buffer__reserve(p->rb, (uint32_t)record_size);

		if (!sample)
			break;
		*sample = (uint64_t)(first_seq + i);
		user_ring_buffer__submit(p->rb, sample);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	if (elapsed_ns)
		*elapsed_ns = (end.tv_sec - start.tv_sec) * 1000000000ll + (end.tv_nsec - start.tv_nsec);
	return i;
}
