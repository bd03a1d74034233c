/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_rib.h>
#include <rte_rib6.h>
#include <rte_rcu_qsbr.h>

#include <sluice/fib.h>

/* RIB node extension: where each route came from. */
struct route_ext {
	uint8_t origin;
};

struct nh_key {
	uint8_t type;
	uint8_t family;
	uint16_t iface;
	uint8_t gw[16];
};

static uint32_t host4(const struct sl_ip *ip)
{
	return rte_be_to_cpu_32(ip->v4);
}

static void nh_key_of(const struct sl_nexthop *nh, struct nh_key *k)
{
	memset(k, 0, sizeof(*k));
	k->type = nh->type;
	k->family = nh->family;
	k->iface = nh->iface;
	if (nh->type == SL_NH_GATEWAY) {
		if (nh->family == SL_AF_INET)
			memcpy(k->gw, &nh->gw.v4, 4);
		else
			memcpy(k->gw, nh->gw.v6, 16);
	}
}

static unsigned int fib_generation;

/* One more instance pair member: its own names, the capacity of the FIB. */
static int instance_new(struct sl_fib *f, unsigned int inst)
{
	char n[RTE_HASH_NAMESIZE];
	unsigned int g = fib_generation++;
	/* 2-byte next hops are the fastest but allow only 32767 tbl8 groups (a
	 * route longer than /24 needs one; an IPv6 prefix up to 13, a /48
	 * three): large IPv6 tables switch to 4-byte next hops */
	bool big6 = f->max_routes6 > (1u << 14);
	struct rte_fib_conf c4 = {
		.type = RTE_FIB_DIR24_8,
		.default_nh = SL_NH_NONE,
		.max_routes = (int)f->max_routes4,
		.rib_ext_sz = sizeof(struct route_ext),
		.dir24_8 = {.nh_sz = RTE_FIB_DIR24_8_2B,
			.num_tbl8 = RTE_MIN(f->max_routes4 / 16 + 256, 32767u)},
	};
	struct rte_fib6_conf c6 = {
		.type = RTE_FIB6_TRIE,
		.default_nh = SL_NH_NONE,
		.max_routes = (int)f->max_routes6,
		.rib_ext_sz = sizeof(struct route_ext),
		.trie = {.nh_sz = big6 ? RTE_FIB6_TRIE_4B : RTE_FIB6_TRIE_2B,
			.num_tbl8 = big6 ? f->max_routes6 * 4
					 : RTE_MIN(f->max_routes6 * 2 + 256, 32767u)},
	};
	struct rte_fib *v4;
	struct rte_fib6 *v6;

	snprintf(n, sizeof(n), "%s4_%u", f->name, g);
	v4 = rte_fib_create(n, SOCKET_ID_ANY, &c4);
	if (v4 == NULL)
		return -ENOMEM;
	snprintf(n, sizeof(n), "%s6_%u", f->name, g);
	v6 = rte_fib6_create(n, SOCKET_ID_ANY, &c6);
	if (v6 == NULL) {
		rte_fib_free(v4);
		return -ENOMEM;
	}
	f->v4[inst] = v4;
	f->v6[inst] = v6;
	return 0;
}

int sl_fib_create(struct sl_fib *f, const char *name, uint32_t max_routes4, uint32_t max_routes6,
	struct rte_rcu_qsbr *qsv)
{
	char n[RTE_HASH_NAMESIZE];

	memset(f, 0, sizeof(*f));
	f->qsv = qsv;
	f->max_routes4 = max_routes4;
	f->max_routes6 = max_routes6;
	snprintf(f->name, sizeof(f->name), "%s", name);
	/* without concurrent readers (replay, tests) one instance is enough */
	f->single = qsv == NULL;
	if (instance_new(f, 0) < 0 || (!f->single && instance_new(f, 1) < 0))
		goto fail;
	struct rte_hash_parameters hp = {
		.entries = SL_NH_MAX + SL_NH_MAX / 8,
		.key_len = sizeof(struct nh_key),
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
	};
	snprintf(n, sizeof(n), "%s_nh%u", name, fib_generation++);
	hp.name = n;
	f->nh_index = rte_hash_create(&hp);
	if (f->nh_index == NULL)
		goto fail;
	f->nh_free_hint = 1;
	return 0;
fail:
	sl_fib_destroy(f);
	return -ENOMEM;
}

