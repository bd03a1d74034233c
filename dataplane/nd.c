/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <sluice/csum.h>
#include <sluice/pipeline.h>

#include "slow_int.h"

#define ND_NS  135
#define ND_NA  136
#define ND_LEN 32 /* NS/NA (24) + one link-layer address option (8) */

/* ICMPv6 checksum over the packet at @p ip6 with payload length @p plen. */
static uint16_t icmp6_csum(const uint8_t *ip6, uint32_t plen)
{
	uint32_t sum = sl_csum_pseudo6(ip6 + 8, ip6 + 24, IPPROTO_ICMPV6_, plen);
	return (uint16_t)~sl_csum_fold(sl_csum_add(sum, ip6 + 40, plen));
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
	st16(icmp + 2, icmp6_csum(ip, ND_LEN));
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

static void ns_input(struct sl_slow *s, struct rte_mbuf *m, const struct sl_iface *iif,
	const uint8_t *ip, uint32_t plen, uint64_t now)
{
	static const uint8_t allnodes[16] = {0xff, 0x02, [15] = 1};
	static const uint8_t allnodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	const uint8_t *icmp = ip + 40, *target = icmp + 8, *slla;
	bool bad, dad = ip6_is_unspec(ip + 8);
	uint8_t eth_src[6];

	if (plen < 24 || icmp[1] != 0 || target[0] == 0xff) {
		slow_drop(s, m, SL_DROP_BAD_ICMP);
		return;
	}
	slla = nd_lladdr(icmp + 24, plen - 24, 1, &bad);
	if (bad || (dad && slla)) {
		slow_drop(s, m, SL_DROP_BAD_ICMP);
		return;
	}
	if (!sl_iface_has6(iif, target)) {
		slow_drop(s, m, SL_DROP_ND_IGNORED);
		return;
	}
	memcpy(eth_src, rte_pktmbuf_mtod(m, uint8_t *) + 6, 6);
	if (slla && !(slla[0] & 1)) {
		struct sl_ip src = {.family = SL_AF_INET6};
		memcpy(src.v6, ip + 8, 16);
		slow_neigh_learn(s, iif->id, &src, slla, true, now);
	}
	s->stats.local++;
	if (dad)
		nd_send(s, iif, allnodes_mac, target, allnodes, ND_NA, 0xa0, target);
	else
		nd_send(s, iif, slla ? slla : eth_src, target, ip + 8, ND_NA, 0xe0, target);
	rte_pktmbuf_free(m);
}

static void na_input(struct sl_slow *s, struct rte_mbuf *m, const struct sl_iface *iif,
	const uint8_t *ip, uint32_t plen, uint64_t now)
{
	const uint8_t *icmp = ip + 40, *tlla;
	struct sl_ip target = {.family = SL_AF_INET6};
	bool bad;

	if (plen < 24 || icmp[1] != 0) {
		slow_drop(s, m, SL_DROP_BAD_ICMP);
		return;
	}
	tlla = nd_lladdr(icmp + 24, plen - 24, 2, &bad);
	if (bad) {
		slow_drop(s, m, SL_DROP_BAD_ICMP);
		return;
	}
	memcpy(target.v6, icmp + 8, 16);
	if (tlla == NULL || (tlla[0] & 1) ||
		sl_neigh_find(&s->dp->neigh, iif->id, &target) == SL_NEIGH_NONE) {
		slow_drop(s, m, SL_DROP_ND_IGNORED);
		return;
	}
	slow_neigh_learn(s, iif->id, &target, tlla, false, now);
	s->stats.local++;
	rte_pktmbuf_free(m);
}

void nd_input(struct sl_slow *s, struct rte_mbuf *m, uint64_t now)
{
	struct sl_meta *meta = sl_meta(m);
	const struct sl_iface *iif = &s->dp->ifs.ifaces[meta->iface];
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l2_len);
	uint32_t plen = rd16(ip + 4);
	bool mcast = ip[24] == 0xff;
	uint8_t type;

	if (ip[6] != IPPROTO_ICMPV6_) {
		slow_drop(s, m, mcast ? SL_DROP_IP_MULTICAST : SL_DROP_LOCAL_UNHANDLED);
		return;
	}
	if (plen < 8 || icmp6_csum(ip, plen) != 0) {
		slow_drop(s, m, SL_DROP_BAD_ICMP);
		return;
	}
	type = ip[40];
	if (type >= 133 && type <= 137) {
		if (ip[7] != 255) {
			slow_drop(s, m, SL_DROP_BAD_ICMP);
			return;
		}
		if (type == ND_NS)
			ns_input(s, m, iif, ip, plen, now);
		else if (type == ND_NA)
			na_input(s, m, iif, ip, plen, now);
		else
			slow_drop(s, m, SL_DROP_ND_IGNORED);
		return;
	}
	if (type == 128 && !mcast) {
		icmp6_echo(s, m, ip, plen);
		return;
	}
	slow_drop(s, m, mcast ? SL_DROP_ND_IGNORED : SL_DROP_LOCAL_UNHANDLED);
}
