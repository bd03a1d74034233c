/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file nat.h
 * NAT44 (NAPT): sessions, endpoint-independent mappings, paired address
 * pooling, port allocation, static forwards, filtering, timeouts, limits.
 * Behaviour: README "NAT44 behaviour, exactly".
 *
 * A session holds two tuples: t[0] as the initiating packet arrived, t[1]
 * as a reply arrives. A packet matching t[d] is rewritten to the reverse of
 * t[!d] (source = t[!d].dst, destination = t[!d].src, ports likewise), so
 * SNAT, DNAT and hairpin (both) are one rule.
 *
 * Concurrency: one table (struct sl_nat_tab, below) maps both tuples to
 * (session << 1 | direction); workers look it up without locks and write
 * only a session's last-seen time and TCP flags. Creation and deletion take
 * the NAT lock (creation runs on the worker that saw the first packet;
 * expiry on the slow-path thread); a deleted session's slot is reused only
 * after an RCU grace period (rte_rcu_qsbr tokens, one per batch of slots).
 *
 * Why not rte_hash (the design's first choice, used before): its key
 * store, free-slot ring and buckets cost ~150 B per session for the two keys
 * alone, and a lookup touches bucket, key store and then the session: three
 * cache misses. This table keeps no keys: an entry is (32-bit signature,
 * value) and the key is compared in the session itself, which the packet
 * needs next anyway. Same model: bucketised cuckoo (8 entries, 2 buckets per
 * key), lock-free readers, one writer at a time, a change counter for cuckoo
 * moves (as RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF). Mappings and inside
 * hosts are keys of the same table; outside ports are per-address arrays.
 * bench/nat_bench.c, same loaded 2-vCPU machine, no hugepages, rte_hash
 * version -> this one, NAT-established Mpps / forwarding Mpps of the same
 * run: 1k sessions 0.48-0.52x -> 0.54-0.70x; 100k 0.32-0.34x -> 0.48-0.61x;
 * 1M 0.25x -> 0.41-0.48x; new sessions 0.30-0.51 -> 0.92-1.18 M/s (5055-8736
 * -> 2200-2840 cycles); memory 382 -> 129 B/session measured at 16M
 * (5.7 -> 1.93 GiB).
 *
 * Creating a burst's sessions: the reply key is the one key creation cannot
 * know before the port is allocated, and its bucket was creation's main
 * cache miss, taken under the lock. The pipeline prefetches it on a guess
 * (port kept on the host's paired address: sl_nat_prefetch_reply) for all
 * the burst's misses from inside, between the FIB lookup and the creations.
 * Same machine, paired runs, no hugepages, before -> after: 1385-1524 ->
 * 1080-1212 cycles per new session (1.71-1.88 -> 2.14-2.41 M/s); with
 * hugepages 1536 -> 1090. Established Mpps unchanged (within the noise).
 *
 * Hashes computed once (struct sl_nat_hashes): a new session used to hash
 * its tuple, mapping key and host key 2-3 times each (lookup, prefetch,
 * find under the lock, add); the lookup's and the prefetch's hashes now go
 * to creation (sl_nat_outbound_h). The reply-key guess also prefetches the
 * guessed port's owner word and bitmap word (map_new's and port_alloc's
 * cache misses under the lock), and bucket searches under the lock use the
 * SSE signature match. Same machine, hugepages, paired runs: 1057-1249 ->
 * 633-663 cycles per new session (2.08-2.46 -> 3.92-4.11 M/s; callgrind:
 * 2195 -> ~2020 instructions, so the misses were most of it).
 *
 * Established hits: a session's tuple keeps the folded IP checksum delta
 * of a packet matching it in pad[1..2] (outside the key: hashing and
 * comparison mask it), so a hit's rewrite (nat_rewrite_sess) adds one
 * 16-bit value instead of summing and folding four addresses; the tuple is
 * two stores for the common packet; the shortest timeout (timeout_min)
 * spares working out a session's own; the first lookup stage (hash, first
 * bucket prefetched) runs in the pipeline's classification loop, where the
 * rest of the burst's classification covers the bucket's miss. Same
 * machine, hugepages, paired runs (cycles/packet, NAT-out Mpps / fwd Mpps):
 * 1k 120.5-120.9 -> 113.5-113.9 (0.54x -> 0.59x), 100k 150-156 -> 136-143
 * (0.44x -> 0.47-0.50x), 1M 175-179 -> 175-179 (0.37-0.38x -> 0.38-0.39x),
 * 16M 195.6 -> 192.6 (0.34x -> 0.35x); callgrind, 1k: 701 -> 657
 * instructions/packet (forwarding alone: 374). At 1M the time goes to the
 * bucket and session misses (perf: stalls on the session's first read and
 * on prefetches that find the miss queue full), not to instructions; a
 * FIB lookup moved between the session prefetches and their reads (to
 * overlap the misses) gained ~5 cycles at 1M and lost ~3-10 at 1k-100k:
 * not kept.
 */
