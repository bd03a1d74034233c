/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to sluicectl: kernel routing-table mirror over rtnetlink (libmnl). */
#ifndef SL_KSYNC_H
#define SL_KSYNC_H

#include <stdbool.h>
#include <stdint.h>

#include <net/if.h>

#include <sluice/addr.h>

#include <sluice/config.h>

/* One unicast route of a kernel table. */
struct kroute {
	struct sl_prefix prefix;
	uint32_t table;
	bool has_gw;
	struct sl_ip gw;
	char ifname[IF_NAMESIZE];
	/* used by the daemon for its own route sets */
	bool kernel;	       /* mirrored from a kernel table */
	char dev[SL_NAME_MAX]; /* the sluice interface */
};

/* A set of kernel routes keyed by (table, prefix). */
struct kroute_set {
	struct kroute *slot;
	uint8_t *used; /* 0 free, 1 used, 2 deleted */
	uint32_t cap, n, n_del;
};

void kroute_set_clear(struct kroute_set *s);
void kroute_set_free(struct kroute_set *s);
/* Insert or replace. @return 0 or -ENOMEM. */
int kroute_set_put(struct kroute_set *s, const struct kroute *r);
/* Remove. @return true if it was there. */
bool kroute_set_del(struct kroute_set *s, const struct kroute *r);
const struct kroute *kroute_set_get(
	const struct kroute_set *s, uint32_t table, const struct sl_prefix *p);
/* Iterate: @p *i starts at 0; NULL at the end. */
const struct kroute *kroute_set_next(const struct kroute_set *s, uint32_t *i);

struct ksync;

/* Subscribe to route changes (IPv4 and IPv6) for @p tables. @return NULL with errno. */
struct ksync *ksync_open(const uint32_t *tables, unsigned int n_tables);
void ksync_close(struct ksync *k);
/* The netlink socket, to poll for POLLIN. */
int ksync_fd(const struct ksync *k);
/* Dump the tables into @p out (cleared first). Events queued meanwhile are
 * dropped: the dump is newer. @return 0 or -errno. */
int ksync_dump(struct ksync *k, struct kroute_set *out);
/* Read pending events: @p on_change(arg, route, deleted) for each route of
 * the tables. @return 0, or -errno (-ENOBUFS: events lost, dump again). */
int ksync_read(
	struct ksync *k, void (*on_change)(void *arg, const struct kroute *r, bool del), void *arg);

#endif
