/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_hash.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>

#include <sluice/csum.h>
#include <sluice/dp.h>
#include <sluice/pipeline.h>

#define SLUICE_TRACE_DATAPLANE
#include <sluice/trace.h>

#include "nat_int.h"
#include "pkt.h"

size_t sl_meta_offset = sizeof(struct rte_mbuf);

void sl_meta_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "sluice_meta",
		.size = sizeof(struct sl_meta),
		.align = __alignof__(struct sl_meta),
	};
	int off = rte_mbuf_dynfield_register(&desc);

	/* the second cache line, which the PMD touches anyway, instead of a
	 * third one for the private area */
	if (off >= 0)
		sl_meta_offset = (size_t)off;
}

/* classify() outcomes besides real verdicts */
#define PENDING4 0xfff0
#define PENDING6 0xfff1

static inline uint16_t drop(struct sl_worker *w, enum sl_drop_reason r)
{
	sl_stats_drop(&w->stats, r);
	return SL_V_DROP;
}

static inline uint16_t slow(struct sl_meta *meta, enum sl_slow_kind k)
{
	meta->slow = (uint8_t)k;
	return SL_V_SLOW;
}

/* sl_csum() of a 20-byte header, unrolled: five 32-bit words. */
static inline uint16_t ip4_hdr_sum20(const uint8_t *ip)
{
	uint32_t w[5];
	uint64_t acc;

	memcpy(w, ip, 20);
	acc = (uint64_t)w[0] + w[1] + w[2] + w[3] + w[4];
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* IPv4 options: source routes are refused; a malformed list draws a
 * parameter problem (the slow path). 0: go on, else the verdict. */
static inline uint16_t ip4_options(
	struct sl_worker *w, struct sl_meta *meta, const uint8_t *ip, unsigned int ihl)
{
	int r = sl_ip4_options_scan(ip, ihl);

	if (r == SL_IP4_OPT_SOURCE_ROUTE)
		return drop(w, SL_DROP_SOURCE_ROUTE);
	return r > 0 ? slow(meta, SL_SLOW_BAD_OPTS4) : 0;
}

static inline uint16_t classify4(struct sl_worker *w, struct sl_meta *meta, const uint8_t *ip,
	uint32_t avail, uint32_t *dst_host)
{
	unsigned int ihl, tot;
	uint8_t s0, d0;
	uint32_t dst;

	if (avail < 20 || (ip[0] & 0xf0) != 0x40)
		return drop(w, SL_DROP_BAD_IP_HEADER);
	ihl = (ip[0] & 0x0f) * 4u;
	tot = rd16(ip + 2);
	if (ihl < 20 || tot < ihl || tot > avail)
		return drop(w, SL_DROP_BAD_IP_HEADER);
	if ((ihl == 20 ? ip4_hdr_sum20(ip) : sl_csum(ip, ihl)) != 0)
		return drop(w, SL_DROP_BAD_IP_HEADER);
	if (ihl > 20) {
		uint16_t v = ip4_options(w, meta, ip, ihl);
		if (v)
			return v;
	}
	s0 = ip[12];
	d0 = ip[16];
	if (s0 == 0 || s0 == 127 || s0 >= 224 || sl_iface_bcast4_src(&w->dp->ifs, rd32(ip + 12)))
		return drop(w, SL_DROP_MARTIAN);
	dst = rd32(ip + 16);
	if (d0 == 0 || d0 == 127 || (d0 >= 240 && dst != 0xffffffff))
		return drop(w, SL_DROP_MARTIAN);
	if (dst == 0xffffffff)
		return drop(w, SL_DROP_IP_BROADCAST);
	if (d0 >= 224)
		return drop(w, SL_DROP_IP_MULTICAST);
	*dst_host = dst;
	return PENDING4;
}

static inline bool ip6_solicited_or_allnodes(const uint8_t *d)
{
	static const uint8_t sn[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
	static const uint8_t an[15] = {0xff, 0x02};

	if (memcmp(d, sn, 13) == 0)
		return true;
	/* ff02::1 all-nodes, ff02::2 all-routers */
	return memcmp(d, an, 15) == 0 && (d[15] == 1 || d[15] == 2);
}

static inline uint16_t classify6(struct sl_worker *w, struct sl_meta *meta,
	const struct sl_iface *iif, const uint8_t *ip, uint32_t avail)
{
	const uint8_t *src = ip + 8, *dst = ip + 24;

	if (avail < 40 || (ip[0] & 0xf0) != 0x60 || 40u + rd16(ip + 4) > avail || ip6_hbh_cut(ip))
		return drop(w, SL_DROP_BAD_IP_HEADER);
	if (src[0] == 0xff || ip6_is_loopback(src) || ip6_is_v4mapped(src))
		return drop(w, SL_DROP_MARTIAN);
	if (dst[0] == 0xff) {
		if (ip6_solicited_or_allnodes(dst))
			return slow(meta, SL_SLOW_LOCAL6);
		return drop(w, SL_DROP_IP_MULTICAST);
	}
	if (ip6_is_unspec(src) || ip6_is_unspec(dst) || ip6_is_loopback(dst) ||
		ip6_is_v4mapped(dst))
		return drop(w, SL_DROP_MARTIAN);
	if (ip6_is_linklocal(dst)) {
		if (sl_iface_has6(iif, dst))
			return slow(meta, SL_SLOW_LOCAL6);
		return drop(w, meta->l2_mcast ? SL_DROP_L2_NOT_FOR_US : SL_DROP_LINK_LOCAL);
	}
	/* (in an L2 multicast frame: only for us, finish6 decides) */
	return PENDING6;
}

/* Ethernet, VLAN, interface and L2 destination; then the L3 classifier. */
static inline uint16_t classify(
	struct sl_worker *w, struct rte_mbuf *m, uint16_t port, uint32_t *dst4)
{
	const struct sl_iface_table *ifs = &w->dp->ifs;
	struct sl_meta *meta = sl_meta(m);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t len = m->data_len;
	const struct sl_iface *iif;
	uint16_t etype, vlan = 0, l2 = ETH_HLEN, ifi;

	if (!w->reinject) {
		w->stats.rx++;
		meta->generated = 0;
		meta->reinject = 0;
		meta->nat_skip = 0;
		meta->frag_ok = 0;
	}
	if (len < ETH_HLEN)
		return drop(w, SL_DROP_TRUNCATED);
	etype = rd16(p + 12);
	if (etype == ETYPE_VLAN) {
		if (len < ETH_HLEN + VLAN_HLEN)
			return drop(w, SL_DROP_TRUNCATED);
		vlan = rd16(p + 14) & 0x0fff;
		etype = rd16(p + 16);
		l2 += VLAN_HLEN;
		if (etype == ETYPE_VLAN || etype == ETYPE_QINQ || etype == ETYPE_QINQ_OLD)
			return drop(w, SL_DROP_VLAN_QINQ);
	} else if (etype == ETYPE_QINQ || etype == ETYPE_QINQ_OLD) {
		return drop(w, SL_DROP_VLAN_QINQ);
	}
	ifi = sl_iface_lookup(ifs, port, vlan);
	if (ifi == SL_IFACE_NONE)
		return drop(w, SL_DROP_NO_INTERFACE);
	iif = &ifs->ifaces[ifi];
	meta->iface = ifi;
	meta->l2_len = l2;
	if (!w->reinject) {
		w->stats.if_rx[ifi]++;
		w->stats.if_rx_bytes[ifi] += m->pkt_len;
	}

	meta->l2_mcast = p[0] & 1;
	if (meta->l2_mcast) {
		static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
		if (!mac_eq(p, bcast) && !(p[0] == 0x33 && p[1] == 0x33))
			return drop(w, SL_DROP_L2_NOT_FOR_US);
	} else if (!mac_eq(p, iif->mac.b)) {
		return drop(w, SL_DROP_L2_NOT_FOR_US);
	}

	switch (etype) {
	case ETYPE_IPV4:
		return classify4(w, meta, p + l2, len - l2, dst4);
	case ETYPE_IPV6:
		return classify6(w, meta, iif, p + l2, len - l2);
	case ETYPE_ARP:
		return slow(meta, SL_SLOW_ARP);
	default:
		return drop(w, SL_DROP_UNSUPPORTED_ETHERTYPE);
	}
}

/* Neighbour entry for a next hop, or NULL when the slow path must resolve it. */
static inline struct sl_neigh_entry *nh_neigh(
	struct sl_dp *dp, const struct sl_nexthop *nh, const struct sl_ip *dst)
{
	uint32_t idx;

	if (nh->type == SL_NH_GATEWAY)
		idx = nh->neigh;
	else
		idx = sl_neigh_find(&dp->neigh, nh->iface, dst);
	return idx == SL_NEIGH_NONE ? NULL : &dp->neigh.e[idx];
}

static inline uint16_t forward(struct sl_worker *w, struct rte_mbuf *m, struct sl_meta *meta,
	const struct sl_nexthop *nh, const struct sl_ip *dst, unsigned int ip_len)
{
	struct sl_dp *dp = w->dp;
	const struct sl_iface *oif = &dp->ifs.ifaces[nh->iface];
	struct sl_neigh_entry *e;
	uint64_t macw;

	meta->out_iface = nh->iface;
	meta->nexthop = nh->type == SL_NH_GATEWAY ? nh->gw : *dst;
	if (ip_len > oif->mtu)
		return slow(meta, SL_SLOW_TOO_BIG);
	/* Clamp before the neighbour lookup: a SYN held for resolution leaves
	 * from the slow path without coming back here. (After the MTU check: an
	 * ICMP "too big" quotes the packet as received.) */
	if (dst->family == SL_AF_INET) {
		uint16_t c1 = dp->ifs.ifaces[meta->iface].mss_clamp, c2 = oif->mss_clamp;
		if (c1 | c2)
			mss_clamp(rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l2_len),
				c1 && c2 ? RTE_MIN(c1, c2) : (c1 | c2));
	}
	e = nh_neigh(dp, nh, dst);
	if (e == NULL || !sl_neigh_mac(e, &macw))
		return slow(meta, SL_SLOW_NEIGH_MISS);
	if (!e->used)
		e->used = 1;

	if (sl_fwd_rewrite(m, meta->l2_len, oif, (const uint8_t *)&macw) < 0)
		return drop(w, SL_DROP_NO_MBUF);
	w->stats.forwarded++;
	return nh->iface;
}

/* Per-packet NAT state of a burst, between the lookup and finish4. */
enum nat_state { NS_NONE = 0, NS_HIT, NS_MISS, NS_MISS_OTHER, NS_MISS_TRUNC };

struct nat_info {
	uint8_t state;
	uint8_t tcpflags;
	uint8_t hs_ok; /* hs computed (an outbound miss) */
	uint32_t v;    /* session << 1 | dir on a hit */
	struct sl_nat_tuple key;
	struct sl_nat_hashes hs;
};

/* Too big for the egress MTU with DF set: answered before translation, so
 * the error quotes the packet as the sender sent it. */
static inline bool df_too_big(
	struct sl_meta *meta, const uint8_t *ip, const struct sl_iface *oif, uint16_t oifi)
{
	if (!(ip[6] & 0x40) || rd16(ip + 2) <= oif->mtu)
		return false;
	meta->out_iface = oifi;
	return true;
}

/* Translate with session @p v, refresh it, and say where it now goes. */
static inline uint32_t nat_apply(
	struct sl_worker *w, uint8_t *ip, uint32_t v, uint8_t tcpflags, uint64_t now)
{
	struct sl_nat_session *ss = &w->dp->nat.sess[v >> 1];
	struct sl_nat_tuple to;

	nat_target(ss, v & 1, &to);
	nat_rewrite(ip, &to);
	if (ip[9] == IPPROTO_TCP_ && sl_nat_tcp_moves(ss->tcp, tcpflags))
		nat_tcp_track(ss, v & 1, tcpflags);
	if (now - ss->last_seen > 1000000)
		ss->last_seen = now;
	return to.dst;
}

/* nat_apply for a lookup hit: the packet matched s->t[v & 1] exactly. */
static inline uint32_t nat_apply_hit(
	struct sl_worker *w, uint8_t *ip, uint32_t v, uint8_t tcpflags, uint64_t now)
{
	struct sl_nat_session *ss = &w->dp->nat.sess[v >> 1];
	uint32_t dst = nat_rewrite_sess(ip, ss, v & 1);

	if (ip[9] == IPPROTO_TCP_ && sl_nat_tcp_moves(ss->tcp, tcpflags))
		nat_tcp_track(ss, v & 1, tcpflags);
	if (now - ss->last_seen > 1000000)
		ss->last_seen = now;
	return dst;
}

/* No session matched: create one where the README says so, or drop. */
static inline uint16_t nat_miss(struct sl_worker *w, struct rte_mbuf *m, struct sl_meta *meta,
	uint8_t *ip, struct nat_info *ni, uint32_t *nh_id, uint64_t now)
{
	struct sl_dp *dp = w->dp;
	struct sl_nat *nat = &dp->nat;
	const struct sl_iface *iif = &dp->ifs.ifaces[meta->iface];
	const struct sl_nexthop *nh = &dp->fib.nh[*nh_id];
	bool fwd = *nh_id != SL_NH_NONE && sl_nh_forwards(nh);
	enum sl_drop_reason why = SL_DROP_NAT_NO_SESSION;
	uint32_t dst, odst, sidx, src;

	memcpy(&dst, ip + 16, 4);
	odst = dst;
	if (iif->role == SL_ROLE_INSIDE) {
		bool hairpin = ip[9] != IPPROTO_ICMP_ && sl_nat_is_pool_addr(nat, dst);
		if (!hairpin && !(fwd && dp->ifs.ifaces[nh->iface].role == SL_ROLE_OUTSIDE))
			return PENDING4; /* stays inside: routed as is */
		if (meta->nat_skip)
			return drop(w, SL_DROP_NAT_NO_SESSION);
		if (ip[8] <= 1)
			return slow(meta, SL_SLOW_TTL);
		if (ni->state == NS_MISS_OTHER)
			return drop(w, SL_DROP_NAT_UNSUPPORTED);
		if (ni->state == NS_MISS_TRUNC)
			return drop(w, SL_DROP_BAD_L4_HEADER);
		/* ICMP: only an echo request makes a session (RFC 5508 3.1), and
		 * not to a pool address: that address is the gateway's */
		if (ip[9] == IPPROTO_ICMP_ &&
			(ip[(ip[0] & 0x0f) * 4u] != 8 || sl_nat_is_pool_addr(nat, dst)))
			return drop(w, SL_DROP_NAT_NO_SESSION);
		if (fwd && df_too_big(meta, ip, &dp->ifs.ifaces[nh->iface], nh->iface))
			return slow(meta, SL_SLOW_TOO_BIG);
		sidx = ni->hs_ok
			       ? sl_nat_outbound_h(nat, &ni->key, &ni->hs, ni->tcpflags, now, &why)
			       : sl_nat_outbound(nat, &ni->key, ni->tcpflags, now, &why);
		if (sidx == SL_NAT_NONE && why == SL_DROP_NAT_NO_SESSION && *nh_id != SL_NH_NONE &&
			nh->type == SL_NH_LOCAL)
			return PENDING4; /* a pool address that is ours, no mapping: local */
		if (sidx == SL_NAT_NONE)
			return drop(w, why);
		/* the new session's t[0] is this packet */
		dst = nat_apply(w, ip, sidx << 1, ni->tcpflags, now);
	} else if (iif->role == SL_ROLE_OUTSIDE) {
		bool pool = sl_nat_is_pool_addr(nat, dst);
		bool echo_to_us = ip[9] == IPPROTO_ICMP_ && *nh_id != SL_NH_NONE &&
				  nh->type == SL_NH_LOCAL && ip[(ip[0] & 0x0f) * 4u] == 8;
		if (!pool || echo_to_us) {
			if (fwd && dp->ifs.ifaces[nh->iface].role == SL_ROLE_INSIDE)
				return drop(w, SL_DROP_NAT_NO_SESSION);
			return PENDING4;
		}
		/* a pool address as source, from outside, is forged: only the
		 * gateway sends from it (a hairpin never leaves); its session
		 * would alias a hairpin session's inside tuple */
		memcpy(&src, ip + 12, 4);
		if (sl_nat_is_pool_addr(nat, src))
			return drop(w, SL_DROP_MARTIAN);
		if (!meta->nat_skip && ni->state == NS_MISS_TRUNC)
			return drop(w, SL_DROP_BAD_L4_HEADER); /* as from inside */
		if (meta->nat_skip || ni->state != NS_MISS)
			return drop(w, SL_DROP_NAT_NO_SESSION);
		if (ip[8] <= 1 && !(*nh_id != SL_NH_NONE && nh->type == SL_NH_LOCAL))
			return slow(meta, SL_SLOW_TTL);
		sidx = sl_nat_inbound(nat, &ni->key, ni->tcpflags, now, &why);
		if (sidx == SL_NAT_NONE)
			return drop(w, why);
		/* forwarded to the inside endpoint: an error about the packet
		 * (TTL, too big for that way) quotes it as received, never the
		 * inside address (also to a pool address that is ours, whose
		 * TTL could not be judged before the session was known) */
		{
			struct sl_nat_tuple to;
			struct sl_ip td = {.family = SL_AF_INET};
			uint32_t th;
			nat_target(&nat->sess[sidx], 0, &to);
			td.v4 = to.dst;
			th = sl_fib_lookup(&dp->fib, &td);
			if (th == SL_NH_NONE || !sl_nh_forwards(&dp->fib.nh[th]))
				return drop(w, SL_DROP_NO_ROUTE);
			if (ip[8] <= 1)
				return slow(meta, SL_SLOW_TTL);
			if (df_too_big(meta, ip, &dp->ifs.ifaces[dp->fib.nh[th].iface],
				    dp->fib.nh[th].iface))
				return slow(meta, SL_SLOW_TOO_BIG);
			dst = nat_apply(w, ip, sidx << 1, ni->tcpflags, now);
			*nh_id = th; /* the translated destination's route, looked up */
			odst = dst;
		}
	} else {
		return PENDING4;
	}
	struct sl_ip d = {.family = SL_AF_INET, .v4 = dst};
	if (dst != odst) /* else the burst's lookup of this destination stands */
		*nh_id = sl_fib_lookup(&dp->fib, &d);
	if (*nh_id == SL_NH_NONE || !sl_nh_forwards(&dp->fib.nh[*nh_id]))
		return drop(w, SL_DROP_NO_ROUTE);
	return forward(w, m, meta, &dp->fib.nh[*nh_id], &d, rd16(ip + 2));
}

static inline uint16_t finish4(
	struct sl_worker *w, struct rte_mbuf *m, uint32_t nh_id, struct nat_info *ni, uint64_t now)
{
	struct sl_meta *meta = sl_meta(m);
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l2_len);
	const struct sl_nexthop *nh;
	struct sl_ip dst;

	if (ni->state == NS_HIT) {
		if (nh_id == SL_NH_NONE)
			return slow(meta, SL_SLOW_NO_ROUTE);
		nh = &w->dp->fib.nh[nh_id];
		if (!sl_nh_forwards(nh))
			return drop(w, SL_DROP_NAT_NO_SESSION);
		if (ip[8] <= 1)
			return slow(meta, SL_SLOW_TTL);
		if (df_too_big(meta, ip, &w->dp->ifs.ifaces[nh->iface], nh->iface))
			return slow(meta, SL_SLOW_TOO_BIG);
		dst.family = SL_AF_INET;
		dst.v4 = nat_apply_hit(w, ip, ni->v, ni->tcpflags, now);
		return forward(w, m, meta, nh, &dst, rd16(ip + 2));
	}
	if (ni->state != NS_NONE && !meta->l2_mcast) {
		uint16_t v = nat_miss(w, m, meta, ip, ni, &nh_id, now);
		if (v != PENDING4)
			return v;
	} else if (meta->nat_skip == SL_NAT_SKIP_RAW && w->dp->nat.enabled && nh_id != SL_NH_NONE &&
		   w->dp->ifs.ifaces[meta->iface].role == SL_ROLE_INSIDE &&
		   sl_nh_forwards(&w->dp->fib.nh[nh_id]) &&
		   w->dp->ifs.ifaces[w->dp->fib.nh[nh_id].iface].role == SL_ROLE_OUTSIDE) {
		/* an untranslatable packet (ICMP error without session) must not
		 * leak an inside address */
		return drop(w, SL_DROP_NAT_NO_SESSION);
	}
	if (nh_id == SL_NH_NONE) {
		if (meta->l2_mcast)
			return drop(w, SL_DROP_L2_NOT_FOR_US);
		return slow(meta, SL_SLOW_NO_ROUTE);
	}
	nh = &w->dp->fib.nh[nh_id];
	if (nh->type == SL_NH_LOCAL)
		return slow(meta, SL_SLOW_LOCAL4);
	if (nh->type == SL_NH_BROADCAST)
		return drop(w, SL_DROP_IP_BROADCAST);
	if (meta->l2_mcast)
		return drop(w, SL_DROP_L2_NOT_FOR_US);
	if (ip[8] <= 1)
		return slow(meta, SL_SLOW_TTL);
	dst.family = SL_AF_INET;
	memcpy(&dst.v4, ip + 16, 4);
	return forward(w, m, meta, nh, &dst, rd16(ip + 2));
}