#ifndef SLUICE_NAT_H
#define SLUICE_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_prefetch.h>
#include <rte_vect.h>
#include <rte_spinlock.h>

#include <sluice/config.h>
#include <sluice/drop.h>
#include <sluice/nat_tcp.h>
#include <sluice/rng.h>

struct rte_hash;
struct rte_rcu_qsbr;

#define SL_NAT_NONE	   UINT32_MAX
#define SL_NAT_POOLS_MAX   16
#define SL_NAT_ADDRS_MAX   1024
#define SL_NAT_COOLDOWN_NS (120ull * 1000000000ull) /* RFC 6888 REQ-8 spirit */
#define SL_NAT_DEFER_SLOTS 1024 /**< session slots waiting for an RCU grace period */
#define SL_NAT_FRAG_NS	   (2ull * 1000000000ull)

/**
 * Hash key: a packet's addresses and ports (network order). 16 bytes, of
 * which the key is the first 14 (SL_NAT_KEY_HI: through pad[0], the key
 * kind); pad[1..2] are not part of it (hashing and comparison mask them
 * out): a session's tuple keeps there the folded IP checksum delta of a
 * packet matching it (sl_nat_delta), zero elsewhere.
 */
struct sl_nat_tuple {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t pad[3];
};

/* The key bits of a tuple's second 8 bytes (little endian: sport, dport,
 * proto, pad[0]). */
#define SL_NAT_KEY_HI 0x0000ffffffffffffull

/* One cache line: the fast path touches nothing else of a session. */
struct sl_nat_session {
	struct sl_nat_tuple t[2];
	uint64_t last_seen;    /**< ns; written by workers */
	uint32_t mapping;      /**< SL_NAT_NONE for a static forward's session */
	uint32_t host;	       /**< inside host entry, SL_NAT_NONE if none */
	uint32_t next;	       /**< next session of the same mapping / free list */
	uint32_t hprev, hnext; /**< the inside host's sessions */
	uint8_t tcp;	       /**< SL_NAT_* flags */
	uint8_t in_use;	       /**< 1 live, 2 deleted (grace period), 0 free */
	uint8_t inside_dir;    /**< which tuple holds the inside host as source */
	uint8_t pad;
} __rte_cache_aligned;

/*
 * 28 bytes: one per inside endpoint in use (CGN: one per session). A dead
 * mapping stays as its port's cool-down record (in_use 2) until 120 s after
 * its end, on a FIFO through `sessions`: no separate cool-down table.
 */
struct sl_nat_mapping {
	uint32_t int_ip;
	uint16_t int_port, ext_port;
	uint8_t proto;
	uint8_t in_use; /**< 1 live, 2 cooling down, 0 free */
	uint16_t addr;	/**< pool address index (outside address: addr[].ip) */
	uint32_t n_sessions;
	uint32_t sessions;	 /**< live: first session (list through sl_nat_session.next);
				    cooling: next on the cool-down FIFO; free: next free */
	uint32_t end_lo, end_hi; /**< live: latest idle end of a session already removed;
				    cooling: end of the cool-down; ns */
};

struct sl_nat_host {
	uint32_t ip;
	uint16_t addr;	/**< paired pool address */
	uint8_t listed; /**< on the reuse list (had no session) */
	uint8_t n_blk;	/**< port blocks held on addr (nat port-block) */
	uint32_t n_sessions;
	uint32_t sessions;		  /**< first of the host's sessions (hprev/hnext list) */
	uint16_t blk[SL_NAT_PB_HOST_MAX]; /**< their indices */
};

