/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <sluice/csum.h>
#include <sluice/pipeline.h>

#include "slow_int.h"

#define ICMP4_ERR_MAX 576  /* RFC 1812 4.3.2.3 */
#define ICMP6_ERR_MAX 1280 /* RFC 4443 2.4(c) */

static bool ratelimit_ok(struct sl_slow *s, uint16_t iface, uint64_t now)
{
	struct sl_ratelimit *rl = &s->icmp_rl[iface];
	const uint64_t ns_per_token = 1000000000ull / SL_ICMP_RATE_PER_S;

	if (!rl->started) {
		rl->started = true;
		rl->tokens = SL_ICMP_BURST;
		rl->last = now;
	} else if (now > rl->last) {
		uint64_t add = (now - rl->last) / ns_per_token;
		if (add) {
			rl->tokens = RTE_MIN(rl->tokens + add, (uint64_t)SL_ICMP_BURST);
			rl->last += add * ns_per_token;
		}
	}
	if (rl->tokens == 0)
		return false;
	rl->tokens--;
	return true;
}

void icmp4_local(struct sl_slow *s, struct rte_mbuf *m, uint64_t now)
{
	struct sl_meta *meta = sl_meta(m);
	const struct sl_iface *iif = &s->dp->ifs.ifaces[meta->iface];
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l2_len);
	unsigned int ihl = (ip[0] & 0x0f) * 4u, tot = rd16(ip + 2), ilen;
	uint8_t *icmp = ip + ihl;
	uint32_t a;

	if (sl_iface_is_bcast4(&s->dp->ifs, rd32(ip + 12))) {
		/* RFC 1122 3.2.1.3: a broadcast is not a source; no reply to it */
		slow_drop(s, m, SL_DROP_MARTIAN);
		return;
	}
	if (ip[9] == IPPROTO_UDP_ && (rd16(ip + 6) & 0x3fff) == 0) {
		/* no UDP service here: port unreachable (RFC 1122 4.1.3.1; what
		 * ends a traceroute to us) for a well-formed datagram */
		const uint8_t *udp = ip + ihl;
		uint32_t ulen = tot - ihl >= 8 ? rd16(udp + 4) : 0;
		if (ulen < 8 || ulen > tot - ihl ||
			(ld16(udp + 6) != 0 &&
				sl_csum_l4_4(ip, IPPROTO_UDP_, udp, (uint16_t)ulen) != 0)) {
			slow_drop(s, m, SL_DROP_BAD_L4_HEADER);
			return;
		}
		icmp_error(s, m, SL_DROP_LOCAL_UNHANDLED, 3, 3, 0, now);
		return;
	}
	if (ip[9] != IPPROTO_ICMP_ || (rd16(ip + 6) & 0x3fff) != 0) {
		/* not ICMP, or a fragment: no host stack to give it to */
		slow_drop(s, m, SL_DROP_LOCAL_UNHANDLED);
		return;
	}
	ilen = tot - ihl;
	if (ilen < 8 || sl_csum(icmp, ilen) != 0) {
		slow_drop(s, m, SL_DROP_BAD_ICMP);
		return;
	}
	if (icmp[0] != 8 || icmp[1] != 0) {
		slow_drop(s, m, SL_DROP_LOCAL_UNHANDLED);
		return;
	}
	if (ihl > 20) {
		/* options are not reflected: move the ICMP message up */
		memmove(ip + 20, icmp, ilen);
		icmp = ip + 20;
		ip[0] = 0x45;
		tot = 20 + ilen;
		wr16(ip + 2, (uint16_t)tot);
	}
	memcpy(&a, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, &a, 4);
	ip[8] = 64;
	st16(ip + 10, 0);
	st16(ip + 10, sl_csum(ip, 20));
	icmp[0] = 0;
	st16(icmp + 2, 0);
	st16(icmp + 2, sl_csum(icmp, ilen));
	sl_trim(m, meta->l2_len + tot);
	reply_l2(m, meta->l2_len, iif);
	s->stats.local++;
	s->stats.event[SL_EV_ECHO_REPLIES]++;
	slow_tx(s, iif->id, m);
}

