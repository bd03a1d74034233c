// SPDX-License-Identifier: (BSD-3-Clause OR GPL-2.0)
/*
 * sluice XDP program: parse -> (NAT) -> FIB -> neighbour -> redirect.
 * The same rules as the DPDK pipeline (README "Packet behaviour, exactly",
 * "NAT44 behaviour, exactly"); what the DPDK backend does in its slow path
 * (ARP, ND, echo, ICMP errors, unresolved next hops, fragmentation) is left
 * to the kernel: XDP_PASS, counted "local".
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "fwd.bpf.h"
#include "nat.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* NAT stage outcomes besides XDP verdicts: the caller routes the packet */
#define RC_ROUTE     (-1) /* as is */
#define RC_ROUTE_RAW (-2) /* as is, but never out of an outside interface */
#define RC_FWD	     (-3) /* translated: forward to p->ndst */
#define RC_MISS	     (-4) /* no live session: the miss rules */
#define RC_ICMP_ERR                                                     \
	(-5) /* dropped as p->why, answered with ICMP error p->err (the \
		main program sends it: icmp4_error_tx) */

/* IPv4 options: source routes are refused (SL_DROP_SOURCE_ROUTE); a
 * malformed list is SL_DROP_BAD_IP_OPTIONS, by the rules of sluice-dp's
 * sl_ip4_options_scan() (dataplane/pkt.h), which are those of the kernel
 * that then gets the packet and answers with a Parameter Problem. */
static __always_inline __u32 ip4_options(const __u8 *ip, const void *end, __u32 ihl)
{
	__u32 i = 20;

	for (int k = 0; k < 40; k++) {
		__u32 j = i & 63;
		const __u8 *o = ip + j;
		__u8 t, len;

		asm volatile("" : "+r"(o));
		if (j >= ihl || (const void *)(o + 2) > end)
			return j >= ihl ? 0 : SL_DROP_BAD_IP_OPTIONS;
		t = o[0];
		if (t == 0)
			return 0;
		if (t == 1) {
			i = j + 1;
			continue;
		}
		if (j + 1 >= ihl)
			return SL_DROP_BAD_IP_OPTIONS;
		len = o[1];
		if (len < 2 || j + len > ihl)
			return SL_DROP_BAD_IP_OPTIONS;
		if (t == 131 || t == 137)
			return SL_DROP_SOURCE_ROUTE;
		if (t == 7 || t == 68) { /* Record Route, Timestamp (RFC 791) */
			__u32 min = t == 7 ? 3 : 4, slot = 4, ptr;
			/* (len >= min: o + min is inside the header, in the frame) */
			if (len < min || (const void *)(o + min) > end)
				return SL_DROP_BAD_IP_OPTIONS;
			ptr = o[2];
			if (ptr < min + 1)
				return SL_DROP_BAD_IP_OPTIONS;
			if (t == 68 && (const void *)(o + 4) <= end &&
				((o[3] & 0x0f) == 1 || (o[3] & 0x0f) == 3))
				slot = 8;
			if (ptr <= len && ptr + slot - 1 > len)
				return SL_DROP_BAD_IP_OPTIONS;
		} else if (t == 148 && len < 4) { /* Router Alert (RFC 2113) */
			return SL_DROP_BAD_IP_OPTIONS;
		}
		i = j + len;
	}
	return 0;
}

/* A source that is a connected subnet's directed broadcast (RFC 1812
 * 5.3.7, RFC 1122 3.2.1.3): the FIB's broadcast entry, asked only when the
 * address passes sl_bcast4_bits. */
static __always_inline int ip4_src_bcast(const __u8 *ip)
{
	__u32 h = rd16(ip + 14);
	struct sl_xdp_fib4_key k = {.prefixlen = 32};
	struct sl_xdp_nexthop *nh;

	if (!((sl_bcast4_bits[(h >> 6) & 1023] >> (h & 63)) & 1))
		return 0;
	k.addr = ld32(ip + 12);
	nh = bpf_map_lookup_elem(&sl_fib4, &k);
	return nh && nh->type == SL_XDP_NH_BROADCAST;
}

/* The address checks of an IPv4 header (20 bytes at ip, in the frame):
 * 0 or the drop reason. */
static __always_inline __u32 ip4_addrs_bad(const __u8 *ip)
{
	__u8 s0 = ip[12], d0 = ip[16];
	__u32 dst = ld32(ip + 16);

	if (s0 == 0 || s0 == 127 || s0 >= 224 || ip4_src_bcast(ip))
		return SL_DROP_MARTIAN;
	if (d0 == 0 || d0 == 127 || (d0 >= 240 && dst != 0xffffffff))
		return SL_DROP_MARTIAN;
	if (dst == 0xffffffff)
		return SL_DROP_IP_BROADCAST;
	if (d0 >= 224)
		return SL_DROP_IP_MULTICAST;
	return 0;
}

/*
 * Plain IPv4 routing of the packet (no NAT, or NAT decided "as is"). raw:
 * an untranslatable packet that must not leave by an outside interface.
 */
static __noinline int route4(struct pkt *p, int raw)
{
	struct xdp_md *ctx = p->ctx;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *ip = data + (p->l2 & 0x1f);
	struct sl_xdp_nexthop *nh;
	__u32 dst;

	if ((void *)(ip + 20) > end)
		return v_drop(p, SL_DROP_BAD_IP_HEADER);
	dst = ld32(ip + 16);
	nh = fib4(dst);
	if (raw && nh && nh_forwards(nh) && p->iif->role == SL_XDP_ROLE_INSIDE) {
		struct sl_xdp_iface *oif = iface_at(nh->slot);
		if (oif && oif->role == SL_XDP_ROLE_OUTSIDE)
			return v_drop(p, SL_DROP_NAT_NO_SESSION);
	}
	if (nh == NULL) {
		if (p->l2_mcast)
			return v_drop(p, SL_DROP_L2_NOT_FOR_US);
		return v_pass(p); /* no route: the kernel answers */
	}
	if (nh->type == SL_XDP_NH_LOCAL)
		return v_pass(p);
	if (nh->type == SL_XDP_NH_BROADCAST)
		return v_drop(p, SL_DROP_IP_BROADCAST);
	if (p->l2_mcast)
		return v_drop(p, SL_DROP_L2_NOT_FOR_US);
	if (ip[8] <= 1)
		return v_pass(p); /* time exceeded: the kernel answers */
	return forward(p, nh, ip + 16, 0, rd16(ip + 2));
}

