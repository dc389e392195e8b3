// Extension for freplace_target.bpf.o: replaces its global function replaceable(x) = x + 1 with x * 100.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

const volatile int scale = 100;

SEC("freplace/replaceable")
int new_replaceable(int x)
{
	return x * scale;
}
