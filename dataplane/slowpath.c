/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_mbuf.h>

#include <sluice/pipeline.h>

#include "slow_int.h"

void sl_slow_init(struct sl_slow *s, struct sl_dp *dp, sl_tx_fn tx, void *tx_ctx)
{
	memset(s, 0, sizeof(*s));
	sl_fragtab_init(&s->frags);
	s->dp = dp;
	s->rw.dp = dp;
	s->rw.reinject = true;
	s->tx = tx;
	s->tx_ctx = tx_ctx;
	s->next_timer = UINT64_MAX;
}

void slow_drop(struct sl_slow *s, struct rte_mbuf *m, enum sl_drop_reason r)
{
	if (!sl_meta(m)->generated)
		sl_stats_drop(&s->stats, r);
	rte_pktmbuf_free(m);
}

void slow_tx(struct sl_slow *s, uint16_t iface, struct rte_mbuf *m)
{
	s->tx(s->tx_ctx, iface, m);
}

struct rte_mbuf *slow_alloc(struct sl_slow *s)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(s->dp->pool);

	if (m) {
		struct sl_meta *meta = sl_meta(m);
		memset(meta, 0, sizeof(*meta));
		meta->generated = 1;
	}
	return m;
}

uint16_t put_l2(uint8_t *p, const struct sl_iface *oif, const uint8_t *dst, uint16_t etype)
{
	memcpy(p, dst, 6);
	memcpy(p + 6, oif->mac.b, 6);
	if (oif->vlan) {
		wr16(p + 12, ETYPE_VLAN);
		wr16(p + 14, oif->vlan);
		wr16(p + 16, etype);
		return ETH_HLEN + VLAN_HLEN;
	}
	wr16(p + 12, etype);
	return ETH_HLEN;
}

static void solicit(struct sl_slow *s, struct sl_neigh_entry *e, const uint8_t *unicast_mac)
{
	const struct sl_iface *oif = &s->dp->ifs.ifaces[e->iface];

	if (e->ip.family == SL_AF_INET)
		arp_solicit(s, oif, e->ip.v4, unicast_mac);
	else
		nd_solicit(s, oif, e->ip.v6, unicast_mac);
}

static void arm(struct sl_slow *s, struct sl_neigh_entry *e, uint64_t at)
{
	e->next_event = at;
	if (at < s->next_timer)
		s->next_timer = at;
}

static void send_resolved(struct sl_slow *s, struct rte_mbuf *m, const uint8_t *mac, uint64_t now)
{
	struct sl_meta *meta = sl_meta(m);
	const struct sl_iface *oif = &s->dp->ifs.ifaces[meta->out_iface];

	if (meta->frag_held) { /* a packet to fragment, held whole */
		frag_or_too_big(s, m, now);
		return;
	}

	if (sl_fwd_rewrite(m, meta->l2_len, oif, mac) < 0) {
		slow_drop(s, m, SL_DROP_NO_MBUF);
		return;
	}
	if (!meta->generated)
		s->stats.forwarded++;
	slow_tx(s, meta->out_iface, m);
}

void slow_send_or_hold(struct sl_slow *s, struct rte_mbuf *m, uint64_t now)
{
	struct sl_meta *meta = sl_meta(m);
	struct sl_neigh_table *nt = &s->dp->neigh;
	struct sl_neigh_entry *e;
	uint64_t macw;
	int idx;

	idx = sl_neigh_get(nt, meta->out_iface, &meta->nexthop);
	if (idx < 0) {
		slow_drop(s, m, SL_DROP_NEIGH_TABLE_FULL);
		return;
	}
	e = &nt->e[idx];
	if (sl_neigh_mac(e, &macw)) {
		e->used = 1;
		send_resolved(s, m, (const uint8_t *)&macw, now);
		return;
	}
	if (e->n_held >= SL_NEIGH_HOLD_MAX) {
		slow_drop(s, m, SL_DROP_NEIGH_QUEUE_FULL);
		return;
	}
	e->held[e->n_held++] = m;
	s->held += !meta->generated;
	if (e->state != SL_NEIGH_INCOMPLETE || e->probes == 0) {
		e->state = SL_NEIGH_INCOMPLETE;
		e->probes = 1;
		solicit(s, e, NULL);
		arm(s, e, now + SL_NEIGH_RETRANS_NS);
	}
}

