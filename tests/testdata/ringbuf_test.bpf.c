// Test object for the ring buffer consumer. The raw_tp program is run with BPF_PROG_TEST_RUN (never attached);
// its u64 arguments say what to produce:
//   args[0] count   records to try in this run (bpf_loop, at most 1 << 20)
//   args[1] size    record size in bytes, header and trailer included (multiple of 4, 24..4096)
//   args[2] mode    0 reserve+submit, 1 reserve+discard, 2 bpf_ringbuf_output, 3 alternate submit/discard
//   args[3] target  0 rb (64 KiB), 1 rb2 (16 KiB), 2 rb_big (4 MiB)
//   args[4] flags   passed to submit/discard/output (BPF_RB_NO_WAKEUP 1, BPF_RB_FORCE_WAKEUP 2)
// Reserve modes support the sizes listed in reserve_any (bpf_ringbuf_reserve needs a constant size); output
// accepts any size. Every record: { u64 seq; u32 size; u32 check } then payload byte j = (u8)(j * 7 + 3) for
// 16 <= j < size - 4, then a u32 trailer (u32)seq ^ 0xA5A5A5A5. check = (u32)seq * 2654435761 ^ size.
// Globals count what happened: produced (submitted or output), discarded, failed (reserve or output refused).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define MAX_RECORD 4096
#define HEAD 16

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} rb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 * 1024);
} rb2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 * 1024 * 1024);
} rb_big SEC(".maps");

struct scratch {
	__u8 buf[MAX_RECORD];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch_map SEC(".maps");

__u64 seq = 0;
__u64 produced = 0;
__u64 discarded = 0;
__u64 failed = 0;
__u64 unsupported = 0;

struct run {
	__u32 size;
	__u32 mode;
	__u32 target;
	__u64 flags;
	struct scratch *scratch;
};

static __always_inline void write_head(__u8 *p, __u64 s, __u32 size)
{
	*(__u64 *)p = s;
	*(__u32 *)(p + 8) = size;
	*(__u32 *)(p + 12) = (__u32)s * 2654435761u ^ size;
}

static __always_inline int reserve_fixed(void *map, __u32 size, struct run *r, __u64 i)
{
	__u8 *p = bpf_ringbuf_reserve(map, size, 0);
	if (!p) {
		__sync_fetch_and_add(&failed, 1);
		return 0;
	}
	__u64 s = __sync_fetch_and_add(&seq, 1);
	write_head(p, s, size);
	bpf_probe_read_kernel(p + HEAD, size - HEAD - 4, r->scratch->buf + HEAD);
	*(__u32 *)(p + size - 4) = (__u32)s ^ 0xA5A5A5A5u;
	int discard = r->mode == 1 || (r->mode == 3 && (i & 1));
	if (discard) {
		bpf_ringbuf_discard(p, r->flags);
		__sync_fetch_and_add(&discarded, 1);
	} else {
		bpf_ringbuf_submit(p, r->flags);
		__sync_fetch_and_add(&produced, 1);
	}
	return 0;
}

static __always_inline int reserve_any(void *map, struct run *r, __u64 i)
{
	switch (r->size) {
	case 24: return reserve_fixed(map, 24, r, i);
	case 32: return reserve_fixed(map, 32, r, i);
	case 40: return reserve_fixed(map, 40, r, i);
	case 64: return reserve_fixed(map, 64, r, i);
	case 100: return reserve_fixed(map, 100, r, i);
	case 256: return reserve_fixed(map, 256, r, i);
	case 1000: return reserve_fixed(map, 1000, r, i);
	case 4000: return reserve_fixed(map, 4000, r, i);
	default:
		__sync_fetch_and_add(&unsupported, 1);
		return 1; /* stop the loop */
	}
}

static __always_inline int output_one(void *map, struct run *r)
{
	__u32 size = r->size;
	if (size < 24 || size > MAX_RECORD) {
		__sync_fetch_and_add(&unsupported, 1);
		return 1;
	}
	size &= 0x1ffc;
	__u8 *b = r->scratch->buf;
	__u64 s = __sync_fetch_and_add(&seq, 1);
	write_head(b, s, size);
	__u32 tail = (size - 4) & (MAX_RECORD - 4);
	*(__u32 *)(b + tail) = (__u32)s ^ 0xA5A5A5A5u;
	if (bpf_ringbuf_output(map, b, size, r->flags)) {
		__sync_fetch_and_add(&failed, 1);
		seq = s; /* the number was not used: keep the sequence dense */
		return 0;
	}
	/* Restore the pattern under the trailer for the next (possibly longer) record. */
	for (int k = 0; k < 4; k++)
		b[(tail + k) & (MAX_RECORD - 1)] = (__u8)(((tail + k) & (MAX_RECORD - 1)) * 7 + 3);
	__sync_fetch_and_add(&produced, 1);
	return 0;
}

static int produce_one(__u64 i, struct run *r)
{
	if (r->mode == 2) {
		switch (r->target) {
		case 1: return output_one(&rb2, r);
		case 2: return output_one(&rb_big, r);
		default: return output_one(&rb, r);
		}
	}
	switch (r->target) {
	case 1: return reserve_any(&rb2, r, i);
	case 2: return reserve_any(&rb_big, r, i);
	default: return reserve_any(&rb, r, i);
	}
}

SEC("raw_tp/sys_enter")
int produce(__u64 *ctx)
{
	__u32 zero = 0;
	struct scratch *sc = bpf_map_lookup_elem(&scratch_map, &zero);
	if (!sc)
		return -1;
	for (int j = 0; j < MAX_RECORD; j++)
		sc->buf[j] = (__u8)(j * 7 + 3);
	struct run r = {
		.size = (__u32)ctx[1],
		.mode = (__u32)ctx[2],
		.target = (__u32)ctx[3],
		.flags = ctx[4],
		.scratch = sc,
	};
	__u64 count = ctx[0];
	if (count > (1 << 20))
		count = 1 << 20;
	return bpf_loop((__u32)count, produce_one, &r, 0);
}
