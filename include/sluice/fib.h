/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file fib.h
 * The forwarding information base: IPv4 on rte_fib (DIR-24-8), IPv6 on
 * rte_fib6 (trie), each FIB entry a 16-bit next-hop id into a next-hop table.
 *
 * Concurrency (left-right): DPDK 22.11's rte_fib/rte_fib6 have no RCU
 * integration, and updating one while workers look it up can hand a reader
 * a recycled tbl8 group. So each family keeps two identical instances.
 * A writer changes the inactive one, publishes it as active, waits on the
 * RCU QSBR variable until every worker has passed a quiescent point, then
 * applies the same change to the other. Readers never see a half-made
 * change and take no lock. Batches amortise the grace period.
 *
 * Writers: one thread at a time (the control/slow-path thread).
 */
#ifndef SLUICE_FIB_H
#define SLUICE_FIB_H

#include <stdbool.h>
#include <stdint.h>

#include <sluice/addr.h>

struct rte_fib;
struct rte_fib6;
struct rte_rcu_qsbr;
struct rte_hash;

#define SL_NH_MAX  32768 /**< 2-byte next hops: ids < 2^15 (and at most 32767 tbl8 groups) */
#define SL_NH_NONE 0	 /**< lookup result: no route */

enum sl_nh_type {
	SL_NH_UNUSED = 0,
	SL_NH_GATEWAY,	 /**< via gw on iface: neighbour = gw */
	SL_NH_CONNECTED, /**< on-link on iface: neighbour = destination */
	SL_NH_LOCAL,	 /**< one of our addresses */
	SL_NH_BROADCAST, /**< a connected subnet's broadcast address */
};

struct sl_nexthop {
	uint8_t type;	/**< enum sl_nh_type */
	uint8_t family; /**< SL_AF_INET / SL_AF_INET6 */
	uint16_t iface;
	uint32_t neigh; /**< neighbour entry for SL_NH_GATEWAY, else UINT32_MAX */
	uint32_t refcnt;
	struct sl_ip gw;
};

/** Whether a next hop sends packets out of an interface (not local, not broadcast). */
static inline bool sl_nh_forwards(const struct sl_nexthop *nh)
{
	return nh->type == SL_NH_GATEWAY || nh->type == SL_NH_CONNECTED;
}

/** Origin of a route, for `show routes` and for reload diffs. */
enum sl_route_origin {
	SL_ROUTE_STATIC = 0,
	SL_ROUTE_CONNECTED,
	SL_ROUTE_LOCAL,
	SL_ROUTE_KERNEL,
};

struct sl_fib {
	struct rte_fib *v4[2];
	struct rte_fib6 *v6[2];
	unsigned int active; /**< index of the instance readers use (atomic) */
	struct rte_rcu_qsbr *qsv;
	struct sl_nexthop nh[SL_NH_MAX];
	uint32_t nh_free_hint;
	struct rte_hash *nh_index; /**< (type, family, iface, gw) -> id */
	uint32_t n_routes4, n_routes6;
	uint32_t max_routes4, max_routes6;
	char name[16];
	bool single; /**< no concurrent readers: one instance, changed in place */
};

/** One route change; a batch is an array of these. */
struct sl_route_change {
	bool del;
	struct sl_prefix prefix;
	struct sl_nexthop nh; /**< add: type, family, iface, gw (neigh filled by the FIB user) */
	enum sl_route_origin origin;
};

/**
 * Create a FIB able to hold @p max_routes4 / @p max_routes6 routes.
 * @p qsv may be NULL (single-threaded use: replay, tests).
 * @return 0 or -ENOMEM / -EINVAL.
 */
int sl_fib_create(struct sl_fib *f, const char *name, uint32_t max_routes4, uint32_t max_routes6,
	struct rte_rcu_qsbr *qsv);
void sl_fib_destroy(struct sl_fib *f);

/**
 * Find or create the next hop equal to @p nh (type, family, iface, gw) and
 * take a reference. @return id (> 0) or -ENOSPC.
 */
int sl_fib_nh_get(struct sl_fib *f, const struct sl_nexthop *nh);
/** Drop a reference taken by sl_fib_nh_get (the entry frees at zero). */
void sl_fib_nh_put(struct sl_fib *f, uint32_t id);

/**
 * Apply @p n changes atomically as seen by readers (left-right, one grace
 * period). Each add takes a next-hop reference. All changes are validated
 * first: an add of an existing prefix (-EEXIST), a delete of a missing one
 * (-ENOENT) or a full table (-ENOSPC) fails the whole batch with nothing
 * applied; @p bad_index (if not NULL) says which change failed.
 * @return 0 or -errno.
 */
int sl_fib_apply(
	struct sl_fib *f, const struct sl_route_change *c, unsigned int n, unsigned int *bad_index);

/** Exact-match: the next-hop id installed for @p p, or SL_NH_NONE. */
uint32_t sl_fib_get(
	const struct sl_fib *f, const struct sl_prefix *p, enum sl_route_origin *origin);

/** Longest-prefix match of one address (slow-path/tests convenience). */
uint32_t sl_fib_lookup(const struct sl_fib *f, const struct sl_ip *ip);

/** Active IPv4 instance, for bulk lookups on the fast path. */
static inline struct rte_fib *sl_fib_v4(const struct sl_fib *f)
{
	return f->v4[__atomic_load_n(&f->active, __ATOMIC_ACQUIRE)];
}
static inline struct rte_fib6 *sl_fib_v6(const struct sl_fib *f)
{
	return f->v6[__atomic_load_n(&f->active, __ATOMIC_ACQUIRE)];
}

/**
 * Walk every route (both families) in prefix order, calling @p cb; a
 * nonzero return stops the walk and is returned.
 */
int sl_fib_walk(const struct sl_fib *f,
	int (*cb)(void *arg, const struct sl_prefix *p, uint32_t nh, enum sl_route_origin o),
	void *arg);

#endif