static __always_inline int df_too_big(const __u8 *ip, const struct sl_xdp_nexthop *nh)
{
	struct sl_xdp_iface *oif = iface_at(nh->slot);

	return (ip[6] & 0x40) && oif && rd16(ip + 2) > oif->mtu;
}

/* The MTU of next hop nh's interface (0: none). */
static __always_inline __u32 nh_mtu(const struct sl_xdp_nexthop *nh)
{
	struct sl_xdp_iface *oif = iface_at(nh->slot);

	return oif ? oif->mtu : 0;
}

#define ICMP_RATE_PER_S 1000 /* = SL_ICMP_RATE_PER_S */
#define ICMP_BURST	50   /* = SL_ICMP_BURST */
#define ICMP4_QUOTE_MAX 548  /* 576 - 28: RFC 1812 4.3.2.3 */

/* sluice-dp's ratelimit_ok(): a token of the ingress interface's bucket. */
static __always_inline int icmp_token(__u32 in_slot, __u64 now)
{
	__u32 slot = in_slot & (SL_XDP_IFACES_MAX - 1);
	struct sl_xdp_ratelimit *rl = bpf_map_lookup_elem(&sl_icmp_rl, &slot);
	const __u64 ns_per_token = 1000000000ull / ICMP_RATE_PER_S;

	if (rl == NULL)
		return 0;
	if (!rl->started) {
		rl->started = 1;
		rl->tokens = ICMP_BURST;
		rl->last = now;
	} else if (now > rl->last) {
		__u64 add = (now - rl->last) / ns_per_token;
		if (add) {
			rl->tokens = rl->tokens + add < ICMP_BURST ? rl->tokens + add : ICMP_BURST;
			rl->last += add * ns_per_token;
		}
	}
	if (rl->tokens == 0)
		return 0;
	rl->tokens--;
	return 1;
}

/*
 * The packet in ctx (@p pkt: its ingress slot << 16 | link header length
 * << 8 | drop reason), dropped under that reason, becomes an ICMP error about itself (type/code of
 * @p err as RC_ICMP_ERR's, its MTU in the second word) sent back out of its ingress
 * interface to the neighbour it came from, as sluice-dp's icmp_error() +
 * error4(): from the interface's first IPv4 address, TOS 0xc0, TTL 64, the
 * original packet quoted from its IP header up to 576 bytes in all. Not
 * about an error, a later fragment or a non-unicast source (RFC 1812
 * 4.3.2.7), not when the interface has no IPv4 address or its bucket is
 * empty: then only dropped. A global function: verified once, not at
 * every state of its callers.
 */
__noinline int icmp4_error_tx(struct xdp_md *ctx, __u32 pkt, __u32 err, __u64 now)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 type_code = err >> 16, info = err & 0xffff, why = pkt & 0xff, l2 = (pkt >> 8) & 0x1f;
	__u32 slot = (pkt >> 16) & (SL_XDP_IFACES_MAX - 1);
	__u32 zero = 0, ihl, quote, src, osrc;
	struct sl_xdp_counters *cnt = bpf_map_lookup_elem(&sl_counters, &zero);
	struct sl_xdp_iface *iif = iface_at(slot);
	__u8 *ip, *icmp, *eth, smac[6];
	__u64 *d = bpf_map_lookup_elem(&sl_drops, &why);
	__u16 vlan;

	if (d)
		*d += 1;
	if (sl_replay) {
		sl_verdict.action = XDP_DROP;
		sl_verdict.out_slot = SL_XDP_SLOT_NONE;
	}
	if (cnt == NULL || iif == NULL)
		return XDP_DROP;
	ip = data + l2;
	src = iif->v4;
	vlan = iif->vlan;
	if ((void *)(ip + 20) > end || (void *)(eth = data) + 14 > end || src == 0)
		return XDP_DROP;
	ihl = (ip[0] & 0x0f) * 4u;
	if ((rd16(ip + 6) & 0x1fff) || ip[12] == 0 || ip[12] == 127 || ip[12] >= 224 ||
		ip4_src_bcast(ip))
		return XDP_DROP;
	if (ip[9] == PROTO_ICMP && rd16(ip + 2) >= ihl + 1 && ihl <= 60) {
		__u8 *t = ip + ihl;
		if ((void *)(t + 1) > end)
			return XDP_DROP;
		if (t[0] == 3 || t[0] == 4 || t[0] == 5 || t[0] == 11 || t[0] == 12)
			return XDP_DROP;
	}
	if (!icmp_token(slot, now))
		return XDP_DROP;
	quote = rd16(ip + 2);
	if (quote > ICMP4_QUOTE_MAX)
		quote = ICMP4_QUOTE_MAX;
	if ((void *)ip + quote > end)
		return XDP_DROP;
	__builtin_memcpy(smac, eth + 6, 6);
	osrc = ld32(ip + 12);
	/* 28 bytes in front: Ethernet header, new IP and ICMP headers, then
	 * the original IP packet where it was, cut after the quote */
	if (bpf_xdp_adjust_head(ctx, -28))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if ((__u64)(end - data) > l2 + 28 + quote &&
		bpf_xdp_adjust_tail(ctx, -(int)((__u64)(end - data) - (l2 + 28 + quote))))
		return XDP_DROP;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	ip = data + l2;
	if ((void *)(ip + 28) > end || (void *)(eth + 18) > end)
		return XDP_DROP;
	icmp = ip + 20;
	__builtin_memcpy(eth, smac, 6);
	__builtin_memcpy(eth + 6, iif->mac, 6);
	if (vlan) {
		st16(eth + 12, bpf_htons(ETYPE_VLAN));
		st16(eth + 14, bpf_htons(vlan));
		st16(eth + 16, bpf_htons(ETYPE_IPV4));
	} else {
		st16(eth + 12, bpf_htons(ETYPE_IPV4));
	}
	ip[0] = 0x45;
	ip[1] = 0xc0;
	st16(ip + 2, bpf_htons((__u16)(28 + quote)));
	st32(ip + 4, 0); /* id 0, no flags */
	ip[8] = 64;
	ip[9] = PROTO_ICMP;
	st16(ip + 10, 0);
	st32(ip + 12, src);
	st32(ip + 16, osrc);
	st16(ip + 10, ip4_hdr_csum(ip, end, 20));
	icmp[0] = (__u8)(type_code >> 8);
	icmp[1] = (__u8)type_code;
	st16(icmp + 2, 0);
	st32(icmp + 4, bpf_htonl(info));
	st16(icmp + 2, csum_region(ctx, l2 + 20, 8 + quote));
	cnt->if_tx[slot]++;
	cnt->if_tx_bytes[slot] += l2 + 28 + quote;
	if (sl_replay)
		sl_verdict.action = XDP_TX;
	return XDP_TX;
}

