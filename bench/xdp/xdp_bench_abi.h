/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Layouts shared by the XDP benchmark programs (gen, l2fwd) and the tool
 * that loads them (xdp_bench_tool.c). Benchmark-only: not part of sluice's
 * XDP ABI (include/sluice/xdp_abi.h).
 */
#ifndef SLUICE_XDP_BENCH_ABI_H
#define SLUICE_XDP_BENCH_ABI_H

#include <linux/types.h>

#define XB_FRAME_LEN 60 /* 64 bytes on the wire with the FCS */

struct xb_gen_conf {
	__u8 dst_mac[6];
	__u8 src_mac[6];
	__u32 src_ip;	  /* network order */
	__u32 dst_ip;	  /* network order */
	__u16 ip_csum;	  /* network order: the header checksum of the fixed header */
	__u16 dport;	  /* network order */
	__u16 sport_base; /* host order */
	__u16 pad;
	__u32 flows; /* distinct source ports */
};

struct xb_l2fwd_conf {
	__u8 dst_mac[6];
	__u8 src_mac[6];
};

#endif
