/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <sluice/nat.h>

#include "nat_int.h"

static uint64_t rnd(struct sl_nat *n)
{
	return sl_rng_next(&n->rng); /* the XDP program draws the same */
}

/* ---------- the session table, write side (under the lock) ---------- */

#define map_key sl_nat_map_key

/* The key an entry value stands for. */
static struct sl_nat_tuple val_key(const struct sl_nat *n, uint32_t v)
{
	if ((v & SL_NAT_V_KIND) == SL_NAT_V_HOST)
		return sl_nat_host_key(n->host[v & ~SL_NAT_V_KIND].ip);
	if (v & SL_NAT_V_MAP) {
		const struct sl_nat_mapping *m = &n->map[v & ~SL_NAT_V_KIND];
		return map_key(m->proto, m->int_ip, m->int_port);
	}
	return n->sess[v >> 1].t[v & 1];
}

static int bucket_free_slot(const struct sl_nat_tab *tb, uint32_t b)
{
	/* an entry's signature is never 0: the empty ones, by one compare */
	unsigned int m = sl_nat_sig_match(sl_nat_bucket(tb, b), 0);

	return m ? __builtin_ctz(m) : -1;
}

static void entry_set(struct sl_nat_tab *tb, uint32_t b, int i, uint64_t x)
{
	__atomic_store_n(&tb->b[(size_t)b * SL_NAT_BUCKET + i], x, __ATOMIC_RELEASE);
}

#define CUCKOO_NODES 512

/*
 * Both buckets full: breadth-first search for the shortest chain of entries
 * that can each move to their other bucket, the last one into a free slot;
 * then the moves from the end, each one a copy to the new place before the
 * old place is overwritten, with the change counter bumped in between so a
 * reader that looked in both places at the wrong moments looks again.
 */
static int tab_cuckoo(struct sl_nat *n, const uint32_t bk[2], uint64_t x)
{
	struct sl_nat_tab *tb = &n->tab;
	struct node {
		uint32_t b;
		int16_t parent;
		uint8_t slot; /* the slot in the parent whose entry moves here */
	} q[CUCKOO_NODES];
	unsigned int head = 0, tail = 0;

	q[tail++] = (struct node){bk[0], -1, 0};
	q[tail++] = (struct node){bk[1], -1, 0};
	while (head < tail) {
		unsigned int cur = head++;
		for (int i = 0; i < SL_NAT_BUCKET; i++) {
			uint64_t e = sl_nat_bucket(tb, q[cur].b)[i];
			struct sl_nat_tuple k = val_key(n, (uint32_t)e);
			uint32_t ab[2], alt;
			int f;

			sl_nat_buckets(tb, sl_nat_hash(tb, &k), ab);
			alt = ab[0] == q[cur].b ? ab[1] : ab[0];
			f = bucket_free_slot(tb, alt);
			if (f >= 0) {
				/* move along the chain, from its free end */
				uint32_t db = alt, sb = q[cur].b;
				int ds = f, ss = i;
				int node = (int)cur;
				for (;;) {
					entry_set(tb, db, ds, sl_nat_bucket(tb, sb)[ss]);
					__atomic_fetch_add(&tb->cnt, 1, __ATOMIC_RELEASE);
					if (q[node].parent < 0)
						break;
					db = sb;
					ds = ss;
					ss = q[node].slot;
					node = q[node].parent;
					sb = q[node].b;
				}
				entry_set(tb, sb, ss, x);
				return 0;
			}
			if (tail < CUCKOO_NODES)
				q[tail++] = (struct node){alt, (int16_t)cur, (uint8_t)i};
		}
	}
	return -ENOSPC;
}

/* Add key (hash @p h) with value @p v. */
static int tab_add_h(struct sl_nat *n, uint64_t h, uint32_t v)
{
	struct sl_nat_tab *tb = &n->tab;
	uint64_t x = (uint64_t)sl_nat_sig(h) << 32 | v;
	uint32_t bk[2];

	sl_nat_buckets(tb, h, bk);
	for (int j = 0; j < 2; j++) {
		int f = bucket_free_slot(tb, bk[j]);
		if (f >= 0) {
			entry_set(tb, bk[j], f, x);
			tb->n_keys++;
			return 0;
		}
	}
	if (tab_cuckoo(n, bk, x) < 0)
		return -ENOSPC;
	tb->n_keys++;
	return 0;
}

static int tab_add(struct sl_nat *n, const struct sl_nat_tuple *k, uint32_t v)
{
	return tab_add_h(n, sl_nat_hash(&n->tab, k), v);
}

static void tab_del(struct sl_nat *n, const struct sl_nat_tuple *k, uint32_t v)
{
	struct sl_nat_tab *tb = &n->tab;
	uint64_t h = sl_nat_hash(tb, k);
	uint64_t x = (uint64_t)sl_nat_sig(h) << 32 | v;
	uint32_t bk[2];

	sl_nat_buckets(tb, h, bk);
	for (int j = 0; j < 2; j++)
		for (int i = 0; i < SL_NAT_BUCKET; i++)
			if (sl_nat_bucket(tb, bk[j])[i] == x) {
				entry_set(tb, bk[j], i, 0);
				tb->n_keys--;
				return;
			}
}

/* The entry of kind @p kind (SL_NAT_V_MAP, SL_NAT_V_HOST) for key @p k. */
static uint32_t kind_find_h(
	const struct sl_nat *n, const struct sl_nat_tuple *k, uint64_t h, uint32_t kind)
{
	uint32_t bk[2], sig = sl_nat_sig(h);

	sl_nat_buckets(&n->tab, h, bk);
	for (int j = 0; j < 2; j++) {
		const uint64_t *e = sl_nat_bucket(&n->tab, bk[j]);
		for (unsigned int m = sl_nat_sig_match(e, sig); m; m &= m - 1) {
			uint32_t v = (uint32_t)e[__builtin_ctz(m)];
			if ((v & SL_NAT_V_KIND) == kind) {
				struct sl_nat_tuple o = val_key(n, v);
				if (sl_nat_tuple_eq(&o, k))
					return v & ~SL_NAT_V_KIND;
			}
		}
	}
	return SL_NAT_NONE;
}

static uint32_t kind_find(const struct sl_nat *n, const struct sl_nat_tuple *k, uint32_t kind)
{
	return kind_find_h(n, k, sl_nat_hash(&n->tab, k), kind);
}

/* The mapping of inside endpoint (proto, ip, port). */
static uint32_t map_find(const struct sl_nat *n, uint8_t proto, uint32_t ip, uint16_t port)
{
	struct sl_nat_tuple k = map_key(proto, ip, port);

	return kind_find(n, &k, SL_NAT_V_MAP);
}

/* Keys at most: two per session, one per mapping and host; 90 % full at
 * worst. */
static uint32_t tab_buckets(uint32_t max_sessions, uint32_t max_hosts)
{
	uint64_t keys = 3ull * max_sessions + max_hosts + 2 * SL_NAT_DEFER_SLOTS;
	uint64_t nb = (keys * 10 + SL_NAT_BUCKET * 9 - 1) / (SL_NAT_BUCKET * 9);

	return nb < 16 ? 16 : (uint32_t)nb;
}

static void timeout_min_set(struct sl_nat *n)
{
	uint64_t m = UINT64_MAX;

	for (int i = 0; i < SL_NAT_TO_MAX; i++)
		m = RTE_MIN(m, n->timeout_ns[i]);
	__atomic_store_n(&n->timeout_min, m, __ATOMIC_RELAXED);
}