/* Have the main program drop the packet as why and send an ICMP error. */
static __always_inline int icmp_err(struct pkt *p, __u32 why, __u32 type, __u32 code, __u32 mtu)
{
	p->why = why;
	p->err = type << 24 | code << 16 | (mtu & 0xffff);
	return RC_ICMP_ERR;
}

/*
 * A NAT packet needing an ICMP error (TTL expired, too big with DF) before
 * its translation: the kernel answers, except for one received on an
 * outside interface, for a pool address: the kernel would deliver it
 * locally (an address of its own) or route it back out (too big: not for
 * that way) and quote nothing right. The program sends that error itself
 * (icmp4_error_tx: time exceeded, or fragmentation needed with @p mtu, the
 * inside way's), quoting the packet as received; one whose TTL expires on
 * its way back out of the kernel (another pool address) gets the kernel's
 * time exceeded.
 */
static __always_inline int nat_kernel_error(struct pkt *p, __u32 dst, __u32 why, __u32 mtu)
{
	struct sl_xdp_nexthop *h;

	if (p->iif->role != SL_XDP_ROLE_OUTSIDE)
		return v_pass(p);
	if (why == SL_DROP_TTL_EXCEEDED) {
		h = fib4(dst);
		if (h == NULL || h->type != SL_XDP_NH_LOCAL)
			return v_pass(p);
		return icmp_err(p, why, 11, 0, 0);
	}
	return icmp_err(p, why, 3, 4, mtu);
}

/* Forward a translated packet to its new destination. */
static __noinline int nat_forward(struct pkt *p, __u32 dst)
{
	struct xdp_md *ctx = p->ctx;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *ip = data + (p->l2 & 0x1f);
	struct sl_xdp_nexthop *nh = fib4(dst);

	if ((void *)(ip + 20) > end)
		return v_drop(p, SL_DROP_BAD_IP_HEADER);
	if (nh == NULL || !nh_forwards(nh))
		return v_drop(p, SL_DROP_NO_ROUTE);
	return forward(p, nh, &dst, 0, rd16(ip + 2));
}

/* A NAT interface's packet with no live session. */
static __noinline int nat_miss(struct pkt *p, int kind, struct sl_xdp_nat_tuple *key, __u8 flags)
{
	struct xdp_md *ctx = p->ctx;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *ip = data + (p->l2 & 0x1f);
	struct sl_xdp_nexthop *nh;
	struct sl_xdp_nat_sess *s;
	struct sl_xdp_iface *oif = NULL;
	__u32 why = SL_DROP_NAT_NO_SESSION, dst;
	int fwd, local;

	if ((void *)(ip + 20) > end)
		return v_drop(p, SL_DROP_BAD_IP_HEADER);
	dst = ld32(ip + 16);
	nh = fib4(dst);
	fwd = nh && nh_forwards(nh);
	local = nh && nh->type == SL_XDP_NH_LOCAL;
	if (fwd)
		oif = iface_at(nh->slot);
	if (p->iif->role == SL_XDP_ROLE_INSIDE) {
		int hairpin = ip[9] != PROTO_ICMP && nat_is_pool_addr(dst);
		if (!hairpin && !(fwd && oif && oif->role == SL_XDP_ROLE_OUTSIDE))
			return RC_ROUTE; /* stays inside: routed as is */
		if (ip[8] <= 1)
			return v_pass(p);
		if (kind == NK_OTHER)
			return v_drop(p, SL_DROP_NAT_UNSUPPORTED);
		if (kind == NK_TRUNC)
			return v_drop(p, SL_DROP_BAD_L4_HEADER);
		/* ICMP: only an echo request makes a session (RFC 5508 3.1), and
		 * not to a pool address: that address is the gateway's */
		if (ip[9] == PROTO_ICMP) {
			__u8 *l4 = ip + ((ip[0] & 0x0f) * 4u);
			if ((void *)(l4 + 1) > end || l4[0] != 8 || nat_is_pool_addr(dst))
				return v_drop(p, SL_DROP_NAT_NO_SESSION);
		}
		if (fwd && df_too_big(ip, nh))
			return v_pass(p);
		s = nat_outbound(p, key, flags, &why);
		if (s == NULL && why == SL_DROP_NAT_NO_SESSION && local)
			return RC_ROUTE; /* a pool address that is ours, no mapping */
		if (s == NULL)
			return v_drop(p, why);
	} else {
		int pool = nat_is_pool_addr(dst);
		int echo_to_us = 0;
		if (ip[9] == PROTO_ICMP && local) {
			__u8 *l4 = ip + ((ip[0] & 0x0f) * 4u);
			echo_to_us = (void *)(l4 + 1) <= end && l4[0] == 8;
		}
		if (!pool || echo_to_us) {
			if (fwd && oif && oif->role == SL_XDP_ROLE_INSIDE)
				return v_drop(p, SL_DROP_NAT_NO_SESSION);
			return RC_ROUTE;
		}
		/* a pool address as source, from outside, is forged (as on DPDK) */
		if (nat_is_pool_addr(ld32(ip + 12)))
			return v_drop(p, SL_DROP_MARTIAN);
		if (kind != NK_OK)
			return v_drop(p,
				kind == NK_TRUNC ? SL_DROP_BAD_L4_HEADER : SL_DROP_NAT_NO_SESSION);
		if (ip[8] <= 1 && !local)
			return v_pass(p);
		s = nat_inbound(p, key, flags, &why);
		if (s == NULL)
			return v_drop(p, why);
		/* bound for the inside endpoint (the new session's t[0] is
		 * this packet): TTL at a pool address of ours, size that way */
		nh = fib4(s->t[1].src);
		if (nh == NULL || !nh_forwards(nh))
			return v_drop(p, SL_DROP_NO_ROUTE);
		data = (void *)(long)ctx->data;
		end = (void *)(long)ctx->data_end;
		ip = data + (p->l2 & 0x1f);
		if ((void *)(ip + 20) > end)
			return v_drop(p, SL_DROP_BAD_IP_HEADER);
		if (ip[8] <= 1)
			return icmp_err(p, SL_DROP_TTL_EXCEEDED, 11, 0, 0);
		if (df_too_big(ip, nh))
			return icmp_err(p, SL_DROP_MTU_EXCEEDED, 3, 4, nh_mtu(nh));
	}
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	ip = data + (p->l2 & 0x1f);
	if ((void *)(ip + 20) > end)
		return v_drop(p, SL_DROP_BAD_IP_HEADER);
	/* the new session's t[0] is this packet */
	nat_apply(p, ip, end, s, 0, flags);
	p->ce = s;
	p->ce_gen = sl_fwd_gen;
	return RC_FWD;
}

