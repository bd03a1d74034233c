// SPDX-License-Identifier: BSD-3-Clause
/* Benchmark sink: count every frame in a per-CPU counter and drop it. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} xb_count_map SEC(".maps");

SEC("xdp")
int xb_count(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&xb_count_map, &k);

	if (v)
		*v += 1;
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
