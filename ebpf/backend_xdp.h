/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file backend_xdp.h
 * The XDP backend's control operations (include/sluice/backend.h) over a
 * loaded program (loader.h): the same semantics as sluice-dp's
 * (dataplane/backend_dp.c). A batch is checked in full against the running
 * state (a shadow of what the maps hold: interfaces, routes, pools,
 * forwards, static neighbours) before any map changes.
 */
#ifndef SLUICE_XDP_BACKEND_XDP_H
#define SLUICE_XDP_BACKEND_XDP_H

#include <sluice/backend.h>

#include "loader.h"

/** A route as configured (connected/local routes come from interfaces). */
struct xb_route {
	struct sl_prefix prefix;
	bool kernel; /**< `proto kernel` */
	bool has_via;
	struct sl_ip via;
	char dev[SL_NAME_MAX];
};

/** A static forward (outside endpoint -> inside endpoint). */
struct xb_fwd {
	uint8_t proto;
	uint32_t ext_ip, int_ip;     /**< network order */
	uint16_t ext_port, int_port; /**< host order */
};

/** The running state and what the operations need. */
struct xb_state {
	unsigned int n_ifaces;
	struct sl_cmd_interface ifaces[SL_XDP_IFACES_MAX];
	struct xb_route *routes;
	unsigned int n_routes;
	/** routes' prefixes: open addressing, slot 0 empty, UINT32_MAX a
	 * deleted one, else 1 + the index; built on first use (route_find) */
	uint32_t *ridx;
	uint32_t rcap, rused; /**< slots, and slots not empty */
	struct sl_cmd_nat_pool *pools;
	unsigned int n_pools, n_pool_addrs;
	struct xb_fwd *fwds;
	unsigned int n_fwds;
	struct sl_cmd_neigh *neighs; /**< static neighbours */
	unsigned int n_neighs;
	uint16_t pb_size; /**< nat port-block size (0: off) */
	uint8_t pb_per_host;
	unsigned int n_fib_routes[2]; /**< routes of routes[] by family: [0] IPv4, [1] IPv6 */
	/** FIB entries the interfaces make (connected, local, broadcast, network)
	 * by family, counted when there were iface_fib_for - 1 interfaces */
	unsigned int iface_fib[2], iface_fib_for;
};

struct xdp_backend {
	struct sl_xdp *x;
	struct xb_state st;
	uint32_t sessions_max; /**< load-time `nat sessions max` */
	uint32_t fib_cap[2];   /**< the FIB maps' sizes: [0] IPv4, [1] IPv6 */
	uint32_t n_cpus;       /**< HELLO n_workers */
	sl_xdp_resolve_fn resolve;
	void *resolve_arg;
	/** Called after each command was applied to the maps (may be NULL): the
	 * agent follows routes (gateways to resolve) and static neighbours. */
	void (*applied)(void *arg, const struct sl_cmd *c);
	void *applied_arg;
	struct sl_xdp_stats base; /**< `clear stats` (and start) subtract this */
};

/** Set up @p b over the loaded program @p x (state empty, counters from now). */
void xb_init(struct xdp_backend *b, struct sl_xdp *x, uint32_t sessions_max,
	sl_xdp_resolve_fn resolve, void *resolve_arg);
void xb_fini(struct xdp_backend *b);

/**
 * Apply the start-up configuration: interfaces may be created (only here).
 * Checked in full first, like a batch. @return 0 or -errno, "line N: ..." in @p err.
 */
int xb_apply_config(struct xdp_backend *b, const struct sl_cmd_list *l, char *err, size_t errlen);

/** Is @p ip a static neighbour of interface @p slot (never replaced by kernel entries)? */
bool xb_is_static_neigh(const struct xdp_backend *b, unsigned int slot, const struct sl_ip *ip);

/** Counters since start / `clear stats` (what `show stats` reports). */
int xb_read_stats(struct xdp_backend *b, struct sl_xdp_stats *out);

/** Print the counters as sluice-dp does at exit (text or JSON) to @p f;
 * the note on what "local" means, and a read failure, go to @p note. */
void xb_print_stats(struct xdp_backend *b, FILE *f, FILE *note, bool json);

extern const struct sl_backend_ops sl_backend_xdp_ops;

#endif
