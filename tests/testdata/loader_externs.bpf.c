// Test object for externs as libbpf resolves them: __kconfig values (the virtual LINUX_KERNEL_VERSION and
// LINUX_HAS_BPF_COOKIE, bool, tristate, int and string CONFIG_ values, weak ones that are missing or "is not set"),
// typeless __ksyms (addresses from /proc/kallsyms, one weak and missing), a weak typed __ksym that is missing, and kfunc
// calls: bpf_rcu_read_lock/unlock in a raw_tp program (also tested for existence through their address, which is a
// BTF id load), a weak kfunc the kernel lacks (guarded, so its poisoned call is dead code), and
// bpf_task_from_pid/bpf_task_release in a syscall program. Run with test_run; the values land in .bss and .data.
// (A typed __ksym that exists is in loader_externs_typed.bpf.c.)
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern int LINUX_KERNEL_VERSION __kconfig;
extern bool LINUX_HAS_BPF_COOKIE __kconfig __weak;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_BPF_JIT __kconfig;
extern int CONFIG_HZ __kconfig;
extern char CONFIG_LOCALVERSION[16] __kconfig;
extern bool CONFIG_EBPF_NET_SURELY_MISSING __kconfig __weak;
extern bool CONFIG_KALLSYMS_SELFTEST __kconfig __weak;

extern const int ebpf_net_missing_percpu __ksym __weak;
extern const void bpf_prog_put __ksym;
extern const void ebpf_net_missing_symbol __ksym __weak;

extern void bpf_rcu_read_lock(void) __ksym __weak;
extern void bpf_rcu_read_unlock(void) __ksym;
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern void bpf_ebpf_net_missing_kfunc(void) __ksym __weak;

__u64 kernel_version = 0;
__u64 has_bpf_cookie = 7;
__u64 bpf_syscall = 7;
__u64 bpf_jit = 7;
__u64 hz = 0;
char localversion[16] = {};
__u64 surely_missing = 7;
__u64 kallsyms_selftest = 7;
__u64 missing_percpu_addr = 7;
__u64 prog_put_addr = 0;
__u64 missing_symbol_addr = 7;
__u64 task_tgid = 0;
__s32 wanted_pid = 0;
__u64 rcu_calls = 0;
__u64 rcu_lock_exists = 7;
__u64 missing_kfunc_exists = 7;
__u64 missing_kfunc_called = 0;

SEC("raw_tp/sys_enter")
int read_externs(void *ctx)
{
	kernel_version = LINUX_KERNEL_VERSION;
	has_bpf_cookie = LINUX_HAS_BPF_COOKIE;
	bpf_syscall = CONFIG_BPF_SYSCALL;
	bpf_jit = CONFIG_BPF_JIT;
	hz = CONFIG_HZ;
	__builtin_memcpy(localversion, CONFIG_LOCALVERSION, sizeof(localversion));
	surely_missing = CONFIG_EBPF_NET_SURELY_MISSING;
	kallsyms_selftest = CONFIG_KALLSYMS_SELFTEST;

	missing_percpu_addr = (__u64)&ebpf_net_missing_percpu;
	prog_put_addr = (__u64)&bpf_prog_put;
	missing_symbol_addr = (__u64)&ebpf_net_missing_symbol;

	bpf_rcu_read_lock();
	rcu_calls++;
	bpf_rcu_read_unlock();
	rcu_lock_exists = bpf_rcu_read_lock != 0;
	missing_kfunc_exists = bpf_ebpf_net_missing_kfunc != 0;
	if (bpf_ebpf_net_missing_kfunc) {
		bpf_ebpf_net_missing_kfunc();
		missing_kfunc_called = 1;
	}
	return 0;
}

/* bpf_task_from_pid is registered for tracing and syscall programs, not raw tracepoints. */
SEC("syscall")
int task_by_pid(void *ctx)
{
	struct task_struct *task = bpf_task_from_pid(wanted_pid);
	if (!task)
		return 1;
	task_tgid = task->tgid;
	bpf_task_release(task);
	return 0;
}
