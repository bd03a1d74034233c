/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file dp.h
 * The DPDK backend's gateway state and how configuration is applied to it.
 * Config lives in one struct passed explicitly. The control/slow-path thread
 * is the only writer; workers read it (FIB and neighbours lock-free, the
 * interface table only changes while no worker runs or by adding entries).
 */
#ifndef SLUICE_DP_H
#define SLUICE_DP_H

#include <stdbool.h>
#include <stdint.h>

#include <sluice/config.h>
#include <sluice/fib.h>
#include <sluice/iface.h>
#include <sluice/nat.h>
#include <sluice/neigh.h>
#include <sluice/stats.h>

struct rte_rcu_qsbr;
struct rte_mempool;

struct sl_dp_params {
	uint32_t max_routes4;
	uint32_t max_routes6;
	uint32_t max_neighbours;
	unsigned int n_workers; /**< RCU readers */
	bool replay;		/**< interface MACs must be configured */
	uint32_t max_sessions;	/**< NAT table size unless the config says `nat sessions max` */
	uint64_t seed;		/**< NAT port generator seed (sluice/rng.h) */
};

struct sl_dp {
	struct sl_dp_params params;
	struct sl_iface_table ifs;
	struct sl_fib fib;
	struct sl_neigh_table neigh;
	struct sl_nat nat;
	struct rte_rcu_qsbr *qsv;
	struct rte_mempool *pool; /**< for packets the gateway builds */
};

/** Defaults for params (sizes fitting a test run). */
void sl_dp_params_default(struct sl_dp_params *p);

/** Create the state. @return 0 or -errno. */
int sl_dp_create(struct sl_dp *dp, const struct sl_dp_params *p, struct rte_mempool *pool);
void sl_dp_destroy(struct sl_dp *dp);

/**
 * Apply a whole command list: checked in full first (interfaces, routes,
 * neighbours against the current state), then applied; on error nothing
 * changes and @p err says "LINE: problem" (line from @p l->lines).
 * Routes are applied as one FIB batch. @return 0 or -errno.
 */
int sl_dp_apply_list(
	struct sl_dp *dp, const struct sl_cmd_list *l, uint64_t now, char *err, size_t errlen);

/** Apply one command (the control protocol's entry point). */
int sl_dp_apply(struct sl_dp *dp, const struct sl_cmd *c, uint64_t now, char *err, size_t errlen);

#endif