/* A pool address port's owner, in sl_nat_addr.port[class][port]. */
#define SL_NAT_PORT_FREE 0u
#define SL_NAT_PORT_COOL 0x80000000u /**< | the dead mapping cooling down */
/* otherwise: mapping index + 1 */

/**
 * One pool address: per protocol class (TCP, UDP, ICMP) an array of 65536
 * port owners (allocated on first use): the mapping that holds the port or
 * its cool-down entry. Replaces an outside-endpoint hash and a cool-down
 * hash: one array read instead of a hash lookup. Port allocation tests
 * the bitmap beside it (8 KiB: stays in cache).
 */
struct sl_nat_addr {
	uint32_t ip;
	uint16_t lo, hi;
	uint32_t *port[3];
	uint64_t *used[3];  /**< the same as a bitmap (port[] != FREE): allocation scans it */
	uint32_t n_free[3]; /**< free ports of the dynamic range lo-hi */
	/* port blocks (nat port-block; allocated on first use): block b is the
	 * ports lo + b * size .. lo + (b + 1) * size - 1 */
	uint32_t n_blk;
	uint16_t blk_size;
	uint32_t *blk_owner; /**< host + 1, or 0: free */
	uint16_t *blk_used;  /**< ports of the block taken or cooling, all protocols */
};

struct sl_nat_stats {
	uint64_t created, expired, mappings, port_fallbacks, blocks_allocated;
};

/* Session table entries: sig << 32 | value; 0 = empty. Values: a session
 * key (session << 1 | direction), SL_NAT_V_MAP | mapping (an inside
 * endpoint's mapping, a key of kind SL_NAT_KEY_MAP) or SL_NAT_V_HOST | host
 * (an inside host, kind SL_NAT_KEY_HOST). Keys of these kinds carry the
 * kind in tuple.pad[0], never set in a packet's tuple. */
#define SL_NAT_BUCKET	8
#define SL_NAT_V_MAP	0x80000000u
#define SL_NAT_V_HOST	0xc0000000u
#define SL_NAT_V_KIND	0xc0000000u
#define SL_NAT_KEY_MAP	1
#define SL_NAT_KEY_HOST 2
#define SL_NAT_BATCHES	64

struct sl_nat_tab {
	uint64_t *b; /**< nb buckets of SL_NAT_BUCKET entries, 64-byte aligned */
	uint32_t nb;
	uint32_t cnt; /**< bumped by each cuckoo move: a reader that missed re-checks */
	uint64_t seed;
	uint32_t n_keys;
};

/* Deleted sessions' slots waiting for a grace period, a list per token. */
struct sl_nat_batch {
	uint32_t head, tail;
	uint64_t token;
};

struct sl_nat {
	bool enabled; /**< a pool exists */
	rte_spinlock_t lock;
	struct rte_rcu_qsbr *qsv;
	struct sl_nat_tab tab;
	struct sl_nat_session *sess;
	uint32_t max_sessions;
	uint32_t n_slots; /**< max_sessions + SL_NAT_DEFER_SLOTS */
	uint32_t n_sessions;
	uint32_t free_sess;		       /**< free list head */
	uint32_t open_head, open_tail, open_n; /**< deleted, no token yet */
	struct sl_nat_batch batch[SL_NAT_BATCHES];
	uint32_t batch_head, n_batches;
	struct sl_nat_mapping *map;
	uint32_t free_map;	/**< free mappings */
	uint32_t free_map_head; /**< their list (through sl_nat_mapping.sessions) */
	struct sl_nat_host *host;
	uint32_t n_hosts, max_hosts;
	uint32_t *host_free; /**< stack of free host entries */
	uint32_t n_host_free;
	struct sl_cmd_nat_pool pools[SL_NAT_POOLS_MAX];
	uint16_t pool_first[SL_NAT_POOLS_MAX]; /**< index of a pool's first address */
	unsigned int n_pools;
	struct sl_nat_addr addr[SL_NAT_ADDRS_MAX];
	unsigned int n_addrs;
	unsigned int next_addr;	       /**< round-robin for new hosts */
	uint32_t cool_head, cool_tail; /**< FIFO of mappings cooling down */
	uint32_t n_static;	       /**< static forwards (their mappings carry proto | 0x80) */
	uint8_t filtering;	       /**< enum sl_nat_filtering */
	uint64_t timeout_ns[SL_NAT_TO_MAX];
	uint64_t timeout_min; /**< the least of timeout_ns: idle no longer than this, not expired */
	uint32_t limit_per_host;
	uint16_t pb_size;	/**< nat port-block size; 0: off */
	uint8_t pb_per_host;	/**< blocks per host */
	unsigned long long rng; /**< sl_rng_next()'s state (sluice/rng.h) */
	uint32_t reap_cursor;
	uint64_t reap_all_at;	/**< ns + 1 of the last reap exhaustion forced; 0 none */
	uint64_t reap_slice_at; /**< the same for a slice (a full table) */
	struct sl_nat_stats stats;
};

