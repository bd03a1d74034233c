/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <sluice/nat.h>

#include "nat_int.h"

struct map_key {
	uint32_t ip;
	uint16_t port;
	uint8_t proto;
	uint8_t pad;
};

static uint64_t rnd(struct sl_nat *n)
{
	/* xorshift64*: deterministic given --seed */
	n->rng ^= n->rng >> 12;
	n->rng ^= n->rng << 25;
	n->rng ^= n->rng >> 27;
	return n->rng * 0x2545f4914f6cdd1dull;
}

static void free_key_data(void *p, void *key_data)
{
	struct sl_nat *n = p;
	uint32_t v = (uint32_t)(uintptr_t)key_data;

	/* t[1]'s key is deleted before t[0]'s: when t[0]'s key is reclaimed no
	 * reader can still hold this session */
	if ((v & 1) == 0)
		nat_sess_free(n, v >> 1);
}

static struct rte_hash *hash_new(
	const char *name, uint32_t entries, uint32_t key_len, uint8_t flags)
{
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = entries < 64 ? 64 : entries,
		.key_len = key_len,
		.hash_func = rte_hash_crc,
		.socket_id = SOCKET_ID_ANY,
		.extra_flag = flags,
	};
	return rte_hash_create(&hp);
}

int sl_nat_create(struct sl_nat *n, uint32_t max_sessions, struct rte_rcu_qsbr *qsv, uint32_t seed)
{
	static unsigned int gen;
	char name[RTE_HASH_NAMESIZE];
	unsigned int g = gen++;

	memset(n, 0, sizeof(*n));
	rte_spinlock_init(&n->lock);
	n->max_sessions = max_sessions;
	n->max_hosts = max_sessions < (1u << 20) ? max_sessions : (1u << 20);
	n->qsv = qsv;
	n->filtering = SL_NAT_FILTER_APDF;
	n->timeout_ns[SL_NAT_TO_UDP] = 300ull * 1000000000ull;
	n->timeout_ns[SL_NAT_TO_TCP_EST] = 7440ull * 1000000000ull;
	n->timeout_ns[SL_NAT_TO_TCP_TRANS] = 240ull * 1000000000ull;
	n->timeout_ns[SL_NAT_TO_ICMP] = 60ull * 1000000000ull;
	n->rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)seed << 17 | seed);
	if (n->rng == 0)
		n->rng = 1;

	snprintf(name, sizeof(name), "nat_s%u", g);
	/* slots beyond the limit: deleted sessions wait out a grace period
	 * before their slot (and keys) can be reused */
	n->n_slots = max_sessions + SL_NAT_DEFER_SLOTS;
	n->sess_h = hash_new(name, n->n_slots * 2, sizeof(struct sl_nat_tuple),
		RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF);
	snprintf(name, sizeof(name), "nat_mi%u", g);
	n->map_in_h = hash_new(name, max_sessions, sizeof(struct map_key), 0);
	snprintf(name, sizeof(name), "nat_mo%u", g);
	n->map_out_h = hash_new(name, max_sessions, sizeof(struct map_key), 0);
	snprintf(name, sizeof(name), "nat_c%u", g);
	n->cool_h = hash_new(name, max_sessions, sizeof(uint32_t), 0);
	snprintf(name, sizeof(name), "nat_h%u", g);
	n->host_h = hash_new(name, n->max_hosts, sizeof(uint32_t), 0);
	n->sess = rte_zmalloc("nat_sess", sizeof(*n->sess) * n->n_slots, RTE_CACHE_LINE_SIZE);
	n->map = rte_zmalloc("nat_map", sizeof(*n->map) * max_sessions, RTE_CACHE_LINE_SIZE);
	n->map_free = rte_malloc("nat_mapfree", sizeof(uint32_t) * max_sessions, 0);
	n->host = rte_zmalloc("nat_host", sizeof(*n->host) * n->max_hosts, 0);
	n->host_free = rte_malloc("nat_hostfree", sizeof(uint32_t) * n->max_hosts, 0);
	n->cool_cap = max_sessions + 1;
	n->cool = rte_malloc("nat_cool", sizeof(*n->cool) * n->cool_cap, 0);
	if (!n->sess_h || !n->host_free || !n->cool_h || !n->map_in_h || !n->map_out_h ||
		!n->host_h || !n->sess || !n->map || !n->map_free || !n->host || !n->cool)
		goto fail;
	if (qsv) {
		struct rte_hash_rcu_config rc = {
			.v = qsv,
			.mode = RTE_HASH_QSBR_MODE_DQ,
			.key_data_ptr = n,
			.free_key_data_func = free_key_data,
			.trigger_reclaim_limit = SL_NAT_DEFER_SLOTS / 4,
		};
		if (rte_hash_rcu_qsbr_add(n->sess_h, &rc) != 0)
			goto fail;
	}
	/* free lists: every slot */
	n->free_sess = SL_NAT_NONE;
	for (uint32_t i = n->n_slots; i-- > 0;) {
		n->sess[i].next = n->free_sess;
		n->free_sess = i;
	}
	for (uint32_t i = 0; i < max_sessions; i++)
		n->map_free[i] = max_sessions - 1 - i;
	n->free_map = max_sessions;
	return 0;
