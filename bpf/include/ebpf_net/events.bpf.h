/* SPDX-License-Identifier: MIT */
/*
 * ebpf_net/events.bpf.h: one BPF source, either transport. An event channel that is a BPF ring buffer
 * (BPF_MAP_TYPE_RINGBUF, Linux 5.8+) when the kernel has one and a perf event buffer (BPF_MAP_TYPE_PERF_EVENT_ARRAY)
 * otherwise, chosen at load time by the user side, with every record the program could not hand over counted.
 * Shipped with the Ebpf.Net package (content bpf/include/ebpf_net/); include it after vmlinux.h and bpf_helpers.h.
 *
 * Declare a channel once, at file scope:
 *
 *     EBPF_NET_EVENTS(events, struct my_event, 256 * 1024);
 *
 * That defines, for a channel named `events` carrying `struct my_event`:
 *
 *   map    events           BPF_MAP_TYPE_RINGBUF of 256 KiB as compiled. Ebpf.Events.EventChannel.Configure turns it
 *                           into a BPF_MAP_TYPE_PERF_EVENT_ARRAY before load (key and value 4 bytes, one slot per CPU)
 *                           when the kernel has no ring buffer or the caller asks for perf, and sets events_ringbuf.
 *   const volatile __u32 events_ringbuf = 1;   (.rodata) 1: ring buffer, 0: perf buffer. A frozen read-only value,
 *                           so the verifier knows it and never looks at the other transport's helper calls (which
 *                           an old kernel would refuse, and which the other map type would fail).
 *   map    events_scratch   per-CPU array of one struct my_event: where a perf-buffer record is built (records are
 *                           often too big for the 512-byte stack); unused with a ring buffer.
 *   map    events_drops     per-CPU array of one struct ebpf_net_drops: the records the program could not hand
 *                           over, by cause. The user side sums it into its loss account (EventReader.Loss).
 *
 *   struct my_event *events_reserve(void)
 *       A record to fill: in the ring buffer, or this CPU's scratch record. NULL when the ring is full (counted in
 *       ring_full); then do nothing more with this event.
 *   void events_submit(void *ctx, struct my_event *e)
 *       Hands a reserved record over (perf: bpf_perf_event_output of sizeof(*e) from the scratch record, with ctx the
 *       program's context). A perf output that fails is counted.
 *   void events_discard(struct my_event *e)
 *       Gives a reserved record back unsent (not counted: the program chose to).
 *   long events_output(void *ctx, const void *data, __u32 size)
 *       Copies size bytes out (bpf_ringbuf_output / bpf_perf_event_output); 0 or the helper's error, which is counted.
 *
 * Filter before reserving: a ring-buffer record reserved and then discarded delays the next record's wake-up (the
 * kernel wakes the reader only when its consumer position has caught up with the committed record).
 */
#ifndef EBPF_NET_EVENTS_BPF_H
#define EBPF_NET_EVENTS_BPF_H

/* Why records were not handed over. Mirrored by the user side (Ebpf.Events). */
struct ebpf_net_drops {
	__u64 ring_full;   /* bpf_ringbuf_reserve returned NULL or bpf_ringbuf_output -EAGAIN: the ring had no room */
	__u64 perf_full;   /* bpf_perf_event_output -ENOSPC: that CPU's buffer had no room (the kernel reports these to
			      the reader later as PERF_RECORD_LOST too: count them once) */
	__u64 other;       /* any other failure: -ENOENT (no reader on that CPU), -E2BIG, -EBUSY (nested outputs), ... */
};

#define EBPF_NET_ENOSPC 28
#define EBPF_NET_EAGAIN 11

#define EBPF_NET_EVENTS(name, record_type, ring_bytes)                                                        \
	const volatile __u32 name##_ringbuf = 1;                                                              \
                                                                                                              \
	struct {                                                                                              \
		__uint(type, BPF_MAP_TYPE_RINGBUF);                                                           \
		__uint(max_entries, ring_bytes);                                                              \
	} name SEC(".maps");                                                                                  \
                                                                                                              \
	struct {                                                                                              \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                                                      \
		__uint(max_entries, 1);                                                                       \
		__type(key, __u32);                                                                           \
		__type(value, record_type);                                                                   \
	} name##_scratch SEC(".maps");                                                                        \
                                                                                                              \
	struct {                                                                                              \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                                                      \
		__uint(max_entries, 1);                                                                       \
		__type(key, __u32);                                                                           \
		__type(value, struct ebpf_net_drops);                                                         \
	} name##_drops SEC(".maps");                                                                          \
                                                                                                              \
	static __always_inline void name##_count_drop(long err)                                               \
	{                                                                                                     \
		__u32 zero = 0;                                                                               \
		struct ebpf_net_drops *d = bpf_map_lookup_elem(&name##_drops, &zero);                         \
		if (!d)                                                                                       \
			return;                                                                               \
		if (name##_ringbuf && (err == 0 || err == -EBPF_NET_EAGAIN))                                  \
			d->ring_full++;                                                                       \
		else if (!name##_ringbuf && err == -EBPF_NET_ENOSPC)                                          \
			d->perf_full++;                                                                       \
		else                                                                                          \
			d->other++;                                                                           \
	}                                                                                                     \
                                                                                                              \
	static __always_inline record_type *name##_reserve(void)                                              \
	{                                                                                                     \
		__u32 zero = 0;                                                                               \
		record_type *e;                                                                               \
		if (name##_ringbuf) {                                                                         \
			e = bpf_ringbuf_reserve(&name, sizeof(record_type), 0);                               \
			if (!e)                                                                               \
				name##_count_drop(0);                                                         \
			return e;                                                                             \
		}                                                                                             \
		return bpf_map_lookup_elem(&name##_scratch, &zero);                                           \
	}                                                                                                     \
                                                                                                              \
	static __always_inline void name##_submit(void *ctx, record_type *e)                                  \
	{                                                                                                     \
		long err;                                                                                     \
		if (name##_ringbuf) {                                                                         \
			bpf_ringbuf_submit(e, 0);                                                             \
			return;                                                                               \
		}                                                                                             \
		err = bpf_perf_event_output(ctx, &name, BPF_F_CURRENT_CPU, e, sizeof(record_type));           \
		if (err)                                                                                      \
			name##_count_drop(err);                                                               \
	}                                                                                                     \
                                                                                                              \
	static __always_inline void name##_discard(record_type *e)                                            \
	{                                                                                                     \
		if (name##_ringbuf)                                                                           \
			bpf_ringbuf_discard(e, 0);                                                            \
	}                                                                                                     \
                                                                                                              \
	static __always_inline long name##_output(void *ctx, const void *data, __u32 size)                    \
	{                                                                                                     \
		long err;                                                                                     \
		if (name##_ringbuf)                                                                           \
			err = bpf_ringbuf_output(&name, (void *)data, size, 0);                               \
		else                                                                                          \
			err = bpf_perf_event_output(ctx, &name, BPF_F_CURRENT_CPU, (void *)data, size);       \
		if (err)                                                                                      \
			name##_count_drop(err);                                                               \
		return err;                                                                                   \
	}

#endif