int sl_nat_create(struct sl_nat *n, uint32_t max_sessions, struct rte_rcu_qsbr *qsv, uint64_t seed)
{

	memset(n, 0, sizeof(*n));
	rte_spinlock_init(&n->lock);
	n->max_sessions = max_sessions;
	n->max_hosts = max_sessions < (1u << 20) ? max_sessions : (1u << 20);
	n->qsv = qsv;
	n->filtering = SL_NAT_FILTER_APDF;
	for (int i = 0; i < SL_NAT_TO_MAX; i++)
		n->timeout_ns[i] = sl_nat_timeout_default[i] * 1000000000ull;
	timeout_min_set(n);
	n->rng = sl_rng_init(seed);

	/* slots beyond the limit: deleted sessions wait out a grace period
	 * before their slot can be reused */
	n->n_slots = max_sessions + SL_NAT_DEFER_SLOTS;
	n->tab.nb = tab_buckets(max_sessions, n->max_hosts);
	n->tab.seed = (n->rng ^ 0x5851f42d4c957f2dull) * 0xd6e8feb86659fd93ull; /* not a draw */
	n->tab.b = rte_zmalloc("nat_tab", (size_t)n->tab.nb * SL_NAT_BUCKET * sizeof(uint64_t),
		RTE_CACHE_LINE_SIZE);
	n->sess = rte_zmalloc("nat_sess", sizeof(*n->sess) * n->n_slots, RTE_CACHE_LINE_SIZE);
	n->map = rte_zmalloc("nat_map", sizeof(*n->map) * max_sessions, RTE_CACHE_LINE_SIZE);
	n->host = rte_zmalloc("nat_host", sizeof(*n->host) * n->max_hosts, 0);
	n->host_free = rte_malloc("nat_hostfree", sizeof(uint32_t) * n->max_hosts, 0);
	if (!n->tab.b || !n->host_free || !n->sess || !n->map || !n->host)
		goto fail;
	/* faulted in now, not on the first packets (rte_zmalloc may skip
	 * zeroing memory it knows clean) */
	memset(n->tab.b, 0, (size_t)n->tab.nb * SL_NAT_BUCKET * sizeof(uint64_t));
	memset(n->map, 0, sizeof(*n->map) * max_sessions);
	/* free lists: every slot */
	n->free_sess = SL_NAT_NONE;
	n->open_head = SL_NAT_NONE;
	for (uint32_t i = n->n_slots; i-- > 0;) {
		n->sess[i].next = n->free_sess;
		n->free_sess = i;
	}
	n->free_map_head = SL_NAT_NONE;
	for (uint32_t i = max_sessions; i-- > 0;) {
		n->map[i].sessions = n->free_map_head;
		n->free_map_head = i;
	}
	n->free_map = max_sessions;
	n->cool_head = n->cool_tail = SL_NAT_NONE;
	return 0;
fail:
	sl_nat_destroy(n);
	return -ENOMEM;
}

void sl_nat_destroy(struct sl_nat *n)
{
	rte_free(n->tab.b);
	rte_free(n->sess);
	rte_free(n->map);
	rte_free(n->host);
	rte_free(n->host_free);
	for (unsigned int a = 0; a < n->n_addrs; a++) {
		for (int c = 0; c < 3; c++) {
			rte_free(n->addr[a].port[c]);
			rte_free(n->addr[a].used[c]);
		}
		rte_free(n->addr[a].blk_owner);
		rte_free(n->addr[a].blk_used);
	}
	memset(n, 0, sizeof(*n));
}

uint64_t sl_nat_memory(const struct sl_nat *n)
{
	return (uint64_t)n->max_sessions *
		       (sizeof(struct sl_nat_session) + sizeof(struct sl_nat_mapping)) +
	       (uint64_t)tab_buckets(n->max_sessions, n->max_hosts) * SL_NAT_BUCKET * 8 +
	       (uint64_t)n->max_hosts * (sizeof(struct sl_nat_host) + 4) +
	       (uint64_t)n->n_addrs * 65536 * 4;
}

/* ---------- pool addresses and ports (under the lock) ---------- */

static int pclass(uint8_t proto)
{
	proto &= 0x7f; /* static mappings carry 0x80 */
	return proto == 6 ? 0 : proto == 17 ? 1 : 2;
}

static int addr_index(const struct sl_nat *n, uint32_t ip)
{
	uint32_t h = rte_be_to_cpu_32(ip);

	for (unsigned int p = 0; p < n->n_pools; p++) {
		uint32_t base = rte_be_to_cpu_32(n->pools[p].prefix.addr.v4);
		uint64_t count = 1ull << (32 - n->pools[p].prefix.len);
		if (h - base < count)
			return n->pool_first[p] + (int)(h - base);
	}
	return -1;
}

bool sl_nat_is_pool_addr(const struct sl_nat *n, uint32_t ip)
{
	for (unsigned int p = 0; p < n->n_pools; p++) {
		const struct sl_prefix *pf = &n->pools[p].prefix;
		uint32_t mask = pf->len ? rte_cpu_to_be_32(~0u << (32 - pf->len)) : 0;
		if (((ip ^ pf->addr.v4) & mask) == 0)
			return true;
	}
	return false;
}

/* The owner of a port (host order), SL_NAT_PORT_FREE when none. */
static uint32_t port_owner(const struct sl_nat_addr *a, int c, uint16_t port)
{
	return a->port[c] ? a->port[c][port] : SL_NAT_PORT_FREE;
}

static bool port_used(const struct sl_nat_addr *a, int c, uint16_t port)
{
	return a->used[c] && (a->used[c][port >> 6] >> (port & 63)) & 1;
}

static bool in_range(const struct sl_nat_addr *a, uint16_t port)
{
	return port >= a->lo && port <= a->hi;
}

/* The port block holding @p port, or -1 (no blocks, or a leftover port). */
static int blk_of(const struct sl_nat_addr *a, uint16_t port)
{
	uint32_t b;

	if (a->blk_owner == NULL || port < a->lo)
		return -1;
	b = (uint32_t)(port - a->lo) / a->blk_size;
	return b < a->n_blk ? (int)b : -1;
}

/* Whether a port's owner keeps its port block in use: a dynamic mapping
 * or a cool-down does; a static forward does not (a block's host lets it
 * go when its last dynamic port is free, as the XDP pass does). */
static bool owner_dynamic(const struct sl_nat *n, uint32_t owner)
{
	return (owner & SL_NAT_PORT_COOL) || !(n->map[owner - 1].proto & 0x80);
}

/* Give a port an owner (allocating the class's array on first use): a
 * new one, or the next (a mapping's cool-down, a static forward's
 * included). */
