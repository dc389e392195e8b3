// Test object for struct_ops errors: a struct_ops map of an operations struct the kernel does not have.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct ebpfnet_no_such_ops {
	int (*run)(int x);
	char name[16];
};

SEC("struct_ops/ebpf_run")
int BPF_PROG(ebpf_run, int x)
{
	return x;
}

SEC(".struct_ops")
struct ebpfnet_no_such_ops ebpf_missing = {
	.run = (void *)ebpf_run,
	.name = "missing",
};