void sl_fib_destroy(struct sl_fib *f)
{
	for (int i = 0; i < 2; i++) {
		rte_fib_free(f->v4[i]);
		rte_fib6_free(f->v6[i]);
		f->v4[i] = NULL;
		f->v6[i] = NULL;
	}
	rte_hash_free(f->nh_index);
	f->nh_index = NULL;
}

int sl_fib_nh_get(struct sl_fib *f, const struct sl_nexthop *nh)
{
	struct nh_key k;
	void *data;
	uint32_t id;

	nh_key_of(nh, &k);
	if (rte_hash_lookup_data(f->nh_index, &k, &data) >= 0) {
		id = (uint32_t)(uintptr_t)data;
		f->nh[id].refcnt++;
		return (int)id;
	}
	for (uint32_t n = 1; n < SL_NH_MAX; n++) {
		id = (f->nh_free_hint + n - 1) % (SL_NH_MAX - 1) + 1;
		if (f->nh[id].type == SL_NH_UNUSED)
			goto found;
	}
	return -ENOSPC;
found:
	if (rte_hash_add_key_data(f->nh_index, &k, (void *)(uintptr_t)id) < 0)
		return -ENOSPC;
	f->nh[id] = *nh;
	f->nh[id].refcnt = 1;
	f->nh_free_hint = id + 1;
	/* entry fully written before any FIB instance can point at it */
	rte_atomic_thread_fence(__ATOMIC_RELEASE);
	return (int)id;
}

void sl_fib_nh_put(struct sl_fib *f, uint32_t id)
{
	struct nh_key k;

	if (id == SL_NH_NONE || id >= SL_NH_MAX || f->nh[id].type == SL_NH_UNUSED)
		return;
	if (--f->nh[id].refcnt > 0)
		return;
	nh_key_of(&f->nh[id], &k);
	rte_hash_del_key(f->nh_index, &k);
	memset(&f->nh[id], 0, sizeof(f->nh[id]));
}

/* Route presence and its next hop in one instance. */
static bool route_find(struct sl_fib *f, unsigned int inst, const struct sl_prefix *p, uint64_t *nh,
	uint8_t *origin)
{
	if (p->addr.family == SL_AF_INET) {
		struct rte_rib *rib = rte_fib_get_rib(f->v4[inst]);
		struct rte_rib_node *n = rte_rib_lookup_exact(rib, host4(&p->addr), p->len);
		if (n == NULL)
			return false;
		rte_rib_get_nh(n, nh);
		if (origin)
			*origin = ((struct route_ext *)rte_rib_get_ext(n))->origin;
		return true;
	}
	struct rte_rib6 *rib = rte_fib6_get_rib(f->v6[inst]);
	struct rte_rib6_node *n = rte_rib6_lookup_exact(rib, p->addr.v6, p->len);
	if (n == NULL)
		return false;
	rte_rib6_get_nh(n, nh);
	if (origin)
		*origin = ((struct route_ext *)rte_rib6_get_ext(n))->origin;
	return true;
}

static void set_origin(struct sl_fib *f, unsigned int inst, const struct sl_prefix *p, uint8_t o)
{
	if (p->addr.family == SL_AF_INET) {
		struct rte_rib_node *n =
			rte_rib_lookup_exact(rte_fib_get_rib(f->v4[inst]), host4(&p->addr), p->len);
		if (n)
			((struct route_ext *)rte_rib_get_ext(n))->origin = o;
	} else {
		struct rte_rib6_node *n =
			rte_rib6_lookup_exact(rte_fib6_get_rib(f->v6[inst]), p->addr.v6, p->len);
		if (n)
			((struct route_ext *)rte_rib6_get_ext(n))->origin = o;
	}
}

static int raw_add(
	struct sl_fib *f, unsigned int inst, const struct sl_prefix *p, uint64_t nh, uint8_t origin)
{
	int rc;

	if (p->addr.family == SL_AF_INET)
		rc = rte_fib_add(f->v4[inst], host4(&p->addr), p->len, nh);
	else
		rc = rte_fib6_add(f->v6[inst], p->addr.v6, p->len, nh);
	if (rc == 0)
		set_origin(f, inst, p, origin);
	return rc;
}

static int raw_del(struct sl_fib *f, unsigned int inst, const struct sl_prefix *p)
{
	if (p->addr.family == SL_AF_INET)
		return rte_fib_delete(f->v4[inst], host4(&p->addr), p->len);
	return rte_fib6_delete(f->v6[inst], p->addr.v6, p->len);
}

