// SPDX-License-Identifier: GPL-2.0 OR MIT
/* File deletions through a perf event buffer (BPF_MAP_TYPE_PERF_EVENT_ARRAY): build the event on a per-CPU scratch
 * slot (it is too big for the 512-byte stack), then copy it out with bpf_perf_event_output. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "unlinks.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct unlink_event);
} scratch SEC(".maps");

static __always_inline int emit(void *ctx, const char *pathname)
{
	__u32 zero = 0;
	struct unlink_event *e;

	if (!wanted())
		return 0;
	e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	fill_event(e);
	bpf_probe_read_user_str(e->filename, sizeof(e->filename), pathname);
	if (bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, e, sizeof(*e)) < 0)
		count_drop();
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
