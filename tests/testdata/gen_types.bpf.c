// Test object for the typed bindings (ebpf gen, the skeleton) and the BTF value formatter: map keys and values, global
// variables and an event record that cover the shapes C gives BTF — every integer width and signedness, _Bool,
// __int128, char strings and byte arrays, nested and multi-dimensional arrays, anonymous unions and structs (flattened)
// and named members of anonymous type, bitfields (signed and unsigned), enums of several sizes and signs, typedefs,
// const/volatile, pointers, a flexible array member, floats, and names that collide once made PascalCase.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

enum color { RED = 0, GREEN = 1, BLUE = 7 };
enum packed_state { ST_IDLE = 1, ST_BUSY = 2, ST_GONE = 200 } __attribute__((packed));
enum signed_e { NEG = -2, POS = 3 };
enum wide_e { WIDE_SMALL = 1, WIDE_BIG = 0x7fffffff };

struct inner {
	__u16 a;
	__u8 b;
};

typedef struct {
	__u32 x;
	__u32 y;
} point_t;

struct rich_key {
	__u32 id;
	__u16 kind;
	__u16 spare;
};

struct rich_value {
	__u64 ts;
	__s8 s8;
	__u8 u8;
	__s16 s16;
	__u16 u16;
	__s32 s32;
	__u32 u32;
	__s64 s64;
	_Bool flag;
	char name[16];
	unsigned char raw[4];
	__u32 matrix[2][3];
	struct inner in;
	struct inner pair[2];
	point_t pt;
	union {
		__u32 as_u32;
		__u8 as_bytes[4];
	};
	struct {
		__u16 lo;
		__u16 hi;
	} halves;
	struct {
		__u8 tag;
		__u8 tag2;
	};
	unsigned int f1 : 3, f2 : 5, f3 : 12;
	int sf : 4;
	enum color color;
	enum packed_state state;
	enum signed_e sign;
	enum wide_e wide;
	const volatile __u32 cv;
	void *ptr;
	struct task_struct *task;
	__int128 big;
	unsigned __int128 ubig;
	__u32 rich_value;
	__u32 top_id;
	__u32 topId;
	__u32 object;
	__u32 string;
	__u32 _2nd;
	char tail[];
};

struct with_floats {
	float f;
	double d;
	__u32 n;
};

struct gen_event {
	__u32 pid;
	char comm[16];
	__u64 seq;
	struct with_floats fl;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, struct rich_key);
	__type(value, struct rich_value);
} rich SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

/* Set before load. */
const volatile __u32 filter_pid = 0;
const volatile char prefix[8] = "ab";

/* Read and written while loaded, through the mapped .data and .bss. */
__u64 data_counter = 5;
struct inner data_inner = { 1, 2 };
__u32 custom_var SEC(".data.custom") = 9;
__u64 hits;
__u64 seq;
struct rich_value last;

/* Only to put struct gen_event into BTF (for --type gen_event), as libbpf-tools do. */
const struct gen_event *unused_event __attribute__((unused));

SEC("tracepoint/syscalls/sys_enter_getppid")
int on_getppid(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	if (filter_pid && pid != filter_pid)
		return 0;
	__sync_fetch_and_add(&hits, 1);
	data_counter += custom_var;
	struct gen_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->seq = __sync_fetch_and_add(&seq, 1);
	e->fl.n = prefix[0];
	bpf_ringbuf_submit(e, 0);
	return 0;
}