/* The prefix of length @p len that holds the family's last address. */
static void top_prefix(uint8_t family, uint8_t len, struct sl_prefix *out)
{
	memset(out, 0, sizeof(*out));
	out->addr.family = family;
	out->len = len;
	if (family == SL_AF_INET) {
		out->addr.v4 = len ? rte_cpu_to_be_32(~0u << (32 - len)) : 0;
	} else {
		for (unsigned int b = 0; b < len; b++)
			out->addr.v6[b / 8] |= (uint8_t)(0x80 >> (b % 8));
	}
}

static bool holds_top(const struct sl_prefix *p)
{
	struct sl_prefix t;

	top_prefix(p->addr.family, p->len, &t);
	return sl_ip_equal(&t.addr, &p->addr);
}

/*
 * DPDK 22.11's rte_fib (dir24_8.c modify_fib) and rte_fib6 (trie.c
 * modify_dp) wrap their edge past the last address when a changed prefix
 * and one of its more-specific routes both reach the top of the address
 * space, and then rewrite the whole table. Such nested routes are taken out
 * (longest first), the change made, and put back (shortest first): on the
 * inactive copy, so no reader sees it.
 */
static int with_top_routes_lifted(struct sl_fib *f, unsigned int inst, const struct sl_prefix *p,
	bool add, uint64_t nh, uint8_t origin)
{
	uint8_t maxlen = p->addr.family == SL_AF_INET ? 32 : 128;
	struct {
		struct sl_prefix p;
		uint64_t nh;
		uint8_t origin;
	} lifted[129];
	unsigned int n = 0;
	int rc;

	if (holds_top(p)) {
		for (unsigned int len = maxlen; len > p->len; len--) {
			struct sl_prefix t;
			top_prefix(p->addr.family, (uint8_t)len, &t);
			if (route_find(f, inst, &t, &lifted[n].nh, &lifted[n].origin)) {
				lifted[n].p = t;
				raw_del(f, inst, &t);
				n++;
			}
		}
	}
	rc = add ? raw_add(f, inst, p, nh, origin) : raw_del(f, inst, p);
	while (n-- > 0)
		raw_add(f, inst, &lifted[n].p, lifted[n].nh, lifted[n].origin);
	return rc;
}

static int inst_add(
	struct sl_fib *f, unsigned int inst, const struct sl_prefix *p, uint64_t nh, uint8_t origin)
{
	return with_top_routes_lifted(f, inst, p, true, nh, origin);
}

static int inst_del(struct sl_fib *f, unsigned int inst, const struct sl_prefix *p)
{
	return with_top_routes_lifted(f, inst, p, false, 0, 0);
}

struct rebuild_ctx {
	struct sl_fib *f;
	unsigned int inst;
	int rc;
};

static int rebuild_add(void *arg, const struct sl_prefix *p, uint32_t nh, enum sl_route_origin o)
{
	struct rebuild_ctx *c = arg;

	c->rc = inst_add(c->f, c->inst, p, nh, (uint8_t)o);
	return c->rc;
}

/*
 * Replace inactive instance @p dst by a fresh copy of the routes of @p src.
 * rte_fib6 (DPDK 22.11 trie.c) leaks tbl8 groups on some deletes, so a long
 * churn can exhaust an instance that holds few routes; a fresh one has none
 * leaked.
 */
static int rebuild(struct sl_fib *f, unsigned int dst, unsigned int src)
{
	struct rte_fib *old4 = f->v4[dst];
	struct rte_fib6 *old6 = f->v6[dst];
	struct rebuild_ctx c = {.f = f, .inst = dst};
	unsigned int active = f->active;
	int rc;

	rc = instance_new(f, dst);
	if (rc < 0)
		return rc;
	/* sl_fib_walk reads the active instance: point it at the source */
	f->active = src;
	rc = sl_fib_walk(f, rebuild_add, &c);
	f->active = active;
	if (rc) {
		rte_fib_free(f->v4[dst]);
		rte_fib6_free(f->v6[dst]);
		f->v4[dst] = old4;
		f->v6[dst] = old6;
		return -ENOSPC;
	}
	rte_fib_free(old4);
	rte_fib6_free(old6);
	return 0;
}

/* Single-instance mode: build the fresh copy in the spare slot, then move it. */
static int rebuild_single(struct sl_fib *f)
{
	int rc = rebuild(f, 1, 0);

	if (rc == 0) {
		rte_fib_free(f->v4[0]);
		rte_fib6_free(f->v6[0]);
		f->v4[0] = f->v4[1];
		f->v6[0] = f->v6[1];
		f->v4[1] = NULL;
		f->v6[1] = NULL;
	}
	return rc;
}

