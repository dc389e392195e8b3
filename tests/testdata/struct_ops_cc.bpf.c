// Test object for struct_ops: a TCP congestion control written in BPF, registered twice, once as a .struct_ops map
// (registered by the map update) and once as a .struct_ops.link map (registered by a BPF link). Each counts how
// often the kernel calls its init and cong_avoid operations.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

__u64 inits = 0;
__u64 cong_avoids = 0;
__u64 link_inits = 0;

SEC("struct_ops/ebpf_init")
void BPF_PROG(ebpf_init, struct sock *sk)
{
	__sync_fetch_and_add(&inits, 1);
}

SEC("struct_ops/ebpf_ssthresh")
__u32 BPF_PROG(ebpf_ssthresh, struct sock *sk)
{
	return 16;
}

SEC("struct_ops/ebpf_cong_avoid")
void BPF_PROG(ebpf_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	__sync_fetch_and_add(&cong_avoids, 1);
}

SEC("struct_ops/ebpf_undo_cwnd")
__u32 BPF_PROG(ebpf_undo_cwnd, struct sock *sk)
{
	return 16;
}

SEC(".struct_ops")
struct tcp_congestion_ops ebpf_cc = {
	.init = (void *)ebpf_init,
	.ssthresh = (void *)ebpf_ssthresh,
	.cong_avoid = (void *)ebpf_cong_avoid,
	.undo_cwnd = (void *)ebpf_undo_cwnd,
	.name = "ebpfnet_cc",
};

SEC("struct_ops/ebpf_link_init")
void BPF_PROG(ebpf_link_init, struct sock *sk)
{
	__sync_fetch_and_add(&link_inits, 1);
}

SEC("struct_ops/ebpf_link_ssthresh")
__u32 BPF_PROG(ebpf_link_ssthresh, struct sock *sk)
{
	return 16;
}

SEC("struct_ops/ebpf_link_cong_avoid")
void BPF_PROG(ebpf_link_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
}

SEC("struct_ops/ebpf_link_undo_cwnd")
__u32 BPF_PROG(ebpf_link_undo_cwnd, struct sock *sk)
{
	return 16;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops ebpf_cc_link = {
	.init = (void *)ebpf_link_init,
	.ssthresh = (void *)ebpf_link_ssthresh,
	.cong_avoid = (void *)ebpf_link_cong_avoid,
	.undo_cwnd = (void *)ebpf_link_undo_cwnd,
	.name = "ebpfnet_cc_link",
};

/* Not referenced by any map: not loaded, as libbpf does. */
SEC("struct_ops/ebpf_unused")
__u32 BPF_PROG(ebpf_unused, struct sock *sk)
{
	return 0;
}
