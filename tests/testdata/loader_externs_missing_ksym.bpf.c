// Test object: a strong (not __weak) typeless __ksym the kernel does not have. Loading must fail naming it.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern const void ebpf_net_no_such_symbol __ksym;

__u64 address = 0;

SEC("raw_tp/sys_enter")
int use_missing_ksym(void *ctx)
{
	address = (__u64)&ebpf_net_no_such_symbol;
	return 0;
}