static int port_take(struct sl_nat *n, uint16_t ai, int c, uint16_t port, uint32_t owner)
{
	struct sl_nat_addr *a = &n->addr[ai];
	uint32_t old;
	int b;

	if (a->port[c] == NULL) {
		a->port[c] = rte_zmalloc("nat_ports", 65536 * sizeof(uint32_t), 0);
		a->used[c] = rte_zmalloc("nat_used", 65536 / 8, RTE_CACHE_LINE_SIZE);
		if (a->port[c] == NULL || a->used[c] == NULL) {
			rte_free(a->port[c]);
			rte_free(a->used[c]);
			a->port[c] = NULL;
			a->used[c] = NULL;
			return -ENOMEM;
		}
	}
	old = a->port[c][port];
	if (old == SL_NAT_PORT_FREE && in_range(a, port))
		a->n_free[c]--;
	b = blk_of(a, port);
	if (b >= 0)
		a->blk_used[b] = (uint16_t)(a->blk_used[b] + owner_dynamic(n, owner) -
					    (old != SL_NAT_PORT_FREE && owner_dynamic(n, old)));
	a->port[c][port] = owner;
	a->used[c][port >> 6] |= 1ull << (port & 63);
	return 0;
}

static void blk_release(struct sl_nat *n, uint16_t ai, uint32_t b);

static void port_free(struct sl_nat *n, uint16_t ai, int c, uint16_t port)
{
	struct sl_nat_addr *a = &n->addr[ai];
	int b;

	if (a->port[c] == NULL || a->port[c][port] == SL_NAT_PORT_FREE)
		return;
	b = owner_dynamic(n, a->port[c][port]) ? blk_of(a, port) : -1;
	a->port[c][port] = SL_NAT_PORT_FREE;
	a->used[c][port >> 6] &= ~(1ull << (port & 63));
	if (in_range(a, port))
		a->n_free[c]++;
	if (b >= 0 && --a->blk_used[b] == 0 && a->blk_owner[b])
		blk_release(n, ai, (uint32_t)b);
}

static bool port_reclaim(struct sl_nat *n, uint16_t addr, int c, uint16_t port, uint64_t now);

/* A port free to take: unused, or held only by idle sessions or an ended
 * cool-down (reaping is lazy; the XDP expiry pass has freed it by now). */
static bool port_avail(struct sl_nat *n, uint16_t ai, int c, uint16_t port, uint64_t now)
{
	return !port_used(&n->addr[ai], c, port) || port_reclaim(n, ai, c, port, now);
}

enum reap_scope { REAP_SLICE, REAP_ALL };
static bool reap_exhausted(struct sl_nat *n, uint64_t now, enum reap_scope scope);

/* Preserve @p want when possible, else a random free port (not taken
 * yet: map_new takes it). 0 if none. */
static uint16_t port_alloc(struct sl_nat *n, uint16_t ai, int c, uint16_t want, uint64_t now)
{
	struct sl_nat_addr *a = &n->addr[ai];
	uint32_t range = (uint32_t)a->hi - a->lo + 1;

	if (in_range(a, want) && port_used(a, c, want))
		port_reclaim(n, ai, c, want, now);
	if (a->n_free[c] == 0) /* no idle session may still hold a port */
		reap_exhausted(n, now, REAP_ALL);
	if (a->n_free[c] == 0) {
		/* the XDP program, which keeps no free count, finds none only
		 * after its 32 random tries and one linear search's random
		 * start: the same draws keep both backends' later ports alike */
		for (int i = 0; i < 33; i++)
			(void)rnd(n);
		return 0;
	}
	if (in_range(a, want) && !port_used(a, c, want))
		return want;
	n->stats.port_fallbacks++;
	for (int i = 0; i < 32; i++) {
		uint16_t p = (uint16_t)(a->lo + rnd(n) % range);
		if (port_avail(n, ai, c, p, now))
			return p;
	}
	uint32_t start = (uint32_t)(rnd(n) % range);
	for (uint32_t i = 0; i < range; i++) {
		uint16_t p = (uint16_t)(a->lo + (start + i) % range);
		if (port_avail(n, ai, c, p, now))
			return p;
	}
	return 0;
}

/* ---------- port blocks (nat port-block size N blocks-per-host M) ---------- */

static void host_put(struct sl_nat *n, uint32_t h);

/* Block @p b of address @p ai is no longer used: it leaves its host. */
static void blk_release(struct sl_nat *n, uint16_t ai, uint32_t b)
{
	struct sl_nat_addr *a = &n->addr[ai];
	uint32_t h = a->blk_owner[b] - 1;
	struct sl_nat_host *ho = &n->host[h];

	for (unsigned int i = 0; i < ho->n_blk; i++)
		if (ho->blk[i] == b) {
			ho->blk[i] = ho->blk[--ho->n_blk];
			break;
		}
	a->blk_owner[b] = 0;
	if (ho->n_blk == 0 && ho->n_sessions == 0)
		host_put(n, h);
}

static void blk_assign(struct sl_nat *n, uint16_t ai, uint32_t b, uint32_t h)
{
	n->addr[ai].blk_owner[b] = h + 1;
	n->host[h].blk[n->host[h].n_blk++] = (uint16_t)b;
	n->stats.blocks_allocated++;
}

/* Drop every block assignment (the block size changed; no session exists). */
static void blk_reset(struct sl_nat *n)
{
	for (unsigned int i = 0; i < n->n_addrs; i++) {
		rte_free(n->addr[i].blk_owner);
		rte_free(n->addr[i].blk_used);
		n->addr[i].blk_owner = NULL;
		n->addr[i].blk_used = NULL;
		n->addr[i].n_blk = 0;
	}
	for (uint32_t h = 0; h < n->n_hosts; h++) {
		n->host[h].n_blk = 0;
		if (n->host[h].n_sessions == 0)
			host_put(n, h);
	}
}

/* The block arrays of address @p ai, made on first use (the dynamic
 * mappings' and cool-downs' ports taken so far are counted in). */
static int blk_setup(struct sl_nat *n, uint16_t ai)
{
	struct sl_nat_addr *a = &n->addr[ai];
	uint32_t nb = ((uint32_t)a->hi - a->lo + 1) / n->pb_size;

	if (a->blk_owner)
		return 0;
	if (nb == 0)
		return -ENOSPC;
	a->blk_owner = rte_zmalloc("nat_blk_owner", nb * sizeof(uint32_t), 0);
	a->blk_used = rte_zmalloc("nat_blk_used", nb * sizeof(uint16_t), 0);
	if (a->blk_owner == NULL || a->blk_used == NULL) {
		rte_free(a->blk_owner);
		rte_free(a->blk_used);
		a->blk_owner = NULL;
		a->blk_used = NULL;
		return -ENOMEM;
	}
	a->n_blk = nb;
	a->blk_size = n->pb_size;
	for (int c = 0; c < 3; c++)
		for (uint32_t p = a->lo; p < a->lo + nb * a->blk_size; p++) {
			uint32_t o = port_owner(a, c, (uint16_t)p);
			if (o != SL_NAT_PORT_FREE && owner_dynamic(n, o))
				a->blk_used[(p - a->lo) / a->blk_size]++;
		}
	return 0;
}

/* The first free port of block @p b for class @p c from a random start,
 * in one pass: a port whose mapping went idle or whose cool-down is over is
 * free (reaping is lazy; the XDP program's pass finds it so). 0 if none. */
static uint16_t blk_pick(struct sl_nat *n, uint16_t ai, int c, uint32_t b, uint64_t now)
{
	struct sl_nat_addr *a = &n->addr[ai];
	uint32_t size = a->blk_size, base = a->lo + b * size, start = (uint32_t)(rnd(n) % size);

	for (uint32_t i = 0; i < size; i++) {
		uint16_t p = (uint16_t)(base + (start + i) % size);
		if (port_avail(n, ai, c, p, now))
			return p;
	}
	return 0;
}

