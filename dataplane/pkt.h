/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private to the dataplane: byte-level helpers and header offsets shared by
 * the pipeline stages and the slow path.
 */
#ifndef SL_DP_PKT_H
#define SL_DP_PKT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include <sluice/csum.h>
#include <sluice/iface.h>

#define ETH_HLEN       14
#define VLAN_HLEN      4
#define ETYPE_IPV4     0x0800
#define ETYPE_ARP      0x0806
#define ETYPE_VLAN     0x8100
#define ETYPE_QINQ     0x88a8
#define ETYPE_QINQ_OLD 0x9100
#define ETYPE_IPV6     0x86dd

#define IPPROTO_ICMP_	1
#define IPPROTO_TCP_	6
#define IPPROTO_UDP_	17
#define IPPROTO_ICMPV6_ 58

static inline uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* raw (memory-order) 16-bit load/store, for checksum arithmetic */
static inline uint16_t ld16(const void *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static inline void st16(void *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/** sl_ip4_options_scan(): a loose or strict source route (RFC 7126). */
#define SL_IP4_OPT_SOURCE_ROUTE (-1)

/**
 * Scan the options of the IPv4 header at @p ip (@p ihl bytes, > 20).
 * @return 0 when the list is well formed, SL_IP4_OPT_SOURCE_ROUTE at an LSRR
 * or SSRR, else the offset in the header of the octet where it is malformed
 * (a Parameter Problem's pointer, RFC 1812 4.3.3.5, at the octet Linux's
 * ip_options_compile() names): an option without room for its length, or
 * whose length is below 2 or runs past the header (its type octet); a
 * Record Route or Timestamp (RFC 791) too short (its length octet), with a
 * pointer below its first slot or with room for part of a slot (its
 * pointer octet); a Router Alert (RFC 2113) shorter than 4 (its length
 * octet). Record Route and Timestamp are forwarded unchanged, not filled.
 */
static inline int sl_ip4_options_scan(const uint8_t *ip, unsigned int ihl)
{
	unsigned int i = 20;

	while (i < ihl) {
		unsigned int t = ip[i], len, ptr;

		if (t == 0)
			break;
		if (t == 1) {
			i++;
			continue;
		}
		if (i + 1 >= ihl)
			return (int)i;
		len = ip[i + 1];
		if (len < 2 || i + len > ihl)
			return (int)i;
		if (t == 131 || t == 137)
			return SL_IP4_OPT_SOURCE_ROUTE;
		if (t == 7 || t == 68) { /* Record Route, Timestamp */
			unsigned int min = t == 7 ? 3 : 4, slot = 4;
			if (len < min)
				return (int)i + 1;
			ptr = ip[i + 2];
			if (ptr < min + 1)
				return (int)i + 2;
			if (t == 68 && ((ip[i + 3] & 0x0f) == 1 || (ip[i + 3] & 0x0f) == 3))
				slot = 8; /* address and timestamp */
			if (ptr <= len && ptr + slot - 1 > len)
				return (int)i + 2;
		} else if (t == 148 && len < 4) { /* Router Alert */
			return (int)i + 1;
		}
		i += len;
	}
	return 0;
}

static inline bool mac_eq(const uint8_t *a, const uint8_t *b)
{
	uint32_t a4, b4;
	uint16_t a2, b2;
	memcpy(&a4, a, 4);
	memcpy(&b4, b, 4);
	memcpy(&a2, a + 4, 2);
	memcpy(&b2, b + 4, 2);
	return ((a4 ^ b4) | (uint32_t)(a2 ^ b2)) == 0;
}

static inline bool ip6_is_linklocal(const uint8_t *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static inline bool ip6_is_unspec(const uint8_t *a)
{
	static const uint8_t z[16];
	return memcmp(a, z, 16) == 0;
}

static inline bool ip6_is_loopback(const uint8_t *a)
{
	static const uint8_t l[16] = {[15] = 1};
	return memcmp(a, l, 16) == 0;
}

/* ::ffff:0:0/96, an IPv4-mapped address: never on the wire (RFC 4291 2.5.5.2) */
static inline bool ip6_is_v4mapped(const uint8_t *a)
{
	static const uint8_t m[12] = {[10] = 0xff, [11] = 0xff};
	return memcmp(a, m, 12) == 0;
}

/* An IPv6 header (40 + payload length bytes in the frame) whose Hop-by-Hop
 * header does not fit in the payload: payload length 0 (a jumbogram, RFC
 * 2675, on links that cannot carry one) or shorter than the header. */
static inline bool ip6_hbh_cut(const uint8_t *ip)
{
	uint32_t plen = rd16(ip + 4);

	return ip[6] == 0 && (plen < 8 || (ip[41] + 1u) * 8 > plen);
}

/*
 * Give the frame the L2 header of interface @p oif towards @p dst_mac:
 * adds, rewrites or removes the 802.1Q tag as needed. @p l2_in is the
 * current header length (14 or 18). @return 0, or -1 without headroom.
 */
static inline int sl_l2_out(
	struct rte_mbuf *m, uint16_t l2_in, const struct sl_iface *oif, const uint8_t *dst_mac)
{
	uint8_t *p;

	if (oif->vlan) {
		if (l2_in == ETH_HLEN) {
			uint8_t *old = rte_pktmbuf_mtod(m, uint8_t *);
			uint8_t etype[2] = {old[12], old[13]};
			p = (uint8_t *)rte_pktmbuf_prepend(m, VLAN_HLEN);
			if (p == NULL)
				return -1;
			p[16] = etype[0];
			p[17] = etype[1];
		} else {
			p = rte_pktmbuf_mtod(m, uint8_t *);
		}
		wr16(p + 12, ETYPE_VLAN);
		wr16(p + 14, oif->vlan);
	} else {
		if (l2_in != ETH_HLEN) {
			uint8_t *old = rte_pktmbuf_mtod(m, uint8_t *);
			uint8_t etype[2] = {old[16], old[17]};
			p = (uint8_t *)rte_pktmbuf_adj(m, VLAN_HLEN);
			p[12] = etype[0];
			p[13] = etype[1];
		} else {
			p = rte_pktmbuf_mtod(m, uint8_t *);
		}
	}
	memcpy(p, dst_mac, 6);
	memcpy(p + 6, oif->mac.b, 6);
	return 0;
}

/* Cut the frame to @p len bytes (drop Ethernet padding). */
static inline void sl_trim(struct rte_mbuf *m, uint32_t len)
{
	if (m->pkt_len > len)
		rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - len));
}

/*
 * The forwarding rewrite of a packet whose next hop is resolved: TTL / hop
 * limit - 1 (IPv4 checksum updated per RFC 1624), padding trimmed, L2
 * header of the egress interface. @return 0 or -1 (no headroom).
 */
static inline int sl_fwd_rewrite(
	struct rte_mbuf *m, uint16_t l2_len, const struct sl_iface *oif, const uint8_t *dst_mac)
{
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, l2_len);
	uint32_t ip_len;

	if ((ip[0] >> 4) == 4) {
		/* TTL is the high byte of the (TTL, protocol) word: one 16-bit
		 * load and store, no byte store followed by a wider reload */
		uint16_t old = ld16(ip + 8), new = (uint16_t)(old - rte_cpu_to_be_16(0x0100));
		st16(ip + 8, new);
		st16(ip + 10, sl_csum_update16(ld16(ip + 10), old, new));
		ip_len = rd16(ip + 2);
	} else {
		ip[7]--;
		ip_len = 40u + rd16(ip + 4);
	}
	sl_trim(m, l2_len + ip_len);
	return sl_l2_out(m, l2_len, oif, dst_mac);
}

#endif