fail:
	sl_nat_destroy(n);
	return -ENOMEM;
}

void sl_nat_destroy(struct sl_nat *n)
{
	rte_hash_free(n->sess_h);
	rte_hash_free(n->map_in_h);
	rte_hash_free(n->map_out_h);
	rte_hash_free(n->host_h);
	rte_hash_free(n->cool_h);
	rte_free(n->sess);
	rte_free(n->map);
	rte_free(n->map_free);
	rte_free(n->host);
	rte_free(n->host_free);
	rte_free(n->cool);
	for (unsigned int a = 0; a < n->n_addrs; a++)
		for (int c = 0; c < 3; c++)
			rte_free(n->addr[a].used[c]);
	memset(n, 0, sizeof(*n));
}

uint64_t sl_nat_memory(const struct sl_nat *n)
{
	/* tables: hash key store + buckets approximated from their sizes */
	uint64_t per_key = sizeof(struct sl_nat_tuple) + 8 + 8;
	return (uint64_t)n->max_sessions *
		       (sizeof(struct sl_nat_session) + 2 * per_key +
			       sizeof(struct sl_nat_mapping) + 4 +
			       2 * (sizeof(struct map_key) + 16) + sizeof(struct sl_nat_cooldown)) +
	       (uint64_t)n->max_hosts * (sizeof(struct sl_nat_host) + 4 + 16);
}

/* ---------- pool addresses and ports (under the lock) ---------- */

static int pclass(uint8_t proto)
{
	proto &= 0x7f; /* static mappings carry 0x80 */
	return proto == 6 ? 0 : proto == 17 ? 1 : 2;
}

