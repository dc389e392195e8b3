// SPDX-License-Identifier: MIT
/* reliability_privileges.bpf.c: programs without maps or global data, so that loading them issues no BPF_MAP_CREATE:
 * the privilege tests reach BPF_PROG_LOAD and the attach calls directly. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("raw_tp/sys_enter")
int noop_raw(void *ctx)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_getppid")
int noop_tp(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