/*
 * Port block allocation: host @p h's new mapping takes @p want if it lies in
 * one of the host's blocks and is free, else a random free port of its
 * blocks, else the lowest free block of the address becomes the host's
 * (while it holds fewer than blocks-per-host) and the port comes from it.
 * 0: exhausted.
 */
static uint16_t port_alloc_pb(
	struct sl_nat *n, uint16_t ai, int c, uint16_t want, uint32_t h, uint64_t now)
{
	struct sl_nat_addr *a = &n->addr[ai];
	struct sl_nat_host *ho = &n->host[h];
	int wb;

	if (blk_setup(n, ai) < 0)
		return 0;
	wb = blk_of(a, want);
	if (wb >= 0 && a->blk_owner[wb] == h + 1) {
		if (port_avail(n, ai, c, want, now)) {
			if (a->blk_owner[wb] == 0) /* released by the reclaim: take it back */
				blk_assign(n, ai, (uint32_t)wb, h);
			return want;
		}
	}
	for (unsigned int i = 0; i < ho->n_blk; i++) {
		uint32_t b = ho->blk[i];
		uint16_t p = blk_pick(n, ai, c, b, now);
		if (p) {
			if (a->blk_owner[b] == 0)
				blk_assign(n, ai, b, h);
			return p;
		}
	}
	if (ho->n_blk >= n->pb_per_host)
		return 0;
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t b = 0; b < a->n_blk; b++) {
			uint16_t p;
			if (a->blk_owner[b])
				continue;
			if (blk_of(a, want) == (int)b && !port_used(a, c, want))
				p = want;
			else
				p = blk_pick(n, ai, c, b, now);
			if (p) {
				blk_assign(n, ai, b, h);
				return p;
			}
		}
		/* none free: no idle session may still hold a block */
		if (pass || !reap_exhausted(n, now, REAP_ALL))
			break;
	}
	return 0;
}

static uint64_t map_end(const struct sl_nat_mapping *m)
{
	return (uint64_t)m->end_hi << 32 | m->end_lo;
}

static void map_set_end(struct sl_nat_mapping *m, uint64_t end)
{
	m->end_lo = (uint32_t)end;
	m->end_hi = (uint32_t)(end >> 32);
}

/* Mapping @p id died at @p end: its port stays taken until end + 120 s,
 * the mapping entry (off the table) its record meanwhile. */
static void port_cool(struct sl_nat *n, uint32_t id, uint64_t end)
{
	struct sl_nat_mapping *m = &n->map[id];

	map_set_end(m, end + SL_NAT_COOLDOWN_NS);
	m->in_use = 2;
	m->sessions = SL_NAT_NONE;
	if (n->cool_tail != SL_NAT_NONE)
		n->map[n->cool_tail].sessions = id;
	else
		n->cool_head = id;
	n->cool_tail = id;
	port_take(
		n, m->addr, pclass(m->proto), rte_be_to_cpu_16(m->ext_port), SL_NAT_PORT_COOL | id);
}

/* Release a cooling port whose time is up. @return true if released. */
static bool cool_release(struct sl_nat *n, uint16_t addr, int c, uint16_t port, uint64_t now)
{
	uint32_t o = port_owner(&n->addr[addr], c, port);

	if (!(o & SL_NAT_PORT_COOL) || map_end(&n->map[o & ~SL_NAT_PORT_COOL]) > now)
		return false;
	port_free(n, addr, c, port);
	return true;
}

static void map_release(struct sl_nat *n, uint32_t id)
{
	n->map[id].in_use = 0;
	n->map[id].sessions = n->free_map_head;
	n->free_map_head = id;
	n->free_map++;
}

/* Cool-down @p id (after @p prev in the FIFO; SL_NAT_NONE: the head) ends:
 * the port, if still its, and the mapping entry are free again. */
static void cool_unlink(struct sl_nat *n, uint32_t prev, uint32_t id)
{
	struct sl_nat_mapping *m = &n->map[id];
	struct sl_nat_addr *a = &n->addr[m->addr];
	uint16_t port = rte_be_to_cpu_16(m->ext_port);

	if (port_owner(a, pclass(m->proto), port) == (SL_NAT_PORT_COOL | id))
		port_free(n, m->addr, pclass(m->proto), port);
	if (prev == SL_NAT_NONE)
		n->cool_head = m->sessions;
	else
		n->map[prev].sessions = m->sessions;
	if (n->cool_tail == id)
		n->cool_tail = prev;
	map_release(n, id);
}

/* The oldest cool-down ends (early, when mappings run out). */
static void cool_pop(struct sl_nat *n)
{
	cool_unlink(n, SL_NAT_NONE, n->cool_head);
}

/*
 * Cool-downs over at @p now leave the FIFO (at most @p max of them). The
 * FIFO is in reaping order, which is end order only roughly: a sweep reaps
 * in slot order, and a long idle gap (replay) is reaped at once. Past a
 * head that is not due, the next @p lookahead entries are looked at too
 * (the periodic reaping: an ended cool-down is not held up behind a later
 * one, as the XDP expiry pass holds none).
 */
static void cool_expire(struct sl_nat *n, uint64_t now, uint32_t max, uint32_t lookahead)
{
	uint32_t prev = SL_NAT_NONE, id = n->cool_head;

	while (max && id != SL_NAT_NONE) {
		uint32_t next = n->map[id].sessions;
		if (map_end(&n->map[id]) <= now) {
			cool_unlink(n, prev, id);
			max--;
		} else {
			if (lookahead-- == 0)
				break;
			prev = id;
		}
		id = next;
	}
}

/* ---------- hosts, mappings, sessions (under the lock) ---------- */

/* The host entry of inside address @p ip (its host key's hash @p hk), created if needed. */
static uint32_t host_get_h(struct sl_nat *n, uint32_t ip, uint64_t hk)
{
	struct sl_nat_tuple k = sl_nat_host_key(ip);
	uint32_t h = kind_find_h(n, &k, hk, SL_NAT_V_HOST);

	if (h != SL_NAT_NONE)
		return h;
	if (n->n_addrs == 0)
		return SL_NAT_NONE;
	if (n->n_hosts < n->max_hosts) {
		h = n->n_hosts++;
	} else {
		/* table full: take over a host that has had no session for a while
		 * (until then idle hosts keep their entry, so pairing holds) */
		while (n->n_host_free && h == SL_NAT_NONE) {
			uint32_t c = n->host_free[--n->n_host_free];
			n->host[c].listed = 0;
			if (n->host[c].n_sessions == 0 && n->host[c].n_blk == 0) {
				struct sl_nat_tuple o = sl_nat_host_key(n->host[c].ip);
				tab_del(n, &o, SL_NAT_V_HOST | c);
				h = c;
			}
		}
		if (h == SL_NAT_NONE)
			return SL_NAT_NONE;
	}
	n->host[h] = (struct sl_nat_host){
		.ip = ip, .addr = (uint16_t)n->next_addr, .sessions = SL_NAT_NONE};
	if (tab_add_h(n, hk, SL_NAT_V_HOST | h) < 0) {
		n->host[h].listed = 1;
		n->host_free[n->n_host_free++] = h;
		return SL_NAT_NONE;
	}
	n->next_addr = (n->next_addr + 1) % n->n_addrs;
	return h;
}

static uint32_t host_get(struct sl_nat *n, uint32_t ip)
{
	struct sl_nat_tuple k = sl_nat_host_key(ip);

	return host_get_h(n, ip, sl_nat_hash(&n->tab, &k));
}