/* A packet of a session whose forwarding cache is valid: as nat_main +
 * nat_forward + forward() without the FIB and neighbour lookups. */
static __always_inline int nat_cached_body(
	struct pkt *p, struct sl_xdp_nat_sess *s, __u32 dir, __u8 flags, __u64 w)
{
	struct xdp_md *ctx = p->ctx;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *ip = data + (p->l2 & 0x1f), b[8];
	struct sl_xdp_iface *oif;
	__u32 slot;

	__builtin_memcpy(b, &w, 8);
	slot = *(__u16 *)(b + 6);
	oif = iface_at(slot);
	if ((void *)(ip + 20) > end)
		return v_drop(p, SL_DROP_BAD_IP_HEADER);
	if (oif == NULL || !oif->in_use)
		return v_drop(p, SL_DROP_NO_INTERFACE);
	if (ip[8] <= 1)
		return nat_kernel_error(p, ld32(ip + 16), SL_DROP_TTL_EXCEEDED, 0);
	if ((ip[6] & 0x40) && rd16(ip + 2) > oif->mtu)
		return nat_kernel_error(p, ld32(ip + 16), SL_DROP_MTU_EXCEEDED, oif->mtu);
	nat_apply(p, ip, end, s, dir, flags);
	if (rd16(ip + 2) > oif->mtu)
		return v_pass(p); /* the kernel fragments it */
	mss_clamp_pkt(p, oif);
	return l2_out(p, oif, slot, b, 0, rd16(ip + 2));
}

static __noinline int nat_cached(
	struct pkt *p, struct sl_xdp_nat_sess *s, __u32 dir, __u8 flags, __u64 w)
{
	return nat_cached_body(p, s, dir, flags, w);
}

/* NAT interfaces: a packet of a live session is translated (RC_FWD). */
static __noinline int nat_main(struct pkt *p, int kind, struct sl_xdp_nat_tuple *key, __u8 flags)
{
	struct xdp_md *ctx = p->ctx;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *ip = data + (p->l2 & 0x1f);
	struct sl_xdp_nat_sess *s = NULL, *e = NULL;
	struct sl_xdp_nexthop *nh;
	__u64 gen = sl_fwd_gen, w;
	__u32 dir = 0;

	if ((void *)(ip + 20) > end)
		return v_drop(p, SL_DROP_BAD_IP_HEADER);
	if (kind == NK_OK)
		s = sess_find(key, p->cfg, p->now, &dir, &e);
	if (s == NULL || e == NULL)
		return p->l2_mcast ? RC_ROUTE : RC_MISS;
	/* the cache: egress and next hop as the FIB and neighbour maps said at
	 * this version (a forwarding, resolved next hop) */
	if (fwd_cache_read(e, gen, &w))
		return nat_cached(p, s, dir, flags, w);
	p->ce = e;
	p->ce_gen = gen;
	nh = fib4(s->t[(dir ^ 1) & 1].src);
	if (nh == NULL)
		return v_pass(p);
	if (!nh_forwards(nh))
		return v_drop(p, SL_DROP_NAT_NO_SESSION);
	if (ip[8] <= 1)
		return nat_kernel_error(p, ld32(ip + 16), SL_DROP_TTL_EXCEEDED, 0);
	if (df_too_big(ip, nh))
		return nat_kernel_error(p, ld32(ip + 16), SL_DROP_MTU_EXCEEDED, nh_mtu(nh));
	nat_apply(p, ip, end, s, dir, flags);
	return RC_FWD;
}

/* An ICMP error on a NAT interface: translated by its embedded packet (RFC 5508). */
/* RFC 5508 REQ-3 for nat_icmp_error(): 1 when the embedded IP header's
 * checksum (eihl bytes at e_off) or the ICMP checksum (ilen bytes at
 * icmp_off; 0: a fragment, not checked) does not hold. A global function:
 * the verifier checks it once, not on every path into nat_icmp_error(). */
__noinline int icmp_error_csum_bad(
	struct xdp_md *ctx, __u32 icmp_off, __u32 ilen, __u32 e_off, __u32 eihl)
{
	if (csum_region(ctx, e_off, eihl) != 0)
		return 1;
	return ilen && csum_region(ctx, icmp_off, ilen) != 0;
}

