// SPDX-License-Identifier: BSD-3-Clause
/*
 * Benchmark traffic generator: run by BPF_PROG_TEST_RUN with
 * BPF_F_TEST_XDP_LIVE_FRAMES on a veth; every run writes a whole 64-byte
 * Ethernet/IPv4/UDP frame (the kernel recycles frame pages, so nothing of the
 * previous run may be assumed) and returns XDP_TX, which test-run turns into a
 * transmission on the ingress device: the frame arrives at the veth's peer.
 * Flows differ by UDP source port: sport_base + (sequence % flows).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xdp_bench_abi.h"

/* set by the tool before load; kept in .bss (clang 14 and rodata arrays) */
struct xb_gen_conf gen_conf;
__u64 gen_seq;

SEC("xdp")
int xb_gen(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);
	__u32 flows = gen_conf.flows ? gen_conf.flows : 1;
	__u64 seq = gen_seq++;

	if ((void *)(udp + 1) > end)
		return XDP_ABORTED;
	__builtin_memcpy(eth->h_dest, gen_conf.dst_mac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, gen_conf.src_mac, ETH_ALEN);
	eth->h_proto = bpf_htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->tos = 0;
	ip->tot_len = bpf_htons(XB_FRAME_LEN - sizeof(*eth));
	ip->id = 0;
	ip->frag_off = 0;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->check = gen_conf.ip_csum; /* constant: only the UDP port varies */
	ip->saddr = gen_conf.src_ip;
	ip->daddr = gen_conf.dst_ip;
	udp->source = bpf_htons((__u16)(gen_conf.sport_base + (__u16)(seq % flows)));
	udp->dest = gen_conf.dport;
	udp->len = bpf_htons(XB_FRAME_LEN - sizeof(*eth) - sizeof(*ip));
	udp->check = 0; /* allowed for UDP over IPv4 */
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
