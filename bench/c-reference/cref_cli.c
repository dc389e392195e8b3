// SPDX-License-Identifier: MIT
/*
 * cref: command-line front end of the libbpf C reference consumer (libebpf_cref.so), for quick checks.
 *
 *   cref drain  [--mode reserve|output|perf] [--size 64] [--records 1000000] [--rounds 7] [--cpu 0]
 *               [--perf-wakeup 1] [--query-avail] [--object PATH]
 *   cref stream [--mode reserve|output|perf] [--size 64] [--batch 1] [--seconds 2] [--producers 1]
 *               [--wakeup-every 0] [--perf-wakeup 1] [--perf-pages 256] [--query-avail] [--object PATH]
 *
 *   cref selftest   checks the plumbing the side-by-side comparison relies on (shared ring, perf slot claim,
 *                   drop counting, the stream producer) in well under a second
 *   cref load-each OBJECT PIN_DIR
 *                   libbpf's per-program outcome (cref_load_each): one line per program, "name<TAB>0|-errno",
 *                   loaded programs pinned in PIN_DIR (a bpffs directory)
 *
 * Prints one JSON object on stdout. Drain follows the protocol in cref.h: two untimed warm-up laps, then rounds
 * of fill + timed drain; the median is the figure to quote.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "cref.h"

struct options {
	const char *command;
	const char *object;
	int mode;
	int size;
	long long records;
	int rounds;
	int cpu;
	int query_avail;
	int batch;
	double seconds;
	int producers;
	int wakeup_every;
	int perf_wakeup;
	long long perf_pages;
};

static const char *mode_name(int mode)
{
	static const char *names[] = { "reserve", "output", "perf" };

	return names[mode];
}

static void usage(void)
{
	fprintf(stderr,
		"usage: cref drain  [--mode reserve|output|perf] [--size 64] [--records 1000000] [--rounds 7]\n"
		"                   [--cpu 0] [--perf-wakeup 1] [--query-avail] [--object PATH]\n"
		"       cref stream [--mode reserve|output|perf] [--size 64] [--batch 1] [--seconds 2]\n"
		"                   [--producers 1] [--wakeup-every 0] [--perf-wakeup 1] [--perf-pages 256]\n"
		"                   [--query-avail] [--object PATH]\n"
		"       cref selftest [--object PATH]\n"
		"       cref load-each OBJECT PIN_DIR\n"
		"Default object: <repo>/bpf/bench.bpf.o found from this executable's location.\n");
	exit(2);
}

static int parse_mode(const char *s)
{
	if (!strcmp(s, "reserve"))
		return CREF_MODE_RB_RESERVE;
	if (!strcmp(s, "output"))
		return CREF_MODE_RB_OUTPUT;
	if (!strcmp(s, "perf"))
		return CREF_MODE_PERF_OUTPUT;
	fprintf(stderr, "unknown mode '%s' (reserve, output, perf)\n", s);
	exit(2);
}

static char *default_object(void)
{
	static char path[PATH_MAX];
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return "bpf/bench.bpf.o";
	exe[n] = '\0';
	/* <repo>/bench/c-reference/build/cref -> <repo>/bpf/bench.bpf.o */
	snprintf(path, sizeof(path), "%s/../../../bpf/bench.bpf.o", dirname(exe));
	return path;
}

static struct options parse(int argc, char **argv)
{
	struct options o = {
		.mode = CREF_MODE_RB_RESERVE, .size = 64, .records = 1000000, .rounds = 7, .cpu = 0, .batch = 1,
		.seconds = 2, .producers = 1, .perf_wakeup = 1, .perf_pages = 256,
	};

	if (argc < 2)
		usage();
	o.command = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--query-avail")) {
			o.query_avail = 1;
			continue;
		}
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--mode"))
			o.mode = parse_mode(v);
		else if (!strcmp(a, "--size"))
			o.size = atoi(v);
		else if (!strcmp(a, "--records"))
			o.records = atoll(v);
		else if (!strcmp(a, "--rounds"))
			o.rounds = atoi(v);
		else if (!strcmp(a, "--cpu"))
			o.cpu = atoi(v);
		else if (!strcmp(a, "--object"))
			o.object = v;
		else if (!strcmp(a, "--batch"))
			o.batch = atoi(v);
		else if (!strcmp(a, "--seconds"))
			o.seconds = atof(v);
		else if (!strcmp(a, "--producers"))
			o.producers = atoi(v);
		else if (!strcmp(a, "--wakeup-every"))
			o.wakeup_every = atoi(v);
		else if (!strcmp(a, "--perf-wakeup"))
			o.perf_wakeup = atoi(v);
		else if (!strcmp(a, "--perf-pages"))
			o.perf_pages = atoll(v);
		else
			usage();
	}
	if (!o.object)
		o.object = default_object();
	if (o.records < 1 || o.rounds < 1)
		usage();
	return o;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int fail(const char *what, int err)
{
	fprintf(stderr, "cref: %s failed: %s\n", what, strerror(err < 0 ? -err : err));
	return 1;
}