/* The burst's NAT keys to look up: where they are in ni[], their hashes. */
struct nat_keys {
	const struct sl_nat_tuple *key[SL_BURST];
	uint64_t h[SL_BURST];
	unsigned int pos[SL_BURST];
	unsigned int n;
};

/*
 * The NAT part of classifying an IPv4 packet (into slot @p slot of the
 * burst's IPv4 packets), in the classification loop: the header is in cache
 * there, and the key's first bucket has the rest of the burst's
 * classification to arrive in. Fragments and ICMP errors go to the slow
 * path: @return false for those (@p verdict set).
 */
static inline bool nat_classify(struct sl_worker *w, struct rte_mbuf *m, struct nat_info *x,
	unsigned int slot, struct nat_keys *nk, uint16_t *verdict)
{
	const struct sl_dp *dp = w->dp;
	struct sl_meta *meta = sl_meta(m);
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l2_len);
	enum nat_kind k;

	x->hs_ok = 0;
	if (dp->ifs.ifaces[meta->iface].role == SL_ROLE_NONE || meta->nat_skip) {
		x->state = NS_NONE;
		return true;
	}
	k = nat_tuple(ip, &x->key, &x->tcpflags);
	if (unlikely(k != NAT_OK || (ip[6] & 0x20))) {
		if (!meta->frag_ok && (k == NAT_FRAGMENT || (ip[6] & 0x20))) {
			*verdict = slow(meta, SL_SLOW_NAT_FRAG);
			return false;
		}
		if (k == NAT_ICMP_ERR) { /* (its first fragment too, back from nat_frag_input) */
			*verdict = slow(meta, SL_SLOW_NAT_ICMP);
			return false;
		}
		if (k != NAT_OK) {
			x->state = k == NAT_TRUNCATED ? NS_MISS_TRUNC : NS_MISS_OTHER;
			return true;
		}
	}
	x->state = NS_MISS;
	nk->key[nk->n] = &x->key;
	nk->h[nk->n] = sl_nat_lookup_prefetch(&dp->nat, &x->key);
	nk->pos[nk->n++] = slot;
	return true;
}