static int addr_index(const struct sl_nat *n, uint32_t ip)
{
	for (unsigned int a = 0; a < n->n_addrs; a++)
		if (n->addr[a].ip == ip)
			return (int)a;
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

static bool port_used(const struct sl_nat_addr *a, int c, uint16_t port)
{
	return (a->used[c][port >> 6] >> (port & 63)) & 1;
}

static void port_set(struct sl_nat_addr *a, int c, uint16_t port, bool used)
{
	if (port < a->lo || port > a->hi)
		return; /* a static forward's port outside the dynamic range */
	if (used)
		a->used[c][port >> 6] |= 1ull << (port & 63);
	else
		a->used[c][port >> 6] &= ~(1ull << (port & 63));
	a->n_free[c] += used ? -1u : 1u;
}

static uint32_t map_find(struct rte_hash *h, uint32_t ip, uint16_t port, uint8_t proto);
static bool port_reclaim(struct sl_nat *n, uint16_t addr, int c, uint16_t port, uint64_t now);
static void reap_all(struct sl_nat *n, uint64_t now);

/* Preserve @p want when possible, else a random free port. 0 if none. */
static uint16_t port_alloc(struct sl_nat *n, uint16_t ai, int c, uint16_t want, uint64_t now)
{
	struct sl_nat_addr *a = &n->addr[ai];
	uint32_t range = (uint32_t)a->hi - a->lo + 1;

	if (want >= a->lo && want <= a->hi && port_used(a, c, want))
		port_reclaim(n, ai, c, want, now);
	if (a->n_free[c] == 0 && now - n->last_full_reap > 1000000000ull) {
		/* exhausted: first make sure no idle session still holds a port */
		n->last_full_reap = now;
		reap_all(n, now);
	}
	if (a->n_free[c] == 0)
		return 0;
	if (want >= a->lo && want <= a->hi && !port_used(a, c, want)) {
		port_set(a, c, want, true);
		return want;
	}
	n->stats.port_fallbacks++;
	for (int i = 0; i < 32; i++) {
		uint16_t p = (uint16_t)(a->lo + rnd(n) % range);
		if (!port_used(a, c, p)) {
			port_set(a, c, p, true);
			return p;
		}
	}
	uint32_t start = (uint32_t)(rnd(n) % range);
	for (uint32_t i = 0; i < range; i++) {
		uint16_t p = (uint16_t)(a->lo + (start + i) % range);
		if (!port_used(a, c, p)) {
			port_set(a, c, p, true);
			return p;
		}
	}
	return 0;
}

static uint32_t cool_key(uint16_t addr, int c, uint16_t port)
{
	return (uint32_t)addr << 18 | (uint32_t)c << 16 | port;
}

/* The port stays taken until @p end + 120 s (end: when its mapping died). */
static void port_cool(struct sl_nat *n, uint16_t addr, int c, uint16_t port, uint64_t end)
{
	uint32_t next = (n->cool_tail + 1) % n->cool_cap;
	uint32_t k = cool_key(addr, c, port);
	struct sl_nat_cooldown e = {.until = end + SL_NAT_COOLDOWN_NS,
		.addr = addr,
		.port = port,
		.pclass = (uint8_t)c};

	if (next == n->cool_head ||
		rte_hash_add_key_data(n->cool_h, &k, (void *)(uintptr_t)(e.until / 1000000)) < 0) {
		port_set(&n->addr[addr], c, port, false);
		return;
	}
	n->cool[n->cool_tail] = e;
	n->cool_tail = next;
}

/* Release a cooling port whose time is up. @return true if released. */
static bool cool_release(struct sl_nat *n, uint16_t addr, int c, uint16_t port, uint64_t now)
{
	uint32_t k = cool_key(addr, c, port);
	void *d;

	if (rte_hash_lookup_data(n->cool_h, &k, &d) < 0 || (uint64_t)(uintptr_t)d * 1000000 > now)
		return false;
	rte_hash_del_key(n->cool_h, &k);
	port_set(&n->addr[addr], c, port, false);
	return true;
}

/* ---------- hosts, mappings, sessions (under the lock) ---------- */

static uint32_t host_get(struct sl_nat *n, uint32_t ip)
{
	void *d;
	uint32_t h = SL_NAT_NONE;

	if (rte_hash_lookup_data(n->host_h, &ip, &d) >= 0)
		return (uint32_t)(uintptr_t)d;
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
			if (n->host[c].n_sessions == 0) {
				rte_hash_del_key(n->host_h, &n->host[c].ip);
				h = c;
			}
		}
		if (h == SL_NAT_NONE)
			return SL_NAT_NONE;
	}
	n->host[h] = (struct sl_nat_host){
		.ip = ip, .addr = (uint16_t)n->next_addr, .sessions = SL_NAT_NONE};
	if (rte_hash_add_key_data(n->host_h, &ip, (void *)(uintptr_t)h) < 0) {
		n->host[h].listed = 1;
		n->host_free[n->n_host_free++] = h;
		return SL_NAT_NONE;
	}
	n->next_addr = (n->next_addr + 1) % n->n_addrs;
	return h;
}

/* A host with no session left becomes a candidate for reuse. */
static void host_put(struct sl_nat *n, uint32_t h)
{
	if (!n->host[h].listed) {
		n->host[h].listed = 1;
		n->host_free[n->n_host_free++] = h;
	}
}

static uint32_t map_find(struct rte_hash *h, uint32_t ip, uint16_t port, uint8_t proto)
{
	struct map_key k = {.ip = ip, .port = port, .proto = proto};
	void *d;

	if (rte_hash_lookup_data(h, &k, &d) < 0)
		return SL_NAT_NONE;
	return (uint32_t)(uintptr_t)d;
}

