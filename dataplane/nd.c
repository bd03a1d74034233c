/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <sluice/csum.h>
#include <sluice/pipeline.h>

#include "slow_int.h"

#define ND_NS  135
#define ND_NA  136
#define ND_LEN 32 /* NS/NA (24) + one link-layer address option (8) */

const uint8_t *nd_anycast(const struct sl_iface *i, const uint8_t a[16])
{
	if (a[15] & 3) /* /126 at most: the last two bits are the interface id's */
		return NULL;
	for (unsigned int k = 0; k < i->n_addrs; k++) {
		const struct sl_prefix *p = &i->addrs[k];
		unsigned int full = p->len / 8u, bits = p->len % 8u, b;
		if (p->addr.family != SL_AF_INET6 || p->len >= 127 || ip6_is_linklocal(p->addr.v6))
			continue;
		if (memcmp(p->addr.v6, a, full) != 0)
			continue;
		b = full;
		if (bits) {
			uint8_t mask = (uint8_t)(0xff00u >> bits);
			if ((a[b] & mask) != (p->addr.v6[b] & mask) || (a[b] & ~mask & 0xff) != 0)
				continue;
			b++;
		}
		while (b < 16 && a[b] == 0)
			b++;
		if (b == 16)
			return p->addr.v6;
	}
	return NULL;
}

const uint8_t *nd_anycast_any(const struct sl_dp *dp, const uint8_t a[16])
{
	const uint8_t *u = NULL;

	if (a[15] & 3)
		return NULL;
	for (unsigned int i = 0; i < dp->ifs.n_ifaces; i++) {
		const struct sl_iface *ifc = &dp->ifs.ifaces[i];
		if (!ifc->in_use)
			continue;
		if (sl_iface_has6(ifc, a))
			return NULL; /* configured as a unicast address */
		if (u == NULL)
			u = nd_anycast(ifc, a);
	}
	return u;
}

/* Build an NS or NA with a link-layer address option of our MAC. */
static void nd_send(struct sl_slow *s, const struct sl_iface *oif, const uint8_t *eth_dst,
	const uint8_t src[16], const uint8_t dst[16], uint8_t type, uint8_t flags,
	const uint8_t target[16])
{
	struct rte_mbuf *m = slow_alloc(s);
	uint8_t *p, *ip, *icmp;
	uint16_t l2;

	if (m == NULL) {
		s->stats.event[SL_EV_GEN_TX_FAILED]++;
		return;
	}
	l2 = l2_len_of(oif);
	p = (uint8_t *)rte_pktmbuf_append(m, l2 + 40 + ND_LEN);
	put_l2(p, oif, eth_dst, ETYPE_IPV6);
	ip = p + l2;
	memset(ip, 0, 40 + ND_LEN);
	ip[0] = 0x60;
	wr16(ip + 4, ND_LEN);
	ip[6] = IPPROTO_ICMPV6_;
	ip[7] = 255;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	icmp = ip + 40;
	icmp[0] = type;
	icmp[4] = flags;
	memcpy(icmp + 8, target, 16);
	icmp[24] = type == ND_NS ? 1 : 2; /* source / target link-layer address */
	icmp[25] = 1;
	memcpy(icmp + 26, oif->mac.b, 6);
	st16(icmp + 2, sl_csum_l4_6(ip, IPPROTO_ICMPV6_, icmp, ND_LEN));
	s->stats.event[type == ND_NS ? SL_EV_ND_SOLICITS : SL_EV_ND_ADVERTS]++;
	slow_tx(s, oif->id, m);
}

void nd_solicit(struct sl_slow *s, const struct sl_iface *oif, const uint8_t target[16],
	const uint8_t *unicast_mac)
{
	uint8_t src[16], dst[16] = {0xff, 0x02, [11] = 1, [12] = 0xff};
	uint8_t mac[6] = {0x33, 0x33, 0xff, target[13], target[14], target[15]};

	sl_iface_src6(oif, target, false, src);
	if (unicast_mac) {
		memcpy(dst, target, 16);
		memcpy(mac, unicast_mac, 6);
	} else {
		memcpy(dst + 13, target + 13, 3);
	}
	nd_send(s, oif, mac, src, dst, ND_NS, 0, target);
}

/* The link-layer address option of type @p want, or NULL. */
static const uint8_t *nd_lladdr(const uint8_t *opt, uint32_t len, uint8_t want, bool *bad)
{
	const uint8_t *found = NULL;

	*bad = false;
	while (len >= 8) {
		uint32_t olen = opt[1] * 8u;
		if (olen == 0 || olen > len) {
			*bad = true;
			return NULL;
		}
		if (opt[0] == want && olen == 8)
			found = opt + 2;
		opt += olen;
		len -= olen;
	}
	return found;
}