/* What one change replaced, so that it can be undone on the inactive copy. */
struct undo {
	uint64_t old_nh;
	uint8_t old_origin;
	uint32_t new_nh;
};

static void undo_changes(struct sl_fib *f, unsigned int inst, const struct sl_route_change *c,
	const struct undo *u, unsigned int n)
{
	while (n-- > 0) {
		if (c[n].del)
			inst_add(f, inst, &c[n].prefix, u[n].old_nh, u[n].old_origin);
		else
			inst_del(f, inst, &c[n].prefix);
	}
}

static int validate_change(const struct sl_route_change *c)
{
	uint8_t maxlen = c->prefix.addr.family == SL_AF_INET ? 32 : 128;

	if (c->prefix.addr.family != SL_AF_INET && c->prefix.addr.family != SL_AF_INET6)
		return -EINVAL;
	if (c->prefix.len > maxlen)
		return -EINVAL;
	if (!c->del && c->nh.family != c->prefix.addr.family)
		return -EINVAL;
	return 0;
}

int sl_fib_apply(
	struct sl_fib *f, const struct sl_route_change *c, unsigned int n, unsigned int *bad_index)
{
	unsigned int inactive = f->single ? 0 : __atomic_load_n(&f->active, __ATOMIC_RELAXED) ^ 1;
	struct undo *u = NULL;
	unsigned int i;
	int rc = 0;

	if (n == 0)
		return 0;
	u = calloc(n, sizeof(*u));
	if (u == NULL)
		return -ENOMEM;
	bool retried = false;
again:

	/* 1. the inactive copy: nobody reads it, so a failure can be rolled back */
	for (i = 0; i < n; i++) {
		uint64_t old;
		uint8_t origin;
		bool exists;

		rc = validate_change(&c[i]);
		if (rc < 0)
			goto rollback;
		exists = route_find(f, inactive, &c[i].prefix, &old, &origin);
		if (c[i].del) {
			if (!exists) {
				rc = -ENOENT;
				goto rollback;
			}
			u[i].old_nh = old;
			u[i].old_origin = origin;
			rc = inst_del(f, inactive, &c[i].prefix);
		} else {
			if (exists) {
				rc = -EEXIST;
				goto rollback;
			}
			rc = sl_fib_nh_get(f, &c[i].nh);
			if (rc < 0)
				goto rollback;
			u[i].new_nh = (uint32_t)rc;
			rc = inst_add(f, inactive, &c[i].prefix, u[i].new_nh, c[i].origin);
			if (rc < 0) {
				sl_fib_nh_put(f, u[i].new_nh);
				rc = rc == -ENOSPC || rc == -ENOMEM ? -ENOSPC : rc;
			}
		}
		if (rc < 0)
			goto rollback;
	}

	if (f->single) {
		for (i = 0; i < n; i++) {
			if (c[i].del)
				sl_fib_nh_put(f, (uint32_t)u[i].old_nh);
			if (c[i].prefix.addr.family == SL_AF_INET)
				f->n_routes4 += c[i].del ? -1u : 1u;
			else
				f->n_routes6 += c[i].del ? -1u : 1u;
		}
		free(u);
		return 0;
	}

	/* 2. publish, wait for every reader to leave the old copy */
	__atomic_store_n(&f->active, inactive, __ATOMIC_RELEASE);
	if (f->qsv)
		rte_rcu_qsbr_synchronize(f->qsv, RTE_QSBR_THRID_INVALID);

	/* 3. the same changes on the now inactive copy: identical routes and
	 * capacity; only a leak in rte_fib6 can make an add fail, and then the
	 * copy is rebuilt from the active one, which already has every change */
	bool rebuilt = false;
	for (i = 0; i < n; i++) {
		if (c[i].del) {
			if (!rebuilt)
				inst_del(f, inactive ^ 1, &c[i].prefix);
			sl_fib_nh_put(f, (uint32_t)u[i].old_nh);
		} else if (!rebuilt &&
			   inst_add(f, inactive ^ 1, &c[i].prefix, u[i].new_nh, c[i].origin) < 0) {
			rebuilt = true;
			if (rebuild(f, inactive ^ 1, inactive) < 0)
				fprintf(stderr, "sluice: FIB copy rebuild failed: out of memory\n");
		}
		if (c[i].prefix.addr.family == SL_AF_INET)
			f->n_routes4 += c[i].del ? -1u : 1u;
		else
			f->n_routes6 += c[i].del ? -1u : 1u;
	}
	free(u);
	return 0;

rollback:
	if (bad_index)
		*bad_index = i;
	undo_changes(f, inactive, c, u, i);
	for (unsigned int j = 0; j < i; j++)
		if (!c[j].del)
			sl_fib_nh_put(f, u[j].new_nh);
	if (rc == -ENOSPC && !retried &&
		(f->single ? rebuild_single(f) : rebuild(f, inactive, inactive ^ 1)) == 0) {
		retried = true;
		memset(u, 0, n * sizeof(*u));
		goto again;
	}
	free(u);
	return rc;
}