static uint32_t map_new(struct sl_nat *n, uint8_t proto, uint32_t int_ip, uint16_t int_port,
	uint16_t addr, uint16_t ext_port)
{
	struct map_key ki = {.ip = int_ip, .port = int_port, .proto = proto};
	struct map_key ko = {.ip = n->addr[addr].ip, .port = ext_port, .proto = proto};
	struct sl_nat_mapping *m;
	uint32_t id;

	if (n->free_map == 0)
		return SL_NAT_NONE;
	id = n->map_free[--n->free_map];
	m = &n->map[id];
	*m = (struct sl_nat_mapping){.int_ip = int_ip,
		.ext_ip = n->addr[addr].ip,
		.int_port = int_port,
		.ext_port = ext_port,
		.proto = proto,
		.in_use = 1,
		.addr = addr,
		.sessions = SL_NAT_NONE};
	if (rte_hash_add_key_data(n->map_in_h, &ki, (void *)(uintptr_t)id) < 0 ||
		rte_hash_add_key_data(n->map_out_h, &ko, (void *)(uintptr_t)id) < 0) {
		rte_hash_del_key(n->map_in_h, &ki);
		m->in_use = 0;
		n->map_free[n->free_map++] = id;
		return SL_NAT_NONE;
	}
	n->stats.mappings++;
	return id;
}

static void map_del(struct sl_nat *n, uint32_t id, uint64_t now)
{
	struct sl_nat_mapping *m = &n->map[id];
	struct map_key ki = {.ip = m->int_ip, .port = m->int_port, .proto = m->proto};
	struct map_key ko = {.ip = m->ext_ip, .port = m->ext_port, .proto = m->proto};

	rte_hash_del_key(n->map_in_h, &ki);
	rte_hash_del_key(n->map_out_h, &ko);
	port_cool(n, m->addr, pclass(m->proto), rte_be_to_cpu_16(m->ext_port), now);
	m->in_use = 0;
	n->map_free[n->free_map++] = id;
}

void nat_sess_free(struct sl_nat *n, uint32_t idx)
{
	n->sess[idx].in_use = 0;
	n->sess[idx].next = n->free_sess;
	n->free_sess = idx;
}

static void key_del(struct sl_nat *n, const struct sl_nat_tuple *t, uint32_t data)
{
	int32_t pos = rte_hash_del_key(n->sess_h, t);

	if (n->qsv == NULL && pos >= 0) {
		/* single-threaded (replay): nobody can hold it, free now */
		rte_hash_free_key_with_position(n->sess_h, pos);
		if ((data & 1) == 0)
			nat_sess_free(n, data >> 1);
	}
}

