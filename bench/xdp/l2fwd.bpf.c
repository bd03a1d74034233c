// SPDX-License-Identifier: BSD-3-Clause
/*
 * Baseline (a): the veth ceiling for a forwarding XDP program. Rewrites the
 * Ethernet addresses and redirects every frame through a DEVMAP to one egress
 * device, with no lookup at all.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#include "xdp_bench_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xb_tx_map SEC(".maps");

struct xb_l2fwd_conf l2fwd_conf;

SEC("xdp")
int xb_l2fwd(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	__builtin_memcpy(eth->h_dest, l2fwd_conf.dst_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, l2fwd_conf.src_mac, ETH_ALEN);
	return bpf_redirect_map(&xb_tx_map, 0, 0);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
