/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to the dataplane: NAT packet helpers shared by the pipeline stage
 * and the slow path (fragments, ICMP errors). */
#ifndef SL_DP_NAT_INT_H
#define SL_DP_NAT_INT_H

#include <sluice/csum.h>
#include <sluice/nat.h>

#include "pkt.h"

#if RTE_BYTE_ORDER != RTE_LITTLE_ENDIAN
#error "the NAT key layout (SL_NAT_KEY_HI, nat_tuple) assumes little endian"
#endif

void nat_sess_free(struct sl_nat *n, uint32_t idx);
void nat_sess_del(struct sl_nat *n, uint32_t idx, uint64_t now);

enum nat_kind {
	NAT_OK = 0,    /* tuple extracted */
	NAT_OTHER,     /* a protocol NAT does not translate */
	NAT_FRAGMENT,  /* a non-first fragment: no ports */
	NAT_ICMP_ERR,  /* an ICMP error: translated by its embedded packet */
	NAT_TRUNCATED, /* L4 header cut short */
};

/* The ICMP errors NAT translates (RFC 5508 7): destination unreachable,
 * time exceeded, parameter problem. Source quench (deprecated, RFC 6633)
 * and redirect (about the sender's own link) do not cross it. */
static inline bool icmp_is_error(uint8_t type)
{
	return type == 3 || type == 11 || type == 12;
}

/*
 * The NAT tuple of the IPv4 packet at @p ip (header already validated).
 * ICMP echo: the identifier is the source "port" of a request and the
 * destination "port" of a reply. @p tcpflags gets the TCP flags byte.
 */
static inline enum nat_kind nat_tuple_any(
	const uint8_t *ip, struct sl_nat_tuple *t, uint8_t *tcpflags)
{
	unsigned int ihl = (ip[0] & 0x0f) * 4u, l4len = rd16(ip + 2) - ihl;
	const uint8_t *l4 = ip + ihl;

	*t = (struct sl_nat_tuple){.proto = ip[9]};
	memcpy(&t->src, ip + 12, 4);
	memcpy(&t->dst, ip + 16, 4);
	*tcpflags = 0;
	if ((rd16(ip + 6) & 0x1fff) != 0)
		return NAT_FRAGMENT;
	switch (ip[9]) {
	case IPPROTO_TCP_:
		if (l4len < 20)
			return NAT_TRUNCATED;
		*tcpflags = l4[13];
		/* fallthrough */
	case IPPROTO_UDP_:
		if (l4len < 8)
			return NAT_TRUNCATED;
		memcpy(&t->sport, l4, 2);
		memcpy(&t->dport, l4 + 2, 2);
		return NAT_OK;
	case IPPROTO_ICMP_:
		if (l4len < 8)
			return NAT_TRUNCATED;
		if (l4[0] == 8)
			memcpy(&t->sport, l4 + 4, 2);
		else if (l4[0] == 0)
			memcpy(&t->dport, l4 + 4, 2);
		else
			return icmp_is_error(l4[0]) ? NAT_ICMP_ERR : NAT_OTHER;
		return NAT_OK;
	default:
		return NAT_OTHER;
	}
}

/* nat_tuple_any, the common case first. */
static inline enum nat_kind nat_tuple(const uint8_t *ip, struct sl_nat_tuple *t, uint8_t *tcpflags)
{
	uint8_t proto = ip[9];
	unsigned int len = rd16(ip + 2);

	/* most packets: a 20-byte header, unfragmented (offset and MF clear),
	 * UDP or TCP in full: two stores of what the packet has in a row */
	if (likely(ip[0] == 0x45 && (ld16(ip + 6) & rte_cpu_to_be_16(0x3fff)) == 0 &&
		    (proto == IPPROTO_UDP_ ? len >= 28 : proto == IPPROTO_TCP_ && len >= 40))) {
		uint64_t a;
		uint32_t ports;

		memcpy(&a, ip + 12, 8);
		memcpy(&ports, ip + 20, 4);
		memcpy(t, &a, 8);			     /* src, dst */
		a = (uint64_t)ports | (uint64_t)proto << 32; /* sport, dport, proto, pad 0 */
		memcpy((uint8_t *)t + 8, &a, 8);
		*tcpflags = proto == IPPROTO_TCP_ ? ip[33] : 0;
		return NAT_OK;
	}
	return nat_tuple_any(ip, t, tcpflags);
}

