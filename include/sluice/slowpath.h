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

#define NAT_FRAGS_MAX	   64  /**< datagrams tracked at once */
#define NAT_FRAG_HOLD	   16  /**< early fragments held per datagram */
#define NAT_FRAGS_HELD_MAX 256 /**< early fragments held in all */

/** A fragmented datagram crossing NAT: its first fragment's translation. */
struct nat_frag {
	bool used, have_first, translate, dropped;
	uint8_t proto, why, n_held;
	uint16_t id;
	uint32_t src, dst;   /**< as received */
	uint32_t nsrc, ndst; /**< as the first fragment left */
	uint64_t expires;
	struct rte_mbuf *held[NAT_FRAG_HOLD];
};

struct sl_slow {
	struct sl_dp *dp;
	struct sl_worker rw; /**< runs packets through the pipeline again */
	struct nat_frag frags[NAT_FRAGS_MAX];
	uint32_t frags_held;
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
