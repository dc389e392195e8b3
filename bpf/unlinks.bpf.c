// SPDX-License-Identifier: GPL-2.0 OR MIT
/* File deletions through a BPF ring buffer (BPF_MAP_TYPE_RINGBUF): reserve, fill in place, submit. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "unlinks.h"

char LICENSE[] SEC("license") = "Dual MIT/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

static __always_inline int emit(const char *pathname)
{
	struct unlink_event *e;

	if (!wanted())
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop();
		return 0;
	}
	fill_event(e);
	bpf_probe_read_user_str(e->filename, sizeof(e->filename), pathname);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_unlinkat")
int unlinkat(struct sys_enter_unlinkat_ctx *ctx)
{
	return emit(ctx->pathname);
}

SEC("tracepoint/syscalls/sys_enter_unlink")
int unlink(struct sys_enter_unlink_ctx *ctx)
{
	return emit(ctx->pathname);
}