/* ---------- the session table, lock-free read side ---------- */

static inline uint64_t sl_nat_hash(const struct sl_nat_tab *tb, const struct sl_nat_tuple *t)
{
	uint64_t a, b, h;

	memcpy(&a, t, 8);
	memcpy(&b, (const uint8_t *)t + 8, 8);
	b &= SL_NAT_KEY_HI;
	h = (a ^ tb->seed) * 0x9e3779b97f4a7c15ull;
	h = (h ^ (h >> 32) ^ b) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 29)) * 0x94d049bb133111ebull;
	return h ^ (h >> 32);
}

static inline uint32_t sl_nat_sig(uint64_t h)
{
	return (uint32_t)h | 1; /* an entry is never 0 */
}

/** The two buckets of hash @p h. */
static inline void sl_nat_buckets(const struct sl_nat_tab *tb, uint64_t h, uint32_t bk[2])
{
	uint64_t x = h * 0xff51afd7ed558ccdull;

	bk[0] = (uint32_t)(((h >> 32) * tb->nb) >> 32);
	bk[1] = (uint32_t)(((x >> 32) * tb->nb) >> 32);
	if (bk[1] == bk[0])
		bk[1] = bk[0] + 1 == tb->nb ? 0 : bk[0] + 1;
}

static inline const uint64_t *sl_nat_bucket(const struct sl_nat_tab *tb, uint32_t b)
{
	return tb->b + (size_t)b * SL_NAT_BUCKET;
}

static inline bool sl_nat_tuple_eq(const struct sl_nat_tuple *x, const struct sl_nat_tuple *y)
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, x, 8);
	memcpy(&a1, (const uint8_t *)x + 8, 8);
	memcpy(&b0, y, 8);
	memcpy(&b1, (const uint8_t *)y + 8, 8);
	return ((a0 ^ b0) | ((a1 ^ b1) & SL_NAT_KEY_HI)) == 0;
}

/* Entries of bucket @p e whose signature is @p sig, as a bit mask (SSE:
 * each 8-byte half of a 16-byte load is atomic; the caller re-reads an
 * entry it uses). */
