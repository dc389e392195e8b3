// Test object for probe attachment: uprobe/uretprobe programs counting calls of a user-space function and
// recording its argument and return value, a kprobe and a ksyscall program (this kernel cannot attach them, but
// they must load), and a perf_event program counting cpu-clock samples.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 calls = 0;
__u64 last_argument = 0;
__u64 returns = 0;
__u64 last_return = 0;
__u64 samples = 0;
__u64 kprobe_hits = 0;

/* BPF_KPROBE/BPF_KRETPROBE unpack the registers the same way for user-space functions. Attached by the test with AttachUprobe(binary, "ebpf_probe_target"), or through the section name after the
 * test rewrites the attach target to "<binary>:ebpf_probe_target". */
SEC("uprobe")
int BPF_KPROBE(count_calls, __u64 argument)
{
	__sync_fetch_and_add(&calls, 1);
	last_argument = argument;
	return 0;
}

SEC("uretprobe")
int BPF_KRETPROBE(count_returns, __u64 result)
{
	__sync_fetch_and_add(&returns, 1);
	last_return = result;
	return 0;
}

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(on_unlinkat)
{
	__sync_fetch_and_add(&kprobe_hits, 1);
	return 0;
}

SEC("kretprobe/do_unlinkat")
int BPF_KRETPROBE(on_unlinkat_return)
{
	__sync_fetch_and_add(&kprobe_hits, 1);
	return 0;
}

SEC("perf_event")
int on_sample(struct bpf_perf_event_data *ctx)
{
	__sync_fetch_and_add(&samples, 1);
	return 0;
}
