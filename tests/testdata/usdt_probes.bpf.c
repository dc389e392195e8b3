// Test object for USDT probes, written for libbpf's usdt.bpf.h exactly as a libbpf user would: the loader must fill
// usdt.bpf.h's spec (and ip) maps so that bpf_usdt_arg/bpf_usdt_arg_cnt/bpf_usdt_cookie read the right values.
// on_any sends every argument of whatever probe it is attached to through a ring buffer; on_mixed names its probe in
// the section (the test points the path at the program it builds) and keeps typed arguments in globals.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/usdt.bpf.h>

char LICENSE[] SEC("license") = "GPL";

struct usdt_event {
	__s32 count;
	__s32 error;
	__u64 cookie;
	__s64 args[BPF_USDT_MAX_ARG_CNT];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

__u64 dropped = 0;

SEC("usdt")
int on_any(struct pt_regs *ctx)
{
	struct usdt_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	long value;
	int i;

	if (!e) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	e->count = bpf_usdt_arg_cnt(ctx);
	e->cookie = bpf_usdt_cookie(ctx);
	e->error = 0;
	for (i = 0; i < BPF_USDT_MAX_ARG_CNT; i++) {
		int err = bpf_usdt_arg(ctx, i, &value);

		if (i < e->count && err)
			e->error = err;
		e->args[i] = value;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}

__u64 mixed_hits = 0;
int last_round = 0;
long last_first = 0;
int last_second = 0;
unsigned char last_byte = 0;
short last_negative = 0;
int last_constant = 0;

SEC("usdt/placeholder:ebpf_test:mixed")
int BPF_USDT(on_mixed, int round, long first, int second, unsigned char byte, short negative, int constant)
{
	__sync_fetch_and_add(&mixed_hits, 1);
	last_round = round;
	last_first = first;
	last_second = second;
	last_byte = byte;
	last_negative = negative;
	last_constant = constant;
	return 0;
}
