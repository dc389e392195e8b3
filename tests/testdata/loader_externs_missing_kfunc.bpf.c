// Test object: a strong (not __weak) kfunc the kernel does not have. Loading must fail naming it.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern void bpf_ebpf_net_no_such_kfunc(void) __ksym;

SEC("raw_tp/sys_enter")
int call_missing_kfunc(void *ctx)
{
	bpf_ebpf_net_no_such_kfunc();
	return 0;
}
