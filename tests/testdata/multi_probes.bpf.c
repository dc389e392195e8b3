// Test object for multi-probe links: uprobe.multi/uretprobe.multi programs counting hits per attach cookie, one whose
// section names a pattern (the test points its path at a binary it builds), and kprobe.multi/kretprobe.multi programs
// (this kernel cannot attach them, but they must load), and a uprobe.session program.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 hits[8] = {};
__u64 returns[8] = {};
__u64 last_return[8] = {};
__u64 pattern_hits = 0;
__u64 kernel_hits = 0;

static __always_inline void count(__u64 *table, struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);

	if (cookie < 8)
		__sync_fetch_and_add(&table[cookie], 1);
}

SEC("uprobe.multi")
int count_by_cookie(struct pt_regs *ctx)
{
	count(hits, ctx);
	return 0;
}

SEC("uretprobe.multi")
int count_returns(struct pt_regs *ctx)
{
	__u64 cookie = bpf_get_attach_cookie(ctx);

	count(returns, ctx);
	if (cookie < 8)
		last_return[cookie] = PT_REGS_RC(ctx);
	return 0;
}

SEC("uprobe.multi/placeholder:ebpf_multi_*")
int count_pattern(struct pt_regs *ctx)
{
	__sync_fetch_and_add(&pattern_hits, 1);
	return 0;
}

SEC("kprobe.multi/do_unlinkat")
int kernel_entry(struct pt_regs *ctx)
{
	__sync_fetch_and_add(&kernel_hits, 1);
	return 0;
}

SEC("kretprobe.multi/vfs_unlink*")
int kernel_return(struct pt_regs *ctx)
{
	__sync_fetch_and_add(&kernel_hits, 1);
	return 0;
}

__u64 session_runs = 0;

// A uprobe session: the program runs on entry and, because the entry run returns 0, again on return; a plain
// uprobe.multi link would run it once per call.
SEC("uprobe.session/placeholder:ebpf_multi_one")
int session_runs_twice(struct pt_regs *ctx)
{
	__sync_fetch_and_add(&session_runs, 1);
	return 0;
}
