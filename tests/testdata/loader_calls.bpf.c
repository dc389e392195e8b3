// Test object for calls the linker must handle: a global (non-static) subprogram, which the verifier checks on its
// own and which needs the object's BTF and func_info, and a bpf_loop callback (ld_imm64 BPF_PSEUDO_FUNC).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

__u64 loop_sum = 0;

__attribute__((noinline)) int global_square(int x)
{
	return x * x;
}

static int add_index(__u32 index, void *ctx)
{
	loop_sum += index;
	return 0;
}

/* test_run: ctx[0] = n; returns n*n via the global subprogram and adds 0+1+..+(n-1) to loop_sum via bpf_loop. */
SEC("raw_tp/sys_enter")
int calls(__u64 *ctx)
{
	int n = ctx[0] & 0xff;
	bpf_loop(n, add_index, 0, 0);
	return global_square(n);
}
