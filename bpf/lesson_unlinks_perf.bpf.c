// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The lesson's perf buffer program: the same probe, the event built on the stack and copied out with
 * bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e)). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lesson_unlinks.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

__u64 output_failed = 0;

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(do_unlinkat, int dfd, struct filename *name)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct event e = {};

	e.ts_ns = bpf_ktime_get_ns();
	e.pid = BPF_CORE_READ(task, tgid);
	e.tid = (__u32)bpf_get_current_pid_tgid();
	bpf_get_current_comm(&e.comm, sizeof(e.comm));
	bpf_probe_read_kernel_str(&e.filename, sizeof(e.filename), BPF_CORE_READ(name, name));
	if (bpf_perf_event_output(ctx, &events, BPF_F_CURRENT_CPU, &e, sizeof(e)) < 0)
		__sync_fetch_and_add(&output_failed, 1);
	return 0;
}
