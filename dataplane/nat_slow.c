/* SPDX-License-Identifier: BSD-3-Clause */
/* NAT work of the slow path: IPv4 fragments and ICMP errors (RFC 5508). */
#include <string.h>

#include <sluice/pipeline.h>

#include "nat_int.h"
#include "slow_int.h"

/* Run a packet through the pipeline again (already counted as received). */
void slow_reinject(struct sl_slow *s, struct rte_mbuf *m, uint8_t nat_skip, uint64_t now)
{
	struct sl_meta *meta = sl_meta(m);
	uint16_t port = s->dp->ifs.ifaces[meta->iface].port, v;

	meta->reinject = 1;
	meta->frag_ok = 1;
	meta->nat_skip = nat_skip;
	sl_pipeline_run(&s->rw, &m, 1, port, now, &v);
	if (v < SL_IFACE_MAX)
		slow_tx(s, v, m);
	else if (v == SL_V_SLOW)
		sl_slow_input(s, m, now);
	else
		rte_pktmbuf_free(m);
}

/* ---------- fragments ---------- */

/* Forget the oldest datagram: its held fragments are dropped. */
static void frag_pop(struct sl_slow *s)
{
	struct sl_frag *f = sl_fragtab_oldest(&s->frags);

	for (unsigned int k = 0; f && k < f->n_held; k++) {
		s->held--;
		s->frags_held--;
		slow_drop(s, f->held[k], SL_DROP_NAT_FRAG_UNMATCHED);
	}
	sl_fragtab_pop(&s->frags);
}

/* A datagram's record, made at its first fragment to come; the table full,
 * the oldest one goes. */
static struct sl_frag *frag_new(
	struct sl_slow *s, uint32_t src, uint32_t dst, uint16_t id, uint8_t proto, uint64_t now)
{
	struct sl_frag *f;

	if (sl_fragtab_full(&s->frags))
		frag_pop(s);
	f = sl_fragtab_add(&s->frags, src, dst, id, proto, now + SL_NAT_FRAG_NS);
	if (f->expires < s->next_timer)
		s->next_timer = f->expires;
	return f;
}

/* Give a later fragment the first fragment's address translation and send it. */
static void frag_send(struct sl_slow *s, const struct sl_frag *f, struct rte_mbuf *m, uint64_t now)
{
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, sl_meta(m)->l2_len);

	if (f->dropped) {
		slow_drop(s, m, (enum sl_drop_reason)f->why);
		return;
	}
	if (f->translate) {
		struct sl_nat_tuple to = {.src = f->nsrc, .dst = f->ndst, .proto = f->proto};
		nat_rewrite(ip, &to); /* addresses only: no L4 header here */
	}
	slow_reinject(s, m, f->translate ? SL_NAT_SKIP_DONE : SL_NAT_SKIP_RAW, now);
}

enum icmp_fate { ICMP_TRANSLATED, ICMP_AS_IS, ICMP_DROPPED, ICMP_BAD };
static enum icmp_fate icmp_handle(
	struct sl_slow *s, struct rte_mbuf *m, uint64_t now, uint32_t *nsrc, uint32_t *ndst);

/* The drop reason whose counter moved between two snapshots. */
static enum sl_drop_reason moved(const struct sl_stats *a, const struct sl_stats *b)
{
	for (unsigned int r = 0; r < SL_DROP_MAX; r++)
		if (a->drop[r] != b->drop[r])
			return (enum sl_drop_reason)r;
	return SL_DROP_NAT_FRAG_UNMATCHED;
}

