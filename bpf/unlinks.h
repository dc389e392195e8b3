/* For unlinks.bpf.c: the event, the filter and the tracepoint contexts. How the event reaches user space (ring buffer
 * or perf buffer) is ebpf_net/events.bpf.h's business, decided at load time. */
#ifndef EBPF_NET_UNLINKS_H
#define EBPF_NET_UNLINKS_H

#define TASK_COMM_LEN 16
#define FILENAME_LEN 256

/* The record user space receives. Its C# type is generated from this struct's BTF (UnlinksPerfBpf.UnlinkEvent). */
struct unlink_event {
	__u64 ts_ns;               /* bpf_ktime_get_ns(), CLOCK_MONOTONIC */
	__u32 pid;                 /* tgid: the process */
	__u32 tid;                 /* the thread */
	char comm[TASK_COMM_LEN];
	char filename[FILENAME_LEN];
};

/* Tracepoint contexts as the kernel lays them out (events/syscalls/sys_enter_unlink{,at}/format). Plain structs,
 * not vmlinux.h's preserve_access_index ones: tracepoint formats are stable ABI and need no CO-RE. */
struct sys_enter_unlinkat_ctx {
	__u64 common;              /* common_type, flags, preempt_count, pid */
	__s32 syscall_nr;
	__u32 pad;
	__u64 dfd;
	const char *pathname;
	__u64 flag;
};

struct sys_enter_unlink_ctx {
	__u64 common;
	__s32 syscall_nr;
	__u32 pad;
	const char *pathname;
};

/* 0 = every process; otherwise only this tgid. Set before load (`ebpf unlinks --pid N`). */
const volatile __u32 target_pid = 0;

/* True when the current process passes the --pid filter. Checked before reserving: a record reserved and then
 * discarded with BPF_RB_NO_WAKEUP would sit before the next real one, and the kernel's adaptive wake-up (which fires
 * only when the consumer has caught up to the committed record) would then never wake the reader. */
static __always_inline int wanted(void)
{
	return !target_pid || (bpf_get_current_pid_tgid() >> 32) == target_pid;
}

/* Fills everything but the filename. */
static __always_inline void fill_event(struct unlink_event *e)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	e->ts_ns = bpf_ktime_get_ns();
	e->pid = tgid;
	e->tid = (__u32)id;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
}

#endif
