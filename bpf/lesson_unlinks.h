/* The lesson's kernel code (libbpf tutorial: ring buffer vs perf buffer), kept in its structure: a kprobe on
 * do_unlinkat using BPF_KPROBE and CO-RE reads. Shared by the ring buffer and the perf buffer variants. */
#ifndef EBPF_NET_LESSON_UNLINKS_H
#define EBPF_NET_LESSON_UNLINKS_H

#define TASK_COMM_LEN 16
#define MAX_FILENAME_LEN 256

/* Same layout as struct unlink_event in unlinks.h, so one C# type reads both. */
struct event {
	__u64 ts_ns;
	__u32 pid;
	__u32 tid;
	char comm[TASK_COMM_LEN];
	char filename[MAX_FILENAME_LEN];
};

#endif
