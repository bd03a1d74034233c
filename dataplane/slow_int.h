/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to the slow path: functions shared between its files. */
#ifndef SL_DP_SLOW_INT_H
#define SL_DP_SLOW_INT_H

#include <sluice/slowpath.h>

#include "pkt.h"

/* slowpath.c */
void slow_drop(struct sl_slow *s, struct rte_mbuf *m, enum sl_drop_reason r);
void slow_tx(struct sl_slow *s, uint16_t iface, struct rte_mbuf *m);
struct rte_mbuf *slow_alloc(struct sl_slow *s);
/* Send a packet (meta: l2_len, out_iface, nexthop) now if its neighbour is
 * known, else hold it and solicit. */
void slow_send_or_hold(struct sl_slow *s, struct rte_mbuf *m, uint64_t now);
/* A neighbour answered: publish its MAC and release what waits for it. */
void slow_neigh_learn(struct sl_slow *s, uint16_t iface, const struct sl_ip *ip,
	const uint8_t mac[6], bool create, uint64_t now);
/* Write an Ethernet (+ VLAN) header for @p oif; returns its length. */
uint16_t put_l2(uint8_t *p, const struct sl_iface *oif, const uint8_t *dst, uint16_t etype);
static inline uint16_t l2_len_of(const struct sl_iface *oif)
{
	return oif->vlan ? ETH_HLEN + VLAN_HLEN : ETH_HLEN;
}

/* Turn a request in place into a reply to its sender: L2 destination = the
 * frame's source, header of @p iif (tag rewritten, added or removed). */
static inline void reply_l2(struct rte_mbuf *m, uint16_t l2_len, const struct sl_iface *iif)
{
	uint8_t dst[6];

	memcpy(dst, rte_pktmbuf_mtod(m, uint8_t *) + 6, 6);
	sl_l2_out(m, l2_len, iif, dst);
}

/* arp.c */
void arp_input(struct sl_slow *s, struct rte_mbuf *m, uint64_t now);
void arp_solicit(
	struct sl_slow *s, const struct sl_iface *oif, uint32_t target, const uint8_t *unicast_mac);

/* nd.c */
void nd_input(struct sl_slow *s, struct rte_mbuf *m, uint64_t now);
void nd_solicit(struct sl_slow *s, const struct sl_iface *oif, const uint8_t target[16],
	const uint8_t *unicast_mac);
/* When @p a is the Subnet-Router anycast address (RFC 4291 2.6.1) of one of
 * @p i's IPv6 prefixes (not /127, /128 (RFC 6164) or link-local), the
 * interface's address on that prefix; else NULL. */
const uint8_t *nd_anycast(const struct sl_iface *i, const uint8_t a[16]);
/* nd_anycast over every interface; NULL also when @p a is configured as a
 * unicast address. */
const uint8_t *nd_anycast_any(const struct sl_dp *dp, const uint8_t a[16]);

/* icmp.c */
void icmp4_local(struct sl_slow *s, struct rte_mbuf *m, uint64_t now);
/* Answer the echo request whose ICMPv6 message (@p ilen bytes) is at @p off
 * in the packet at @p ip6, from @p src (NULL: the address asked). */
void icmp6_echo(struct sl_slow *s, struct rte_mbuf *m, uint8_t *ip6, uint32_t off, uint32_t ilen,
	const uint8_t *src);
/* Where the IPv6 extension headers of a packet lead. */
struct ip6_upper {
	uint32_t off;	  /* of the upper-layer header (after a later fragment: its data) */
	uint8_t proto;	  /* the upper-layer protocol (next header of the last one) */
	bool frag;	  /* a Fragment header, not of an atomic fragment */
	bool frag_hdr;	  /* a Fragment header, of an atomic fragment too */
	bool nonfirst;	  /* ... with a non-zero offset: no upper-layer header here */
	bool routed;	  /* a Routing header with Segments Left != 0 */
	bool bad_opt;	  /* an option that may not be skipped (RFC 8200 4.2) */
	uint32_t err_ptr; /* bad_opt or routed, the first in the chain: the offset
			     of that option's type or that Routing Type field */
	uint8_t err_code; /* ... and its parameter problem code (0xff: none) */
	uint32_t nh_ptr;  /* the offset of the Next Header field naming proto */
};
/* Walk the extension headers (at most a few) of the IPv6 packet at @p ip,
 * 40 + payload length bytes long. @return 0, or -1 when the chain runs past
 * the packet or is too long to follow. */
int ip6_upper(const uint8_t *ip, struct ip6_upper *u);
/* Count @p why for @p m and send an ICMP(v6) error about it if allowed. */
void icmp_error(struct sl_slow *s, struct rte_mbuf *m, enum sl_drop_reason why, uint8_t type,
	uint8_t code, uint32_t info, uint64_t now);

/* nat_slow.c */
void slow_reinject(struct sl_slow *s, struct rte_mbuf *m, uint8_t nat_skip, uint64_t now);
void nat_frag_input(struct sl_slow *s, struct rte_mbuf *m, uint64_t now);
void nat_frag_timers(struct sl_slow *s, uint64_t now, bool all);
void nat_icmp_input(struct sl_slow *s, struct rte_mbuf *m, uint64_t now);

/* frag.c */
void frag_or_too_big(struct sl_slow *s, struct rte_mbuf *m, uint64_t now);

#endif