static __noinline int nat_icmp_error(struct pkt *p)
{
	struct xdp_md *ctx = p->ctx;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *ip = data + (p->l2 & 0x1f), *icmp, *e, *el4;
	struct sl_xdp_nat_tuple et = {0}, key = {0}, o;
	struct sl_xdp_nat_sess *s, *ent;
	__u32 ihl, tot, ilen, eihl, quote, dir = 0, d, icd = 0;
	__u16 c, old;

	if ((void *)(ip + 20) > end)
		return v_drop(p, SL_DROP_BAD_IP_HEADER);
	ihl = (ip[0] & 0x0f) * 4u;
	tot = rd16(ip + 2);
	icmp = ip + ihl;
	e = icmp + 8;
	ilen = tot - ihl;
	if (ilen < 8 + 20 || (void *)(e + 20) > end || (e[0] >> 4) != 4)
		goto no_session;
	eihl = (e[0] & 0x0f) * 4u;
	if (eihl < 20 || ilen < 8 + eihl + 4 || (rd16(e + 6) & 0x1fff) != 0)
		goto no_session;
	quote = ilen - 8 - eihl;
	el4 = e + eihl;
	if ((void *)(el4 + 4) > end)
		goto no_session;
	et.proto = e[9];
	et.src = ld32(e + 12);
	et.dst = ld32(e + 16);
	if (et.proto == PROTO_TCP || et.proto == PROTO_UDP) {
		et.sport = ld16(el4);
		et.dport = ld16(el4 + 2);
	} else if (et.proto == PROTO_ICMP && quote >= 8 && (void *)(el4 + 8) <= end &&
		   (el4[0] == 8 || el4[0] == 0)) {
		if (el4[0] == 8)
			et.sport = ld16(el4 + 4);
		else
			et.dport = ld16(el4 + 4);
	} else {
		goto no_session;
	}
	/* an error goes to the source of the packet it quotes (RFC 5508
	 * REQ-4c); one sent elsewhere would disclose the inside endpoint */
	if (ld32(ip + 16) != et.src)
		goto no_session;
	/* the session sees a reply to the embedded packet */
	key.src = et.dst;
	key.dst = et.src;
	key.sport = et.dport;
	key.dport = et.sport;
	key.proto = et.proto;
	s = sess_find(&key, p->cfg, p->now, &dir, &ent);
	if (s == NULL)
		goto no_session;
	/* RFC 5508 REQ-3: the ICMP checksum (unless a fragment) and the
	 * embedded IP header's must hold, as on DPDK */
	if (icmp_error_csum_bad(ctx, (__u32)(icmp - (__u8 *)data), ip[6] & 0x20 ? 0 : ilen,
		    (__u32)(e - (__u8 *)data), eihl))
		return v_drop(p, SL_DROP_BAD_ICMP);
	o = s->t[(dir ^ 1) & 1]; /* the embedded packet as it was before translation */
	/* embedded packet back to its untranslated form; every change also
	 * goes into the ICMP checksum (all at even offsets of the message) */
	d = delta32(et.src, o.src) + delta32(et.dst, o.dst);
	old = ld16(e + 10);
	c = csum_apply(old, d);
	st16(e + 10, c);
	icd += delta16(old, c) + d;
	if (et.proto == PROTO_UDP && quote >= 8 && (void *)(el4 + 8) <= end && ld16(el4 + 6) != 0) {
		old = ld16(el4 + 6);
		c = csum_apply(old, d + delta16(et.sport, o.sport) + delta16(et.dport, o.dport));
		c = c ? c : 0xffff;
		st16(el4 + 6, c);
		icd += delta16(old, c);
	} else if (et.proto == PROTO_TCP && quote >= 18 && (void *)(el4 + 18) <= end) {
		old = ld16(el4 + 16);
		c = csum_apply(old, d + delta16(et.sport, o.sport) + delta16(et.dport, o.dport));
		st16(el4 + 16, c);
		icd += delta16(old, c);
	} else if (et.proto == PROTO_ICMP && (void *)(el4 + 8) <= end) {
		__u16 id = el4[0] == 8 ? o.sport : o.dport;
		old = ld16(el4 + 2);
		c = csum_apply(old, delta16(ld16(el4 + 4), id));
		st16(el4 + 2, c);
		icd += delta16(old, c);
	}
	st32(e + 12, o.src);
	st32(e + 16, o.dst);
	if (et.proto == PROTO_ICMP) {
		if ((void *)(el4 + 8) <= end) {
			__u16 id = el4[0] == 8 ? o.sport : o.dport;
			icd += delta16(ld16(el4 + 4), id);
			st16(el4 + 4, id);
		}
	} else {
		icd += delta16(ld16(el4), o.sport) + delta16(ld16(el4 + 2), o.dport);
		st16(el4, o.sport);
		st16(el4 + 2, o.dport);
	}
	if ((void *)(icmp + 4) > end)
		return v_drop(p, SL_DROP_BAD_L4_HEADER);
	st16(icmp + 2, csum_apply(ld16(icmp + 2), icd));
	/* outer header: to the quoted packet's untranslated source; from the
	 * outside address of the mapping when it comes from inside, whichever
	 * inside node sent it (RFC 5508 REQ-5c: no private address leaves) */
	{
		__u32 os = ld32(ip + 12), od = ld32(ip + 16), ns = os, nd = o.src;
		if (p->iif->role == SL_XDP_ROLE_INSIDE)
			ns = o.dst;
		st16(ip + 10, csum_apply(ld16(ip + 10), delta32(os, ns) + delta32(od, nd)));
		st32(ip + 12, ns);
		st32(ip + 16, nd);
		/* a first fragment's later ones get these addresses (frag_record) */
		p->translated = 1;
		p->nsrc = ns;
		p->ndst = nd;
	}
	return RC_ROUTE;
no_session:
	if (p->iif->role == SL_XDP_ROLE_INSIDE)
		return RC_ROUTE_RAW; /* routed as is; not out of an outside interface */
	return v_drop(p, SL_DROP_NAT_NO_SESSION);
}

/*
 * Hold a later fragment that came before its first one (as sluice-dp's
 * nat_frag_input): a copy of the whole frame goes to sl_nat_held under
 * its datagram's record (made here if none, have_first 0), at the lowest
 * free place of SL_XDP_FRAG_HOLD; the frame itself is dropped, counted
 * "held". When the first fragment comes, frag_record() tells the agent (or
 * the replay), which runs the held ones through the program again; at the
 * record's until they are run again too, and dropped. No room (this
 * datagram's places, SL_XDP_FRAGS_HELD_MAX in all, a frame too big):
 * nat-fragment-unmatched.
 */
