// Target of the freplace test: a raw_tp program (run with BPF_PROG_TEST_RUN) whose result comes from a global
// function an extension program may replace.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

__noinline int replaceable(int x)
{
	return x + 1;
}

SEC("raw_tp/sys_enter")
int run_target(void *ctx)
{
	return replaceable(7);
}
