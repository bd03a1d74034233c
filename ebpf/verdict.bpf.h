/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-packet context of the XDP program and its three outcomes:
 * dropped under one reason, passed to the kernel (counted "local"), or
 * transmitted (counted "forwarded"). The replay reads sl_verdict. */
#ifndef SL_VERDICT_BPF_H
#define SL_VERDICT_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "maps.bpf.h"

struct pkt {
	struct xdp_md *ctx;
	struct sl_xdp_counters *cnt;
	struct sl_xdp_iface *iif;
	struct sl_xdp_config *cfg;
	__u64 now;
	__u32 in_slot;
	__u32 l2;	  /* Ethernet (+ VLAN) header length: 14 or 18 */
	__u32 why;	  /* drop reason of a dropped packet */
	__u32 nsrc, ndst; /* addresses after NAT (when translated) */
	union {
		struct sl_xdp_frag_key fk;	  /* a first fragment's datagram */
		struct sl_xdp_nat_tuple fast_key; /* nat_fast4's session key (its stack) */
	};
	struct sl_xdp_nat_sess *ce; /* session entry whose forwarding cache forward() fills */
	__u64 ce_gen;		    /* sl_fwd_gen read before the lookups that fill it */
	__u8 l2_mcast;
	__u8 translated;
	__u8 frag_first; /* record its fate in sl_nat_frag */
	__u8 held_rerun; /* a held fragment run again (SL_XDP_HELD_MAGIC metadata) */
	__u32 err;	 /* RC_ICMP_ERR: ICMP type << 24 | code << 16 | next-hop MTU */
};

static __always_inline int v_drop(struct pkt *p, __u32 why)
{
	__u64 *d = bpf_map_lookup_elem(&sl_drops, &why);

	if (d)
		*d += 1;
	p->why = why;
	if (sl_replay) {
		sl_verdict.action = XDP_DROP;
		sl_verdict.out_slot = SL_XDP_SLOT_NONE;
	}
	return XDP_DROP;
}

/* For the kernel: ARP/ND, the gateway's own addresses, ICMP errors to
 * generate, unresolved neighbours. */
static __always_inline int v_pass(struct pkt *p)
{
	p->cnt->local++;
	if (sl_replay) {
		sl_verdict.action = XDP_PASS;
		sl_verdict.out_slot = SL_XDP_SLOT_NONE;
	}
	return XDP_PASS;
}

static __always_inline int v_redirect(struct pkt *p, __u32 slot, __u32 len)
{
	__u32 s = slot & (SL_XDP_IFACES_MAX - 1);

	p->cnt->forwarded++;
	p->cnt->if_tx[s]++;
	p->cnt->if_tx_bytes[s] += len;
	if (sl_replay) {
		sl_verdict.action = XDP_REDIRECT;
		sl_verdict.out_slot = s;
		return XDP_REDIRECT;
	}
	return bpf_redirect_map(&sl_tx_ports, s, 0);
}

#endif