static __noinline int frag_hold(struct pkt *p)
{
	struct xdp_md *ctx = p->ctx;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct sl_xdp_frag nf = {0}, *f;
	struct sl_xdp_held_key hk = {0};
	struct sl_xdp_held *h;
	__u64 len = (__u64)(end - data);
	__u32 zero = 0, i;

	if (p->held_rerun || len == 0 || len > SL_XDP_HELD_BYTES)
		return v_drop(p, SL_DROP_NAT_FRAG_UNMATCHED);
	h = bpf_map_lookup_elem(&sl_held_scratch, &zero);
	if (h == NULL || bpf_xdp_load_bytes(ctx, 0, h->data, len) < 0)
		return v_drop(p, SL_DROP_NAT_FRAG_UNMATCHED);
	f = bpf_map_lookup_elem(&sl_nat_frag, &p->fk);
	if (f == NULL) {
		nf.until = p->now + SL_XDP_FRAG_NS;
		bpf_map_update_elem(&sl_nat_frag, &p->fk, &nf, BPF_NOEXIST);
		f = bpf_map_lookup_elem(&sl_nat_frag, &p->fk);
		if (f == NULL)
			return v_drop(p, SL_DROP_NAT_FRAG_UNMATCHED);
	}
	h->until = f->until;
	h->tag = sl_replay_tag;
	h->ifindex = p->iif->ifindex;
	h->len = (__u32)len;
	hk.fk = p->fk;
	for (i = 0; i < SL_XDP_FRAG_HOLD; i++) {
		hk.idx = i;
		if (bpf_map_update_elem(&sl_nat_held, &hk, h, BPF_NOEXIST) == 0)
			break;
	}
	if (i == SL_XDP_FRAG_HOLD)
		return v_drop(p, SL_DROP_NAT_FRAG_UNMATCHED);
	f->held = 1;
	p->cnt->held++;
	if (sl_replay) {
		sl_verdict.action = XDP_DROP;
		sl_verdict.out_slot = SL_XDP_SLOT_NONE;
		sl_verdict.held = 1;
		sl_verdict.until = h->until;
	}
	return XDP_DROP;
}

/*
 * A later fragment whose first one has not come (sluice-dp's
 * frag_early_fate, nat_miss's rule without the L4 header): a datagram that
 * may need NAT (to a pool address, from inside out of an outside interface,
 * ICMP from outside) is held for its first fragment (frag_hold). The rest
 * is routed as it comes, or from outside towards an inside interface,
 * dropped as its first fragment will be.
 */
static __noinline int frag_early(struct pkt *p, __u8 *ip)
{
	struct sl_xdp_nexthop *nh;
	struct sl_xdp_iface *oif = NULL;
	__u32 out = SL_XDP_ROLE_NONE, dst = ld32(ip + 16);

	if (nat_is_pool_addr(dst))
		return frag_hold(p);
	nh = fib4(dst);
	if (nh && nh_forwards(nh))
		oif = iface_at(nh->slot);
	if (oif)
		out = oif->role;
	if (p->iif->role == SL_XDP_ROLE_INSIDE)
		return out == SL_XDP_ROLE_OUTSIDE ? frag_hold(p) : RC_ROUTE_RAW;
	if (ip[9] == PROTO_ICMP)
		return frag_hold(p);
	return out == SL_XDP_ROLE_INSIDE ? v_drop(p, SL_DROP_NAT_NO_SESSION) : RC_ROUTE_RAW;
}

/* IPv4 fragments on NAT interfaces: the first fragment decides (recorded
 * by frag_record once its fate is known), the later ones get its address
 * translation; one before its first: frag_early, and once one is held,
 * the later ones too until the first comes. A held fragment run again
 * takes the first fragment's fate, or (none by its record's until) is
 * dropped. */
static __always_inline int nat_fragment(struct pkt *p, int kind)
{
	struct xdp_md *ctx = p->ctx;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *ip = data + (p->l2 & 0x1f);
	struct sl_xdp_frag *f;

	if ((void *)(ip + 20) > end)
		return v_drop(p, SL_DROP_BAD_IP_HEADER);
	p->fk.src = ld32(ip + 12);
	p->fk.dst = ld32(ip + 16);
	p->fk.id = ld16(ip + 4);
	p->fk.proto = ip[9];
	p->fk.pad = 0; /* (shares its bytes with fast_key) */
	f = bpf_map_lookup_elem(&sl_nat_frag, &p->fk);
	if (f && f->until <= p->now) {
		bpf_map_delete_elem(&sl_nat_frag, &p->fk);
		f = NULL;
	}
	if (p->held_rerun && (f == NULL || !f->have_first))
		return v_drop(p, SL_DROP_NAT_FRAG_UNMATCHED);
	if (f == NULL || !f->have_first) {
		if (kind == NK_FRAGMENT)
			return f ? frag_hold(p) : frag_early(p, ip);
		p->frag_first = 1;
		return RC_MISS; /* a first fragment: as any packet */
	}
	if (f->dropped)
		return v_drop(p, f->why);
	if (kind != NK_FRAGMENT)
		return RC_MISS; /* a duplicate first fragment: translated as the
				   first was, its L4 header too; the record stays */
	if (f->translate) {
		__u32 da = delta32(ld32(ip + 12), f->src) + delta32(ld32(ip + 16), f->dst);
		/* addresses only: a later fragment has no L4 header */
		st16(ip + 10, csum_apply(ld16(ip + 10), da));
		st32(ip + 12, f->src);
		st32(ip + 16, f->dst);
		return RC_ROUTE;
	}
	return RC_ROUTE_RAW;
}

/* Remember a first fragment's fate for the later ones; a record made by
 * held fragments keeps its until, and its held ones can go now. */
static __noinline void frag_record(struct pkt *p, int rc)
{
	struct sl_xdp_frag nf = {0}, *f = bpf_map_lookup_elem(&sl_nat_frag, &p->fk);
	int release = 0;

	nf.until = p->now + SL_XDP_FRAG_NS;
	if (f && !f->have_first && f->until > p->now) {
		nf.until = f->until;
		release = f->held;
	}
	nf.have_first = 1;
	nf.dropped = rc == XDP_DROP;
	nf.why = (__u8)p->why;
	nf.translate = p->translated && (p->nsrc != p->fk.src || p->ndst != p->fk.dst);
	nf.src = p->nsrc;
	nf.dst = p->ndst;
	bpf_map_update_elem(&sl_nat_frag, &p->fk, &nf, BPF_ANY);
	if (!release)
		return;
	if (sl_replay)
		sl_verdict.release = 1;
	else
		bpf_ringbuf_output(&sl_held_wake, &p->fk, sizeof(p->fk), 0);
}

