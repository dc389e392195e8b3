// Traces successful execve() calls: the new command, pid, parent pid, return value and arguments. At the syscall's
// entry the file name and argv are copied into a per-process pending record; at its exit, once the kernel has
// replaced the image (so comm is the new command), the record is completed and sent through the ring buffer.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "execsnoop.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 10240);
	__type(key, __u32);
	__type(value, struct exec_event);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct exec_event);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

/* Records the ring buffer had no room for (read by user space from the mapped .bss). */
__u64 dropped;

SEC("tracepoint/syscalls/sys_enter_execve")
int on_execve(struct trace_event_raw_sys_enter *ctx)
{
	__u32 zero = 0;
	struct exec_event *e = bpf_map_lookup_elem(&scratch, &zero);
	if (!e)
		return 0;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->retval = 0;
	long n = bpf_probe_read_user_str(e->args, ARG_SIZE, (const char *)ctx->args[0]);
	if (n <= 0)
		return 0;
	__u32 used = n, count = 1;
	const char *const *argv = (const char *const *)ctx->args[1];
	for (int i = 1; i < MAX_ARGS; i++) {
		const char *arg = 0;
		if (bpf_probe_read_user(&arg, sizeof(arg), &argv[i]) || !arg)
			goto done;
		if (used > ARGS_SIZE - ARG_SIZE)
			goto done;
		n = bpf_probe_read_user_str(&e->args[used], ARG_SIZE, arg);
		if (n <= 0)
			goto done;
		used += n;
		count++;
	}
	/* All MAX_ARGS taken: one more in argv means the list was cut. */
	const char *more = 0;
	if (!bpf_probe_read_user(&more, sizeof(more), &argv[MAX_ARGS]) && more)
		count++;
done:
	e->args_count = count;
	e->args_size = used;
	bpf_map_update_elem(&pending, &e->pid, e, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_execve")
int on_execve_exit(struct trace_event_raw_sys_exit *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct exec_event *e = bpf_map_lookup_elem(&pending, &pid);
	if (!e)
		return 0;
	if (ctx->ret == 0) {
		struct exec_event *out = bpf_ringbuf_reserve(&events, sizeof(*out), 0);
		if (out) {
			bpf_probe_read_kernel(out, sizeof(*out), e);
			out->retval = ctx->ret;
			bpf_get_current_comm(out->comm, sizeof(out->comm));
			bpf_ringbuf_submit(out, 0);
		} else {
			__sync_fetch_and_add(&dropped, 1);
		}
	}
	bpf_map_delete_elem(&pending, &pid);
	return 0;
}
