// Test object for CO-RE against kernel types: a ___flavour of task_struct whose layout differs from the kernel's,
// bitfields (BPF_CORE_READ_BITFIELD_PROBED: byte offset, byte size, lshift, rshift, signedness), a field and a type
// the kernel lacks, enum values that exist and do not, and a flavoured enum. Run with test_run (raw_tp).
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

/* Local view of task_struct: bitfields in an order and at offsets unlike the kernel's. */
struct task_struct___bits {
	unsigned int in_iowait: 1;
	unsigned int sched_reset_on_fork: 1;
	unsigned int in_execve: 1;
	int tgid;
	long gone_from_the_kernel;
} __attribute__((preserve_access_index));

/* A type the kernel does not have at all. */
struct ebpfnet_not_a_kernel_type {
	int x;
} __attribute__((preserve_access_index));

/* A flavour of a kernel enum with one value the kernel lacks. */
enum bpf_map_type___mine {
	BPF_MAP_TYPE_RINGBUF___mine = 99,
	BPF_MAP_TYPE_NOT_IN_THE_KERNEL___mine = 1000,
};

__u64 reset_on_fork = 7;
__u64 in_execve = 7;
__u32 tgid = 0;
__u32 gone_exists = 7;
__u64 gone_value = 7;
__u32 bitfield_offset = 0;
__u32 bitfield_size = 0;
__u32 bitfield_lshift = 0;
__u32 bitfield_rshift = 0;
__u32 bitfield_signed = 7;
__u32 missing_type_exists = 7;
__u32 task_type_exists = 0;
__u64 ringbuf_value = 0;
__u32 ringbuf_exists = 0;
__u32 missing_enum_exists = 7;

SEC("raw_tp/sys_enter")
int core_kernel(void *ctx)
{
	struct task_struct___bits *task = (void *)bpf_get_current_task();

	reset_on_fork = BPF_CORE_READ_BITFIELD_PROBED(task, sched_reset_on_fork);
	in_execve = BPF_CORE_READ_BITFIELD_PROBED(task, in_execve);
	tgid = BPF_CORE_READ(task, tgid);
	bitfield_offset = bpf_core_field_offset(task->sched_reset_on_fork);
	bitfield_size = bpf_core_field_size(task->sched_reset_on_fork);
	bitfield_lshift = __builtin_preserve_field_info(task->sched_reset_on_fork, BPF_FIELD_LSHIFT_U64);
	bitfield_rshift = __builtin_preserve_field_info(task->sched_reset_on_fork, BPF_FIELD_RSHIFT_U64);
	bitfield_signed = __builtin_preserve_field_info(task->sched_reset_on_fork, BPF_FIELD_SIGNED);
	gone_exists = bpf_core_field_exists(task->gone_from_the_kernel);
	/* Guarded: the poisoned read of a missing field is never reached. */
	if (bpf_core_field_exists(task->gone_from_the_kernel))
		gone_value = BPF_CORE_READ(task, gone_from_the_kernel);
	missing_type_exists = bpf_core_type_exists(struct ebpfnet_not_a_kernel_type);
	task_type_exists = bpf_core_type_exists(struct task_struct___bits);
	ringbuf_value = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	ringbuf_exists = bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_RINGBUF);
	missing_enum_exists = bpf_core_enum_value_exists(enum bpf_map_type___mine, BPF_MAP_TYPE_NOT_IN_THE_KERNEL___mine);
	return 0;
}