/* One fill; the records are checked against the stats so that a lossy fill never masquerades as a fast drain. */
static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int fill(cref *h, const struct options *o, int64_t *elapsed_ns)
{
	int64_t emitted, dropped, start = mono_ns();
	int err = cref_fill(h, o->records, o->cpu, &emitted, &dropped);

	*elapsed_ns = mono_ns() - start;

	if (err)
		return fail("cref_fill", err);
	if (dropped || emitted != o->records) {
		fprintf(stderr, "cref: fill emitted %lld of %lld records (%lld dropped): buffer too small?\n",
			(long long)emitted, o->records, (long long)dropped);
		return 1;
	}
	return 0;
}

static int drain_once(cref *h, bool perf, int64_t *records, int64_t *ns, int64_t *checksum, int64_t *lost)
{
	return perf ? cref_drain_perfbuf(h, records, lost, ns, checksum) : cref_drain_ringbuf(h, records, ns, checksum);
}

static int run_drain(const struct options *o)
{
	bool perf = o->mode == CREF_MODE_PERF_OUTPUT;
	int64_t ring_bytes = perf ? 0 : cref_ring_bytes_for(o->records, o->size);
	int64_t pages = perf ? cref_perf_pages_for(o->records, o->size) : 0;
	double *rate = calloc((size_t)o->rounds, sizeof(double));
	double *per_record = calloc((size_t)o->rounds, sizeof(double));
	int64_t *ns_of = calloc((size_t)o->rounds, sizeof(int64_t));
	double *fill_rate = calloc((size_t)o->rounds, sizeof(double));
	int64_t avail_max = 0;
	bool checksums_ok = true;
	int64_t total_lost = 0;
	cref *h;
	int err;

	/* perf mode never touches `rb`: keep it at one page instead of the 64 MiB default */
	err = cref_open(o->object, o->mode, o->size, 1, 0, o->query_avail, perf ? 4096 : ring_bytes, &h);
	if (err)
		return fail("cref_open", err);
	if (perf && (err = cref_perfbuf_open(h, pages, o->perf_wakeup)))
		return fail("cref_perfbuf_open", err);

	for (int lap = 0; lap < 2; lap++) {
		int64_t records, ns, checksum, lost = 0, fill_ns;

		if (fill(h, o, &fill_ns))
			return 1;
		if ((err = drain_once(h, perf, &records, &ns, &checksum, &lost)))
			return fail("warm-up drain", err);
	}
	for (int r = 0; r < o->rounds; r++) {
		int64_t records, ns, checksum, lost = 0, attempted0, fill_ns;
		uint64_t expected = 0;

		if ((err = cref_read_stats(h, &attempted0, NULL, NULL, NULL, NULL)))
			return fail("cref_read_stats", err);
		if (fill(h, o, &fill_ns))
			return 1;
		fill_rate[r] = (double)fill_ns / (double)o->records;
		if ((err = drain_once(h, perf, &records, &ns, &checksum, &lost)))
			return fail("drain", err);
		if (records != o->records) {
			fprintf(stderr, "cref: drained %lld records, expected %lld\n", (long long)records, o->records);
			return 1;
		}
		/* every fill runs on one CPU: its seqs are (cpu << 48) | attempted0 .. attempted0 + records - 1 */
		for (int64_t i = 0; i < records; i++)
			expected += ((uint64_t)(o->cpu < 0 ? 0 : o->cpu) << 48) | (uint64_t)(attempted0 + i);
		if (o->cpu >= 0 && (uint64_t)checksum != expected)
			checksums_ok = false;
		total_lost += lost;
		ns_of[r] = ns;
		rate[r] = records * 1e9 / (double)ns;
		per_record[r] = (double)ns / (double)records;
	}

	printf("{\"tool\":\"cref\",\"command\":\"drain\",\"mode\":\"%s\",\"record_size\":%d,\"records\":%lld,"
	       "\"rounds\":%d,\"warmup_laps\":2,\"fill_cpu\":%d,\"query_avail\":%d,",
	       mode_name(o->mode), o->size, o->records, o->rounds, o->cpu, o->query_avail);
	if (perf)
		printf("\"perf_pages_per_cpu\":%lld,\"perf_wakeup_events\":%d,", (long long)pages, o->perf_wakeup);
	else
		printf("\"ring_bytes\":%lld,", (long long)cref_ring_bytes(h));
	printf("\"round_ns\":[");
	for (int r = 0; r < o->rounds; r++)
		printf("%s%lld", r ? "," : "", (long long)ns_of[r]);
	cref_read_stats(h, NULL, NULL, NULL, &avail_max, NULL);
	printf("],\"median_records_per_s\":%.0f,\"median_ns_per_record\":%.3f,\"median_fill_ns_per_record\":%.1f,"
	       "\"lost\":%lld,\"avail_max\":%lld,\"checksums_ok\":%s}\n",
	       median(rate, o->rounds), median(per_record, o->rounds), median(fill_rate, o->rounds),
	       (long long)total_lost, (long long)avail_max, checksums_ok ? "true" : "false");
	free(fill_rate);
	cref_close(h);
	free(rate);
	free(per_record);
	free(ns_of);
	return checksums_ok ? 0 : 1;
}

