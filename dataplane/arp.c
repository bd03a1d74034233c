/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <sluice/pipeline.h>

#include "slow_int.h"

#define ARP_LEN 28

void arp_solicit(
	struct sl_slow *s, const struct sl_iface *oif, uint32_t target, const uint8_t *unicast_mac)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct rte_mbuf *m;
	uint32_t src;
	uint8_t *p, *a;
	uint16_t l2;

	if (sl_iface_src4(oif, target, &src) < 0)
		return;
	m = slow_alloc(s);
	if (m == NULL) {
		s->stats.event[SL_EV_GEN_TX_FAILED]++;
		return;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, ETH_HLEN + VLAN_HLEN + ARP_LEN);
	l2 = put_l2(p, oif, unicast_mac ? unicast_mac : bcast, ETYPE_ARP);
	a = p + l2;
	wr16(a, 1);
	wr16(a + 2, ETYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	wr16(a + 6, 1);
	memcpy(a + 8, oif->mac.b, 6);
	memcpy(a + 14, &src, 4);
	memset(a + 18, 0, 6);
	memcpy(a + 24, &target, 4);
	rte_pktmbuf_trim(m, (uint16_t)(ETH_HLEN + VLAN_HLEN - l2));
	s->stats.event[SL_EV_ARP_REQUESTS]++;
	slow_tx(s, oif->id, m);
}

void arp_input(struct sl_slow *s, struct rte_mbuf *m, uint64_t now)
{
	struct sl_meta *meta = sl_meta(m);
	const struct sl_iface *iif = &s->dp->ifs.ifaces[meta->iface];
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	uint8_t *a = p + meta->l2_len;
	uint8_t sha[6];
	struct sl_ip spa = {.family = SL_AF_INET}, tpa = {.family = SL_AF_INET};
	uint16_t op;
	bool for_us, known;

	if (m->data_len < meta->l2_len + ARP_LEN || rd16(a) != 1 || rd16(a + 2) != ETYPE_IPV4 ||
		a[4] != 6 || a[5] != 4) {
		slow_drop(s, m, SL_DROP_BAD_ARP);
		return;
	}
	op = rd16(a + 6);
	memcpy(sha, a + 8, 6);
	memcpy(&spa.v4, a + 14, 4);
	memcpy(&tpa.v4, a + 24, 4);
	if ((op != 1 && op != 2) || (sha[0] & 1)) {
		slow_drop(s, m, SL_DROP_BAD_ARP);
		return;
	}
	for_us = sl_iface_has4(iif, tpa.v4);
	/* on an outside interface the NAT pool addresses of its subnets are ours too */
	if (!for_us && iif->role == SL_ROLE_OUTSIDE && s->dp->nat.enabled &&
		sl_nat_is_pool_addr(&s->dp->nat, tpa.v4)) {
		for (unsigned int k = 0; k < iif->n_addrs && !for_us; k++)
			for_us = sl_prefix_contains(&iif->addrs[k], &tpa);
	}
	known = spa.v4 != 0 && sl_neigh_find(&s->dp->neigh, iif->id, &spa) != SL_NEIGH_NONE;
	/* a request for us creates the requester's entry (as Linux does); a
	 * reply or a gratuitous ARP refreshes an entry we already have */
	if (spa.v4 != 0 && !sl_iface_has4(iif, spa.v4) &&
		((op == 1 && for_us) || (known && (op == 2 || spa.v4 == tpa.v4))))
		slow_neigh_learn(s, iif->id, &spa, sha, op == 1 && for_us, now);

	if (op == 1 && for_us) {
		/* answer in place */
		wr16(a + 6, 2);
		memcpy(a + 18, sha, 6);
		memcpy(a + 24, &spa.v4, 4);
		memcpy(a + 8, iif->mac.b, 6);
		memcpy(a + 14, &tpa.v4, 4);
		sl_trim(m, meta->l2_len + ARP_LEN);
		memcpy(p + 6, sha, 6); /* the reply goes to the sender's hardware address */
		reply_l2(m, meta->l2_len, iif);
		s->stats.local++;
		s->stats.event[SL_EV_ARP_REPLIES]++;
		slow_tx(s, iif->id, m);
		return;
	}
	if (known && (op == 2 || spa.v4 == tpa.v4)) {
		s->stats.local++;
		rte_pktmbuf_free(m);
		return;
	}
	slow_drop(s, m, SL_DROP_ARP_IGNORED);
}
