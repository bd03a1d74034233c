/* SPDX-License-Identifier: BSD-3-Clause */
/* Forwarding: FIB lookup, MSS clamp, neighbour, TTL/hop-limit decrement,
 * the egress Ethernet header (VLAN tag of the egress interface) and the
 * redirect. Packets the kernel must handle leave through v_pass(). */
#ifndef SL_FWD_BPF_H
#define SL_FWD_BPF_H

#include "csum.bpf.h"
#include "parse.bpf.h"
#include "verdict.bpf.h"

static __always_inline struct sl_xdp_nexthop *fib4(__u32 dst)
{
	struct sl_xdp_fib4_key k = {.prefixlen = 32, .addr = dst};

	return bpf_map_lookup_elem(&sl_fib4, &k);
}

static __always_inline int nh_forwards(const struct sl_xdp_nexthop *nh)
{
	return nh->type == SL_XDP_NH_GATEWAY || nh->type == SL_XDP_NH_CONNECTED;
}

static __always_inline struct sl_xdp_iface *iface_at(__u32 slot)
{
	return bpf_map_lookup_elem(&sl_iface_info, &slot);
}

/* TCP MSS clamp of a SYN at ip to mss (no-op without the option). */
static __always_inline void mss_clamp(__u8 *ip, void *end, __u16 mss)
{
	__u32 ihl = (ip[0] & 0x0f) * 4u, tot = rd16(ip + 2), doff, i = 20;
	__u8 *tcp = ip + ihl;

	if (ip[9] != PROTO_TCP || (rd16(ip + 6) & 0x1fff) != 0)
		return;
	if ((void *)(tcp + 20) > end || !(tcp[13] & 0x02))
		return;
	doff = (tcp[12] >> 4) * 4u;
	if (doff < 20 || ihl + doff > tot)
		return;
	for (int k = 0; k < 40; k++) {
		__u32 j = i & 63;
		__u8 *o = tcp + j;
		__u8 kind, len;

		asm volatile("" : "+r"(o));
		if (j >= doff || (void *)(o + 2) > end)
			return;
		kind = o[0];
		if (kind == 0)
			return;
		if (kind == 1) {
			i = j + 1;
			continue;
		}
		len = o[1];
		if (j + 1 >= doff || len < 2 || j + len > doff)
			return;
		if (kind == 2 && len == 4) {
			__u16 oa, ob, na, nb;
			if ((void *)(o + 4) > end || rd16(o + 2) <= mss)
				return;
			if ((j & 1) == 0) {
				oa = ld16(o + 2);
				st16(o + 2, bpf_htons(mss));
				na = ld16(o + 2);
				st16(tcp + 16, csum_apply(ld16(tcp + 16), delta16(oa, na)));
			} else {
				/* the option straddles two 16-bit words of the segment
				 * (o[4] is still in the header: j + 4 < doff) */
				if ((void *)(o + 5) > end)
					return;
				oa = ld16(o + 1);
				ob = ld16(o + 3);
				o[2] = mss >> 8;
				o[3] = mss & 0xff;
				na = ld16(o + 1);
				nb = ld16(o + 3);
				st16(tcp + 16, csum_apply(ld16(tcp + 16),
						       delta16(oa, na) + delta16(ob, nb)));
			}
			return;
		}
		i = j + len;
	}
}

/* The MSS clamp of the ingress and egress interfaces (the lower one). */
static __always_inline void mss_clamp_pkt(struct pkt *p, const struct sl_xdp_iface *oif)
{
	struct xdp_md *ctx = p->ctx;
	__u16 c1 = p->iif->mss_clamp, c2 = oif->mss_clamp;

	if (c1 | c2) {
		void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
		__u8 *ip = data + (p->l2 & 0x1f);
		if ((void *)(ip + 20) <= end)
			mss_clamp(ip, end, c1 && c2 ? (c1 < c2 ? c1 : c2) : (c1 | c2));
	}
}

/*
 * Send the IP packet (ip_len bytes at l2) out of slot with destination MAC
 * mac: TTL / hop limit - 1, Ethernet padding cut, the egress header.
 */