void icmp6_echo(struct sl_slow *s, struct rte_mbuf *m, uint8_t *ip6, uint32_t off, uint32_t ilen,
	const uint8_t *src)
{
	struct sl_meta *meta = sl_meta(m);
	const struct sl_iface *iif = &s->dp->ifs.ifaces[meta->iface];
	uint8_t a[16];

	if (off > 40) {
		/* extension headers are not reflected: move the ICMPv6 message up */
		memmove(ip6 + 40, ip6 + off, ilen);
		ip6[6] = IPPROTO_ICMPV6_;
		wr16(ip6 + 4, (uint16_t)ilen);
	}
	memcpy(a, ip6 + 8, 16);
	memcpy(ip6 + 8, src ? src : ip6 + 24, 16);
	memcpy(ip6 + 24, a, 16);
	ip6[7] = 64;
	ip6[40] = 129;
	st16(ip6 + 42, 0);
	st16(ip6 + 42, sl_csum_l4_6(ip6, IPPROTO_ICMPV6_, ip6 + 40, ilen));
	sl_trim(m, meta->l2_len + 40 + ilen);
	reply_l2(m, meta->l2_len, iif);
	s->stats.local++;
	s->stats.event[SL_EV_ECHO_REPLIES]++;
	slow_tx(s, iif->id, m);
}

#define IP6_EXT_MAX 8 /* extension headers walked before giving up */

/* Options of a Hop-by-Hop or Destination Options header: 0 when all may be
 * skipped (RFC 8200 4.2: an unknown option whose action bits are not 00
 * discards the packet; we know only Pad1, PadN and the ones to skip), else
 * 1 + the offset in @p h of the option at fault. */
static uint32_t ip6_opts_bad(const uint8_t *h, uint32_t len)
{
	for (uint32_t i = 2; i < len;) {
		if (h[i] == 0) {
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + h[i + 1] > len || (h[i] & 0xc0) != 0)
			return i + 1;
		i += 2u + h[i + 1];
	}
	return 0;
}

int ip6_upper(const uint8_t *ip, struct ip6_upper *u)
{
	uint32_t end = 40u + rd16(ip + 4), off = 40, len, bad;
	uint8_t nh = ip[6];

	memset(u, 0, sizeof(*u));
	u->nh_ptr = 6;
	for (unsigned int n = 0;; n++) {
		const uint8_t *h = ip + off;
		switch (nh) {
		case 0:	  /* Hop-by-Hop options */
		case 60:  /* Destination options */
		case 43:  /* Routing */
		case 135: /* Mobility */
		case 139: /* HIP */
		case 140: /* Shim6 */
			if (off + 2 > end)
				return -1;
			len = (h[1] + 1u) * 8;
			break;
		case 44: /* Fragment */
			len = 8;
			break;
		case 51: /* Authentication header */
			if (off + 2 > end)
				return -1;
			len = (h[1] + 2u) * 4;
			break;
		default:
			u->proto = nh;
			u->off = off;
			return 0;
		}
		if (n >= IP6_EXT_MAX || off + len > end)
			return -1;
		if ((nh == 0 || nh == 60) && (bad = ip6_opts_bad(h, len)) != 0) {
			if (!u->bad_opt && !u->routed) {
				/* action 10 or 11: code 2 at the option's type;
				 * 01 or a malformed list: silently */
				u->err_ptr = off + bad - 1;
				u->err_code = (h[bad - 1] & 0x80) ? 2 : 0xff;
			}
			u->bad_opt = true;
		}
		if (nh == 43 && h[3] != 0) {
			if (!u->bad_opt && !u->routed) {
				u->err_ptr = off + 2; /* its Routing Type */
				u->err_code = 0;
			}
			u->routed = true;
		}
		if (nh == 44) {
			/* an atomic fragment (offset 0, M 0) is a whole packet
			 * (RFC 6946) */
			u->frag = (rd16(h + 2) & 0xfff9) != 0;
			u->frag_hdr = true;
			if ((rd16(h + 2) & 0xfff8) != 0) {
				/* a later fragment: what follows is data, not a header */
				u->nonfirst = true;
				u->proto = h[0];
				u->off = off + len;
				return 0;
			}
		}
		nh = h[0];
		u->nh_ptr = off;
		off += len;
	}
}

/* RFC 1812 4.3.2.7: never an error about an error, a non-first fragment,
 * a non-unicast source (a subnet's directed broadcast included: RFC 1122
 * 3.2.1.3) or a link-layer broadcast. */
static bool may_error4(const struct sl_dp *dp, const struct sl_meta *meta, const uint8_t *ip)
{
	unsigned int ihl = (ip[0] & 0x0f) * 4u;
	uint8_t s0 = ip[12];

	if (meta->l2_mcast || (rd16(ip + 6) & 0x1fff) != 0)
		return false;
	if (s0 == 0 || s0 == 127 || s0 >= 224 || sl_iface_is_bcast4(&dp->ifs, rd32(ip + 12)))
		return false;
	if (ip[9] == IPPROTO_ICMP_ && rd16(ip + 2) >= ihl + 1) {
		uint8_t t = ip[ihl];
		if (t == 3 || t == 4 || t == 5 || t == 11 || t == 12)
			return false;
	}
	return true;
}

/* RFC 4443 2.4(e): not about an ICMPv6 error, wherever in the extension
 * header chain its header is, nor a later fragment; a chain we cannot
 * follow within the packet gets no error either. */
