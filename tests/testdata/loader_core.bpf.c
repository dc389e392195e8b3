// Test object for CO-RE: reads the current task's tgid through kernel struct offsets relocated against
// /sys/kernel/btf/vmlinux, and records type sizes / field existence the loader resolves.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

/* A local "flavor" of a kernel struct with only the fields we use, in a different order: matched by name. */
struct task_struct___mine {
	int tgid;
	int pid;
	int no_such_field_in_the_kernel;
} __attribute__((preserve_access_index));

__u32 tgid_seen = 0;
__u32 pid_seen = 0;
__u64 task_size = 0;
__u32 missing_field_exists = 1;
__u32 tgid_field_exists = 0;

/* test_run: ctx unused. Returns the tgid read through CO-RE offsets. */
SEC("raw_tp/sys_enter")
int core_read(void *ctx)
{
	struct task_struct___mine *task = (void *)bpf_get_current_task();
	tgid_seen = BPF_CORE_READ(task, tgid);
	pid_seen = BPF_CORE_READ(task, pid);
	task_size = bpf_core_type_size(struct task_struct);
	missing_field_exists = bpf_core_field_exists(task->no_such_field_in_the_kernel);
	tgid_field_exists = bpf_core_field_exists(task->tgid);
	return tgid_seen;
}
