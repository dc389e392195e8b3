// SPDX-License-Identifier: GPL-2.0 OR MIT
/* File deletions, over a ring buffer or a perf buffer from this one source: the channel comes from
 * ebpf_net/events.bpf.h, and the user side picks the transport before load (`ebpf unlinks --transport`). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "ebpf_net/events.bpf.h"
#include "unlinks.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

/* 256 KiB as a ring buffer; as a perf buffer, the reader sizes the per-CPU rings. */
EBPF_NET_EVENTS(events, struct unlink_event, 256 * 1024);

static __always_inline int emit(void *ctx, const char *pathname)
{
	struct unlink_event *e;

	if (!wanted())
		return 0;
	e = events_reserve(); /* a full ring is counted in events_drops */
	if (!e)
		return 0;
	fill_event(e);
	bpf_probe_read_user_str(e->filename, sizeof(e->filename), pathname);
	events_submit(ctx, e);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int unlinkat(struct sys_enter_unlinkat_ctx *ctx)
{
	return emit(ctx, ctx->pathname);
}

SEC("tracepoint/syscalls/sys_enter_unlink")
int unlink(struct sys_enter_unlink_ctx *ctx)
{
	return emit(ctx, ctx->pathname);
}
