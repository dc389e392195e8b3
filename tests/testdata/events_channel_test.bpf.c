// Test object for bpf/include/ebpf_net/events.bpf.h and Ebpf.Events (EventChannel, EventReader, the loss account and
// the ordering). The raw_tp program `emit` is run with BPF_PROG_TEST_RUN (never attached), on the CPU a test picks;
// its u64 arguments:
//   args[0] count  records to try (bpf_loop, at most 1 << 20)
//   args[1] ts0    timestamp of the first record
//   args[2] step   added to the timestamp for each next record
//   args[3] how    0: events_reserve + events_submit, 1: events_output from the stack
// Each record: { u64 ts; u32 cpu; u32 index; u64 seq; pad to 64 bytes }. `attempted` counts every try.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ebpf_net/events.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct test_event {
	__u64 ts;
	__u32 cpu;
	__u32 index;
	__u64 seq;
	__u8 pad[40];
};

/* 16 KiB: 227 records of 64 bytes (72 with the header), so a test burst overflows it. */
EBPF_NET_EVENTS(events, struct test_event, 16 * 1024);

__u64 attempted = 0;
__u64 seq = 0;

struct run {
	void *ctx;
	__u64 ts0;
	__u64 step;
	__u64 how;
	__u32 cpu;
};

static long emit_one(__u64 i, struct run *r)
{
	struct test_event *e, local = {};

	__sync_fetch_and_add(&attempted, 1);
	if (r->how == 1) {
		local.ts = r->ts0 + i * r->step;
		local.cpu = r->cpu;
		local.index = (__u32)i;
		local.seq = __sync_fetch_and_add(&seq, 1);
		events_output(r->ctx, &local, sizeof(local));
		return 0;
	}
	e = events_reserve();
	if (!e)
		return 0;
	e->ts = r->ts0 + i * r->step;
	e->cpu = r->cpu;
	e->index = (__u32)i;
	e->seq = __sync_fetch_and_add(&seq, 1);
	events_submit(r->ctx, e);
	return 0;
}

SEC("raw_tp/sys_enter")
int emit(__u64 *ctx)
{
	struct run r = {
		.ctx = ctx,
		.ts0 = ctx[1],
		.step = ctx[2],
		.how = ctx[3],
		.cpu = bpf_get_smp_processor_id(),
	};
	__u64 count = ctx[0];

	if (count > (1 << 20))
		count = 1 << 20;
	return bpf_loop((__u32)count, emit_one, &r, 0);
}