static bool may_error6(const struct sl_dp *dp, const struct sl_meta *meta, const uint8_t *ip)
{
	struct ip6_upper u;

	if (meta->l2_mcast || ip[8] == 0xff || ip6_is_unspec(ip + 8) || ip[24] == 0xff)
		return false;
	/* RFC 4443 2.4(e.3): nor to an address we know to be anycast (a
	 * Subnet-Router anycast address of one of our prefixes) */
	if (nd_anycast_any(dp, ip + 8) != NULL)
		return false;
	if (ip6_upper(ip, &u) < 0 || u.nonfirst)
		return false;
	if (u.proto == IPPROTO_ICMPV6_ && (u.off >= 40u + rd16(ip + 4) || ip[u.off] < 128))
		return false;
	return true;
}

static struct rte_mbuf *error4(struct sl_slow *s, struct rte_mbuf *orig, const uint8_t *oip,
	const struct sl_iface *iif, uint8_t type, uint8_t code, uint32_t info)
{
	unsigned int olen = rd16(oip + 2), quote = RTE_MIN(olen, ICMP4_ERR_MAX - 28u);
	struct rte_mbuf *m;
	uint8_t *p, *ip, *icmp;
	uint32_t src;
	uint16_t l2;

	if (sl_iface_src4(iif, 0, &src) < 0)
		return NULL;
	m = slow_alloc(s);
	if (m == NULL)
		return NULL;
	l2 = l2_len_of(iif);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l2 + 28 + quote));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	put_l2(p, iif, rte_pktmbuf_mtod(orig, uint8_t *) + 6, ETYPE_IPV4);
	ip = p + l2;
	memset(ip, 0, 28);
	ip[0] = 0x45;
	ip[1] = 0xc0;
	wr16(ip + 2, (uint16_t)(28 + quote));
	ip[8] = 64;
	ip[9] = IPPROTO_ICMP_;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, oip + 12, 4);
	st16(ip + 10, sl_csum(ip, 20));
	icmp = ip + 20;
	icmp[0] = type;
	icmp[1] = code;
	wr32(icmp + 4, info);
	memcpy(icmp + 8, oip, quote);
	st16(icmp + 2, sl_csum(icmp, 8 + quote));
	return m;
}

static struct rte_mbuf *error6(struct sl_slow *s, const struct rte_mbuf *orig, const uint8_t *oip,
	const struct sl_iface *iif, uint8_t type, uint8_t code, uint32_t info)
{
	unsigned int olen = 40u + rd16(oip + 4), quote = RTE_MIN(olen, ICMP6_ERR_MAX - 48u);
	struct rte_mbuf *m;
	uint8_t *p, *ip, *icmp;
	uint16_t l2;

	m = slow_alloc(s);
	if (m == NULL)
		return NULL;
	l2 = l2_len_of(iif);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l2 + 48 + quote));
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	put_l2(p, iif, rte_pktmbuf_mtod(orig, const uint8_t *) + 6, ETYPE_IPV6);
	ip = p + l2;
	memset(ip, 0, 48);
	ip[0] = 0x60;
	wr16(ip + 4, (uint16_t)(8 + quote));
	ip[6] = IPPROTO_ICMPV6_;
	ip[7] = 64;
	sl_iface_src6(iif, NULL, true, ip + 8);
	memcpy(ip + 24, oip + 8, 16);
	icmp = ip + 40;
	icmp[0] = type;
	icmp[1] = code;
	wr32(icmp + 4, info);
	memcpy(icmp + 8, oip, quote);
	st16(icmp + 2, sl_csum_l4_6(ip, IPPROTO_ICMPV6_, icmp, 8 + quote));
	return m;
}

void icmp_error(struct sl_slow *s, struct rte_mbuf *m, enum sl_drop_reason why, uint8_t type,
	uint8_t code, uint32_t info, uint64_t now)
{
	struct sl_meta *meta = sl_meta(m);
	const struct sl_iface *iif = &s->dp->ifs.ifaces[meta->iface];
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l2_len);
	bool v4 = (ip[0] >> 4) == 4;
	struct rte_mbuf *e = NULL;

	if (!meta->generated && (v4 ? may_error4(s->dp, meta, ip) : may_error6(s->dp, meta, ip))) {
		if (!ratelimit_ok(s, iif->id, now)) {
			s->stats.event[SL_EV_ICMP_RATE_LIMITED]++;
		} else {
			e = v4 ? error4(s, m, ip, iif, type, code, info)
			       : error6(s, m, ip, iif, type, code, info);
			if (e) {
				s->stats.event[SL_EV_ICMP_SENT]++;
				slow_tx(s, iif->id, e);
			}
		}
	}
	slow_drop(s, m, why);
}