/*
 * The rest of the NAT lookup of a burst's keys (nat_classify did the
 * first stage): hits have their FIB key replaced by the translated
 * destination. @return the misses from inside (new sessions, likely).
 */
static inline unsigned int nat_lookup(struct sl_worker *w, struct rte_mbuf **pkts,
	const uint16_t *idx4, uint32_t *ip4, struct nat_info *ni, const struct nat_keys *nk,
	uint64_t now)
{
	struct sl_dp *dp = w->dp;
	uint32_t data[SL_BURST];
	unsigned int i, news = 0;

	/* buckets and sessions prefetched across the burst */
	sl_nat_lookup_candidates(&dp->nat, nk->n, nk->h, data);
	for (i = 0; i < nk->n; i++) {
		struct nat_info *x = &ni[nk->pos[i]];
		struct sl_nat_session *ss;
		uint32_t v = sl_nat_lookup_check(&dp->nat, nk->key[i], data[i], nk->h[i]);
		bool inside;

		if (v != SL_NAT_NONE) {
			ss = &dp->nat.sess[v >> 1];
			if (likely(!sl_nat_expired(&dp->nat, ss, now))) {
				x->state = NS_HIT;
				x->v = v;
				ip4[nk->pos[i]] = rte_be_to_cpu_32(ss->t[(v & 1) ^ 1].src);
				continue;
			}
			/* expired: handled as a miss, which removes it */
		}
		inside = dp->ifs.ifaces[sl_meta(pkts[idx4[nk->pos[i]]])->iface].role ==
			 SL_ROLE_INSIDE;
		if (inside) {
			x->hs.key = nk->h[i];
			sl_nat_hashes_out(&dp->nat, nk->key[i], &x->hs);
			x->hs_ok = 1;
			if (v == SL_NAT_NONE) {
				/* a new session soon, likely: its first lookups in flight */
				sl_nat_prefetch_outbound(&dp->nat, &x->hs);
				news++;
			}
		}
	}
	return news;
}