/* The NAT stage: an XDP verdict or an RC_* for the caller. */
static __noinline int nat4(struct pkt *p)
{
	struct xdp_md *ctx = p->ctx;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *ip = data + (p->l2 & 0x1f);
	struct sl_xdp_nat_tuple t = {0};
	__u8 flags = 0;
	int kind, rc;

	if ((void *)(ip + 20) > end)
		return v_drop(p, SL_DROP_BAD_IP_HEADER);
	kind = nat_tuple(ip, end, &t, &flags);
	if (kind == NK_FRAGMENT || (ip[6] & 0x20)) {
		rc = nat_fragment(p, kind);
		if (rc != RC_MISS)
			return rc;
	}
	if (kind == NK_ICMP_ERR)
		return nat_icmp_error(p);
	rc = nat_main(p, kind, &t, flags);
	if (rc != RC_MISS)
		return rc;
	return nat_miss(p, kind, &t, flags);
}

/*
 * The common packet on a NAT interface, inside the main program instead of
 * four BPF-to-BPF calls (ipv4, nat4, nat_main, nat_cached: on this kernel
 * each returns through the SRSO return thunk): an unfragmented
 * IPv4 TCP/UDP/ICMP echo packet without options, of a live session whose
 * forwarding cache is valid. Its session key lives in struct pkt (the bytes
 * of the fragment key, which only the general path uses), so that the main
 * program's frame leaves the deepest call chain within the verifier's 512
 * bytes. Until nat_cached_body() it writes nothing else; -1 (before it)
 * hands the packet to ipv4(), which decides everything again, so the
 * outcome is always the one ipv4() gives.
 */
static __always_inline int nat_fast4(struct pkt *p)
{
	struct xdp_md *ctx = p->ctx;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *ip = data + (p->l2 & 0x1f);
	struct sl_xdp_nat_tuple *t = &p->fast_key;
	struct sl_xdp_nat_sess *s, *e = NULL;
	__u32 dir = 0, tot;
	__u8 flags = 0;
	__u64 w;

	if ((void *)(ip + 20) > end || ip[0] != 0x45)
		return -1;
	tot = rd16(ip + 2);
	if (tot < 20 || tot > (__u32)(end - (void *)ip) || ip4_hdr_csum(ip, end, 20) != 0)
		return -1;
	if (ip4_addrs_bad(ip) || (ip[6] & 0x3f) || ip[7])
		return -1; /* a fragment: MF or an offset */
	t->sport = 0;
	t->dport = 0;
	((__u32 *)t)[3] = 0; /* proto and pad */
	if (nat_tuple(ip, end, t, &flags) != NK_OK)
		return -1;
	s = sess_find(t, p->cfg, p->now, &dir, &e);
	if (s == NULL || e == NULL || !fwd_cache_read(e, sl_fwd_gen, &w))
		return -1;
	return nat_cached_body(p, s, dir, flags, w);
}

static __noinline int ipv4(struct pkt *p)
{
	struct xdp_md *ctx = p->ctx;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *ip = data + (p->l2 & 0x1f);
	__u32 ihl, tot, avail, r;

	if ((void *)(ip + 20) > end || (ip[0] & 0xf0) != 0x40)
		return v_drop(p, SL_DROP_BAD_IP_HEADER);
	ihl = (ip[0] & 0x0f) * 4u;
	tot = rd16(ip + 2);
	avail = (__u32)(end - (void *)ip);
	if (ihl < 20 || tot < ihl || tot > avail)
		return v_drop(p, SL_DROP_BAD_IP_HEADER);
	if (ip4_hdr_csum(ip, end, ihl) != 0)
		return v_drop(p, SL_DROP_BAD_IP_HEADER);
	if (ihl > 20) {
		r = ip4_options(ip, end, ihl);
		if (r == SL_DROP_BAD_IP_OPTIONS)
			return v_pass(p); /* the kernel sends the parameter problem */
		if (r)
			return v_drop(p, r);
	}
	r = ip4_addrs_bad(ip);
	if (r)
		return v_drop(p, r);
	if (p->cfg->nat_enabled && p->iif->role != SL_XDP_ROLE_NONE) {
		int rc = nat4(p);
		if (rc == RC_ROUTE || rc == RC_ROUTE_RAW)
			rc = route4(p, rc == RC_ROUTE_RAW);
		else if (rc == RC_FWD)
			rc = nat_forward(p, p->ndst);
		if (p->frag_first)
			frag_record(p, rc == RC_ICMP_ERR ? XDP_DROP : rc);
		return rc;
	}
	return route4(p, 0);
}

static __noinline int ipv6(struct pkt *p)
{
	struct xdp_md *ctx = p->ctx;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u8 *ip = data + (p->l2 & 0x1f), *src, *dst;
	struct sl_xdp_fib6_key k = {.prefixlen = 128};
	struct sl_xdp_nexthop *nh;

	if ((void *)(ip + 40) > end || (ip[0] & 0xf0) != 0x60 ||
		40u + rd16(ip + 4) > (__u32)(end - (void *)ip))
		return v_drop(p, SL_DROP_BAD_IP_HEADER);
	/* a Hop-by-Hop header beyond the payload (payload length 0: a
	 * jumbogram, RFC 2675) is sluice-dp's ip6_hbh_cut() */
	if (ip[6] == 0 &&
		(rd16(ip + 4) < 8 || (void *)(ip + 42) > end || (ip[41] + 1u) * 8 > rd16(ip + 4)))
		return v_drop(p, SL_DROP_BAD_IP_HEADER);
	src = ip + 8;
	dst = ip + 24;
	if (src[0] == 0xff || ip6_is_loopback(src) || ip6_is_v4mapped(src))
		return v_drop(p, SL_DROP_MARTIAN);
	if (dst[0] == 0xff) {
		if (ip6_solicited_or_allnodes(dst))
			return v_pass(p); /* ND: the kernel */
		return v_drop(p, SL_DROP_IP_MULTICAST);
	}
	if (ip6_is_unspec(src) || ip6_is_unspec(dst) || ip6_is_loopback(dst) ||
		ip6_is_v4mapped(dst))
		return v_drop(p, SL_DROP_MARTIAN);
	__builtin_memcpy(k.addr, dst, 16);
	if (ip6_is_linklocal(dst)) {
		if (ip6_eq(dst, p->iif->ll6))
			return v_pass(p);
		nh = bpf_map_lookup_elem(&sl_fib6, &k);
		if (nh && nh->type == SL_XDP_NH_LOCAL)
			return v_pass(p);
		return v_drop(p, p->l2_mcast ? SL_DROP_L2_NOT_FOR_US : SL_DROP_LINK_LOCAL);
	}
	/* an L2 multicast frame is only delivered locally; a link-local
	 * source is never forwarded, nor answered with an error about it */
	nh = bpf_map_lookup_elem(&sl_fib6, &k);
	if (nh == NULL) {
		if (p->l2_mcast)
			return v_drop(p, SL_DROP_L2_NOT_FOR_US);
		if (ip6_is_linklocal(src))
			return v_drop(p, SL_DROP_LINK_LOCAL);
		return v_pass(p); /* no route: the kernel answers */
	}
	if (nh->type == SL_XDP_NH_LOCAL)
		return v_pass(p);
	if (p->l2_mcast)
		return v_drop(p, SL_DROP_L2_NOT_FOR_US);
	if (ip6_is_linklocal(src))
		return v_drop(p, SL_DROP_LINK_LOCAL);
	if (ip[7] <= 1)
		return v_pass(p); /* hop limit exceeded: the kernel answers */
	if (nh->type != SL_XDP_NH_CONNECTED && nh->type != SL_XDP_NH_GATEWAY)
		return v_drop(p, SL_DROP_NO_ROUTE);
	return forward(p, nh, k.addr, 1, 40u + rd16(ip + 4));
}

