// Test object for a typed __ksym: the per-CPU runqueues, which libbpf resolves to its VAR id in the kernel BTF
// (ld_imm64 BPF_PSEUDO_BTF_ID). The verifier then needs the symbol's address from kallsyms, which kernels built
// without CONFIG_KALLSYMS_ALL do not list: there the load fails, for libbpf and Ebpf.Net alike, naming the symbol.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

extern const struct rq runqueues __ksym;

__u64 rq_cpu = 0xffffffff;

SEC("raw_tp/sys_enter")
int read_runqueue(void *ctx)
{
	struct rq *rq = bpf_this_cpu_ptr(&runqueues);
	rq_cpu = rq->cpu;
	return 0;
}