/* Before the misses of a burst create their sessions one by one: the
 * bucket each one's reply key most likely goes to, all in flight at once
 * (the host buckets prefetched by nat_lookup have arrived by now). */
static inline void nat_prefetch_new(struct sl_worker *w, unsigned int n4, const struct nat_info *ni)
{
	const struct sl_dp *dp = w->dp;

	for (unsigned int i = 0; i < n4; i++)
		if (ni[i].hs_ok) /* an outbound miss (from inside) */
			sl_nat_prefetch_reply(&dp->nat, &ni[i].key, &ni[i].hs);
}

static inline uint16_t finish6(struct sl_worker *w, struct rte_mbuf *m, uint32_t nh_id)
{
	struct sl_meta *meta = sl_meta(m);
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l2_len);
	const struct sl_nexthop *nh;
	struct sl_ip dst;

	/* an L2 multicast frame is only delivered locally (RFC 1812 5.3.4 in
	 * spirit); a link-local source is never forwarded, nor answered with
	 * an error about it */
	if (nh_id == SL_NH_NONE)
		return meta->l2_mcast		  ? drop(w, SL_DROP_L2_NOT_FOR_US)
		       : ip6_is_linklocal(ip + 8) ? drop(w, SL_DROP_LINK_LOCAL)
						  : slow(meta, SL_SLOW_NO_ROUTE);
	nh = &w->dp->fib.nh[nh_id];
	if (nh->type == SL_NH_LOCAL)
		return slow(meta, SL_SLOW_LOCAL6);
	if (meta->l2_mcast)
		return drop(w, SL_DROP_L2_NOT_FOR_US);
	if (ip6_is_linklocal(ip + 8))
		return drop(w, SL_DROP_LINK_LOCAL);
	if (ip[7] <= 1)
		return slow(meta, SL_SLOW_TTL);
	dst.family = SL_AF_INET6;
	memcpy(dst.v6, ip + 24, 16);
	return forward(w, m, meta, nh, &dst, 40u + rd16(ip + 4));
}

