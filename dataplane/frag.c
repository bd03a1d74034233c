/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <sluice/csum.h>
#include <sluice/pipeline.h>

#include "slow_int.h"

#define FRAG_MAX 64

/* RFC 791: options with the copy bit set go into every fragment. */
static unsigned int copied_options(const uint8_t *ip, unsigned int ihl, uint8_t *out)
{
	unsigned int i = 20, n = 0;

	while (i < ihl) {
		uint8_t t = ip[i];
		if (t == 0)
			break;
		if (t == 1) {
			i++;
			continue;
		}
		if (t & 0x80) {
			memcpy(out + n, ip + i, ip[i + 1]);
			n += ip[i + 1];
		}
		i += ip[i + 1];
	}
	while (n % 4)
		out[n++] = 0;
	return n;
}

/* Has the next hop of the packet with @p meta a MAC now? */
static bool next_hop_resolved(struct sl_slow *s, const struct sl_meta *meta)
{
	struct sl_neigh_table *nt = &s->dp->neigh;
	uint32_t idx = sl_neigh_find(nt, meta->out_iface, &meta->nexthop);
	uint64_t macw;

	return idx != SL_NEIGH_NONE && sl_neigh_mac(&nt->e[idx], &macw);
}

static void fragment4(struct sl_slow *s, struct rte_mbuf *m, uint16_t mtu, uint64_t now)
{
	struct sl_meta *meta = sl_meta(m);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint8_t *ip = p + meta->l2_len;
	unsigned int ihl = (ip[0] & 0x0f) * 4u, tot = rd16(ip + 2), payload = tot - ihl;
	unsigned int orig_off = (rd16(ip + 6) & 0x1fff) * 8u, off = 0, nf = 0, i;
	bool orig_mf = ip[6] & 0x20;
	uint8_t opts[40];
	unsigned int ihl2 = 20 + copied_options(ip, ihl, opts);
	struct rte_mbuf *f[FRAG_MAX];

	if (mtu < ihl + 8 || mtu < ihl2 + 8) {
		slow_drop(s, m, SL_DROP_FRAG_FAILED);
		return;
	}
	while (off < payload) {
		unsigned int hl = nf == 0 ? ihl : ihl2;
		unsigned int len = RTE_MIN((mtu - hl) & ~7u, payload - off);
		bool last = off + len == payload;
		struct sl_meta *fm;
		uint8_t *fp, *fip;

		if (nf == FRAG_MAX || (f[nf] = slow_alloc(s)) == NULL)
			goto fail;
		fp = (uint8_t *)rte_pktmbuf_append(f[nf], (uint16_t)(meta->l2_len + hl + len));
		if (fp == NULL) {
			rte_pktmbuf_free(f[nf]);
			goto fail;
		}
		memcpy(fp, p, meta->l2_len);
		fip = fp + meta->l2_len;
		if (nf == 0) {
			memcpy(fip, ip, ihl);
		} else {
			memcpy(fip, ip, 20);
			memcpy(fip + 20, opts, ihl2 - 20);
			fip[0] = (uint8_t)(0x40 | (ihl2 / 4));
		}
		memcpy(fip + hl, ip + ihl + off, len);
		wr16(fip + 2, (uint16_t)(hl + len));
		wr16(fip + 6,
			(uint16_t)(((!last || orig_mf) ? 0x2000 : 0) | ((orig_off + off) / 8)));
		st16(fip + 10, 0);
		st16(fip + 10, sl_csum(fip, hl));
		fm = sl_meta(f[nf]);
		*fm = *meta;
		fm->generated = 1;
		nf++;
		off += len;
	}
	s->stats.forwarded++;
	s->stats.event[SL_EV_FRAGMENTS] += nf;
	rte_pktmbuf_free(m);
	for (i = 0; i < nf; i++)
		slow_send_or_hold(s, f[i], now);
	return;
fail:
	for (i = 0; i < nf; i++)
		rte_pktmbuf_free(f[i]);
	slow_drop(s, m, SL_DROP_FRAG_FAILED);
}

void frag_or_too_big(struct sl_slow *s, struct rte_mbuf *m, uint64_t now)
{
	struct sl_meta *meta = sl_meta(m);
	const uint8_t *ip = rte_pktmbuf_mtod_offset(m, const uint8_t *, meta->l2_len);
	uint16_t mtu = s->dp->ifs.ifaces[meta->out_iface].mtu;

	if ((ip[0] >> 4) == 4 && !(ip[6] & 0x40) && !meta->frag_held &&
		!next_hop_resolved(s, meta)) {
		/* held whole, in one slot of the hold queue (its fragments
		 * could overflow it): fragmented when the next hop resolves,
		 * answered as one packet if it does not */
		meta->frag_held = 1;
		slow_send_or_hold(s, m, now);
		return;
	}
	meta->frag_held = 0;

	if ((ip[0] >> 4) == 6)
		icmp_error(s, m, SL_DROP_MTU_EXCEEDED, 2, 0, mtu, now);
	else if (ip[6] & 0x40)
		icmp_error(s, m, SL_DROP_MTU_EXCEEDED, 3, 4, mtu, now);
	else
		fragment4(s, m, mtu, now);
}