static void first_fragment(struct sl_slow *s, struct rte_mbuf *m, struct sl_frag *f, uint64_t now)
{
	struct sl_meta *meta = sl_meta(m);
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l2_len);
	uint16_t port = s->dp->ifs.ifaces[meta->iface].port, v;
	uint64_t before[SL_DROP_MAX];
	uint32_t osrc, odst;

	memcpy(&osrc, ip + 12, 4);
	memcpy(&odst, ip + 16, 4);
	memcpy(before, s->rw.stats.drop, sizeof(before));
	meta->reinject = 1;
	meta->frag_ok = 1;
	meta->nat_skip = 0;
	sl_pipeline_run(&s->rw, &m, 1, port, now, &v);
	f->have_first = true;
	if (v == SL_V_DROP) {
		struct sl_stats a = {0}, b = {0};
		memcpy(a.drop, before, sizeof(before));
		memcpy(b.drop, s->rw.stats.drop, sizeof(b.drop));
		f->dropped = true;
		f->why = (uint8_t)moved(&a, &b);
		rte_pktmbuf_free(m);
		return;
	}
	if (v == SL_V_SLOW && meta->slow == SL_SLOW_NAT_ICMP) {
		/* the first fragment of an ICMP error: translated here, so that
		 * the later fragments get its outer addresses */
		switch (icmp_handle(s, m, now, &f->nsrc, &f->ndst)) {
		case ICMP_TRANSLATED:
			f->translate = f->nsrc != osrc || f->ndst != odst;
			break;
		case ICMP_AS_IS:
			break; /* later ones too */
		case ICMP_DROPPED:
			f->dropped = true;
			f->why = SL_DROP_NAT_NO_SESSION;
			break;
		case ICMP_BAD:
			f->dropped = true;
			f->why = SL_DROP_BAD_ICMP;
			break;
		}
		return;
	}
	/* where the headers are now: after the L2 rewrite when transmitted */
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *nip = v < SL_IFACE_MAX ? p + (rd16(p + 12) == ETYPE_VLAN ? 18 : 14) : ip;
	memcpy(&f->nsrc, nip + 12, 4);
	memcpy(&f->ndst, nip + 16, 4);
	f->translate = f->nsrc != osrc || f->ndst != odst;
	if (v < SL_IFACE_MAX)
		slow_tx(s, v, m);
	else
		sl_slow_input(s, m, now);
}

/*
 * What a later fragment whose first one has not come can be given at once:
 * nat_miss()'s rule without the L4 header. A datagram to a pool address,
 * from inside out of an outside interface, or ICMP from outside (an error
 * or not: only its first fragment tells) may need NAT: held for the first
 * fragment. The rest never does: routed as it comes, or from outside
 * towards an inside interface, dropped as its first fragment will be.
 */
enum frag_fate { FRAG_HOLD, FRAG_ROUTE, FRAG_NO_SESSION };

static enum frag_fate frag_early_fate(const struct sl_dp *dp, uint16_t iif, const uint8_t *ip)
{
	struct sl_ip d = {.family = SL_AF_INET};
	enum sl_role out = SL_ROLE_NONE;
	uint32_t nh;

	memcpy(&d.v4, ip + 16, 4);
	if (sl_nat_is_pool_addr(&dp->nat, d.v4))
		return FRAG_HOLD;
	nh = sl_fib_lookup(&dp->fib, &d);
	if (nh != SL_NH_NONE && sl_nh_forwards(&dp->fib.nh[nh]))
		out = dp->ifs.ifaces[dp->fib.nh[nh].iface].role;
	if (dp->ifs.ifaces[iif].role == SL_ROLE_INSIDE)
		return out == SL_ROLE_OUTSIDE ? FRAG_HOLD : FRAG_ROUTE;
	if (ip[9] == IPPROTO_ICMP_)
		return FRAG_HOLD;
	return out == SL_ROLE_INSIDE ? FRAG_NO_SESSION : FRAG_ROUTE;
}

void nat_frag_input(struct sl_slow *s, struct rte_mbuf *m, uint64_t now)
{
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, sl_meta(m)->l2_len);
	uint32_t src, dst;
	uint16_t id = rd16(ip + 4);
	bool first = (rd16(ip + 6) & 0x1fff) == 0;
	struct sl_frag *f;

	memcpy(&src, ip + 12, 4);
	memcpy(&dst, ip + 16, 4);
	f = sl_fragtab_find(&s->frags, src, dst, id, ip[9]);
	if (f == NULL && !first) {
		switch (frag_early_fate(s->dp, sl_meta(m)->iface, ip)) {
		case FRAG_ROUTE:
			slow_reinject(s, m, SL_NAT_SKIP_RAW, now);
			return;
		case FRAG_NO_SESSION:
			slow_drop(s, m, SL_DROP_NAT_NO_SESSION);
			return;
		case FRAG_HOLD:
			break;
		}
	}
	if (f == NULL)
		f = frag_new(s, src, dst, id, ip[9], now);
	if (first) {
		if (f->have_first) {
			/* a duplicate first fragment: its L4 header is translated
			 * (or it is dropped) as the first one was; the first one's
			 * decision stays the datagram's */
			struct sl_frag keep = *f;
			if (f->dropped) {
				frag_send(s, f, m, now);
				return;
			}
			first_fragment(s, m, f, now);
			*f = keep;
			return;
		}
		first_fragment(s, m, f, now);
		for (unsigned int i = 0; i < f->n_held; i++) {
			s->held--;
			s->frags_held--;
			frag_send(s, f, f->held[i], now);
		}
		f->n_held = 0;
		return;
	}
	if (f->have_first) {
		frag_send(s, f, m, now);
		return;
	}
	if (f->n_held == NAT_FRAG_HOLD || s->frags_held >= NAT_FRAGS_HELD_MAX) {
		slow_drop(s, m, SL_DROP_NAT_FRAG_UNMATCHED);
		return;
	}
	f->held[f->n_held++] = m;
	s->held++;
	s->frags_held++;
}

