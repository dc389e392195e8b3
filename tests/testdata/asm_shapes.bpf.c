// Instruction shapes for the assembler and disassembler tests, compared with llvm-objdump's listing of this object
// (tests/testdata/asm/*.objdump). Not meant to pass the verifier: it only has to cover the encodings — 32- and 64-bit
// ALU with immediates and registers, byte swaps, loads and stores of every size, atomics, 32- and 64-bit jumps of every
// comparison, helper calls, modulo, a BPF-to-BPF call, ld_imm64 of a constant and of a map.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cells SEC(".maps");

static __attribute__((noinline)) int twice(int x)
{
	return x * 2;
}

SEC("raw_tp/sys_enter")
int shapes(__u64 *args)
{
	asm volatile(
		"w1 = w2\n"
		"w1 += 5\n"
		"w1 -= w3\n"
		"w1 *= 7\n"
		"w1 /= w4\n"
		"w1 |= 0x10\n"
		"w1 &= w2\n"
		"w1 <<= 3\n"
		"w1 >>= w5\n"
		"w1 ^= w2\n"
		"w1 s>>= 2\n"
		"w1 = -w1\n"
		"r1 = -r1\n"
		"r1 s>>= r2\n"
		"r1 = be16 r1\n"
		"r1 = be32 r1\n"
		"r1 = be64 r1\n"
		"r1 = le16 r1\n"
		"r1 = le32 r1\n"
		"r1 = le64 r1\n"
		"r2 = *(u8 *)(r1 + 3)\n"
		"r2 = *(u16 *)(r1 - 6)\n"
		"r2 = *(u32 *)(r1 + 8)\n"
		"r2 = *(u64 *)(r10 - 16)\n"
		"*(u8 *)(r10 - 1) = r2\n"
		"*(u16 *)(r10 - 4) = r2\n"
		"*(u32 *)(r10 - 8) = r2\n"
		"*(u64 *)(r10 - 16) = r2\n"
		"lock *(u32 *)(r10 - 8) += w2\n"
		"lock *(u64 *)(r10 - 16) += r2\n"
		"r2 = 0x123456789abcdef0 ll\n"
		"if w1 == 3 goto +1\n"
		"if w1 != w2 goto +1\n"
		"if w1 > 4 goto +1\n"
		"if w1 >= w3 goto +1\n"
		"if w1 < 5 goto +1\n"
		"if w1 <= w4 goto +1\n"
		"if w1 s> 6 goto +1\n"
		"if w1 s>= w5 goto +1\n"
		"if w1 s< -7 goto +1\n"
		"if w1 s<= w2 goto +1\n"
		"if r1 s< r2 goto +1\n"
		"if r1 <= 11 goto -1\n"
		::: "r1", "r2", "r3", "r4", "r5", "memory");
	__u32 zero = 0;
	__u64 *cell = bpf_map_lookup_elem(&cells, &zero);
	if (!cell)
		return 0;
	__sync_fetch_and_add(cell, args[0]);
	__u64 rest = args[1] % (args[2] | 1);
	return twice((int)*cell) + (int)bpf_ktime_get_ns() + (int)rest;
}
