// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The lesson's ring buffer program: kprobe/do_unlinkat, CO-RE reads of task->tgid and name->name, and a
 * bpf_ringbuf_query(BPF_RB_AVAIL_DATA) before bpf_ringbuf_reserve. Needs a kernel with kprobes. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "lesson_unlinks.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} rb SEC(".maps");

/* Reservations skipped because the ring had no room, and reservations that failed anyway. */
__u64 skipped_full = 0;
__u64 reserve_failed = 0;

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(do_unlinkat, int dfd, struct filename *name)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct event *e;

	/* The lesson's question: is asking for the free space first worth it? */
	if (bpf_ringbuf_query(&rb, BPF_RB_AVAIL_DATA) + sizeof(*e) + 8 > bpf_ringbuf_query(&rb, BPF_RB_RING_SIZE)) {
		__sync_fetch_and_add(&skipped_full, 1);
		return 0;
	}
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e) {
		__sync_fetch_and_add(&reserve_failed, 1);
		return 0;
	}
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = BPF_CORE_READ(task, tgid);
	e->tid = (__u32)bpf_get_current_pid_tgid();
	bpf_get_current_comm(&e->comm, sizeof(e->comm));
	bpf_probe_read_kernel_str(&e->filename, sizeof(e->filename), BPF_CORE_READ(name, name));
	bpf_ringbuf_submit(e, 0);
	return 0;
}