/* The tuple a packet matching s->t[dir] is rewritten to. */
static inline void nat_target(
	const struct sl_nat_session *s, unsigned int dir, struct sl_nat_tuple *to)
{
	const struct sl_nat_tuple *o = &s->t[dir ^ 1];

	to->src = o->dst;
	to->dst = o->src;
	to->sport = o->dport;
	to->dport = o->sport;
	to->proto = o->proto;
}

/* L4 checksum fix-up for an address change (pseudo-header) and a port. */
static inline uint16_t l4_fix(uint16_t c, uint32_t os, uint32_t ns, uint32_t od, uint32_t nd,
	uint16_t osp, uint16_t nsp, uint16_t odp, uint16_t ndp)
{
	c = sl_csum_update32(c, os, ns);
	c = sl_csum_update32(c, od, nd);
	c = sl_csum_update16(c, osp, nsp);
	return sl_csum_update16(c, odp, ndp);
}

/* RFC 1624 eqn. 3 in parts: the sum of ~old + new words of a change, and
 * its application to a checksum. One address delta serves the IP header and
 * the L4 pseudo-header. Whole 32-bit words summed in 64 bits: congruent
 * (mod 0xffff) to the sum over their 16-bit halves and zero only when that
 * is, so the folded result has the same bits, in fewer operations. */
static inline uint64_t delta32(uint32_t o, uint32_t n)
{
	return (uint64_t)(uint32_t)~o + n;
}

static inline uint64_t delta16(uint16_t o, uint16_t n)
{
	return (uint64_t)(uint16_t)~o + n;
}

static inline uint16_t fold64(uint64_t s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)((s & 0xffff) + (s >> 16));
}

static inline uint16_t csum_apply(uint16_t c, uint64_t delta)
{
	return (uint16_t)~fold64((uint16_t)~c + delta);
}

/*
 * Rewrite the IPv4 packet at @p ip to tuple @p to: addresses (and, unless
 * it is a non-first fragment, ports / echo identifier), every checksum
 * updated incrementally (RFC 1624). A zero UDP checksum stays zero.
 */
static inline void nat_rewrite(uint8_t *ip, const struct sl_nat_tuple *to)
{
	unsigned int ihl = (ip[0] & 0x0f) * 4u;
	uint8_t *l4 = ip + ihl;
	uint32_t os, od;
	uint64_t da, dp;
	uint16_t c;

	memcpy(&os, ip + 12, 4);
	memcpy(&od, ip + 16, 4);
	da = delta32(os, to->src) + delta32(od, to->dst);
	st16(ip + 10, csum_apply(ld16(ip + 10), da));
	memcpy(ip + 12, &to->src, 4);
	memcpy(ip + 16, &to->dst, 4);
	if ((rd16(ip + 6) & 0x1fff) != 0)
		return; /* no L4 header in this fragment */
	switch (ip[9]) {
	case IPPROTO_TCP_:
		dp = delta16(ld16(l4), to->sport) + delta16(ld16(l4 + 2), to->dport);
		st16(l4 + 16, csum_apply(ld16(l4 + 16), da + dp));
		st16(l4, to->sport);
		st16(l4 + 2, to->dport);
		break;
	case IPPROTO_UDP_:
		if (ld16(l4 + 6) != 0) {
			dp = delta16(ld16(l4), to->sport) + delta16(ld16(l4 + 2), to->dport);
			c = csum_apply(ld16(l4 + 6), da + dp);
			st16(l4 + 6, c ? c : 0xffff);
		}
		st16(l4, to->sport);
		st16(l4 + 2, to->dport);
		break;
	case IPPROTO_ICMP_: {
		uint16_t id = l4[0] == 8 ? to->sport : to->dport;
		st16(l4 + 2, csum_apply(ld16(l4 + 2), delta16(ld16(l4 + 4), id)));
		st16(l4 + 4, id);
		break;
	}
	default:
		break;
	}
}

/* The folded IP checksum delta of a packet matching s->t[dir] (addresses
 * only: it serves the IP header and the L4 pseudo-header alike). */
static inline uint16_t nat_delta(const struct sl_nat_session *s, unsigned int dir)
{
	const struct sl_nat_tuple *t = &s->t[dir], *o = &s->t[dir ^ 1];

	return fold64(delta32(t->src, o->dst) + delta32(t->dst, o->src));
}

/* Keep each direction's delta in its tuple (pad[1..2], not part of the key). */
static inline void nat_delta_set(struct sl_nat_session *s)
{
	for (unsigned int d = 0; d < 2; d++) {
		uint16_t x = nat_delta(s, d);
		memcpy(&s->t[d].pad[1], &x, 2);
	}
}