static void release_held(
	struct sl_slow *s, struct sl_neigh_entry *e, const uint8_t *mac, uint64_t now)
{
	for (unsigned int i = 0; i < e->n_held; i++) {
		s->held -= !sl_meta(e->held[i])->generated;
		send_resolved(s, e->held[i], mac, now);
	}
	e->n_held = 0;
}

/* A held packet that NAT translated (outbound or hairpin: its source is a
 * pool address; inbound: outside in to inside). */
static bool held_translated(const struct sl_slow *s, struct rte_mbuf *m)
{
	const struct sl_dp *dp = s->dp;
	const struct sl_meta *meta = sl_meta(m);
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l2_len);
	uint32_t src;

	if (!dp->nat.enabled || (ip[0] >> 4) != 4)
		return false;
	memcpy(&src, ip + 12, 4);
	return sl_nat_is_pool_addr(&dp->nat, src) ||
	       (dp->ifs.ifaces[meta->iface].role == SL_ROLE_OUTSIDE &&
		       dp->ifs.ifaces[meta->out_iface].role == SL_ROLE_INSIDE);
}

/*
 * Drop every held packet of @p e under @p why. @p unreachable (address
 * resolution failed): its sender is also told with an ICMP destination
 * unreachable, host unreachable (RFC 1812 5.2.7.1; as Linux does) or
 * ICMPv6 address unreachable (RFC 4861 7.2.2: MUST), rate limited as every
 * ICMP error; not for a NAT-translated packet, whose error would quote the
 * translated packet and go to a translated address.
 */
static void fail_held(struct sl_slow *s, struct sl_neigh_entry *e, enum sl_drop_reason why,
	bool unreachable, uint64_t now)
{
	for (unsigned int i = 0; i < e->n_held; i++) {
		struct rte_mbuf *m = e->held[i];
		s->held -= !sl_meta(m)->generated;
		if (!unreachable || held_translated(s, m))
			slow_drop(s, m, why);
		else if (e->ip.family == SL_AF_INET)
			icmp_error(s, m, why, 3, 1, 0, now);
		else
			icmp_error(s, m, why, 1, 3, 0, now);
	}
	e->n_held = 0;
}

void slow_neigh_learn(struct sl_slow *s, uint16_t iface, const struct sl_ip *ip,
	const uint8_t mac[6], bool create, uint64_t now)
{
	struct sl_neigh_table *nt = &s->dp->neigh;
	struct sl_neigh_entry *e;
	int idx;

	if (create)
		idx = sl_neigh_get(nt, iface, ip);
	else
		idx = (int)sl_neigh_find(nt, iface, ip);
	if (idx < 0 || (uint32_t)idx == SL_NEIGH_NONE)
		return;
	e = &nt->e[idx];
	if (e->state == SL_NEIGH_PERMANENT)
		return;
	sl_neigh_set(nt, (uint32_t)idx, mac, SL_NEIGH_REACHABLE, now);
	arm(s, e, e->next_event);
	release_held(s, e, mac, now);
}

void sl_slow_flush(struct sl_slow *s, enum sl_drop_reason why)
{
	struct sl_neigh_table *nt = &s->dp->neigh;

	nat_frag_timers(s, 0, true);
	for (uint32_t i = 0; i < nt->n; i++)
		if (nt->e[i].n_held)
			fail_held(s, &nt->e[i], why, false, 0);
}