void nat_frag_timers(struct sl_slow *s, uint64_t now, bool all)
{
	const struct sl_frag *f;

	/* oldest first: the ring is in order of expiry */
	while ((f = sl_fragtab_oldest(&s->frags)) != NULL) {
		if (!all && f->expires > now) {
			if (f->expires < s->next_timer)
				s->next_timer = f->expires;
			return;
		}
		frag_pop(s);
	}
}
/* ---------- ICMP errors (RFC 5508) ---------- */

/*
 * Translate an ICMP error on a NAT interface in place by the session of
 * its embedded packet: the embedded header and L4 header back to their
 * untranslated form, the outer addresses the session translates, every
 * checksum. The ICMP checksum is updated incrementally (RFC 1624): the
 * error may be the first fragment of a longer one, whose checksum covers
 * bytes this fragment does not hold. @return 1 if translated, 0 (the
 * packet untouched) when no live session matches, -1 when one does but a
 * checksum the error can be checked by is wrong (RFC 5508 REQ-3: the ICMP
 * checksum, unless a fragment; the embedded IP header's).
 */
static int icmp_translate(struct sl_slow *s, struct rte_mbuf *m, uint64_t now)
{
	struct sl_meta *meta = sl_meta(m);
	struct sl_nat *nat = &s->dp->nat;
	uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, meta->l2_len);
	unsigned int ihl = (ip[0] & 0x0f) * 4u, tot = rd16(ip + 2), ilen = tot - ihl;
	uint8_t *icmp = ip + ihl, *e = icmp + 8, *el4, *l4c = NULL;
	unsigned int eihl, quote;
	struct sl_nat_tuple et = {0}, key;
	const struct sl_nat_session *ss;
	const struct sl_nat_tuple *o;
	uint32_t v, od;
	uint16_t c, ic, old;

	if (ilen < 8 + 20 || (e[0] >> 4) != 4 || (eihl = (e[0] & 0x0f) * 4u) < 20 ||
		ilen < 8 + eihl + 4 || (rd16(e + 6) & 0x1fff) != 0)
		return 0;
	quote = ilen - 8 - eihl; /* L4 bytes of the embedded packet (in this fragment) */
	el4 = e + eihl;
	et.proto = e[9];
	memcpy(&et.src, e + 12, 4);
	memcpy(&et.dst, e + 16, 4);
	if (et.proto == IPPROTO_TCP_ || et.proto == IPPROTO_UDP_) {
		memcpy(&et.sport, el4, 2);
		memcpy(&et.dport, el4 + 2, 2);
	} else if (et.proto == IPPROTO_ICMP_ && quote >= 8 && (el4[0] == 8 || el4[0] == 0)) {
		memcpy(el4[0] == 8 ? &et.sport : &et.dport, el4 + 4, 2);
	} else {
		return 0;
	}
	/* an error goes to the source of the packet it quotes (RFC 5508
	 * REQ-4c); one sent elsewhere would disclose the inside endpoint */
	memcpy(&od, ip + 16, 4);
	if (od != et.src)
		return 0;
	/* the session sees a reply to the embedded packet */
	key = (struct sl_nat_tuple){.src = et.dst,
		.dst = et.src,
		.sport = et.dport,
		.dport = et.sport,
		.proto = et.proto};
	v = sl_nat_find(nat, &key, now);
	if (v == SL_NAT_NONE)
		return 0;
	if (sl_csum(e, eihl) != 0 || (!(ip[6] & 0x20) && sl_csum(icmp, ilen) != 0))
		return -1;
	ss = &nat->sess[v >> 1];
	o = &ss->t[(v & 1) ^ 1]; /* the embedded packet as it was before translation */

	/* embedded packet back to its untranslated form; every change (all
	 * at even offsets of the ICMP message) also goes into its checksum */
	ic = ld16(icmp + 2);
	old = ld16(e + 10);
	c = sl_csum_update32(old, et.src, o->src);
	c = sl_csum_update32(c, et.dst, o->dst);
	st16(e + 10, c);
	ic = sl_csum_update16(ic, old, c);
	ic = sl_csum_update32(ic, et.src, o->src);
	ic = sl_csum_update32(ic, et.dst, o->dst);
	if (et.proto == IPPROTO_UDP_ && quote >= 8 && ld16(el4 + 6) != 0) {
		l4c = el4 + 6;
		c = l4_fix(ld16(l4c), et.src, o->src, et.dst, o->dst, et.sport, o->sport, et.dport,
			o->dport);
		c = c ? c : 0xffff;
	} else if (et.proto == IPPROTO_TCP_ && quote >= 18) {
		l4c = el4 + 16;
		c = l4_fix(ld16(l4c), et.src, o->src, et.dst, o->dst, et.sport, o->sport, et.dport,
			o->dport);
	} else if (et.proto == IPPROTO_ICMP_) {
		uint16_t id = el4[0] == 8 ? o->sport : o->dport;
		l4c = el4 + 2;
		c = sl_csum_update16(ld16(l4c), ld16(el4 + 4), id);
	}
	if (l4c) {
		ic = sl_csum_update16(ic, ld16(l4c), c);
		st16(l4c, c);
	}
	memcpy(e + 12, &o->src, 4);
	memcpy(e + 16, &o->dst, 4);
	if (et.proto == IPPROTO_ICMP_) {
		uint16_t id = el4[0] == 8 ? o->sport : o->dport;
		ic = sl_csum_update16(ic, ld16(el4 + 4), id);
		st16(el4 + 4, id);
	} else {
		ic = sl_csum_update16(ic, ld16(el4), o->sport);
		ic = sl_csum_update16(ic, ld16(el4 + 2), o->dport);
		st16(el4, o->sport);
		st16(el4 + 2, o->dport);
	}
	st16(icmp + 2, ic);
	/* outer header: to the quoted packet's untranslated source; from the
	 * outside address of the mapping when it comes from inside, whichever
	 * inside node sent it (RFC 5508 REQ-5c: no private address leaves) */
	memcpy(ip + 16, &o->src, 4);
	if (s->dp->ifs.ifaces[meta->iface].role == SL_ROLE_INSIDE)
		memcpy(ip + 12, &o->dst, 4);
	st16(ip + 10, 0);
	st16(ip + 10, sl_csum(ip, ihl));
	return 1;
}

