// Test producer for Ebpf.Perf.PerfBuffer. Run with BPF_PROG_TEST_RUN (not attached): each run emits `count`
// records of `size` bytes into the perf event array `events` on the CPU it runs on, and counts attempts and
// failures so user space can reconcile received + lost with what the BPF side produced.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#define MAX_WORDS 13
#define MAX_PER_RUN 256
#define GOLDEN 0x9E3779B97F4A7C15ULL

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(u32));
	__uint(value_size, sizeof(u32));
} events SEC(".maps");

// One record: 24-byte head, then payload words. words[i] = seq * GOLDEN + i; checksum = sum of the words
// fully inside `size` bytes (computed in closed form), so user space can verify both the pattern and the sum.
struct record {
	u32 cpu;
	u32 size;
	u64 seq;
	u64 checksum;
	u64 words[MAX_WORDS];
};

// Inputs (.data): records per run and bytes per record (clamped to 24..sizeof(struct record)).
volatile u32 count = 1;
volatile u32 size = 24;

// Outputs (.bss): running sequence number, attempts, successes, failures and the last error.
volatile u64 seq;
volatile u64 attempts;
volatile u64 successes;
volatile u64 failures;
volatile s64 last_error;

SEC("raw_tp/sys_enter")
int emit(void *ctx)
{
	struct record rec = {};
	u32 n = count;
	u32 sz = size;

	if (sz < 24)
		sz = 24;
	if (sz > sizeof(rec))
		sz = sizeof(rec);
	rec.cpu = bpf_get_smp_processor_id();
	rec.size = sz;
	u64 nw = (sz - 24) / 8;

#pragma clang loop unroll(disable)
	for (u32 i = 0; i < MAX_PER_RUN && i < n; i++) {
		u64 s = __sync_fetch_and_add(&seq, 1);
		rec.seq = s;
#pragma unroll
		for (int w = 0; w < MAX_WORDS; w++)
			rec.words[w] = s * GOLDEN + w;
		// Sum of the nw words that fit in sz bytes, in closed form (no per-word branch for the verifier to explore).
		rec.checksum = nw * s * GOLDEN + nw * (nw - 1) / 2;
		__sync_fetch_and_add(&attempts, 1);
		long err = bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &rec, sz);
		if (err) {
			__sync_fetch_and_add(&failures, 1);
			last_error = err;
		} else {
			__sync_fetch_and_add(&successes, 1);
		}
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
