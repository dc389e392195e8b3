// Test object: a __weak kfunc the kernel does not have, called without bpf_ksym_exists. The object resolves (the call is
// poisoned, as libbpf does), and the verifier refuses the reachable poisoned call; the error must name the kfunc.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern void bpf_ebpf_net_no_such_kfunc(void) __ksym __weak;

SEC("raw_tp/sys_enter")
int call_unguarded(void *ctx)
{
	bpf_ebpf_net_no_such_kfunc();
	return 0;
}