/* RFC 4861 7.2.4: an NS for one of our addresses (or a Subnet-Router
 * anycast address of the receiving interface, answered with Override 0)
 * gets an NA. */
static void ns_input(struct sl_slow *s, struct rte_mbuf *m, const struct sl_iface *iif,
	const uint8_t *ip, const uint8_t *icmp, uint32_t ilen, uint64_t now)
{
	static const uint8_t allnodes[16] = {0xff, 0x02, [15] = 1};
	static const uint8_t allnodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	const uint8_t *target = icmp + 8, *slla;
	const uint8_t *anycast = NULL;
	bool bad, dad = ip6_is_unspec(ip + 8);
	uint8_t eth_src[6], target_v[16], src[16], o;

	if (ilen < 24 || icmp[1] != 0 || target[0] == 0xff) {
		slow_drop(s, m, SL_DROP_BAD_ICMP);
		return;
	}
	slla = nd_lladdr(icmp + 24, ilen - 24, 1, &bad);
	if (bad || (dad && slla)) {
		slow_drop(s, m, SL_DROP_BAD_ICMP);
		return;
	}
	if (!sl_iface_has6(iif, target)) {
		anycast = nd_anycast(iif, target);
		if (anycast == NULL) {
			slow_drop(s, m, SL_DROP_ND_IGNORED);
			return;
		}
	}
	memcpy(target_v, target, 16);
	/* from the target, or for an anycast target the unicast address it
	 * comes from (as Linux: an address assigned to the interface) */
	memcpy(src, anycast ? anycast : target, 16);
	memcpy(eth_src, rte_pktmbuf_mtod(m, uint8_t *) + 6, 6);
	if (slla && !(slla[0] & 1)) {
		struct sl_ip src = {.family = SL_AF_INET6};
		memcpy(src.v6, ip + 8, 16);
		slow_neigh_learn(s, iif->id, &src, slla, true, now);
	}
	s->stats.local++;
	o = anycast ? 0 : 0x20; /* R=1, S unless DAD, O unless anycast */
	if (dad)
		nd_send(s, iif, allnodes_mac, src, allnodes, ND_NA, 0x80 | o, target_v);
	else
		nd_send(s, iif, slla ? slla : eth_src, src, ip + 8, ND_NA, 0xc0 | o, target_v);
	rte_pktmbuf_free(m);
}

/* RFC 4861 7.1.2 (validation) and 7.2.5: an NA for a neighbour we are
 * resolving or know updates it; with Override clear it never replaces a
 * known link-layer address (a REACHABLE entry just becomes STALE). */
static void na_input(struct sl_slow *s, struct rte_mbuf *m, const struct sl_iface *iif,
	const uint8_t *ip, const uint8_t *icmp, uint32_t ilen, uint64_t now)
{
	const uint8_t *tlla;
	struct sl_ip target = {.family = SL_AF_INET6};
	struct sl_neigh_entry *e;
	uint32_t idx;
	uint64_t w;
	bool bad;

	/* Solicited set in an NA to a multicast address: invalid */
	if (ilen < 24 || icmp[1] != 0 || ((icmp[4] & 0x40) && ip[24] == 0xff)) {
		slow_drop(s, m, SL_DROP_BAD_ICMP);
		return;
	}
	tlla = nd_lladdr(icmp + 24, ilen - 24, 2, &bad);
	if (bad) {
		slow_drop(s, m, SL_DROP_BAD_ICMP);
		return;
	}
	memcpy(target.v6, icmp + 8, 16);
	if (tlla == NULL || (tlla[0] & 1) ||
		(idx = sl_neigh_find(&s->dp->neigh, iif->id, &target)) == SL_NEIGH_NONE) {
		slow_drop(s, m, SL_DROP_ND_IGNORED);
		return;
	}
	e = &s->dp->neigh.e[idx];
	if (!(icmp[4] & 0x20) && e->state != SL_NEIGH_INCOMPLETE && sl_neigh_mac(e, &w) &&
		memcmp(&w, tlla, 6) != 0) {
		if (e->state == SL_NEIGH_REACHABLE)
			e->state = SL_NEIGH_STALE;
		slow_drop(s, m, SL_DROP_ND_IGNORED);
		return;
	}
	slow_neigh_learn(s, iif->id, &target, tlla, false, now);
	s->stats.local++;
	rte_pktmbuf_free(m);
}

/*
 * A whole IPv6 packet to one of our unicast addresses, not ICMPv6: no host
 * stack here, so what a host answers. UDP (checksum valid): port
 * unreachable (RFC 4443 3.1, type 1 code 4: what ends a traceroute to us);
 * an upper layer we do not know: parameter problem code 1 at the Next
 * Header field naming it (RFC 8200 4); TCP and No Next Header: nothing.
 */
