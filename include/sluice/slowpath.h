/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file slowpath.h
 * Everything the fast path hands over: ARP and ND, packets addressed to the
 * gateway (echo), ICMP/ICMPv6 errors (time exceeded, unreachable, too big),
 * neighbour resolution with a small hold queue, IPv4 fragmentation, and the
 * neighbour timers. One slow-path context runs on one thread (the main
 * lcore live; the replay thread offline) and is the only writer of the
 * neighbour table. It may allocate; it never blocks.
 */
#ifndef SLUICE_SLOWPATH_H
#define SLUICE_SLOWPATH_H

#include <stdint.h>

#include <rte_mbuf.h>

#include <sluice/dp.h>
#include <sluice/fragtab.h>
#include <sluice/pipeline.h>
#include <sluice/stats.h>

/** Transmit @p m (consumed) on logical interface @p iface. */
typedef void (*sl_tx_fn)(void *ctx, uint16_t iface, struct rte_mbuf *m);

#define SL_ICMP_RATE_PER_S 1000
#define SL_ICMP_BURST	   50

struct sl_ratelimit {
	uint64_t tokens;
	uint64_t last; /**< ns */
	bool started;
};

struct sl_slow {
	struct sl_dp *dp;
	struct sl_worker rw;	 /**< runs packets through the pipeline again */
	struct sl_fragtab frags; /**< IPv4 datagrams crossing NAT in fragments */
	uint32_t frags_held;	 /**< early fragments held in all */
	struct sl_stats stats;
	sl_tx_fn tx;
	void *tx_ctx;
	uint64_t held;	     /**< packets waiting in neighbour hold queues */
	uint64_t next_timer; /**< ns: earliest neighbour event */
	struct sl_ratelimit icmp_rl[SL_IFACE_MAX];
};

void sl_slow_init(struct sl_slow *s, struct sl_dp *dp, sl_tx_fn tx, void *tx_ctx);

/** Handle one packet whose verdict was SL_V_SLOW (consumes it). */
void sl_slow_input(struct sl_slow *s, struct rte_mbuf *m, uint64_t now);

/** Run neighbour timers due at @p now (cheap when nothing is due). */
void sl_slow_timers(struct sl_slow *s, uint64_t now);

/** Drop every held packet as `shutdown`/`no-neighbour` (end of replay, exit). */
void sl_slow_flush(struct sl_slow *s, enum sl_drop_reason why);

#endif
