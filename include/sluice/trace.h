/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file trace.h
 * Packet trace (`sluicectl trace N`): the next N packets the workers
 * receive are recorded stage by stage, VPP-style: what arrived (the first
 * bytes as received), the ingress interface, the verdict (forwarded on an
 * interface, dropped under a reason, or handed to the slow path and why),
 * the next hop and the rewritten destination MAC.
 *
 * Cost when off: one relaxed load of a global counter per burst
 * (sl_trace_armed). When armed, sl_trace_pipeline runs the pipeline one
 * packet at a time so that each drop is attributed to its reason by the
 * difference in the worker's drop counters.
 *
 * Records go to a per-worker array (single writer: the worker; reader: the
 * control thread) and are collected by the control server. Only packets
 * received on worker lcores are traced (not those the slow path re-runs
 * through the pipeline on the main lcore). Records are
 * plain data (struct sl_trace_rec) and travel on the control protocol.
 */
#ifndef SLUICE_TRACE_H
#define SLUICE_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include <sluice/addr.h>

#define SL_TRACE_HEAD 96 /**< bytes of each packet kept, as received */

/** Verdict kinds of a record. */
enum sl_trace_verdict {
	SL_TRACE_TX = 1, /**< forwarded: out_iface, nexthop, dst_mac */
	SL_TRACE_DROP,	 /**< drop_reason */
	SL_TRACE_SLOW,	 /**< handed to the slow path: slow_kind (enum sl_slow_kind) */
};

struct sl_trace_rec {
	uint64_t seq;	    /**< global order of capture */
	uint64_t now;	    /**< dataplane clock, ns */
	uint16_t worker;    /**< worker id */
	uint16_t port;	    /**< ingress port (sluice port index) */
	uint16_t iface;	    /**< ingress logical interface; 0xffff: none */
	uint16_t out_iface; /**< SL_TRACE_TX */
	uint8_t verdict;    /**< enum sl_trace_verdict */
	uint8_t slow_kind;
	uint16_t drop_reason; /**< enum sl_drop_reason (SL_TRACE_DROP) */
	uint32_t pkt_len;     /**< frame length as received */
	uint16_t head_len;    /**< bytes in head */
	uint8_t dst_mac[6];   /**< after rewrite (SL_TRACE_TX) */
	struct sl_ip nexthop; /**< neighbour address (TX, slow neighbour miss / too big) */
	uint8_t head[SL_TRACE_HEAD];
	/* filled in by the server for display */
	char iface_name[32];
	char out_name[32];
	char reason[40]; /**< drop reason or slow-path kind, as text */
};

#ifdef SLUICE_TRACE_DATAPLANE /* the DPDK side: needs pipeline.h */
#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

struct sl_worker;

/** Packets still to trace (all workers). Written by the control thread and workers. */
extern uint32_t sl_trace_budget;
/** Set while this thread runs sl_trace_pipeline (which calls the pipeline again). */
extern __thread bool sl_trace_busy;

/** True when the next packets should be traced by this worker. */
static inline bool sl_trace_armed(const struct sl_worker *w)
{
	(void)w;
	return unlikely(__atomic_load_n(&sl_trace_budget, __ATOMIC_RELAXED) != 0) && !sl_trace_busy;
}

/**
 * The pipeline hook: run sl_pipeline_run over the burst packet by packet,
 * recording each traced packet. Same contract as sl_pipeline_run.
 */
uint16_t sl_trace_pipeline(struct sl_worker *w, struct rte_mbuf **pkts, uint16_t n, uint16_t port,
	uint64_t now, uint16_t *verdict);

/** Allocate per-worker record space for @p n_workers. @return 0 or -ENOMEM. */
int sl_trace_init(unsigned int n_workers);
void sl_trace_fini(void);

/**
 * Arm a capture of the next @p count packets (control thread).
 * @return 0, or -EBUSY while a capture is running, -EINVAL for a bad count.
 */
int sl_trace_start(uint32_t count);

/**
 * Copy records captured since the last call into @p out (room for
 * @p max). @return the number copied.
 */
uint32_t sl_trace_collect(struct sl_trace_rec *out, uint32_t max);

/** Disarm: workers stop recording (records already made stay collectable). */
void sl_trace_stop(void);
#endif

#endif
