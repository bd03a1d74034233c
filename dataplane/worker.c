/* SPDX-License-Identifier: BSD-3-Clause */
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <sluice/backend.h>

#include "boot.h"
#include "live.h"

#define FLUSH_NS 100000 /* drain partly filled TX buffers after 100 us */

struct live *live_g;

/* TX queue full: forwarded packets become tx-full drops. */
static void tx_unsent(struct rte_mbuf **pkts, uint16_t unsent, void *arg)
{
	struct sl_worker *w = arg;

	for (uint16_t i = 0; i < unsent; i++) {
		if (sl_meta(pkts[i])->generated) {
			w->stats.event[SL_EV_GEN_TX_FAILED]++;
		} else {
			w->stats.forwarded--;
			sl_stats_drop(&w->stats, SL_DROP_TX_FULL);
		}
		w->stats.if_tx[sl_meta(pkts[i])->out_iface]--;
		rte_pktmbuf_free(pkts[i]);
	}
}

static inline void tx_one(
	struct live_worker *lw, const struct sl_iface_table *t, uint16_t iface, struct rte_mbuf *m)
{
	const struct sl_iface *oif = &t->ifaces[iface];
	const struct sl_port *p = &t->ports[oif->port];

	sl_meta(m)->out_iface = iface;
	lw->w.stats.if_tx[iface]++;
	lw->w.stats.if_tx_bytes[iface] += m->pkt_len;
	rte_eth_tx_buffer(p->eth_port, (uint16_t)lw->w.id, lw->txb[oif->port], m);
}

static void flush_all(struct live_worker *lw, const struct sl_iface_table *t)
{
	for (unsigned int p = 0; p < t->n_ports; p++)
		rte_eth_tx_buffer_flush(t->ports[p].eth_port, (uint16_t)lw->w.id, lw->txb[p]);
}

int live_worker_main(void *arg)
{
	struct live_worker *lw = arg;
	struct live *lv = live_g;
	struct sl_dp *dp = lv->dp;
	const struct sl_iface_table *t = &dp->ifs;
	struct rte_mbuf *pkts[SL_BURST], *slowq[SL_BURST];
	uint16_t verdict[SL_BURST];

	for (unsigned int p = 0; p < t->n_ports; p++)
		rte_eth_tx_buffer_set_err_callback(lw->txb[p], tx_unsent, &lw->w);
	rte_rcu_qsbr_thread_register(dp->qsv, lw->w.id);
	rte_rcu_qsbr_thread_online(dp->qsv, lw->w.id);

	while (!lv->stop) {
		uint64_t now = boot_now_ns();
		unsigned int busy = 0;

		for (unsigned int q = 0; q < lw->n_rxq; q++) {
			const struct live_rxq *rq = &lw->rxq[q];
			uint16_t n = rte_eth_rx_burst(rq->eth_port, rq->queue, pkts, SL_BURST);
			unsigned int ns = 0;

			if (n == 0)
				continue;
			busy += n;
			sl_pipeline_run(&lw->w, pkts, n, rq->port, now, verdict);
			for (uint16_t i = 0; i < n; i++) {
				if (verdict[i] < SL_IFACE_MAX)
					tx_one(lw, t, verdict[i], pkts[i]);
				else if (verdict[i] == SL_V_SLOW)
					slowq[ns++] = pkts[i];
				else
					rte_pktmbuf_free(pkts[i]);
			}
			if (ns) {
				unsigned int k = rte_ring_enqueue_burst(
					lw->to_slow, (void **)slowq, ns, NULL);
				for (; k < ns; k++) {
					sl_stats_drop(&lw->w.stats, SL_DROP_SLOWPATH_FULL);
					rte_pktmbuf_free(slowq[k]);
				}
			}
		}
		/* what the slow path built or released */
		unsigned int ng =
			rte_ring_dequeue_burst(lw->from_slow, (void **)pkts, SL_BURST, NULL);
		for (unsigned int i = 0; i < ng; i++)
			tx_one(lw, t, sl_meta(pkts[i])->out_iface, pkts[i]);
		busy += ng;

		if (busy == 0 || now - lw->last_flush > FLUSH_NS) {
			flush_all(lw, t);
			lw->last_flush = now;
		}
		rte_rcu_qsbr_quiescent(dp->qsv, lw->w.id);
	}
	flush_all(lw, t);
	rte_rcu_qsbr_thread_offline(dp->qsv, lw->w.id);
	rte_rcu_qsbr_thread_unregister(dp->qsv, lw->w.id);
	return 0;
}

void live_slow_tx(void *ctx, uint16_t iface, struct rte_mbuf *m)
{
	struct live *lv = ctx;
	struct live_worker *lw = lv->workers[lv->next_tx_worker++ % lv->n_workers];

	sl_meta(m)->out_iface = iface;
	if (rte_ring_enqueue(lw->from_slow, m) != 0) {
		if (sl_meta(m)->generated) {
			lv->slow.stats.event[SL_EV_GEN_TX_FAILED]++;
		} else {
			lv->slow.stats.forwarded--;
			sl_stats_drop(&lv->slow.stats, SL_DROP_SLOWPATH_FULL);
		}
		rte_pktmbuf_free(m);
	}
}

void live_main_loop(struct live *lv)
{
	struct rte_mbuf *pkts[SL_BURST];
	uint64_t last_reap = 0;

	while (!lv->stop) {
		uint64_t now = boot_now_ns();
		unsigned int busy = 0;

		for (unsigned int w = 0; w < lv->n_workers; w++) {
			unsigned int n = rte_ring_dequeue_burst(
				lv->workers[w]->to_slow, (void **)pkts, SL_BURST, NULL);
			for (unsigned int i = 0; i < n; i++)
				sl_slow_input(&lv->slow, pkts[i], now);
			busy += n;
		}
		sl_slow_timers(&lv->slow, now);
		/* NAT expiry: a slice of the session table every millisecond */
		if (now - last_reap >= SL_NAT_REAP_PERIOD_NS) {
			sl_nat_reap(&lv->dp->nat, now, SL_NAT_REAP_SLICE);
			last_reap = now;
		}
		busy += sl_ctl_server_poll(lv->ctl); /* control requests, non-blocking */
		if (busy == 0)
			usleep(100);
	}
}