/* A host with no session left becomes a candidate for reuse. */
static void host_put(struct sl_nat *n, uint32_t h)
{
	if (!n->host[h].listed) {
		n->host[h].listed = 1;
		n->host_free[n->n_host_free++] = h;
	}
}

static uint32_t map_new_h(struct sl_nat *n, uint8_t proto, uint32_t int_ip, uint16_t int_port,
	uint16_t addr, uint16_t ext_port, uint64_t now, uint64_t hk)
{
	struct sl_nat_mapping *m;
	uint32_t id;

	cool_expire(n, now, 2, 0);
	if (n->free_map == 0 && n->cool_head == SL_NAT_NONE)
		reap_exhausted(n, now, REAP_SLICE); /* expired sessions' mappings start cooling */
	if (n->free_map == 0 && n->cool_head != SL_NAT_NONE)
		cool_pop(n);
	if (n->free_map == 0)
		return SL_NAT_NONE;
	id = n->free_map_head;
	m = &n->map[id];
	n->free_map_head = m->sessions;
	n->free_map--;
	*m = (struct sl_nat_mapping){.int_ip = int_ip,
		.int_port = int_port,
		.ext_port = ext_port,
		.proto = proto,
		.in_use = 1,
		.addr = addr,
		.sessions = SL_NAT_NONE};
	if (port_take(n, addr, pclass(proto), rte_be_to_cpu_16(ext_port), id + 1) < 0)
		goto undo;
	if (tab_add_h(n, hk, SL_NAT_V_MAP | id) < 0) {
		port_free(n, addr, pclass(proto), rte_be_to_cpu_16(ext_port));
		goto undo;
	}
	n->stats.mappings++;
	return id;
undo:
	map_release(n, id);
	return SL_NAT_NONE;
}

static uint32_t map_new(struct sl_nat *n, uint8_t proto, uint32_t int_ip, uint16_t int_port,
	uint16_t addr, uint16_t ext_port, uint64_t now)
{
	struct sl_nat_tuple k = map_key(proto, int_ip, int_port);

	return map_new_h(n, proto, int_ip, int_port, addr, ext_port, now, sl_nat_hash(&n->tab, &k));
}

static void map_del(struct sl_nat *n, uint32_t id, uint64_t now)
{
	struct sl_nat_mapping *m = &n->map[id];
	struct sl_nat_tuple k = map_key(m->proto, m->int_ip, m->int_port);

	tab_del(n, &k, SL_NAT_V_MAP | id);
	port_cool(n, id, now);
}

void nat_sess_free(struct sl_nat *n, uint32_t idx)
{
	n->sess[idx].in_use = 0;
	n->sess[idx].next = n->free_sess;
	n->free_sess = idx;
}

/* Deleted slots get a grace-period token in batches. */
static void defer_close(struct sl_nat *n)
{
	struct sl_nat_batch *b;

	if (n->open_n == 0 || n->n_batches == SL_NAT_BATCHES)
		return;
	b = &n->batch[(n->batch_head + n->n_batches++) % SL_NAT_BATCHES];
	*b = (struct sl_nat_batch){n->open_head, n->open_tail, rte_rcu_qsbr_start(n->qsv)};
	n->open_head = SL_NAT_NONE;
	n->open_n = 0;
}

/* Slots whose grace period is over go back to the free list. */
static void defer_reclaim(struct sl_nat *n)
{
	while (n->n_batches) {
		struct sl_nat_batch *b = &n->batch[n->batch_head];
		if (rte_rcu_qsbr_check(n->qsv, b->token, false) != 1)
			break;
		for (uint32_t i = b->head;; i = n->sess[i].next) {
			__atomic_store_n(&n->sess[i].in_use, 0, __ATOMIC_RELEASE);
			if (i == b->tail)
				break;
		}
		n->sess[b->tail].next = n->free_sess;
		n->free_sess = b->head;
		n->batch_head = (n->batch_head + 1) % SL_NAT_BATCHES;
		n->n_batches--;
	}
}

static void sess_defer(struct sl_nat *n, uint32_t idx)
{
	if (n->qsv == NULL) {
		/* single-threaded (replay): nobody can hold it, free now */
		nat_sess_free(n, idx);
		return;
	}
	n->sess[idx].next = n->open_head;
	if (n->open_head == SL_NAT_NONE)
		n->open_tail = idx;
	n->open_head = idx;
	if (++n->open_n >= SL_NAT_DEFER_SLOTS / 16) {
		defer_close(n);
		defer_reclaim(n);
	}
}

void nat_sess_del(struct sl_nat *n, uint32_t idx, uint64_t now)
{
	struct sl_nat_session *s = &n->sess[idx];

	uint64_t end = s->last_seen + sl_nat_timeout(n, s);
	uint32_t mapping = s->mapping, host = s->host;

	if (end > now)
		end = now;
	__atomic_store_n(
		&s->in_use, 2, __ATOMIC_RELEASE); /* deleted: back after the grace period */
	if (mapping != SL_NAT_NONE) {
		struct sl_nat_mapping *m = &n->map[mapping];
		uint32_t *pp = &m->sessions;
		while (*pp != SL_NAT_NONE && *pp != idx)
			pp = &n->sess[*pp].next;
		if (*pp == idx)
			*pp = s->next;
		if (end > map_end(m)) {
			m->end_lo = (uint32_t)end;
			m->end_hi = (uint32_t)(end >> 32);
		}
	}
	tab_del(n, &s->t[1], idx << 1 | 1);
	tab_del(n, &s->t[0], idx << 1);
	if (mapping != SL_NAT_NONE) {
		struct sl_nat_mapping *m = &n->map[mapping];
		/* the mapping died when the last of its sessions went idle */
		if (--m->n_sessions == 0 && !(m->proto & 0x80))
			map_del(n, mapping, map_end(m));
	}
	if (host != SL_NAT_NONE) {
		struct sl_nat_host *hp = &n->host[host];
		if (s->hprev != SL_NAT_NONE)
			n->sess[s->hprev].hnext = s->hnext;
		else
			hp->sessions = s->hnext;
		if (s->hnext != SL_NAT_NONE)
			n->sess[s->hnext].hprev = s->hprev;
		if (--hp->n_sessions == 0)
			host_put(n, host);
	}
	sess_defer(n, idx);
	n->n_sessions--;
	n->stats.expired++;
}

static bool sess_expired(const struct sl_nat *n, const struct sl_nat_session *s, uint64_t now);

/* Delete the expired sessions among the next @p budget slots of the reaping
 * cursor's round. */
static void reap_slice(struct sl_nat *n, uint64_t now, uint32_t budget)
{
	for (uint32_t i = 0; i < budget && i < n->n_slots; i++) {
		uint32_t idx = n->reap_cursor;
		struct sl_nat_session *s = &n->sess[idx];
		n->reap_cursor = (idx + 1) % n->n_slots;
		if (s->in_use == 1 && sess_expired(n, s, now))
			nat_sess_del(n, idx, now);
	}
}

