/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the in-memory benchmarks: what a worker does with a burst's
 * verdicts (worker.c's tx_one() into a TX buffer, the slow-path queue, the
 * drop branch), without the I/O itself, so that the timed section holds
 * exactly the per-burst work of a worker.
 */
#ifndef SL_BENCH_SINK_H
#define SL_BENCH_SINK_H

#include <stdint.h>

#include <rte_mbuf.h>

#include <sluice/pipeline.h>

/* What the worker's TX buffer does, without the transmit. */
struct txbuf {
	uint16_t len;
	struct rte_mbuf *pkts[SL_BURST];
};

struct sink {
	struct txbuf tx[SL_PORT_MAX];
	struct rte_mbuf *slowq[SL_BURST];
	uint64_t flushed, slow, dropped;
};

static inline void dispatch(struct sl_worker *w, const struct sl_iface_table *t,
	struct rte_mbuf **pkts, uint16_t n, const uint16_t *verdict, struct sink *s)
{
	unsigned int ns = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (verdict[i] < SL_IFACE_MAX) {
			const struct sl_iface *oif = &t->ifaces[verdict[i]];
			struct txbuf *b = &s->tx[oif->port];
			sl_meta(pkts[i])->out_iface = verdict[i];
			w->stats.if_tx[verdict[i]]++;
			w->stats.if_tx_bytes[verdict[i]] += pkts[i]->pkt_len;
			b->pkts[b->len++] = pkts[i];
			if (b->len == SL_BURST) {
				s->flushed += b->len; /* rte_eth_tx_burst() would go here */
				b->len = 0;
			}
		} else if (verdict[i] == SL_V_SLOW) {
			s->slowq[ns++] = pkts[i];
		} else {
			s->dropped++;
		}
	}
	s->slow += ns;
}

#endif