void nat_sess_del(struct sl_nat *n, uint32_t idx, uint64_t now)
{
	struct sl_nat_session *s = &n->sess[idx];

	uint64_t end = s->last_seen + sl_nat_timeout(n, s);
	uint32_t mapping = s->mapping, host = s->host;

	if (end > now)
		end = now;
	s->in_use = 2; /* deleted; the slot returns after the grace period */
	/* off the mapping's list before key_del may recycle the slot (and its
	 * next field) */
	if (mapping != SL_NAT_NONE) {
		struct sl_nat_mapping *m = &n->map[mapping];
		uint32_t *pp = &m->sessions;
		while (*pp != SL_NAT_NONE && *pp != idx)
			pp = &n->sess[*pp].next;
		if (*pp == idx)
			*pp = s->next;
		if (end > m->end)
			m->end = end;
	}
	key_del(n, &s->t[1], idx << 1 | 1);
	key_del(n, &s->t[0], idx << 1);
	if (mapping != SL_NAT_NONE) {
		struct sl_nat_mapping *m = &n->map[mapping];
		/* the mapping died when the last of its sessions went idle */
		if (--m->n_sessions == 0 && !(m->proto & 0x80))
			map_del(n, mapping, m->end);
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
	n->n_sessions--;
	n->stats.expired++;
}

static uint32_t sess_new(struct sl_nat *n, const struct sl_nat_tuple *t0,
	const struct sl_nat_tuple *t1, uint32_t mapping, uint32_t host, uint8_t inside_dir,
	uint8_t tcp, uint64_t now)
{
	uint32_t idx = n->free_sess;
	struct sl_nat_session *s;

	if (idx == SL_NAT_NONE || n->n_sessions >= n->max_sessions)
		return SL_NAT_NONE;
	s = &n->sess[idx];
	n->free_sess = s->next;
	*s = (struct sl_nat_session){.t = {*t0, *t1},
		.last_seen = now,
		.created = now,
		.mapping = mapping,
		.host = host,
		.next = SL_NAT_NONE,
		.tcp = tcp,
		.in_use = 1,
		.inside_dir = inside_dir};
	/* the session is complete before its keys make it visible */
	if (rte_hash_add_key_data(n->sess_h, t0, (void *)(uintptr_t)(idx << 1)) < 0)
		goto undo;
	if (rte_hash_add_key_data(n->sess_h, t1, (void *)(uintptr_t)(idx << 1 | 1)) < 0) {
		s->in_use = 2;
		key_del(n, t0, idx << 1); /* the slot is freed with t0's key */
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
static uint32_t find_locked(struct sl_nat *n, const struct sl_nat_tuple *t, uint64_t now)
{
	void *d;
	uint32_t v;
	struct sl_nat_session *s;

	if (rte_hash_lookup_data(n->sess_h, t, &d) < 0)
		return SL_NAT_NONE;
	v = (uint32_t)(uintptr_t)d;
	s = &n->sess[v >> 1];
	if (now > s->last_seen && now - s->last_seen > sl_nat_timeout(n, s)) {
		nat_sess_del(n, v >> 1, now);
		return SL_NAT_NONE;
	}
	return v;
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

/* The mapping of inside endpoint (proto, ip, port), created if needed. */
static uint32_t mapping_for(struct sl_nat *n, uint8_t proto, uint32_t ip, uint16_t port,
	uint32_t host, uint64_t now, enum sl_drop_reason *why)
{
	uint32_t m = map_find(n->map_in_h, ip, port, proto);
	uint16_t addr, ext;

	if (m == SL_NAT_NONE && n->n_static)
		m = map_find(n->map_in_h, ip, port, proto | 0x80); /* static forward */
	if (m != SL_NAT_NONE)
		return m;
	addr = n->host[host].addr;
	ext = port_alloc(n, addr, pclass(proto), rte_be_to_cpu_16(port), now);
	if (ext == 0) {
		*why = SL_DROP_NAT_PORT_EXHAUSTED;
		return SL_NAT_NONE;
	}
	m = map_new(n, proto, ip, port, addr, rte_cpu_to_be_16(ext));
	if (m == SL_NAT_NONE) {
		port_set(&n->addr[addr], pclass(proto), ext, false);
		*why = SL_DROP_NAT_SESSION_LIMIT;
	}
	return m;
}

/* A mapping (dynamic or static) reached at outside endpoint (proto, ip, port). */
static uint32_t mapping_at(struct sl_nat *n, uint8_t proto, uint32_t ip, uint16_t port)
{
	uint32_t m = map_find(n->map_out_h, ip, port, proto);

	if (m == SL_NAT_NONE && n->n_static)
		m = map_find(n->map_out_h, ip, port, proto | 0x80);
	return m;
}

static bool mapping_is_static(const struct sl_nat_mapping *m)
{
	return (m->proto & 0x80) != 0;
}

static bool sess_expired(const struct sl_nat *n, const struct sl_nat_session *s, uint64_t now)
{
	return now > s->last_seen && now - s->last_seen > sl_nat_timeout(n, s);
}

static const uint8_t class_proto[3] = {6, 17, 1};

static bool mapping_is_static(const struct sl_nat_mapping *m);

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
	uint32_t m =
		map_find(n->map_out_h, n->addr[addr].ip, rte_cpu_to_be_16(port), class_proto[c]);

	if (m != SL_NAT_NONE) {
		for (uint32_t s = n->map[m].sessions; s != SL_NAT_NONE; s = n->sess[s].next)
			if (!sess_expired(n, &n->sess[s], now))
				return false;
		while (n->map[m].in_use && n->map[m].sessions != SL_NAT_NONE)
			nat_sess_del(n, n->map[m].sessions, now);
	}
	return cool_release(n, addr, c, port, now);
}

static void reap_all(struct sl_nat *n, uint64_t now)
{
	for (uint32_t i = 0; i < n->n_slots; i++)
		if (n->sess[i].in_use == 1 && sess_expired(n, &n->sess[i], now))
			nat_sess_del(n, i, now);
	for (uint32_t i = n->cool_head; i != n->cool_tail; i = (i + 1) % n->cool_cap)
		cool_release(n, n->cool[i].addr, n->cool[i].pclass, n->cool[i].port, now);
}

uint32_t sl_nat_outbound(struct sl_nat *n, const struct sl_nat_tuple *t, uint8_t tcp_flags,
	uint64_t now, enum sl_drop_reason *why)
{
	struct sl_nat_tuple r;
	uint32_t v, h, m, target = SL_NAT_NONE, idx = SL_NAT_NONE;
	uint8_t tcp = 0;

	rte_spinlock_lock(&n->lock);
	v = find_locked(n, t, now);
	if (v != SL_NAT_NONE) {
		idx = v >> 1;
		goto out;
	}
	*why = SL_DROP_NAT_SESSION_LIMIT;
	h = host_get(n, t->src);
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
	m = mapping_for(n, t->proto, t->src, t->sport, h, now, why);
	if (m == SL_NAT_NONE)
		goto out;
	r.src = target != SL_NAT_NONE ? n->map[target].int_ip : t->dst;
	r.sport = target != SL_NAT_NONE ? n->map[target].int_port : t->dport;
	r.dst = n->map[m].ext_ip;
	r.dport = n->map[m].ext_port;
	r.proto = t->proto;
	memset(r.pad, 0, sizeof(r.pad));
	if (t->proto == 6)
		tcp = (tcp_flags & 0x02) ? 0 : SL_NAT_PICKUP;
	idx = sess_new(n, t, &r, m, h, 0, tcp, now);
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
	idx = sess_new(
		n, t, &r, m, h, 1, t->proto == 6 && !(tcp_flags & 0x02) ? SL_NAT_PICKUP : 0, now);
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
	while (n->cool_head != n->cool_tail && n->cool[n->cool_head].until <= now) {
		struct sl_nat_cooldown *c = &n->cool[n->cool_head];
		cool_release(n, c->addr, c->pclass, c->port, now);
		n->cool_head = (n->cool_head + 1) % n->cool_cap;
	}
	for (uint32_t i = 0; i < budget && i < n->n_slots; i++) {
		uint32_t idx = n->reap_cursor;
		struct sl_nat_session *s = &n->sess[idx];
		n->reap_cursor = (idx + 1) % n->n_slots;
		if (s->in_use == 1 && now > s->last_seen &&
			now - s->last_seen > sl_nat_timeout(n, s))
			nat_sess_del(n, idx, now);
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
	for (uint32_t i = 0; i < count; i++) {
		struct sl_nat_addr *a = &n->addr[n->n_addrs];
		*a = (struct sl_nat_addr){
			.ip = rte_cpu_to_be_32(base + i), .lo = p->port_lo, .hi = p->port_hi};
		for (int c = 0; c < 3; c++) {
			a->used[c] = rte_zmalloc("nat_ports", 65536 / 8, 0);
			if (a->used[c] == NULL)
				return -ENOMEM;
			a->n_free[c] = (uint32_t)p->port_hi - p->port_lo + 1;
		}
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
	if (map_find(n->map_out_h, f->ext_ip, ext, f->proto) != SL_NAT_NONE ||
		map_find(n->map_out_h, f->ext_ip, ext, f->proto | 0x80) != SL_NAT_NONE ||
		(port >= n->addr[a].lo && port <= n->addr[a].hi &&
			port_used(&n->addr[a], pclass(f->proto), port)))
		return fail(err, errlen, "nat forward add: outside port %u already in use", port);
	if (map_find(n->map_in_h, f->int_ip, in, f->proto | 0x80) != SL_NAT_NONE)
		return fail(err, errlen, "nat forward add: inside endpoint already forwarded");
	port_set(&n->addr[a], pclass(f->proto), port, true);
	if (map_new(n, f->proto | 0x80, f->int_ip, in, (uint16_t)a, ext) == SL_NAT_NONE) {
		port_set(&n->addr[a], pclass(f->proto), port, false);
		return fail(err, errlen, "nat forward add: mapping table full");
	}
	n->n_static++;
	return 0;
}

static int forward_del(struct sl_nat *n, const struct sl_cmd_nat_forward *f, uint64_t now,
	char *err, size_t errlen)
{
	uint32_t m =
		map_find(n->map_out_h, f->ext_ip, rte_cpu_to_be_16(f->ext_port), f->proto | 0x80);

	if (m == SL_NAT_NONE)
		return fail(err, errlen, "nat forward del: no such forward");
	while (n->map[m].sessions != SL_NAT_NONE)
		nat_sess_del(n, n->map[m].sessions, now);
	map_del(n, m, now);
	n->n_static--;
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
		break;
	case SL_CMD_NAT_LIMIT:
		n->limit_per_host = c->nat.value;
		break;
	default:
		rc = fail(err, errlen, "not a NAT command");
		break;
	}
	rte_spinlock_unlock(&n->lock);
	return rc;
}