static uint32_t sess_new(struct sl_nat *n, const struct sl_nat_tuple *t0, uint64_t h0,
	const struct sl_nat_tuple *t1, uint32_t mapping, uint32_t host, uint8_t inside_dir,
	uint8_t tcp, uint64_t now)
{
	uint32_t idx;
	struct sl_nat_session *s;

	if (n->n_sessions >= n->max_sessions)
		reap_exhausted(n, now, REAP_SLICE);
	if (n->n_sessions >= n->max_sessions)
		return SL_NAT_NONE;
	if (n->free_sess == SL_NAT_NONE && n->qsv) {
		defer_close(n);
		defer_reclaim(n);
	}
	idx = n->free_sess;
	if (idx == SL_NAT_NONE)
		return SL_NAT_NONE;
	s = &n->sess[idx];
	n->free_sess = s->next;
	*s = (struct sl_nat_session){.t = {*t0, *t1},
		.last_seen = now,
		.mapping = mapping,
		.host = host,
		.next = SL_NAT_NONE,
		.tcp = tcp,
		.in_use = 1,
		.inside_dir = inside_dir};
	nat_delta_set(s);
	/* the session is complete before its keys make it visible */
	if (tab_add_h(n, h0, idx << 1) < 0)
		goto undo;
	if (tab_add(n, t1, idx << 1 | 1) < 0) {
		tab_del(n, t0, idx << 1);
		s->in_use = 2;
		sess_defer(n, idx); /* a reader may have seen t0 */
		return SL_NAT_NONE;
	}
	if (mapping != SL_NAT_NONE) {
		struct sl_nat_mapping *m = &n->map[mapping];
		s->next = m->sessions;
		m->sessions = idx;
		m->n_sessions++;
	}
	if (host != SL_NAT_NONE) {
		struct sl_nat_host *hp = &n->host[host];
		s->hprev = SL_NAT_NONE;
		s->hnext = hp->sessions;
		if (hp->sessions != SL_NAT_NONE)
			n->sess[hp->sessions].hprev = idx;
		hp->sessions = idx;
		hp->n_sessions++;
	}
	n->n_sessions++;
	n->stats.created++;
	return idx;
undo:
	s->in_use = 0;
	s->next = n->free_sess;
	n->free_sess = idx;
	return SL_NAT_NONE;
}

/* The live session for @p t (deleting it when expired at @p now). */
static uint32_t find_locked_h(
	struct sl_nat *n, const struct sl_nat_tuple *t, uint64_t h, uint64_t now)
{
	uint32_t v = sl_nat_lookup_h(n, t, h);
	struct sl_nat_session *s;

	if (v == SL_NAT_NONE)
		return SL_NAT_NONE;
	s = &n->sess[v >> 1];
	if (now > s->last_seen && now - s->last_seen > sl_nat_timeout(n, s)) {
		nat_sess_del(n, v >> 1, now);
		return SL_NAT_NONE;
	}
	return v;
}

static uint32_t find_locked(struct sl_nat *n, const struct sl_nat_tuple *t, uint64_t now)
{
	return find_locked_h(n, t, sl_nat_hash(&n->tab, t), now);
}

uint32_t sl_nat_find(struct sl_nat *n, const struct sl_nat_tuple *t, uint64_t now)
{
	uint32_t v;

	rte_spinlock_lock(&n->lock);
	v = find_locked(n, t, now);
	rte_spinlock_unlock(&n->lock);
	return v;
}

static bool sess_expired(const struct sl_nat *n, const struct sl_nat_session *s, uint64_t now);

/* At the per-host limit, the host's idle sessions that the reaper has not
 * reached yet must not count: remove them and look again. */
static bool host_full(struct sl_nat *n, uint32_t h, uint64_t now)
{
	uint32_t i, next;

	if (!n->limit_per_host || n->host[h].n_sessions < n->limit_per_host)
		return false;
	for (i = n->host[h].sessions; i != SL_NAT_NONE; i = next) {
		next = n->sess[i].hnext;
		if (sess_expired(n, &n->sess[i], now))
			nat_sess_del(n, i, now); /* may release the host entry */
	}
	return n->host[h].n_sessions >= n->limit_per_host;
}

static bool mapping_is_static(const struct sl_nat_mapping *m);
static bool mapping_live(const struct sl_nat *n, const struct sl_nat_mapping *m, uint64_t now);

/* The mapping of inside endpoint (proto, ip, port), created if needed. */
static uint32_t mapping_for(struct sl_nat *n, uint8_t proto, uint32_t ip, uint16_t port,
	uint64_t hk, uint32_t host, uint64_t now, enum sl_drop_reason *why)
{
	struct sl_nat_tuple k = map_key(proto, ip, port);
	uint32_t m = kind_find_h(n, &k, hk, SL_NAT_V_MAP);
	uint16_t addr, ext;

	if (m != SL_NAT_NONE && !mapping_is_static(&n->map[m]) &&
		!mapping_live(n, &n->map[m], now)) {
		/* its sessions all expired, not reaped yet: the mapping is over
		 * (its port cools down, the same endpoint's next mapping
		 * included: RFC 6888 REQ-8), as when reaped in time */
		uint32_t next;
		for (uint32_t s = n->map[m].sessions; s != SL_NAT_NONE; s = next) {
			next = n->sess[s].next;
			nat_sess_del(n, s, now);
		}
		m = SL_NAT_NONE;
	}
	if (m == SL_NAT_NONE && n->n_static)
		m = map_find(n, proto | 0x80, ip, port); /* static forward */
	if (m != SL_NAT_NONE)
		return m;
	addr = n->host[host].addr;
	ext = n->pb_size ? port_alloc_pb(n, addr, pclass(proto), rte_be_to_cpu_16(port), host, now)
			 : port_alloc(n, addr, pclass(proto), rte_be_to_cpu_16(port), now);
	if (ext == 0) {
		*why = SL_DROP_NAT_PORT_EXHAUSTED;
		return SL_NAT_NONE;
	}
	m = map_new_h(n, proto, ip, port, addr, rte_cpu_to_be_16(ext), now, hk);
	if (m == SL_NAT_NONE)
		*why = SL_DROP_NAT_SESSION_LIMIT;
	return m;
}

/* A mapping (dynamic or static) reached at outside endpoint (proto, ip, port). */
static uint32_t mapping_at(struct sl_nat *n, uint8_t proto, uint32_t ip, uint16_t port)
{
	int a = addr_index(n, ip);
	uint32_t o;

	if (a < 0)
		return SL_NAT_NONE;
	o = port_owner(&n->addr[a], pclass(proto), rte_be_to_cpu_16(port));
	if (o == SL_NAT_PORT_FREE || (o & SL_NAT_PORT_COOL) ||
		(n->map[o - 1].proto & 0x7f) != proto)
		return SL_NAT_NONE;
	return o - 1;
}

static bool mapping_is_static(const struct sl_nat_mapping *m)
{
	return (m->proto & 0x80) != 0;
}

static bool sess_expired(const struct sl_nat *n, const struct sl_nat_session *s, uint64_t now)
{
	return now > s->last_seen && now - s->last_seen > sl_nat_timeout(n, s);
}

/* A mapping lives while a session uses it (reaping may lag: check times). */
static bool mapping_live(const struct sl_nat *n, const struct sl_nat_mapping *m, uint64_t now)
{
	if (mapping_is_static(m))
		return true;
	for (uint32_t s = m->sessions; s != SL_NAT_NONE; s = n->sess[s].next)
		if (!sess_expired(n, &n->sess[s], now))
			return true;
	return false;
}

/* A taken port whose mapping has only idle sessions, or whose cool-down is
 * over, is freed now: reaping is lazy, allocation must not depend on it. */