static void entry_timer(struct sl_slow *s, struct sl_neigh_entry *e, uint32_t idx, uint64_t now)
{
	struct sl_neigh_table *nt = &s->dp->neigh;
	uint64_t macw;

	switch (e->state) {
	case SL_NEIGH_INCOMPLETE:
		if (e->n_held == 0 && e->probes == 0)
			return;
		if (e->probes < SL_NEIGH_MAX_PROBES) {
			e->probes++;
			solicit(s, e, NULL);
			arm(s, e, now + SL_NEIGH_RETRANS_NS);
			return;
		}
		fail_held(s, e, SL_DROP_NO_NEIGHBOUR, true, now);
		sl_neigh_invalidate(nt, idx, SL_NEIGH_FAILED);
		return;
	case SL_NEIGH_REACHABLE:
	case SL_NEIGH_STALE:
		if (!e->used) {
			/* nobody forwards through it: forget it */
			sl_neigh_invalidate(nt, idx, SL_NEIGH_FAILED);
			return;
		}
		e->used = 0;
		e->state = SL_NEIGH_PROBE;
		e->probes = 1;
		sl_neigh_mac(e, &macw);
		solicit(s, e, (const uint8_t *)&macw);
		arm(s, e, now + SL_NEIGH_RETRANS_NS);
		return;
	case SL_NEIGH_PROBE:
		if (e->probes < SL_NEIGH_MAX_PROBES) {
			e->probes++;
			sl_neigh_mac(e, &macw);
			solicit(s, e, (const uint8_t *)&macw);
			arm(s, e, now + SL_NEIGH_RETRANS_NS);
			return;
		}
		sl_neigh_invalidate(nt, idx, SL_NEIGH_FAILED);
		return;
	default:
		return;
	}
}

void sl_slow_timers(struct sl_slow *s, uint64_t now)
{
	struct sl_neigh_table *nt = &s->dp->neigh;

	if (now < s->next_timer)
		return;
	s->next_timer = UINT64_MAX;
	nat_frag_timers(s, now, false);
	for (uint32_t i = 0; i < nt->n; i++) {
		struct sl_neigh_entry *e = &nt->e[i];
		if (e->state == SL_NEIGH_PERMANENT || e->state == SL_NEIGH_FAILED)
			continue;
		if (e->next_event && e->next_event <= now)
			entry_timer(s, e, i, now);
		if (e->next_event > now && e->next_event < s->next_timer &&
			(e->state != SL_NEIGH_INCOMPLETE || e->n_held))
			s->next_timer = e->next_event;
	}
}

/*
 * A Subnet-Router anycast address of ours (RFC 4291 2.6.1) is an address
 * of the gateway, but the FIB routes it as a host of the connected subnet:
 * such a packet reaches the slow path as one to forward (its neighbour
 * unknown, or its hop limit or size refused). It is delivered locally.
 */
static bool anycast_to_us(struct sl_slow *s, const struct sl_meta *meta, const uint8_t *ip)
{
	switch (meta->slow) {
	case SL_SLOW_NEIGH_MISS:
	case SL_SLOW_TTL:
	case SL_SLOW_TOO_BIG:
		return !meta->l2_mcast && nd_anycast_any(s->dp, ip + 24) != NULL;
	default:
		return false;
	}
}

void sl_slow_input(struct sl_slow *s, struct rte_mbuf *m, uint64_t now)
{
	struct sl_meta *meta = sl_meta(m);
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l2_len);
	bool v4 = (ip[0] >> 4) == 4;

	if (!v4 && !meta->generated && anycast_to_us(s, meta, ip)) {
		nd_input(s, m, now);
		return;
	}
	switch (meta->slow) {
	case SL_SLOW_ARP:
		arp_input(s, m, now);
		return;
	case SL_SLOW_LOCAL4:
		icmp4_local(s, m, now);
		return;
	case SL_SLOW_LOCAL6:
		nd_input(s, m, now);
		return;
	case SL_SLOW_NO_ROUTE:
		icmp_error(s, m, SL_DROP_NO_ROUTE, v4 ? 3 : 1, 0, 0, now);
		return;
	case SL_SLOW_TTL:
		icmp_error(s, m, SL_DROP_TTL_EXCEEDED, v4 ? 11 : 3, 0, 0, now);
		return;
	case SL_SLOW_NEIGH_MISS:
		slow_send_or_hold(s, m, now);
		return;
	case SL_SLOW_TOO_BIG:
		frag_or_too_big(s, m, now);
		return;
	case SL_SLOW_NAT_FRAG:
		nat_frag_input(s, m, now);
		return;
	case SL_SLOW_NAT_ICMP:
		nat_icmp_input(s, m, now);
		return;
	case SL_SLOW_BAD_OPTS4: /* the pointer names the bad octet (RFC 792) */
		icmp_error(s, m, SL_DROP_BAD_IP_OPTIONS, 12, 0,
			(uint32_t)sl_ip4_options_scan(ip, (ip[0] & 0x0f) * 4u) << 24, now);
		return;
	default:
		slow_drop(s, m, SL_DROP_LOCAL_UNHANDLED);
		return;
	}
}