static void not_for_us6(struct sl_slow *s, struct rte_mbuf *m, const uint8_t *ip,
	const struct ip6_upper *u, uint64_t now)
{
	uint32_t end = 40u + rd16(ip + 4), ulen;

	if (u->proto == IPPROTO_UDP_) {
		const uint8_t *udp = ip + u->off;
		if (u->off + 8 > end || (ulen = rd16(udp + 4)) < 8 || u->off + ulen > end ||
			sl_csum_l4_6(ip, IPPROTO_UDP_, udp, ulen) != 0) {
			slow_drop(s, m, SL_DROP_BAD_L4_HEADER);
			return;
		}
		icmp_error(s, m, SL_DROP_LOCAL_UNHANDLED, 1, 4, 0, now);
		return;
	}
	if (u->proto == IPPROTO_TCP_ || u->proto == 59) {
		slow_drop(s, m, SL_DROP_LOCAL_UNHANDLED);
		return;
	}
	icmp_error(s, m, SL_DROP_LOCAL_UNHANDLED, 4, 1, u->nh_ptr, now);
}

/*
 * IPv6 to the gateway, or to a multicast group ND uses. The ICMPv6 header is
 * found behind extension headers; a fragment, a Routing header still to be
 * followed or an option we may not skip is not for a gateway without a host
 * stack. A multicast destination takes ND only (the rest: ip-multicast).
 */
void nd_input(struct sl_slow *s, struct rte_mbuf *m, uint64_t now)
{
	struct sl_meta *meta = sl_meta(m);
	const struct sl_iface *iif = &s->dp->ifs.ifaces[meta->iface];
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l2_len), *icmp;
	uint32_t end = 40u + rd16(ip + 4), ilen;
	bool mcast = ip[24] == 0xff, nd;
	enum sl_drop_reason other = mcast ? SL_DROP_IP_MULTICAST : SL_DROP_LOCAL_UNHANDLED;
	struct ip6_upper u;
	uint8_t type;

	if (ip6_upper(ip, &u) < 0 || u.nonfirst) {
		slow_drop(s, m, other);
		return;
	}
	if (!mcast && !u.frag && u.proto != IPPROTO_ICMPV6_ && !u.bad_opt && !u.routed) {
		not_for_us6(s, m, ip, &u, now);
		return;
	}
	if (!mcast && !u.frag && (u.bad_opt || u.routed) && u.err_code != 0xff) {
		/* RFC 8200 4.2 (an option with action 10/11: code 2), 4.4 (a
		 * Routing header to follow: code 0), pointing at it */
		icmp_error(s, m, SL_DROP_LOCAL_UNHANDLED, 4, u.err_code, u.err_ptr, now);
		return;
	}
	if (u.proto != IPPROTO_ICMPV6_) {
		slow_drop(s, m, other);
		return;
	}
	if (u.off >= end) {
		slow_drop(s, m, mcast ? SL_DROP_IP_MULTICAST : SL_DROP_BAD_ICMP);
		return;
	}
	icmp = ip + u.off;
	ilen = end - u.off;
	type = icmp[0];
	nd = type >= 133 && type <= 137;
	if (mcast && !nd) {
		slow_drop(s, m, SL_DROP_IP_MULTICAST);
		return;
	}
	if (u.frag || u.routed || u.bad_opt || (nd && u.frag_hdr)) {
		/* RFC 6980: ND in fragments is ignored too, atomic ones included */
		slow_drop(s, m, nd ? SL_DROP_ND_IGNORED : SL_DROP_LOCAL_UNHANDLED);
		return;
	}
	if (ilen < 8 || sl_csum_l4_6(ip, IPPROTO_ICMPV6_, icmp, ilen) != 0) {
		slow_drop(s, m, SL_DROP_BAD_ICMP);
		return;
	}
	if (nd) {
		if (ip[7] != 255) {
			slow_drop(s, m, SL_DROP_BAD_ICMP);
			return;
		}
		if (type == ND_NS)
			ns_input(s, m, iif, ip, icmp, ilen, now);
		else if (type == ND_NA)
			na_input(s, m, iif, ip, icmp, ilen, now);
		else
			slow_drop(s, m, SL_DROP_ND_IGNORED);
		return;
	}
	if (type == 128) {
		/* RFC 4443 4.2: a reply to an anycast address is from a unicast one */
		icmp6_echo(s, m, ip, u.off, ilen, nd_anycast_any(s->dp, ip + 24));
		return;
	}
	slow_drop(s, m, SL_DROP_LOCAL_UNHANDLED);
}