/* An ICMP error on a NAT interface: translated by its session and
 * reinjected (*nsrc, *ndst: its new outer addresses); with a bad checksum,
 * dropped bad-icmp; else from inside, routed as is (dropped if it would
 * leave by an outside interface); else dropped nat-no-session. */
static enum icmp_fate icmp_handle(
	struct sl_slow *s, struct rte_mbuf *m, uint64_t now, uint32_t *nsrc, uint32_t *ndst)
{
	int rc = icmp_translate(s, m, now);

	if (rc < 0) {
		slow_drop(s, m, SL_DROP_BAD_ICMP);
		return ICMP_BAD;
	}
	if (rc > 0) {
		const uint8_t *ip = rte_pktmbuf_mtod_offset(m, uint8_t *, sl_meta(m)->l2_len);
		memcpy(nsrc, ip + 12, 4);
		memcpy(ndst, ip + 16, 4);
		slow_reinject(s, m, SL_NAT_SKIP_DONE, now);
		return ICMP_TRANSLATED;
	}
	if (s->dp->ifs.ifaces[sl_meta(m)->iface].role == SL_ROLE_INSIDE) {
		slow_reinject(s, m, SL_NAT_SKIP_RAW, now);
		return ICMP_AS_IS;
	}
	slow_drop(s, m, SL_DROP_NAT_NO_SESSION);
	return ICMP_DROPPED;
}

void nat_icmp_input(struct sl_slow *s, struct rte_mbuf *m, uint64_t now)
{
	uint32_t nsrc, ndst;

	(void)icmp_handle(s, m, now, &nsrc, &ndst);
}