static bool port_reclaim(struct sl_nat *n, uint16_t addr, int c, uint16_t port, uint64_t now)
{
	uint32_t o = port_owner(&n->addr[addr], c, port), m = o - 1;

	if (o != SL_NAT_PORT_FREE && !(o & SL_NAT_PORT_COOL)) {
		if (mapping_is_static(&n->map[m]))
			return false;
		for (uint32_t s = n->map[m].sessions; s != SL_NAT_NONE; s = n->sess[s].next)
			if (!sess_expired(n, &n->sess[s], now))
				return false;
		while (n->map[m].in_use == 1 && n->map[m].sessions != SL_NAT_NONE)
			nat_sess_del(n, n->map[m].sessions, now);
	}
	return cool_release(n, addr, c, port, now);
}

static void reap_all(struct sl_nat *n, uint64_t now)
{
	for (uint32_t i = 0; i < n->n_slots; i++)
		if (n->sess[i].in_use == 1 && sess_expired(n, &n->sess[i], now))
			nat_sess_del(n, i, now);
	for (uint32_t i = n->cool_head; i != SL_NAT_NONE; i = n->map[i].sessions)
		cool_release(n, n->map[i].addr, pclass(n->map[i].proto),
			rte_be_to_cpu_16(n->map[i].ext_port), now);
}

/*
 * Something ran out (an address's ports, port blocks, session slots,
 * mappings): sessions idle past their timeout count until the lazy reaping
 * reaches them, so before refusing, reap now. Rate-limited, so that a
 * flood at exhaustion costs a bounded share of a core: REAP_ALL, the whole
 * table and the ended cool-downs (what holds a port can be anywhere), at
 * most once a second; REAP_SLICE, the reaping cursor's next 64k slots (all
 * of a table of up to 64k), at most every 10 ms. @return true if it reaped.
 */
static bool reap_exhausted(struct sl_nat *n, uint64_t now, enum reap_scope scope)
{
	uint64_t *at = scope == REAP_ALL ? &n->reap_all_at : &n->reap_slice_at;
	uint64_t every = scope == REAP_ALL ? 1000000000ull : 10000000ull;

	if (*at && now + 1 >= *at && now + 1 - *at < every)
		return false;
	*at = now + 1;
	if (scope == REAP_ALL)
		reap_all(n, now);
	else
		reap_slice(n, now, 65536);
	return true;
}

uint32_t sl_nat_outbound(struct sl_nat *n, const struct sl_nat_tuple *t, uint8_t tcp_flags,
	uint64_t now, enum sl_drop_reason *why)
{
	struct sl_nat_hashes hs;

	hs.key = sl_nat_hash(&n->tab, t);
	sl_nat_hashes_out(n, t, &hs);
	return sl_nat_outbound_h(n, t, &hs, tcp_flags, now, why);
}

uint32_t sl_nat_outbound_h(struct sl_nat *n, const struct sl_nat_tuple *t,
	const struct sl_nat_hashes *hs, uint8_t tcp_flags, uint64_t now, enum sl_drop_reason *why)
{
	struct sl_nat_tuple r;
	uint32_t v, h, m, target = SL_NAT_NONE, idx = SL_NAT_NONE;
	uint8_t tcp = 0;

	rte_spinlock_lock(&n->lock);
	v = find_locked_h(n, t, hs->key, now);
	if (v != SL_NAT_NONE) {
		idx = v >> 1;
		goto out;
	}
	*why = SL_DROP_NAT_SESSION_LIMIT;
	h = host_get_h(n, t->src, hs->host);
	if (h == SL_NAT_NONE || host_full(n, h, now))
		goto out;
	/* hairpin: the destination is another inside endpoint's mapping */
	if (t->proto != 1 && sl_nat_is_pool_addr(n, t->dst)) {
		target = mapping_at(n, t->proto, t->dst, t->dport);
		if (target != SL_NAT_NONE && !mapping_live(n, &n->map[target], now))
			target = SL_NAT_NONE;
		if (target == SL_NAT_NONE) {
			*why = SL_DROP_NAT_NO_SESSION;
			goto out;
		}
	}
	m = mapping_for(n, t->proto, t->src, t->sport, hs->map, h, now, why);
	if (m == SL_NAT_NONE)
		goto out;
	r.src = target != SL_NAT_NONE ? n->map[target].int_ip : t->dst;
	r.sport = target != SL_NAT_NONE ? n->map[target].int_port : t->dport;
	r.dst = n->addr[n->map[m].addr].ip;
	r.dport = n->map[m].ext_port;
	r.proto = t->proto;
	memset(r.pad, 0, sizeof(r.pad));
	if (t->proto == 6)
		tcp = (tcp_flags & 0x02) ? 0 : SL_NAT_PICKUP;
	idx = sess_new(n, t, hs->key, &r, m, h, 0, tcp, now);
	if (idx == SL_NAT_NONE && n->map[m].n_sessions == 0 && !mapping_is_static(&n->map[m]))
		map_del(n, m, now);
out:
	rte_spinlock_unlock(&n->lock);
	return idx;
}

uint32_t sl_nat_inbound(struct sl_nat *n, const struct sl_nat_tuple *t, uint8_t tcp_flags,
	uint64_t now, enum sl_drop_reason *why)
{
	struct sl_nat_tuple r;
	uint32_t v, m, idx = SL_NAT_NONE, h;
	struct sl_nat_mapping *mp;
	bool ok = false;

	rte_spinlock_lock(&n->lock);
	v = find_locked(n, t, now);
	if (v != SL_NAT_NONE) {
		idx = v >> 1;
		goto out;
	}
	*why = SL_DROP_NAT_NO_SESSION;
	if (t->proto == 1)
		goto out;
	m = mapping_at(n, t->proto, t->dst, t->dport);
	if (m == SL_NAT_NONE)
		goto out;
	mp = &n->map[m];
	if (mapping_is_static(mp)) {
		ok = true;
	} else if (n->filtering == SL_NAT_FILTER_EIF) {
		ok = mapping_live(n, mp, now);
	} else if (n->filtering == SL_NAT_FILTER_ADF) {
		for (uint32_t s = mp->sessions; s != SL_NAT_NONE && !ok; s = n->sess[s].next) {
			const struct sl_nat_session *ss = &n->sess[s];
			/* the remote of a session is the source of its reply tuple
			 * (outbound) or of its original tuple (inbound) */
			uint32_t remote = ss->inside_dir == 0 ? ss->t[1].src : ss->t[0].src;
			if (remote == t->src && now - ss->last_seen <= sl_nat_timeout(n, ss))
				ok = true;
		}
	}
	if (!ok)
		goto out;
	h = host_get(n, mp->int_ip);
	if (h != SL_NAT_NONE && host_full(n, h, now)) {
		*why = SL_DROP_NAT_SESSION_LIMIT;
		goto out;
	}
	r = (struct sl_nat_tuple){.src = mp->int_ip,
		.dst = t->src,
		.sport = mp->int_port,
		.dport = t->sport,
		.proto = t->proto};
	idx = sess_new(n, t, sl_nat_hash(&n->tab, t), &r, m, h, 1,
		t->proto == 6 && !(tcp_flags & 0x02) ? SL_NAT_PICKUP : 0, now);
	if (idx == SL_NAT_NONE)
		*why = SL_DROP_NAT_SESSION_LIMIT;
out:
	rte_spinlock_unlock(&n->lock);
	return idx;
}