uint32_t sl_fib_get(const struct sl_fib *f, const struct sl_prefix *p, enum sl_route_origin *origin)
{
	uint64_t nh;
	uint8_t o;

	if (!route_find(
		    (struct sl_fib *)f, __atomic_load_n(&f->active, __ATOMIC_ACQUIRE), p, &nh, &o))
		return SL_NH_NONE;
	if (origin)
		*origin = o;
	return (uint32_t)nh;
}

uint32_t sl_fib_lookup(const struct sl_fib *f, const struct sl_ip *ip)
{
	uint64_t nh = SL_NH_NONE;

	if (ip->family == SL_AF_INET) {
		uint32_t a = host4(ip);
		rte_fib_lookup_bulk(sl_fib_v4(f), &a, &nh, 1);
	} else {
		uint8_t a[1][16];
		memcpy(a[0], ip->v6, 16);
		rte_fib6_lookup_bulk(sl_fib_v6(f), a, &nh, 1);
	}
	return (uint32_t)nh;
}

int sl_fib_walk(const struct sl_fib *f,
	int (*cb)(void *arg, const struct sl_prefix *p, uint32_t nh, enum sl_route_origin o),
	void *arg)
{
	unsigned int inst = __atomic_load_n(&f->active, __ATOMIC_ACQUIRE);
	struct rte_rib *rib = rte_fib_get_rib(f->v4[inst]);
	struct rte_rib_node *n = NULL;
	struct rte_rib6_node *n6 = NULL;
	struct rte_rib6 *rib6 = rte_fib6_get_rib(f->v6[inst]);
	uint8_t zero[16] = {0};
	int rc;

	/* get_nxt returns only routes deeper than the one asked for: the default
	 * routes are visited first, by exact lookup */
	n = rte_rib_lookup_exact(rib, 0, 0);
	if (n) {
		struct sl_prefix p = {.addr = {.family = SL_AF_INET}};
		uint64_t nh;
		rte_rib_get_nh(n, &nh);
		rc = cb(arg, &p, (uint32_t)nh, ((struct route_ext *)rte_rib_get_ext(n))->origin);
		if (rc)
			return rc;
	}
	n = NULL;
	while ((n = rte_rib_get_nxt(rib, 0, 0, n, RTE_RIB_GET_NXT_ALL)) != NULL) {
		struct sl_prefix p = {.addr = {.family = SL_AF_INET}};
		uint32_t ip;
		uint64_t nh;
		rte_rib_get_ip(n, &ip);
		rte_rib_get_depth(n, &p.len);
		rte_rib_get_nh(n, &nh);
		p.addr.v4 = rte_cpu_to_be_32(ip);
		rc = cb(arg, &p, (uint32_t)nh, ((struct route_ext *)rte_rib_get_ext(n))->origin);
		if (rc)
			return rc;
	}
	n6 = rte_rib6_lookup_exact(rib6, zero, 0);
	if (n6) {
		struct sl_prefix p = {.addr = {.family = SL_AF_INET6}};
		uint64_t nh;
		rte_rib6_get_nh(n6, &nh);
		rc = cb(arg, &p, (uint32_t)nh, ((struct route_ext *)rte_rib6_get_ext(n6))->origin);
		if (rc)
			return rc;
	}
	n6 = NULL;
	while ((n6 = rte_rib6_get_nxt(rib6, zero, 0, n6, RTE_RIB6_GET_NXT_ALL)) != NULL) {
		struct sl_prefix p = {.addr = {.family = SL_AF_INET6}};
		uint64_t nh;
		rte_rib6_get_ip(n6, p.addr.v6);
		rte_rib6_get_depth(n6, &p.len);
		rte_rib6_get_nh(n6, &nh);
		rc = cb(arg, &p, (uint32_t)nh, ((struct route_ext *)rte_rib6_get_ext(n6))->origin);
		if (rc)
			return rc;
	}
	return 0;
}
