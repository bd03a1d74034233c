/* SPDX-License-Identifier: BSD-3-Clause */
/* Private: live mode (ports, worker lcores, the main lcore's slow path). */
#ifndef SL_DP_LIVE_H
#define SL_DP_LIVE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_ring.h>

#include <sluice/dp.h>
#include <sluice/pipeline.h>
#include <sluice/slowpath.h>

#define LIVE_WORKERS_MAX 16
#define LIVE_RXQ_MAX	 64

struct live_rxq {
	uint16_t port;	   /* sluice port index */
	uint16_t eth_port; /* DPDK port id */
	uint16_t queue;
};

struct live_worker {
	struct sl_worker w; /* first: the pipeline's context */
	unsigned int lcore;
	unsigned int n_rxq;
	struct live_rxq rxq[LIVE_RXQ_MAX];
	struct rte_ring *to_slow;   /* SP/SC: packets for the slow path */
	struct rte_ring *from_slow; /* SP/SC: packets the slow path built or released */
	struct rte_eth_dev_tx_buffer *txb[SL_PORT_MAX];
	uint64_t last_flush;
} __attribute__((aligned(64)));

struct live {
	struct sl_dp *dp;
	unsigned int n_workers;
	struct live_worker *workers[LIVE_WORKERS_MAX];
	struct sl_slow slow;
	volatile bool stop;
	unsigned int next_tx_worker;
	struct sl_ctl_server *ctl; /* control socket, served by the main loop (may be NULL) */
};

/* Find, configure and start every port named by the config's interfaces;
 * fill in interface MACs from the ports where the config gave none. */
int live_ports_start(struct live *lv, struct rte_mempool *pool);
void live_ports_stop(struct live *lv);

/* The worker loop (lcore entry point; arg is a struct live_worker *). */
int live_worker_main(void *arg);
/* The main lcore's loop: slow path and timers until stop. */
void live_main_loop(struct live *lv);
/* Slow-path transmit: hand a built packet to a worker. */
void live_slow_tx(void *ctx, uint16_t iface, struct rte_mbuf *m);

extern struct live *live_g; /* for the tx-buffer error callback */

#endif
