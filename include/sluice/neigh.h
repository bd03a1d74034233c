/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file neigh.h
 * Neighbour table (ARP / ND): (interface, IP) -> MAC.
 *
 * Written only by the slow-path thread; workers read it without locks:
 * rte_hash in RW_CONCURRENCY_LF mode maps the key to a stable entry index,
 * and the entry's MAC and validity sit in one 64-bit word loaded atomically.
 * Entries are never freed while the gateway runs (a failed or expired entry
 * is reused for the same key), so an index a worker holds stays valid.
 *
 * States: INCOMPLETE (probing, packets held), REACHABLE (confirmed within
 * reachable time), STALE (valid MAC, to be re-probed if used), FAILED,
 * PERMANENT (static).
 */
#ifndef SLUICE_NEIGH_H
#define SLUICE_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include <sluice/addr.h>

struct rte_hash;
struct rte_mbuf;

#define SL_NEIGH_HOLD_MAX 4
#define SL_NEIGH_VALID	  (1ull << 63)
#define SL_NEIGH_NONE	  UINT32_MAX

/* timings, nanoseconds */
#define SL_NEIGH_RETRANS_NS   1000000000ull  /**< between solicitations */
#define SL_NEIGH_MAX_PROBES   3		     /**< before FAILED */
#define SL_NEIGH_REACHABLE_NS 30000000000ull /**< then re-probe if used */

enum sl_neigh_state {
	SL_NEIGH_INCOMPLETE = 1,
	SL_NEIGH_REACHABLE,
	SL_NEIGH_STALE,
	SL_NEIGH_PROBE,
	SL_NEIGH_FAILED,
	SL_NEIGH_PERMANENT,
};

struct sl_neigh_key {
	uint16_t iface;
	uint8_t family;
	uint8_t pad;
	uint8_t addr[16]; /**< IPv4 in the first 4 bytes, network order */
};

struct sl_neigh_entry {
	uint64_t mac_word; /**< SL_NEIGH_VALID | MAC in the low 48 bits (byte 0 = MAC[0]); atomic */
	uint8_t used;	   /**< set by workers when they forward through it */
	uint8_t state;
	uint8_t probes;
	uint8_t n_held;
	uint16_t iface;
	struct sl_ip ip;
	uint64_t confirmed;  /**< ns */
	uint64_t next_event; /**< ns: next solicitation / expiry check */
	struct rte_mbuf *held[SL_NEIGH_HOLD_MAX];
} __attribute__((aligned(64)));

struct sl_neigh_table {
	struct rte_hash *h;
	struct sl_neigh_entry *e;
	uint32_t cap;
	uint32_t n;
};

/** @return 0 or -ENOMEM. */
int sl_neigh_create(struct sl_neigh_table *t, const char *name, uint32_t cap);
void sl_neigh_destroy(struct sl_neigh_table *t);

static inline void sl_neigh_key_make(struct sl_neigh_key *k, uint16_t iface, const struct sl_ip *ip)
{
	*k = (struct sl_neigh_key){.iface = iface, .family = ip->family};
	if (ip->family == SL_AF_INET)
		__builtin_memcpy(k->addr, &ip->v4, 4);
	else
		__builtin_memcpy(k->addr, ip->v6, 16);
}

/** Index of the entry for (iface, ip) or SL_NEIGH_NONE. Lock-free. */
uint32_t sl_neigh_find(const struct sl_neigh_table *t, uint16_t iface, const struct sl_ip *ip);

/**
 * Find or create (INCOMPLETE, nothing sent yet) the entry for (iface, ip).
 * Writer only. @return index, or -ENOSPC.
 */
int sl_neigh_get(struct sl_neigh_table *t, uint16_t iface, const struct sl_ip *ip);

/** Publish a MAC for entry @p idx and set its state; confirmed at @p now. Writer only. */
void sl_neigh_set(struct sl_neigh_table *t, uint32_t idx, const uint8_t mac[6],
	enum sl_neigh_state st, uint64_t now);

/** Mark an entry failed / deleted: workers stop using its MAC. Writer only. */
void sl_neigh_invalidate(struct sl_neigh_table *t, uint32_t idx, enum sl_neigh_state st);

/** Lock-free read: true and @p mac if the entry has a usable MAC. */
static inline bool sl_neigh_mac(const struct sl_neigh_entry *e, uint64_t *mac_word)
{
	uint64_t w = __atomic_load_n(&e->mac_word, __ATOMIC_ACQUIRE);
	*mac_word = w;
	return (w & SL_NEIGH_VALID) != 0;
}

/** Name of a state for `show neighbors`. */
const char *sl_neigh_state_name(unsigned int st);

#endif