/*
 * nat_rewrite for a packet that matched s->t[dir] (a session hit, so not a
 * non-first fragment and its L4 header there): the same bytes, from what
 * the session keeps. The address delta is folded already, and folding is
 * associative here (a fold is zero only when its sum is), so the checksums
 * come out bit for bit as nat_rewrite's. @return the new destination.
 */
static inline uint32_t nat_rewrite_sess(
	uint8_t *ip, const struct sl_nat_session *s, unsigned int dir)
{
	const struct sl_nat_tuple *o = &s->t[dir ^ 1];
	uint8_t *l4 = ip + (ip[0] & 0x0f) * 4u;
	uint64_t addrs, sum;
	uint32_t ports, oports;
	uint16_t da, c;

	memcpy(&da, &s->t[dir].pad[1], 2);
	memcpy(&addrs, o, 8);
	addrs = addrs >> 32 | addrs << 32; /* source o->dst, destination o->src */
	memcpy(&ports, &o->sport, 4);
	ports = ports >> 16 | ports << 16; /* source port o->dport, destination o->sport */
	sum = (uint16_t)~ld16(ip + 10) + (uint64_t)da; /* <= 0x1fffe: one fold */
	st16(ip + 10, (uint16_t) ~((sum & 0xffff) + (sum >> 16)));
	memcpy(ip + 12, &addrs, 8);
	switch (ip[9]) {
	case IPPROTO_TCP_:
		memcpy(&oports, l4, 4);
		st16(l4 + 16, csum_apply(ld16(l4 + 16), da + delta32(oports, ports)));
		memcpy(l4, &ports, 4);
		break;
	case IPPROTO_UDP_:
		memcpy(&oports, l4, 4);
		if (ld16(l4 + 6) != 0) {
			c = csum_apply(ld16(l4 + 6), da + delta32(oports, ports));
			st16(l4 + 6, c ? c : 0xffff);
		}
		memcpy(l4, &ports, 4);
		break;
	case IPPROTO_ICMP_: {
		uint16_t id = l4[0] == 8 ? o->dport : o->sport;
		st16(l4 + 2, csum_apply(ld16(l4 + 2), delta16(ld16(l4 + 4), id)));
		st16(l4 + 4, id);
		break;
	}
	default:
		break;
	}
	return (uint32_t)(addrs >> 32);
}

/* A TCP segment of direction @p dir: the session's next state
 * (sluice/nat_tcp.h; a shared write, rare: workers race only on it). */
static inline void nat_tcp_track(struct sl_nat_session *s, unsigned int dir, uint8_t flags)
{
	uint8_t old = __atomic_load_n(&s->tcp, __ATOMIC_RELAXED), n;

	do {
		n = sl_nat_tcp_next(old, dir, flags);
		if (n == old)
			return;
	} while (!__atomic_compare_exchange_n(
		&s->tcp, &old, n, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
}

/* TCP MSS clamp of a SYN at @p ip to @p mss (no-op without the option). */
static inline void mss_clamp(uint8_t *ip, uint16_t mss)
{
	unsigned int ihl = (ip[0] & 0x0f) * 4u;
	uint8_t *tcp = ip + ihl;
	unsigned int doff = (tcp[12] >> 4) * 4u, i = 20;

	if (ip[9] != IPPROTO_TCP_ || (rd16(ip + 6) & 0x1fff) != 0 || !(tcp[13] & 0x02) ||
		doff < 20 || ihl + doff > rd16(ip + 2))
		return;
	while (i < doff) {
		uint8_t kind = tcp[i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (i + 1 >= doff || tcp[i + 1] < 2 || i + tcp[i + 1] > doff)
			break;
		if (kind == 2 && tcp[i + 1] == 4) {
			uint16_t cur = rd16(tcp + i + 2);
			if (cur > mss) {
				/* incrementally (RFC 1624), as every rewrite: a bad
				 * checksum stays bad. Over the two 16-bit words of
				 * the segment holding the value: the option's own,
				 * or at an odd offset the two it straddles (the
				 * second still in the header: doff is a multiple of
				 * 4, i + 4 odd) */
				unsigned int w = i + (i & 1);
				uint32_t ow, nw;
				memcpy(&ow, tcp + w, 4);
				wr16(tcp + i + 2, mss);
				memcpy(&nw, tcp + w, 4);
				st16(tcp + 16, sl_csum_update32(ld16(tcp + 16), ow, nw));
			}
			return;
		}
		i += tcp[i + 1];
	}
}

#endif
