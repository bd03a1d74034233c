/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file fragtab.h
 * The slow path's table of IPv4 datagrams crossing NAT in fragments
 * (sluice-dp; sluice-xdp keeps them in its sl_nat_frag map of the same
 * size). At most SL_FRAGTAB_MAX at once, found by (source, destination, IP
 * id, protocol) through an open-addressing index (linear probing over
 * twice as many slots, backward-shift deletion: no tombstones), and kept
 * in a ring in the order they were made, which is the order they expire
 * in: each lives a fixed time from its making (SL_NAT_FRAG_NS; a clock
 * that steps back is clamped so that the ring stays in order). When it is
 * full, the caller gives up the oldest for a new one (as the kernel's
 * reassembly evicts its oldest queue). One thread; no allocation.
 */
#ifndef SLUICE_FRAGTAB_H
#define SLUICE_FRAGTAB_H

#include <stdbool.h>
#include <stdint.h>

struct rte_mbuf;

#define SL_FRAGTAB_MAX	   4096 /**< datagrams at once (= sluice-xdp's sl_nat_frag) */
#define SL_FRAGTAB_INDEX   (2 * SL_FRAGTAB_MAX) /**< index slots (a power of two) */
#define NAT_FRAG_HOLD	   16			/**< early fragments held per datagram */
#define NAT_FRAGS_HELD_MAX 256			/**< early fragments held in all */

/** A fragmented datagram crossing NAT: its first fragment's translation. */
struct sl_frag {
	bool have_first, translate, dropped;
	uint8_t proto, why, n_held;
	uint16_t id;
	uint32_t src, dst;   /**< as received (the key) */
	uint32_t nsrc, ndst; /**< as the first fragment left */
	uint32_t home;	     /**< its index slot when free (the key's hash) */
	uint64_t expires;
	struct rte_mbuf *held[NAT_FRAG_HOLD];
};

struct sl_fragtab {
	/** the ring: the live ones are f[(head + i) % SL_FRAGTAB_MAX], i < n,
	 * oldest first */
	struct sl_frag f[SL_FRAGTAB_MAX];
	uint16_t index[SL_FRAGTAB_INDEX]; /**< position in f + 1; 0: a free slot */
	uint32_t head, n;
};

/** An empty table. */
void sl_fragtab_init(struct sl_fragtab *t);

/** The datagram with this key, or NULL. */
struct sl_frag *sl_fragtab_find(
	const struct sl_fragtab *t, uint32_t src, uint32_t dst, uint16_t id, uint8_t proto);

/**
 * Make the datagram with this key (not in the table; the table not full),
 * zeroed but for its key, expiring at @p expires, or at the newest one's
 * expiry if that is later. @return it.
 */
struct sl_frag *sl_fragtab_add(struct sl_fragtab *t, uint32_t src, uint32_t dst, uint16_t id,
	uint8_t proto, uint64_t expires);

/** The oldest datagram (the first to expire), or NULL when empty. */
struct sl_frag *sl_fragtab_oldest(struct sl_fragtab *t);

/** Forget the oldest datagram (the caller has dealt with its held fragments). */
void sl_fragtab_pop(struct sl_fragtab *t);

static inline bool sl_fragtab_full(const struct sl_fragtab *t)
{
	return t->n == SL_FRAGTAB_MAX;
}

#endif