static __always_inline int l2_out(struct pkt *p, const struct sl_xdp_iface *oif, __u32 slot,
	const __u8 *mac, int v6, __u32 ip_len)
{
	struct xdp_md *ctx = p->ctx;
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	__u32 l2 = p->l2 & 0x1f, out_l2 = oif->vlan ? 18 : 14, have, want;
	__u8 smac[6], dmac[6];
	__u16 vlan = oif->vlan;
	__u8 *ip = data + l2;
	__u8 *eth;

	__builtin_memcpy(smac, oif->mac, 6);
	__builtin_memcpy(dmac, mac, 6);
	if ((void *)(ip + 40) > end && (v6 || (void *)(ip + 20) > end))
		return v_drop(p, SL_DROP_BAD_IP_HEADER);
	if (v6) {
		ip[7]--;
	} else {
		__u16 o = ld16(ip + 8), n;
		ip[8]--;
		n = ld16(ip + 8);
		st16(ip + 10, csum_apply(ld16(ip + 10), delta16(o, n)));
	}
	if (l2 != out_l2 && bpf_xdp_adjust_head(ctx, (int)l2 - (int)out_l2))
		return v_drop(p, SL_DROP_NO_MBUF);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	have = end - data;
	want = out_l2 + ip_len;
	if (have > want && bpf_xdp_adjust_tail(ctx, -(int)(have - want)))
		return v_drop(p, SL_DROP_NO_MBUF);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 18) > end)
		return v_drop(p, SL_DROP_TRUNCATED);
	__builtin_memcpy(eth, dmac, 6);
	__builtin_memcpy(eth + 6, smac, 6);
	if (vlan) {
		st16(eth + 12, bpf_htons(ETYPE_VLAN));
		st16(eth + 14, bpf_htons(vlan));
		st16(eth + 16, bpf_htons(v6 ? ETYPE_IPV6 : ETYPE_IPV4));
	} else {
		st16(eth + 12, bpf_htons(v6 ? ETYPE_IPV6 : ETYPE_IPV4));
	}
	return v_redirect(p, slot, (__u32)(end - data));
}

/* The 8 bytes of a forwarding cache: next-hop MAC and egress slot. */
static __always_inline __u64 fwd_word(const __u8 *mac, __u32 slot)
{
	__u8 b[8];
	__u64 w;

	__builtin_memcpy(b, mac, 6);
	*(__u16 *)(b + 6) = (__u16)slot;
	__builtin_memcpy(&w, b, 8);
	return w;
}

/*
 * Fill the forwarding cache of session entry p->ce with a decision made
 * from the maps as of p->ce_gen. Two CPUs may fill one entry at once: the
 * version is cleared first and the word checked after it is set (the
 * locked add orders them), so a cache never pairs a version with another
 * CPU's word.
 */
static __always_inline void fwd_cache_fill(struct pkt *p, const __u8 *mac, __u32 slot)
{
	struct sl_xdp_nat_sess *e = p->ce;
	__u64 w = fwd_word(mac, slot);

	if (e == NULL || p->ce_gen == 0)
		return;
	*(volatile __u64 *)&e->fwd_gen = 0;
	*(volatile __u64 *)&e->fwd_word = w;
	*(volatile __u64 *)&e->fwd_gen = p->ce_gen;
	__sync_fetch_and_add(&e->fwd_gen, 0);
	if (*(volatile __u64 *)&e->fwd_word != w)
		*(volatile __u64 *)&e->fwd_gen = 0;
}

/*
 * Read the forwarding cache of session entry e, valid for forwarding state
 * version gen (0: none yet): 1 and *w when it holds a decision of that
 * version (the version read again after the word: fwd_cache_fill's
 * counterpart), else 0.
 */
static __always_inline int fwd_cache_read(const struct sl_xdp_nat_sess *e, __u64 gen, __u64 *w)
{
	if (gen == 0 || *(volatile const __u64 *)&e->fwd_gen != gen)
		return 0;
	*w = *(volatile const __u64 *)&e->fwd_word;
	return *(volatile const __u64 *)&e->fwd_gen == gen;
}

/* Forward to next hop nh; dst is the (translated) destination address. */
static __always_inline int forward(
	struct pkt *p, const struct sl_xdp_nexthop *nh, const void *dst, int v6, __u32 ip_len)
{
	struct sl_xdp_neigh_key nk = {.slot = nh->slot, .family = v6 ? 6 : 4};
	struct sl_xdp_iface *oif = iface_at(nh->slot);
	struct sl_xdp_neigh *n;

	if (oif == NULL || !oif->in_use)
		return v_drop(p, SL_DROP_NO_INTERFACE);
	if (ip_len > oif->mtu)
		return v_pass(p); /* the kernel fragments or answers "too big" */
	if (!v6)
		mss_clamp_pkt(p, oif);
	if (nh->type == SL_XDP_NH_GATEWAY)
		__builtin_memcpy(nk.addr, nh->gw, 16);
	else if (v6)
		__builtin_memcpy(nk.addr, dst, 16);
	else
		__builtin_memcpy(nk.addr, dst, 4);
	n = bpf_map_lookup_elem(&sl_neigh, &nk);
	if (n == NULL)
		return v_pass(p); /* the kernel resolves it */
	if (p->ce)
		fwd_cache_fill(p, n->mac, nh->slot);
	return l2_out(p, oif, nh->slot, n->mac, v6, ip_len);
}

#endif
