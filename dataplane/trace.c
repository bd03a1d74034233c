/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#define SLUICE_TRACE_DATAPLANE
#include <sluice/pipeline.h>
#include <sluice/trace.h>

#define RING (SL_TRACE_COUNT_MAX) /* a power of two: one session fits */

struct trace_worker {
	struct sl_trace_rec *recs;
	uint32_t widx; /* written by the worker (release) */
	uint32_t ridx; /* control thread only */
} __attribute__((aligned(64)));

uint32_t sl_trace_budget;
__thread bool sl_trace_busy;

static struct trace_worker *tw;
static unsigned int n_tw;
static uint64_t trace_seq;

int sl_trace_init(unsigned int n_workers)
{
	tw = rte_zmalloc("sl_trace", sizeof(*tw) * n_workers, 64);
	if (tw == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < n_workers; i++) {
		tw[i].recs = rte_zmalloc("sl_trace_recs", sizeof(struct sl_trace_rec) * RING, 64);
		if (tw[i].recs == NULL) {
			n_tw = i;
			sl_trace_fini();
			return -ENOMEM;
		}
	}
	n_tw = n_workers;
	return 0;
}

void sl_trace_fini(void)
{
	__atomic_store_n(&sl_trace_budget, 0, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < n_tw; i++)
		rte_free(tw[i].recs);
	rte_free(tw);
	tw = NULL;
	n_tw = 0;
}

int sl_trace_start(uint32_t count)
{
	if (tw == NULL)
		return -ENOTSUP;
	if (count == 0 || count > SL_TRACE_COUNT_MAX)
		return -EINVAL;
	if (__atomic_load_n(&sl_trace_budget, __ATOMIC_ACQUIRE) != 0)
		return -EBUSY;
	/* leftovers of an earlier capture are skipped */
	for (unsigned int i = 0; i < n_tw; i++)
		tw[i].ridx = __atomic_load_n(&tw[i].widx, __ATOMIC_ACQUIRE);
	__atomic_store_n(&sl_trace_budget, count, __ATOMIC_RELEASE);
	return 0;
}

void sl_trace_stop(void)
{
	__atomic_store_n(&sl_trace_budget, 0, __ATOMIC_RELEASE);
}

uint32_t sl_trace_collect(struct sl_trace_rec *out, uint32_t max)
{
	uint32_t n = 0;

	for (unsigned int i = 0; i < n_tw && n < max; i++) {
		uint32_t w = __atomic_load_n(&tw[i].widx, __ATOMIC_ACQUIRE);
		while (tw[i].ridx != w && n < max)
			out[n++] = tw[i].recs[tw[i].ridx++ % RING];
	}
	return n;
}

/* Take one packet from the shared budget. */
static bool claim(void)
{
	uint32_t b = __atomic_load_n(&sl_trace_budget, __ATOMIC_RELAXED);

	while (b != 0)
		if (__atomic_compare_exchange_n(
			    &sl_trace_budget, &b, b - 1, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			return true;
	return false;
}

uint16_t sl_trace_pipeline(struct sl_worker *w, struct rte_mbuf **pkts, uint16_t n, uint16_t port,
	uint64_t now, uint16_t *verdict)
{
	uint16_t ntx = 0;
	/* only packets received by workers: the slow path re-runs packets
	 * through the pipeline on the main lcore with a worker context of its
	 * own, which must not write into a worker's ring */
	bool mine = rte_lcore_id() != rte_get_main_lcore();

	sl_trace_busy = true;
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		struct sl_meta *meta = sl_meta(m);
		uint64_t before[SL_DROP_MAX];
		struct trace_worker *t;
		struct sl_trace_rec *r;
		uint16_t v;

		if (!mine || w->id >= n_tw || !claim()) {
			ntx += sl_pipeline_run(w, &pkts[i], 1, port, now, &verdict[i]);
			continue;
		}
		t = &tw[w->id];
		r = &t->recs[t->widx % RING];
		memset(r, 0, sizeof(*r));
		r->seq = __atomic_fetch_add(&trace_seq, 1, __ATOMIC_RELAXED);
		r->now = now;
		r->worker = (uint16_t)w->id;
		r->port = port;
		r->pkt_len = m->pkt_len;
		r->head_len = (uint16_t)RTE_MIN(m->data_len, (uint32_t)SL_TRACE_HEAD);
		memcpy(r->head, rte_pktmbuf_mtod(m, const uint8_t *), r->head_len);
		memcpy(before, w->stats.drop, sizeof(before));
		meta->iface = SL_IFACE_NONE;

		ntx += sl_pipeline_run(w, &pkts[i], 1, port, now, &verdict[i]);

		v = verdict[i];
		r->iface = meta->iface;
		if (v < SL_IFACE_MAX) {
			r->verdict = SL_TRACE_TX;
			r->out_iface = v;
			r->nexthop = meta->nexthop;
			memcpy(r->dst_mac, rte_pktmbuf_mtod(m, const uint8_t *), 6);
		} else if (v == SL_V_SLOW) {
			r->verdict = SL_TRACE_SLOW;
			r->slow_kind = meta->slow;
			if (meta->slow == SL_SLOW_NEIGH_MISS || meta->slow == SL_SLOW_TOO_BIG) {
				r->nexthop = meta->nexthop;
				r->out_iface = meta->out_iface;
			}
		} else {
			r->verdict = SL_TRACE_DROP;
			for (unsigned int k = 0; k < SL_DROP_MAX; k++)
				if (w->stats.drop[k] != before[k]) {
					r->drop_reason = (uint16_t)k;
					break;
				}
		}
		__atomic_store_n(&t->widx, t->widx + 1, __ATOMIC_RELEASE);
	}
	sl_trace_busy = false;
	return ntx;
}