static int run_stream(const struct options *o)
{
	bool perf = o->mode == CREF_MODE_PERF_OUTPUT;
	struct cref_stream_result s;
	int64_t pages = o->perf_pages;
	cref *h;
	int err;

	err = cref_open(o->object, o->mode, o->size, o->batch, o->wakeup_every, o->query_avail, perf ? 4096 : 0, &h);
	if (err)
		return fail("cref_open", err);
	err = cref_stream(h, (int)(o->seconds * 1000), o->producers, o->perf_wakeup, pages, &s);
	if (err)
		return fail("cref_stream", err);
	printf("{\"tool\":\"cref\",\"command\":\"stream\",\"mode\":\"%s\",\"record_size\":%d,\"batch\":%d,"
	       "\"producers\":%d,\"wakeup_every\":%d,\"perf_wakeup_events\":%d,",
	       mode_name(o->mode), o->size, o->batch, o->producers, o->wakeup_every, o->perf_wakeup);
	if (perf)
		printf("\"perf_pages_per_cpu\":%lld,", (long long)pages);
	else
		printf("\"ring_bytes\":%lld,", (long long)cref_ring_bytes(h));
	printf("\"received\":%lld,\"emitted\":%lld,\"dropped\":%lld,\"lost\":%lld,\"producer_calls\":%lld,"
	       "\"wall_ns\":%lld,\"consumer_cpu_ns\":%lld,\"wakeups\":%lld,\"received_per_s\":%.0f,"
	       "\"consumer_cpu_ns_per_record\":%.2f,\"latency_samples\":%lld,\"latency_mean_ns\":%.0f,"
	       "\"latency_max_ns\":%lld}\n",
	       (long long)s.received, (long long)s.emitted, (long long)s.dropped, (long long)s.lost,
	       (long long)s.producer_calls, (long long)s.wall_ns, (long long)s.consumer_cpu_ns, (long long)s.wakeups,
	       s.wall_ns ? s.received * 1e9 / (double)s.wall_ns : 0.0,
	       s.received ? (double)s.consumer_cpu_ns / (double)s.received : 0.0, (long long)s.latency_samples,
	       s.latency_samples ? (double)s.latency_sum_ns / (double)s.latency_samples : 0.0,
	       (long long)s.latency_max_ns);
	cref_close(h);
	return 0;
}

/* ---- selftest: the plumbing the side-by-side comparison relies on ---- */

static int foreign_ring_records;
static int foreign_perf_records;

static int foreign_ring_sample(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	foreign_ring_records++;
	return 0;
}

static void foreign_perf_sample(void *ctx, int cpu, void *data, __u32 size)
{
	(void)ctx, (void)cpu, (void)data, (void)size;
	foreign_perf_records++;
}

#define CHECK(cond, ...)                                                        \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "cref selftest: %s:%d: ", __FILE__, __LINE__); \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
			return 1;                                               \
		}                                                               \
	} while (0)