static inline unsigned int sl_nat_sig_match(const uint64_t *e, uint32_t sig)
{
	__m128i s = _mm_set1_epi32((int)sig);
	__m128 a = _mm_castsi128_ps(_mm_load_si128((const __m128i *)e));
	__m128 b = _mm_castsi128_ps(_mm_load_si128((const __m128i *)(e + 2)));
	__m128 c = _mm_castsi128_ps(_mm_load_si128((const __m128i *)(e + 4)));
	__m128 d = _mm_castsi128_ps(_mm_load_si128((const __m128i *)(e + 6)));
	__m128i h0 = _mm_castps_si128(_mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
	__m128i h1 = _mm_castps_si128(_mm_shuffle_ps(c, d, _MM_SHUFFLE(3, 1, 3, 1)));
	__m128i m = _mm_packs_epi32(_mm_cmpeq_epi32(h0, s), _mm_cmpeq_epi32(h1, s));

	return (unsigned int)_mm_movemask_epi8(_mm_packs_epi16(m, _mm_setzero_si128()));
}

/* Search bucket @p b for a session key equal to @p t. */
static inline uint32_t sl_nat_bucket_find(
	const struct sl_nat *n, uint32_t b, uint32_t sig, const struct sl_nat_tuple *t)
{
	const uint64_t *e = sl_nat_bucket(&n->tab, b);

	for (unsigned int m = sl_nat_sig_match(e, sig); m; m &= m - 1) {
		uint64_t x = __atomic_load_n(&e[__builtin_ctz(m)], __ATOMIC_ACQUIRE);
		uint32_t v = (uint32_t)x;
		if ((uint32_t)(x >> 32) == sig && !(v & SL_NAT_V_MAP) &&
			sl_nat_tuple_eq(&n->sess[v >> 1].t[v & 1], t))
			return v;
	}
	return SL_NAT_NONE;
}

/**
 * Lock-free lookup of a packet tuple (RCU reader: the session it returns
 * stays readable until the caller's next quiescent report). @p h is
 * sl_nat_hash(&n->tab, t). @return session << 1 | direction, or
 * SL_NAT_NONE. The session may be expired or deleted (in_use 2): check.
 */
static inline uint32_t sl_nat_lookup_h(
	const struct sl_nat *n, const struct sl_nat_tuple *t, uint64_t h)
{
	uint32_t bk[2], sig = sl_nat_sig(h), v, c;

	sl_nat_buckets(&n->tab, h, bk);
	do {
		c = __atomic_load_n(&n->tab.cnt, __ATOMIC_ACQUIRE);
		v = sl_nat_bucket_find(n, bk[0], sig, t);
		if (v == SL_NAT_NONE)
			v = sl_nat_bucket_find(n, bk[1], sig, t);
	} while (v == SL_NAT_NONE && __atomic_load_n(&n->tab.cnt, __ATOMIC_ACQUIRE) != c);
	return v;
}

static inline uint32_t sl_nat_lookup(const struct sl_nat *n, const struct sl_nat_tuple *t)
{
	return sl_nat_lookup_h(n, t, sl_nat_hash(&n->tab, t));
}

static inline struct sl_nat_tuple sl_nat_map_key(uint8_t proto, uint32_t ip, uint16_t port)
{
	struct sl_nat_tuple k = {.src = ip, .sport = port, .proto = proto};

	k.pad[0] = SL_NAT_KEY_MAP;
	return k;
}

static inline struct sl_nat_tuple sl_nat_host_key(uint32_t ip)
{
	struct sl_nat_tuple k = {.src = ip};

	k.pad[0] = SL_NAT_KEY_HOST;
	return k;
}

/**
 * The hashes that creating the session of an outbound tuple needs: the
 * tuple's own (from sl_nat_lookup_bulk), its inside endpoint's mapping key
 * and its inside host key. Computed once, for the prefetches and the
 * creation alike (sl_nat_outbound_h).
 */
struct sl_nat_hashes {
	uint64_t key, map, host;
};

/** The map and host hashes of @p hs for outbound tuple @p t. */
static inline void sl_nat_hashes_out(
	const struct sl_nat *n, const struct sl_nat_tuple *t, struct sl_nat_hashes *hs)
{
	struct sl_nat_tuple k = sl_nat_map_key(t->proto, t->src, t->sport);

	hs->map = sl_nat_hash(&n->tab, &k);
	k = sl_nat_host_key(t->src);
	hs->host = sl_nat_hash(&n->tab, &k);
}

static inline void sl_nat_prefetch_h(const struct sl_nat *n, uint64_t h, unsigned int nb)
{
	uint32_t bk[2];

	sl_nat_buckets(&n->tab, h, bk);
	rte_prefetch0(sl_nat_bucket(&n->tab, bk[0]));
	if (nb > 1)
		rte_prefetch0(sl_nat_bucket(&n->tab, bk[1]));
}

/**
 * Prefetch what creating a session for an outbound tuple reads first: the
 * buckets of its inside endpoint's mapping and of its inside host (@p hs
 * from sl_nat_hashes_out).
 */
static inline void sl_nat_prefetch_outbound(const struct sl_nat *n, const struct sl_nat_hashes *hs)
{
	sl_nat_prefetch_h(n, hs->map, 2); /* a new one: both buckets searched */
	sl_nat_prefetch_h(n, hs->host, 1);
}

/**
 * Prefetch the first bucket of the reply key that creating a session for
 * outbound tuple @p t will most likely add: the inside port kept on the
 * inside host's paired address (or the next address, for a new host). That
 * key is the one creation cannot know before the port is allocated, so
 * without this it waits for a cache miss under the lock. A guess read
 * without the lock: a wrong one costs a useless prefetch, nothing else.
 * The same guess gives the port's owner and bitmap words, which
 * allocation and map_new read. Call it once the host's bucket has had
 * time to arrive (sl_nat_prefetch_outbound first).
 */
static inline void sl_nat_prefetch_reply(
	const struct sl_nat *n, const struct sl_nat_tuple *t, const struct sl_nat_hashes *hs)
{
	struct sl_nat_tuple k;
	uint64_t h = hs->host;
	uint32_t bk[2], sig = sl_nat_sig(h), addr = SL_NAT_NONE;

	sl_nat_buckets(&n->tab, h, bk);
	for (int j = 0; j < 2 && addr == SL_NAT_NONE; j++) {
		const uint64_t *e = sl_nat_bucket(&n->tab, bk[j]);
		for (unsigned int m = sl_nat_sig_match(e, sig); m; m &= m - 1) {
			uint64_t x = __atomic_load_n(&e[__builtin_ctz(m)], __ATOMIC_RELAXED);
			uint32_t v = (uint32_t)x, hi = v & ~SL_NAT_V_KIND;
			if ((uint32_t)(x >> 32) == sig && (v & SL_NAT_V_KIND) == SL_NAT_V_HOST &&
				hi < n->max_hosts &&
				__atomic_load_n(&n->host[hi].ip, __ATOMIC_RELAXED) == t->src) {
				addr = __atomic_load_n(&n->host[hi].addr, __ATOMIC_RELAXED);
				break;
			}
		}
	}
	if (addr == SL_NAT_NONE)
		addr = __atomic_load_n(&n->next_addr, __ATOMIC_RELAXED);
	if (addr >= SL_NAT_ADDRS_MAX)
		return;
	k = (struct sl_nat_tuple){.src = t->dst,
		.dst = __atomic_load_n(&n->addr[addr].ip, __ATOMIC_RELAXED),
		.sport = t->dport,
		.dport = t->sport,
		.proto = t->proto};
	sl_nat_buckets(&n->tab, sl_nat_hash(&n->tab, &k), bk);
	rte_prefetch0(sl_nat_bucket(&n->tab, bk[0]));
	{
		/* pointers set once, under the lock; a stale NULL skips */
		const struct sl_nat_addr *a = &n->addr[addr];
		int c = t->proto == 6 ? 0 : t->proto == 17 ? 1 : 2;
		uint16_t port = rte_be_to_cpu_16(t->sport);
		const uint32_t *po = __atomic_load_n(&a->port[c], __ATOMIC_RELAXED);
		const uint64_t *u = __atomic_load_n(&a->used[c], __ATOMIC_RELAXED);
		if (po != NULL)
			rte_prefetch0(&po[port]);
		if (u != NULL)
			rte_prefetch0(&u[port >> 6]);
	}
}

#define SL_NAT_BULK_MAX 64

/* The first session entry of bucket @p e with signature @p sig, unverified. */
static inline uint32_t sl_nat_sig_first(const uint64_t *e, uint32_t sig)
{
	for (unsigned int m = sl_nat_sig_match(e, sig); m; m &= m - 1) {
		uint64_t x = __atomic_load_n(&e[__builtin_ctz(m)], __ATOMIC_ACQUIRE);
		if ((uint32_t)(x >> 32) == sig && !((uint32_t)x & SL_NAT_V_MAP))
			return (uint32_t)x;
	}
	return SL_NAT_NONE;
}

/** A key's first bucket. */
static inline const uint64_t *sl_nat_bucket1(const struct sl_nat_tab *tb, uint64_t h)
{
	return sl_nat_bucket(tb, (uint32_t)(((h >> 32) * tb->nb) >> 32));
}

/**
 * The first stage of sl_nat_lookup_bulk for one tuple: its hash, and its
 * first bucket prefetched. @return the hash.
 */
static inline uint64_t sl_nat_lookup_prefetch(
	const struct sl_nat *n, const struct sl_nat_tuple *key)
{
	uint64_t h = sl_nat_hash(&n->tab, key);

	rte_prefetch0(sl_nat_bucket1(&n->tab, h));
	return h;
}

/**
 * The next stages of sl_nat_lookup_bulk over @p nk (<= SL_NAT_BULK_MAX)
 * hashes from sl_nat_lookup_prefetch, the cache misses overlapping across
 * the burst: first buckets searched by signature, the session found
 * prefetched, else the second bucket; second buckets searched. @p v gets
 * candidates (SL_NAT_NONE: none) for sl_nat_lookup_check to confirm.
 */
static inline void sl_nat_lookup_candidates(
	const struct sl_nat *n, unsigned int nk, const uint64_t *h, uint32_t *v)
{
	const struct sl_nat_tab *tb = &n->tab;
	const uint64_t *e2[SL_NAT_BULK_MAX];
	unsigned int i, second = 0;

	for (i = 0; i < nk; i++) {
		v[i] = sl_nat_sig_first(sl_nat_bucket1(tb, h[i]), sl_nat_sig(h[i]));
		if (likely(v[i] != SL_NAT_NONE)) {
			rte_prefetch0(&n->sess[v[i] >> 1]);
		} else {
			uint32_t bk[2];
			sl_nat_buckets(tb, h[i], bk);
			e2[i] = sl_nat_bucket(tb, bk[1]);
			rte_prefetch0(e2[i]);
			second++;
		}
	}
	for (i = 0; second && i < nk; i++)
		if (v[i] == SL_NAT_NONE) {
			v[i] = sl_nat_sig_first(e2[i], sl_nat_sig(h[i]));
			if (v[i] != SL_NAT_NONE)
				rte_prefetch0(&n->sess[v[i] >> 1]);
		}
}

/**
 * The last stage for one tuple: candidate @p v confirmed by comparing the
 * key, else a full lookup (a signature collision or a cuckoo move
 * meanwhile). @return as sl_nat_lookup.
 */
static inline uint32_t sl_nat_lookup_check(
	const struct sl_nat *n, const struct sl_nat_tuple *key, uint32_t v, uint64_t h)
{
	if (likely(v != SL_NAT_NONE && sl_nat_tuple_eq(&n->sess[v >> 1].t[v & 1], key)))
		return v;
	return sl_nat_lookup_h(n, key, h);
}

/**
 * Lock-free lookup of @p nk (<= SL_NAT_BULK_MAX) tuples, as sl_nat_lookup,
 * in stages across the burst so that the cache misses overlap:
 * sl_nat_lookup_prefetch for each, sl_nat_lookup_candidates, then
 * sl_nat_lookup_check for each (the pipeline runs the first stage in its
 * classification loop and the last in its own). @p v gets the values
 * (SL_NAT_NONE: miss), @p h the keys' hashes. @return the number of hits.
 */
static inline unsigned int sl_nat_lookup_bulk(const struct sl_nat *n,
	const struct sl_nat_tuple *const *keys, unsigned int nk, uint32_t *v, uint64_t *h)
{
	unsigned int hits = 0;

	for (unsigned int i = 0; i < nk; i++)
		h[i] = sl_nat_lookup_prefetch(n, keys[i]);
	sl_nat_lookup_candidates(n, nk, h, v);
	for (unsigned int i = 0; i < nk; i++) {
		v[i] = sl_nat_lookup_check(n, keys[i], v[i], h[i]);
		hits += v[i] != SL_NAT_NONE;
	}
	return hits;
}

/**
 * Create the tables for @p max_sessions sessions. @p qsv (may be NULL for
 * single-threaded use) guards reclamation. @return 0 or -ENOMEM.
 */
int sl_nat_create(struct sl_nat *n, uint32_t max_sessions, struct rte_rcu_qsbr *qsv, uint64_t seed);
void sl_nat_destroy(struct sl_nat *n);

/** What the table holds for static forward @p f (sl_nat_forward_query). */
struct sl_nat_forward_state {
	bool ext_in_use; /**< f's outside port is taken (a mapping or a forward; not a cool-down) */
	bool is_forward; /**< a static forward owns f's outside endpoint ... */
	uint32_t int_ip; /**< ... to this inside address (network order) */
	uint16_t int_port;	   /**< ... and port (host order) */
	bool int_forwarded;	   /**< f's inside endpoint already has a static forward ... */
	uint32_t int_fwd_ext_ip;   /**< ... at this outside address (network order) */
	uint16_t int_fwd_ext_port; /**< ... and port (host order) */
};

/**
 * Look up what a `nat forward add|del` of @p f would meet (control thread,
 * under the table lock): lets a batch be checked in full before anything
 * is applied. @return 0.
 */
int sl_nat_forward_query(
	struct sl_nat *n, const struct sl_cmd_nat_forward *f, struct sl_nat_forward_state *st);

/** Apply a NAT/MSS command (control thread). @return 0 or -errno with @p err. */
int sl_nat_apply(struct sl_nat *n, const struct sl_cmd *c, char *err, size_t errlen);

/** Idle timeout of a session, ns. */
static inline uint64_t sl_nat_timeout(const struct sl_nat *n, const struct sl_nat_session *s)
{
	uint8_t p = s->t[0].proto;

	if (p == 17)
		return n->timeout_ns[SL_NAT_TO_UDP];
	if (p == 1)
		return n->timeout_ns[SL_NAT_TO_ICMP];
	if (sl_nat_tcp_established(s->tcp))
		return n->timeout_ns[SL_NAT_TO_TCP_EST];
	return n->timeout_ns[SL_NAT_TO_TCP_TRANS];
}

/**
 * True when session @p s has been idle longer than its timeout at @p now.
 * Most are idle less than the shortest timeout: no timeout to work out.
 */
static inline bool sl_nat_expired(
	const struct sl_nat *n, const struct sl_nat_session *s, uint64_t now)
{
	uint64_t seen = __atomic_load_n(&s->last_seen, __ATOMIC_RELAXED);

	return now > seen && now - seen > n->timeout_min && now - seen > sl_nat_timeout(n, s);
}

/** True when @p ip (network order) is a pool address. */
bool sl_nat_is_pool_addr(const struct sl_nat *n, uint32_t ip);

/**
 * Find or create the session for an outbound packet with tuple @p t from an
 * inside host (takes the lock). Handles hairpinning (destination a mapping
 * or static forward). @return session index, or SL_NAT_NONE with @p why.
 */
uint32_t sl_nat_outbound(struct sl_nat *n, const struct sl_nat_tuple *t, uint8_t tcp_flags,
	uint64_t now, enum sl_drop_reason *why);

/**
 * sl_nat_outbound with the hashes of @p t, its mapping key and its host key
 * known already (@p hs: sl_nat_lookup_bulk, sl_nat_hashes_out).
 */
uint32_t sl_nat_outbound_h(struct sl_nat *n, const struct sl_nat_tuple *t,
	const struct sl_nat_hashes *hs, uint8_t tcp_flags, uint64_t now, enum sl_drop_reason *why);

/**
 * Find or create the session for an inbound packet with tuple @p t (static
 * forward or filtering rule). @return session index or SL_NAT_NONE (why =
 * nat-no-session, nat-session-limit).
 */
uint32_t sl_nat_inbound(struct sl_nat *n, const struct sl_nat_tuple *t, uint8_t tcp_flags,
	uint64_t now, enum sl_drop_reason *why);

/**
 * Look up a tuple under the lock, removing the session if it expired at
 * @p now. @return (session << 1 | dir) or SL_NAT_NONE.
 */
uint32_t sl_nat_find(struct sl_nat *n, const struct sl_nat_tuple *t, uint64_t now);

/** Expire idle sessions (at most @p budget examined) and release cooled ports. */
void sl_nat_reap(struct sl_nat *n, uint64_t now, uint32_t budget);

/* The live slow path's reaping cadence (dataplane/worker.c), which replay
 * follows on the pcap clock: a slice of the session table every
 * millisecond (a 16M-session table in about 4 s). */
#define SL_NAT_REAP_PERIOD_NS 1000000ull
#define SL_NAT_REAP_SLICE     4096u

/** Memory the tables use, bytes (for the benchmark and `show`). */
uint64_t sl_nat_memory(const struct sl_nat *n);

#endif
