/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file pipeline.h
 * The packet pipeline: one function over a burst,
 *   (packets, in-port, now) -> per-packet verdict
 * where a verdict is an egress interface, a drop (already counted), or the
 * slow path. The live worker loop, replay, the benchmark and the fuzzer all
 * call sl_pipeline_run(); only how packets arrive and leave differs.
 *
 * Fast path (forwarding through a resolved neighbour) allocates nothing,
 * takes no lock and logs nothing. ARP, ND, packets for the gateway, ICMP
 * error generation, unresolved neighbours and fragmentation go to the slow
 * path (slowpath.h), which may allocate.
 */
#ifndef SLUICE_PIPELINE_H
#define SLUICE_PIPELINE_H

#include <stdint.h>

#include <rte_mbuf.h>

#include <sluice/fib.h>
#include <sluice/iface.h>
#include <sluice/neigh.h>
#include <sluice/stats.h>

#define SL_BURST 32

/** Verdicts: < SL_IFACE_MAX means "transmit on this interface". */
#define SL_V_DROP 0xfffe /**< dropped and counted; the caller frees it */
#define SL_V_SLOW 0xfffd /**< hand to sl_slow_input() */

/** Why a packet goes to the slow path. */
enum sl_slow_kind {
	SL_SLOW_ARP = 1,
	SL_SLOW_LOCAL4,	    /**< addressed to one of our IPv4 addresses */
	SL_SLOW_LOCAL6,	    /**< ours or ND / multicast we listen to */
	SL_SLOW_NO_ROUTE,   /**< no-route: count + ICMP unreachable */
	SL_SLOW_TTL,	    /**< ttl-exceeded: count + ICMP time exceeded */
	SL_SLOW_NEIGH_MISS, /**< next hop unresolved: hold + solicit */
	SL_SLOW_TOO_BIG,    /**< over the egress MTU: fragment or ICMP */
	SL_SLOW_NAT_FRAG,   /**< IPv4 fragment on a NAT interface */
	SL_SLOW_NAT_ICMP,   /**< ICMP error on a NAT interface (RFC 5508) */
	SL_SLOW_BAD_OPTS4,  /**< bad-ip-options: count + ICMP parameter problem */
};

/**
 * Per-packet metadata in the mbuf private area (pools are created with
 * priv_size >= sizeof(struct sl_meta)).
 */
/* meta.nat_skip */
#define SL_NAT_SKIP_RAW	 1 /**< not translatable: must not leave by an outside interface */
#define SL_NAT_SKIP_DONE 2 /**< already translated by the slow path */

struct sl_meta {
	uint16_t iface; /**< ingress logical interface */
	uint16_t out_iface;
	uint16_t l2_len;      /**< 14 or 18 */
	uint8_t slow;	      /**< enum sl_slow_kind */
	uint8_t l2_mcast;     /**< received as L2 broadcast/multicast */
	uint8_t generated;    /**< built by the gateway, not a received packet */
	uint8_t reinject;     /**< run again by the slow path: not counted as received */
	uint8_t nat_skip;     /**< SL_NAT_SKIP_*: no NAT lookup, route only */
	uint8_t frag_ok;      /**< fragments / ICMP errors: do not divert again */
	uint8_t frag_held;    /**< held whole for its next hop: fragmented when it resolves */
	struct sl_ip nexthop; /**< NEIGH_MISS / TOO_BIG: neighbour address */
};

/** Where struct sl_meta sits in an mbuf: a dynamic field in the mbuf's
 * second cache line when one could be registered (sl_meta_register), else
 * the private area right after struct rte_mbuf. */
extern size_t sl_meta_offset;

/** Register the metadata dynamic field (idempotent). Pools must still have
 * priv_size >= sizeof(struct sl_meta) for the fallback. */
void sl_meta_register(void);

static inline struct sl_meta *sl_meta(struct rte_mbuf *m)
{
	return (struct sl_meta *)((uintptr_t)m + sl_meta_offset);
}

struct sl_dp;

/** A worker's context: what the pipeline reads and the counters it writes. */
struct sl_worker {
	struct sl_dp *dp;
	unsigned int id;
	bool reinject; /**< the slow path's own worker: packets already counted */
	struct sl_stats stats;
} __attribute__((aligned(64)));

/**
 * Run the pipeline over @p n packets received on port @p port at time
 * @p now (ns). Writes one verdict per packet into @p verdict. Packets are
 * rewritten in place for transmission. Counts rx, forwarded and drops in
 * @p w->stats. @return the number of packets to transmit.
 */
uint16_t sl_pipeline_run(struct sl_worker *w, struct rte_mbuf **pkts, uint16_t n, uint16_t port,
	uint64_t now, uint16_t *verdict);

#endif
