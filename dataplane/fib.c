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

int sl_fib_create(struct sl_fib *f, const char *name, uint32_t max_routes4, uint32_t max_routes6,
	struct rte_rcu_qsbr *qsv)
{
	char n[RTE_HASH_NAMESIZE];
	int i;

	memset(f, 0, sizeof(*f));
	f->qsv = qsv;
	f->max_routes4 = max_routes4;
	f->max_routes6 = max_routes6;
	for (i = 0; i < 2; i++) {
		struct rte_fib_conf c4 = {
			.type = RTE_FIB_DIR24_8,
			.default_nh = SL_NH_NONE,
			.max_routes = (int)max_routes4,
			.rib_ext_sz = sizeof(struct route_ext),
			.dir24_8 = {.nh_sz = RTE_FIB_DIR24_8_2B,
				.num_tbl8 = RTE_MIN(max_routes4 / 16 + 256, 32767u)},
		};
		struct rte_fib6_conf c6 = {
			.type = RTE_FIB6_TRIE,
			.default_nh = SL_NH_NONE,
			.max_routes = (int)max_routes6,
			.rib_ext_sz = sizeof(struct route_ext),
			.trie = {.nh_sz = RTE_FIB6_TRIE_2B,
				.num_tbl8 = RTE_MIN(max_routes6 / 2 + 256, 32767u)},
		};
		snprintf(n, sizeof(n), "%s4_%d", name, i);
		f->v4[i] = rte_fib_create(n, SOCKET_ID_ANY, &c4);
		if (f->v4[i] == NULL)
			goto fail;
		snprintf(n, sizeof(n), "%s6_%d", name, i);
		f->v6[i] = rte_fib6_create(n, SOCKET_ID_ANY, &c6);
		if (f->v6[i] == NULL)
			goto fail;
	}
	struct rte_hash_parameters hp = {
		.entries = SL_NH_MAX,
		.key_len = sizeof(struct nh_key),
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
	};
	snprintf(n, sizeof(n), "%s_nh", name);
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

static int inst_add(
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

static int inst_del(struct sl_fib *f, unsigned int inst, const struct sl_prefix *p)
{
	if (p->addr.family == SL_AF_INET)
		return rte_fib_delete(f->v4[inst], host4(&p->addr), p->len);
	return rte_fib6_delete(f->v6[inst], p->addr.v6, p->len);
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
	unsigned int inactive = __atomic_load_n(&f->active, __ATOMIC_RELAXED) ^ 1;
	struct undo *u = NULL;
	unsigned int i;
	int rc = 0;

	if (n == 0)
		return 0;
	u = calloc(n, sizeof(*u));
	if (u == NULL)
		return -ENOMEM;

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

	/* 2. publish, wait for every reader to leave the old copy */
	__atomic_store_n(&f->active, inactive, __ATOMIC_RELEASE);
	if (f->qsv)
		rte_rcu_qsbr_synchronize(f->qsv, RTE_QSBR_THRID_INVALID);

	/* 3. the same changes on the now inactive copy: identical state and
	 * capacity, so they cannot fail */
	for (i = 0; i < n; i++) {
		if (c[i].del) {
			inst_del(f, inactive ^ 1, &c[i].prefix);
			sl_fib_nh_put(f, (uint32_t)u[i].old_nh);
		} else {
			inst_add(f, inactive ^ 1, &c[i].prefix, u[i].new_nh, c[i].origin);
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
	for (unsigned int j = 0; j < i; j++)
		if (!c[j].del)
			sl_fib_nh_put(f, u[j].new_nh);
	undo_changes(f, inactive, c, u, i);
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

	/* the default route is not a "subroute" of 0/0 for get_nxt */
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