/* Run by the loader (BPF_PROG_TEST_RUN, on a dummy frame): the kernel's HZ,
 * and jiffies and CLOCK_MONOTONIC_COARSE at one instant, to set up
 * sl_clock_now(). An XDP program, never attached: a syscall program may not
 * read the coarse clock. */
SEC("xdp")
int sl_clock_sample(struct xdp_md *ctx)
{
	sl_clock.hz = CONFIG_HZ;
	sl_clock.jiffies = bpf_jiffies64();
	sl_clock.coarse_ns = bpf_ktime_get_coarse_ns();
	sl_clock.now = sl_clock_now();
	return XDP_DROP;
}

SEC("xdp")
int sluice_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	void *meta = (void *)(long)ctx->data_meta;
	struct sl_xdp_iface_key ik = {0};
	struct pkt p = {.ctx = ctx, .why = SL_DROP_MAX};
	__u8 *eth = data;
	__u16 etype;
	__u32 zero = 0, *slot, s;
	int rc4;

	/* read the context field once, unmodified: the verifier refuses a
	 * load through a ctx pointer the compiler may have offset (live mode) */
	__u32 in_ifindex = ctx->ingress_ifindex;

	asm volatile("" : "+r"(in_ifindex));
	p.cnt = bpf_map_lookup_elem(&sl_counters, &zero);
	p.cfg = bpf_map_lookup_elem(&sl_config, &zero);
	if (p.cnt == NULL || p.cfg == NULL)
		return XDP_ABORTED;
	p.now = sl_clock_now();
	if (meta + 8 <= data && *(__u32 *)meta == SL_XDP_HELD_MAGIC) {
		p.held_rerun = 1; /* counted when it came */
		p.cnt->held--;
	} else {
		p.cnt->rx++;
	}
	if ((void *)(eth + 14) > end)
		return v_drop(&p, SL_DROP_TRUNCATED);
	etype = rd16(eth + 12);
	p.l2 = 14;
	if (etype == ETYPE_VLAN) {
		if ((void *)(eth + 18) > end)
			return v_drop(&p, SL_DROP_TRUNCATED);
		ik.vlan = rd16(eth + 14) & 0x0fff;
		etype = rd16(eth + 16);
		p.l2 = 18;
		if (etype == ETYPE_VLAN || etype == ETYPE_QINQ || etype == ETYPE_QINQ_OLD)
			return v_drop(&p, SL_DROP_VLAN_QINQ);
	} else if (etype == ETYPE_QINQ || etype == ETYPE_QINQ_OLD) {
		return v_drop(&p, SL_DROP_VLAN_QINQ);
	}
	ik.ifindex = sl_replay ? sl_replay_ifindex : in_ifindex;
	if (ik.vlan == 0 && ik.ifindex < SL_XDP_IFINDEX_FAST) {
		slot = bpf_map_lookup_elem(&sl_if_index, &ik.ifindex);
		if (slot == NULL || *slot == 0)
			return v_drop(&p, SL_DROP_NO_INTERFACE);
		p.in_slot = *slot - 1;
	} else {
		slot = bpf_map_lookup_elem(&sl_ifaces, &ik);
		if (slot == NULL)
			return v_drop(&p, SL_DROP_NO_INTERFACE);
		p.in_slot = *slot;
	}
	p.iif = iface_at(p.in_slot);
	if (p.iif == NULL || !p.iif->in_use)
		return v_drop(&p, SL_DROP_NO_INTERFACE);
	s = p.in_slot & (SL_XDP_IFACES_MAX - 1);
	if (!p.held_rerun) {
		p.cnt->if_rx[s]++;
		p.cnt->if_rx_bytes[s] += (__u64)(end - data);
	}

	p.l2_mcast = eth[0] & 1;
	if (p.l2_mcast) {
		int bcast = ld16(eth) == 0xffff && ld32(eth + 2) == 0xffffffff;
		if (!bcast && !(eth[0] == 0x33 && eth[1] == 0x33))
			return v_drop(&p, SL_DROP_L2_NOT_FOR_US);
	} else if (!mac_eq(eth, p.iif->mac)) {
		return v_drop(&p, SL_DROP_L2_NOT_FOR_US);
	}
	switch (etype) {
	case ETYPE_IPV4:
		if (p.cfg->nat_enabled && p.iif->role != SL_XDP_ROLE_NONE && !p.l2_mcast) {
			int rc = nat_fast4(&p);
			if (rc == RC_ICMP_ERR)
				return icmp4_error_tx(ctx,
					p.in_slot << 16 | (p.l2 & 0x1f) << 8 | (p.why & 0xff),
					p.err, p.now);
			if (rc >= 0)
				return rc;
		}
		rc4 = ipv4(&p);
		if (rc4 == RC_ICMP_ERR)
			return icmp4_error_tx(ctx,
				p.in_slot << 16 | (p.l2 & 0x1f) << 8 | (p.why & 0xff), p.err,
				p.now);
		return rc4;
	case ETYPE_IPV6:
		return ipv6(&p);
	case ETYPE_ARP:
		return v_pass(&p); /* ARP: the kernel */
	default:
		return v_drop(&p, SL_DROP_UNSUPPORTED_ETHERTYPE);
	}
}
