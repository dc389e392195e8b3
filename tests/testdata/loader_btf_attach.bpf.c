// Test object for BTF-targeted programs that this kernel runs: tp_btf programs (typed raw tracepoints, loaded against
// the kernel typedef btf_trace_<name>) reading their arguments through BPF_PROG (ctx[i], no CO-RE), and a task
// iterator (loaded against bpf_iter_task). Also part of the differential test against libbpf.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* Set from user space before load: the thread to watch and the syscall number to count. */
const volatile __u32 target_tid = 0;
const volatile long target_syscall = -1;

__u64 syscall_hits = 0;
__u32 last_tgid = 0;
__s64 last_syscall = -1;
__u64 iter_calls = 0;

/* exec'd process (tgid after exec) -> old_pid, the tracepoint's second argument. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u32);
} execs SEC(".maps");

SEC("tp_btf/sys_enter")
int BPF_PROG(count_syscall, struct pt_regs *regs, long id)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if ((__u32)pid_tgid != target_tid || id != target_syscall)
		return 0;
	__sync_fetch_and_add(&syscall_hits, 1);
	last_tgid = pid_tgid >> 32;
	last_syscall = id;
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(record_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	__u32 old = old_pid;
	bpf_map_update_elem(&execs, &tgid, &old, BPF_ANY);
	return 0;
}

SEC("iter/task")
int count_tasks(void *ctx)
{
	__sync_fetch_and_add(&iter_calls, 1);
	return 0;
}
