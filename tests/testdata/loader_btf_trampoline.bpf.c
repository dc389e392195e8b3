// Test object for BTF-targeted programs that need a BPF trampoline (fentry, fexit, lsm), which some kernels cannot
// build, and for a tp_btf program whose target does not exist. The kernel tests load one program at a time
// (ProgramSpec.AutoLoad) and expect either a working program or a clear BpfFeatureNotSupportedException.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* Set from user space before load: only unlinks by this process count. */
const volatile __u32 target_tgid = 0;

__u64 fentry_hits = 0;
__u64 fexit_hits = 0;
__s64 last_unlink_result = 1;
__u64 lsm_hits = 0;

static __always_inline int watched(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == target_tgid;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(on_unlink_entry, int dfd, struct filename *name)
{
	if (watched())
		__sync_fetch_and_add(&fentry_hits, 1);
	return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(on_unlink_exit, int dfd, struct filename *name, long ret)
{
	if (watched()) {
		__sync_fetch_and_add(&fexit_hits, 1);
		last_unlink_result = ret;
	}
	return 0;
}

/* Allows every unlink (returns the previous hooks' verdict), only counts them. */
SEC("lsm/path_unlink")
int BPF_PROG(watch_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	if (watched())
		__sync_fetch_and_add(&lsm_hits, 1);
	return ret;
}

SEC("tp_btf/no_such_tracepoint")
int BPF_PROG(on_missing_tracepoint)
{
	return 0;
}