static uint16_t run_burst(struct sl_worker *w, struct rte_mbuf **pkts, uint16_t n, uint16_t port,
	uint64_t now, uint16_t *verdict)
{
	struct nat_info ni[SL_BURST];
	struct sl_dp *dp = w->dp;
	uint32_t ip4[SL_BURST];
	uint8_t ip6[SL_BURST][16];
	uint16_t idx4[SL_BURST], idx6[SL_BURST];
	uint64_t nh[SL_BURST];
	unsigned int n4 = 0, n6 = 0, i, news = 0;
	bool nat_on = dp->nat.enabled;
	struct nat_keys nk;
	uint16_t ntx = 0;

	nk.n = 0;

	/* two steps ahead: the mbuf header (for the data address and the
	 * metadata), then the frame it points to */
	for (i = 0; i < n && i < 8; i++)
		rte_prefetch0(pkts[i]);
	for (i = 0; i < n && i < 4; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		uint32_t d4 = 0;
		uint16_t v;

		if (i + 8 < n)
			rte_prefetch0(pkts[i + 8]);
		if (i + 4 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 4], void *));
		v = classify(w, pkts[i], port, &d4);
		verdict[i] = v;
		if (v == PENDING4) {
			ip4[n4] = d4;
			idx4[n4] = (uint16_t)i;
			if (!nat_on)
				ni[n4++].state = NS_NONE;
			else if (nat_classify(w, pkts[i], &ni[n4], n4, &nk, &verdict[i]))
				n4++;
		} else if (v == PENDING6) {
			struct sl_meta *meta = sl_meta(pkts[i]);
			memcpy(ip6[n6],
				rte_pktmbuf_mtod_offset(pkts[i], uint8_t *, meta->l2_len + 24), 16);
			idx6[n6++] = (uint16_t)i;
		}
	}
	if (nk.n)
		news = nat_lookup(w, pkts, idx4, ip4, ni, &nk, now);
	if (n4) {
		rte_fib_lookup_bulk(sl_fib_v4(&dp->fib), ip4, nh, (int)n4);
		if (news)
			nat_prefetch_new(w, n4, ni);
		for (i = 0; i < n4; i++)
			verdict[idx4[i]] = finish4(w, pkts[idx4[i]], (uint32_t)nh[i], &ni[i], now);
	}
	if (n6) {
		rte_fib6_lookup_bulk(sl_fib_v6(&dp->fib), ip6, nh, (int)n6);
		for (i = 0; i < n6; i++)
			verdict[idx6[i]] = finish6(w, pkts[idx6[i]], (uint32_t)nh[i]);
	}
	for (i = 0; i < n; i++)
		ntx += verdict[i] < SL_IFACE_MAX;
	return ntx;
}

uint16_t sl_pipeline_run(struct sl_worker *w, struct rte_mbuf **pkts, uint16_t n, uint16_t port,
	uint64_t now, uint16_t *verdict)
{
	uint16_t done = 0, ntx = 0;

	/* `sluicectl trace N`: one relaxed load per burst while off */
	if (sl_trace_armed(w))
		return sl_trace_pipeline(w, pkts, n, port, now, verdict);

	while (done < n) {
		uint16_t k = RTE_MIN((uint16_t)(n - done), (uint16_t)SL_BURST);
		ntx += run_burst(w, pkts + done, k, port, now, verdict + done);
		done += k;
	}
	return ntx;
}