static int run_selftest(const struct options *o)
{
	int64_t records, ns, checksum, lost, emitted, dropped, attempted;
	struct cref_stream_result s;
	struct ring_buffer *foreign_ring;
	struct perf_buffer *foreign_perf;
	cref *h;

	/* 1. ring: C drains what a fill produced, with the expected checksum */
	CHECK(!cref_open(o->object, CREF_MODE_RB_RESERVE, 64, 1, 0, 0, 1 << 20, &h), "open ring");
	CHECK(!cref_fill(h, 1000, 0, &emitted, &dropped) && emitted == 1000 && !dropped, "fill 1000");
	CHECK(!cref_drain_ringbuf(h, &records, &ns, &checksum) && records == 1000, "C drain: %lld", (long long)records);
	CHECK((uint64_t)checksum == 999ull * 1000 / 2, "checksum %lld", (long long)checksum);
	/* 2. ring: a second consumer on the same map fd (what the C# side does) shares the consumer position */
	foreign_ring = ring_buffer__new(cref_ringbuf_fd(h), foreign_ring_sample, NULL, NULL);
	CHECK(foreign_ring, "foreign ring_buffer__new");
	CHECK(!cref_fill(h, 500, 0, NULL, NULL), "fill 500");
	CHECK(ring_buffer__consume(foreign_ring) == 500 && foreign_ring_records == 500, "foreign drain");
	CHECK(!cref_drain_ringbuf(h, &records, &ns, NULL) && records == 0, "C drain after foreign: %lld",
	      (long long)records);
	ring_buffer__free(foreign_ring);
	CHECK(!cref_read_stats(h, &attempted, &emitted, &dropped, NULL, NULL) && attempted == 1500 &&
		      emitted == 1500 && !dropped,
	      "stats");
	/* 3. stream: the tracepoint producer, filtered to this process, reaches the C consumer */
	CHECK(!cref_stream(h, 200, 1, 1, 1, &s), "stream");
	CHECK(s.received > 0 && s.received == s.emitted && !s.dropped, "stream received %lld emitted %lld dropped %lld",
	      (long long)s.received, (long long)s.emitted, (long long)s.dropped);
	cref_close(h);

	/* 4. drops: a one-page ring cannot take 1000 records of 64 bytes; every refusal is counted */
	CHECK(!cref_open(o->object, CREF_MODE_RB_OUTPUT, 64, 1, 0, 1, 4096, &h), "open small ring");
	CHECK(!cref_fill(h, 1000, -1, &emitted, &dropped) && emitted > 0 && dropped > 0 && emitted + dropped == 1000,
	      "drops: emitted %lld dropped %lld", (long long)emitted, (long long)dropped);
	cref_close(h);

	/* 5. perf: C drains; a foreign perf buffer takes the slots; cref_perfbuf_claim gives them back */
	CHECK(!cref_open(o->object, CREF_MODE_PERF_OUTPUT, 64, 1, 0, 0, 4096, &h), "open perf");
	CHECK(!cref_perfbuf_open(h, 8, 1), "perfbuf_open");
	CHECK(!cref_fill(h, 100, 0, &emitted, &dropped) && emitted == 100, "perf fill");
	CHECK(!cref_drain_perfbuf(h, &records, &lost, &ns, &checksum) && records == 100 && !lost, "C perf drain %lld",
	      (long long)records);
	foreign_perf = perf_buffer__new(cref_perfbuf_fd(h), 8, foreign_perf_sample, NULL, NULL, NULL);
	CHECK(foreign_perf, "foreign perf_buffer__new");
	CHECK(!cref_fill(h, 100, 0, NULL, NULL), "perf fill 2");
	CHECK(perf_buffer__consume(foreign_perf) >= 0 && foreign_perf_records == 100, "foreign perf drain %d",
	      foreign_perf_records);
	CHECK(!cref_drain_perfbuf(h, &records, &lost, &ns, NULL) && records == 0, "C perf drain after foreign");
	CHECK(!cref_perfbuf_claim(h), "claim");
	CHECK(!cref_fill(h, 100, sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0, NULL, NULL), "perf fill 3 (last CPU)");
	CHECK(!cref_drain_perfbuf(h, &records, &lost, &ns, NULL) && records == 100, "C perf drain after claim %lld",
	      (long long)records);
	perf_buffer__free(foreign_perf);
	cref_close(h);
	printf("{\"tool\":\"cref\",\"command\":\"selftest\",\"ok\":true}\n");
	return 0;
}

/* cref load-each OBJECT PIN_DIR: prints cref_load_each's lines (before option parsing: it takes positional arguments). */
static int run_load_each(int argc, char **argv)
{
	static char out[1 << 20];
	int n;

	if (argc != 4)
		usage();
	n = cref_load_each(argv[2], argv[3], out, sizeof(out));
	if (n < 0) {
		fprintf(stderr, "cref load-each: %s: %s\n", argv[2], strerror(-n));
		return 1;
	}
	fputs(out, stdout);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "load-each"))
		return run_load_each(argc, argv);
	struct options o = parse(argc, argv);

	if (!strcmp(o.command, "drain"))
		return run_drain(&o);
	if (!strcmp(o.command, "stream"))
		return run_stream(&o);
	if (!strcmp(o.command, "selftest"))
		return run_selftest(&o);
	usage();
}
