// Test object for `ebpf inspect`'s layout: a map, a program and a global variable whose names are far longer than
// the usual column width, beside short ones, so the columns must widen to stay aligned.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} a_map_whose_name_is_much_longer_than_twenty_four_characters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u32);
} m SEC(".maps");

__u64 a_global_variable_with_a_name_longer_than_the_column = 0;
__u32 v = 0;

SEC("raw_tp/sys_enter")
int a_program_whose_name_is_much_longer_than_the_column(void *ctx)
{
	__u32 key = 0;
	__u64 *n = bpf_map_lookup_elem(&a_map_whose_name_is_much_longer_than_twenty_four_characters, &key);
	if (n)
		*n += a_global_variable_with_a_name_longer_than_the_column;
	return 0;
}

SEC("raw_tp/sys_exit")
int p(void *ctx)
{
	__u32 key = 0;
	__u32 *x = bpf_map_lookup_elem(&m, &key);
	if (x)
		*x += v;
	return 0;
}