void sl_nat_reap(struct sl_nat *n, uint64_t now, uint32_t budget)
{
	if (n->sess == NULL)
		return;
	rte_spinlock_lock(&n->lock);
	if (n->n_sessions)
		reap_slice(n, now, budget);
	cool_expire(n, now, UINT32_MAX, 256); /* (those reaped now whose cool-down is over too) */
	if (n->qsv) {
		defer_close(n);
		defer_reclaim(n);
	}
	rte_spinlock_unlock(&n->lock);
}

/* ---------- configuration (control thread) ---------- */

__attribute__((format(printf, 3, 4))) static int fail(
	char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int pool_add(struct sl_nat *n, const struct sl_cmd_nat_pool *p, char *err, size_t errlen)
{
	uint32_t base = rte_be_to_cpu_32(p->prefix.addr.v4);
	uint32_t count = 1u << (32 - p->prefix.len);

	if (n->n_pools == SL_NAT_POOLS_MAX)
		return fail(err, errlen, "nat pool add: at most %d pools", SL_NAT_POOLS_MAX);
	if (n->n_addrs + count > SL_NAT_ADDRS_MAX)
		return fail(err, errlen, "nat pool add: at most %d pool addresses in all",
			SL_NAT_ADDRS_MAX);
	for (uint32_t i = 0; i < count; i++)
		if (addr_index(n, rte_cpu_to_be_32(base + i)) >= 0)
			return fail(err, errlen, "nat pool add: overlaps an existing pool");
	n->pool_first[n->n_pools] = (uint16_t)n->n_addrs;
	for (uint32_t i = 0; i < count; i++) {
		struct sl_nat_addr *a = &n->addr[n->n_addrs];
		/* the port arrays come with the first port taken */
		*a = (struct sl_nat_addr){
			.ip = rte_cpu_to_be_32(base + i), .lo = p->port_lo, .hi = p->port_hi};
		for (int c = 0; c < 3; c++)
			a->n_free[c] = (uint32_t)p->port_hi - p->port_lo + 1;
		n->n_addrs++;
	}
	n->pools[n->n_pools++] = *p;
	n->enabled = true;
	return 0;
}

/* Command ports are host order; the tables hold network order. */
static int forward_add(
	struct sl_nat *n, const struct sl_cmd_nat_forward *f, char *err, size_t errlen)
{
	int a = addr_index(n, f->ext_ip);
	uint16_t port = f->ext_port, ext = rte_cpu_to_be_16(f->ext_port);
	uint16_t in = rte_cpu_to_be_16(f->int_port);

	if (a < 0)
		return fail(err, errlen, "nat forward add: outside address is not a pool address");
	/* a port cooling down (after a mapping or a forward ended) is the
	 * operator's to forward: the hold-down keeps dynamic mappings away */
	if (port_owner(&n->addr[a], pclass(f->proto), port) & SL_NAT_PORT_COOL)
		port_free(n, (uint16_t)a, pclass(f->proto), port);
	if (port_used(&n->addr[a], pclass(f->proto), port))
		return fail(err, errlen, "nat forward add: outside port %u already in use", port);
	if (map_find(n, f->proto | 0x80, f->int_ip, in) != SL_NAT_NONE)
		return fail(err, errlen, "nat forward add: inside endpoint already forwarded");
	if (map_new(n, f->proto | 0x80, f->int_ip, in, (uint16_t)a, ext, 0) == SL_NAT_NONE)
		return fail(err, errlen, "nat forward add: mapping table full");
	n->n_static++;
	return 0;
}

static int forward_del(struct sl_nat *n, const struct sl_cmd_nat_forward *f, uint64_t now,
	char *err, size_t errlen)
{
	uint32_t m = mapping_at(n, f->proto, f->ext_ip, rte_cpu_to_be_16(f->ext_port));

	if (m == SL_NAT_NONE || !mapping_is_static(&n->map[m]))
		return fail(err, errlen, "nat forward del: no such forward");
	while (n->map[m].sessions != SL_NAT_NONE)
		nat_sess_del(n, n->map[m].sessions, now);
	map_del(n, m, now);
	n->n_static--;
	return 0;
}

int sl_nat_forward_query(
	struct sl_nat *n, const struct sl_cmd_nat_forward *f, struct sl_nat_forward_state *st)
{
	int a;
	uint32_t m;

	memset(st, 0, sizeof(*st));
	if (n->sess == NULL)
		return 0; /* no table yet: nothing is in use */
	rte_spinlock_lock(&n->lock);
	a = addr_index(n, f->ext_ip);
	if (a >= 0) {
		uint32_t o = port_owner(&n->addr[a], pclass(f->proto), f->ext_port);
		st->ext_in_use = o != SL_NAT_PORT_FREE && !(o & SL_NAT_PORT_COOL);
	}
	m = mapping_at(n, f->proto, f->ext_ip, rte_cpu_to_be_16(f->ext_port));
	if (m != SL_NAT_NONE && mapping_is_static(&n->map[m])) {
		st->is_forward = true;
		st->int_ip = n->map[m].int_ip;
		st->int_port = rte_be_to_cpu_16(n->map[m].int_port);
	}
	m = map_find(n, f->proto | 0x80, f->int_ip, rte_cpu_to_be_16(f->int_port));
	if (m != SL_NAT_NONE) {
		st->int_forwarded = true;
		st->int_fwd_ext_ip = n->addr[n->map[m].addr].ip;
		st->int_fwd_ext_port = rte_be_to_cpu_16(n->map[m].ext_port);
	}
	rte_spinlock_unlock(&n->lock);
	return 0;
}

int sl_nat_apply(struct sl_nat *n, const struct sl_cmd *c, char *err, size_t errlen)
{
	int rc = 0;

	rte_spinlock_lock(&n->lock);
	switch (c->type) {
	case SL_CMD_NAT_POOL_ADD:
		rc = pool_add(n, &c->nat_pool, err, errlen);
		break;
	case SL_CMD_NAT_POOL_DEL:
		rc = fail(err, errlen,
			"nat pool del: removing a pool needs a restart in this version");
		break;
	case SL_CMD_NAT_FORWARD_ADD:
		rc = forward_add(n, &c->nat_fwd, err, errlen);
		break;
	case SL_CMD_NAT_FORWARD_DEL:
		rc = forward_del(n, &c->nat_fwd, 0, err, errlen);
		break;
	case SL_CMD_NAT_FILTERING:
		n->filtering = (uint8_t)c->nat.kind;
		break;
	case SL_CMD_NAT_TIMEOUT:
		n->timeout_ns[c->nat.kind] = (uint64_t)c->nat.value * 1000000000ull;
		timeout_min_set(n);
		break;
	case SL_CMD_NAT_LIMIT:
		n->limit_per_host = c->nat.value;
		break;
	case SL_CMD_NAT_PORT_BLOCK:
		if (n->n_sessions) {
			rc = fail(err, errlen,
				"nat port-block: can only be changed while no NAT session exists");
			break;
		}
		blk_reset(n);
		n->pb_size = (uint16_t)c->nat.value;
		n->pb_per_host = (uint8_t)(c->nat.kind ? c->nat.kind : 1);
		break;
	default:
		rc = fail(err, errlen, "not a NAT command");
		break;
	}
	rte_spinlock_unlock(&n->lock);
	return rc;
}
