/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_byteorder.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include <sluice/dp.h>
#include <sluice/pipeline.h>

void sl_dp_params_default(struct sl_dp_params *p)
{
	memset(p, 0, sizeof(*p));
	p->max_routes4 = 65536;
	p->max_routes6 = 16384;
	p->max_neighbours = 16384;
	p->n_workers = 1;
	p->max_sessions = 65536;
}

int sl_dp_create(struct sl_dp *dp, const struct sl_dp_params *p, struct rte_mempool *pool)
{
	int rc;

	memset(dp, 0, sizeof(*dp));
	sl_meta_register();
	dp->params = *p;
	dp->pool = pool;
	sl_iface_table_init(&dp->ifs);
	if (p->n_workers > 0) {
		size_t sz = rte_rcu_qsbr_get_memsize(p->n_workers);
		dp->qsv = rte_zmalloc("sl_qsv", sz, RTE_CACHE_LINE_SIZE);
		if (dp->qsv == NULL)
			return -ENOMEM;
		rte_rcu_qsbr_init(dp->qsv, p->n_workers);
	}
	rc = sl_fib_create(&dp->fib, "slfib", p->max_routes4, p->max_routes6, dp->qsv);
	if (rc < 0)
		goto free_qsv;
	rc = sl_neigh_create(&dp->neigh, "sl", p->max_neighbours);
	if (rc < 0)
		goto free_fib;
	return 0;
free_fib:
	sl_fib_destroy(&dp->fib);
free_qsv:
	rte_free(dp->qsv);
	return rc;
}

void sl_dp_destroy(struct sl_dp *dp)
{
	if (dp->nat.sess)
		sl_nat_destroy(&dp->nat);
	sl_neigh_destroy(&dp->neigh);
	sl_fib_destroy(&dp->fib);
	rte_free(dp->qsv);
	dp->qsv = NULL;
}

/* Work in progress of one apply: a scratch interface table and a route batch. */
struct plan {
	struct sl_iface_table ifs;
	struct sl_route_change *rc;
	unsigned int *rc_line;
	unsigned int n_rc, cap_rc;
	/* rc's prefixes: open addressing, slot = 1 + the latest rc index (0:
	 * empty), hcap a power of two >= 2 n_rc: plan_find in O(1), so a batch
	 * of 131k routes is planned in linear time */
	uint32_t *hidx;
	uint32_t hcap;
	/* applied after the FIB batch, in order: neighbours, NAT, MSS clamp */
	struct sl_cmd *later;
	unsigned int *later_line;
	unsigned int n_later, n_neigh;
	/* the static forwards the batch touches, as they will be after its
	 * commands so far (plan_forward) */
	struct plan_fwd *fw;
	unsigned int n_fw;
	unsigned int n_pools, n_pool_addrs; /* the batch's pool adds */
};

/* A static forward's outside endpoint, simulated through a batch. */
struct plan_fwd {
	uint8_t proto;
	uint32_t ext_ip;   /* network order */
	uint16_t ext_port; /* host order */
	bool live;	   /* a forward is there ... */
	uint32_t int_ip;   /* ... to this inside endpoint */
	uint16_t int_port;
	bool used; /* the outside port is taken (a forward's cool-down included) */
};

static int fail(char *err, size_t errlen, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n = line ? snprintf(err, errlen, "line %u: ", line) : 0;
	size_t off = n > 0 && (size_t)n < errlen ? (size_t)n : 0;

	va_start(ap, fmt);
	vsnprintf(err + off, errlen - off, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The slot of prefix @p p in pl->hidx: its entry, or the empty one to fill. */
static uint32_t *plan_slot(const struct plan *pl, const struct sl_prefix *p)
{
	uint32_t m = pl->hcap - 1;

	for (uint32_t i = sl_prefix_hash(p) & m;; i = (i + 1) & m)
		if (pl->hidx[i] == 0 || sl_prefix_equal(&pl->rc[pl->hidx[i] - 1].prefix, p))
			return &pl->hidx[i];
}

/* Index rc[k] (the latest change of its prefix), growing the table first. */
static int plan_index(struct plan *pl, unsigned int k)
{
	if (2 * (pl->n_rc + 1) > pl->hcap) {
		uint32_t cap = pl->hcap ? 2 * pl->hcap : 256;
		uint32_t *old = pl->hidx, ocap = pl->hcap;
		pl->hidx = calloc(cap, sizeof(*pl->hidx));
		if (pl->hidx == NULL) {
			pl->hidx = old;
			return -ENOMEM;
		}
		pl->hcap = cap;
		for (uint32_t i = 0; i < ocap; i++)
			if (old[i])
				*plan_slot(pl, &pl->rc[old[i] - 1].prefix) = old[i];
		free(old);
	}
	*plan_slot(pl, &pl->rc[k].prefix) = k + 1;
	return 0;
}

static int plan_route(struct plan *pl, const struct sl_route_change *c, unsigned int line)
{
	if (pl->n_rc == pl->cap_rc) {
		unsigned int cap = pl->cap_rc ? pl->cap_rc * 2 : 64;
		void *a = realloc(pl->rc, cap * sizeof(*pl->rc));
		void *b = realloc(pl->rc_line, cap * sizeof(*pl->rc_line));
		if (a)
			pl->rc = a;
		if (b)
			pl->rc_line = b;
		if (a == NULL || b == NULL)
			return -ENOMEM;
		pl->cap_rc = cap;
	}
	pl->rc[pl->n_rc] = *c;
	pl->rc_line[pl->n_rc] = line;
	if (plan_index(pl, pl->n_rc) < 0)
		return -ENOMEM;
	pl->n_rc++;
	return 0;
}

/* The latest planned route add/del of this prefix, or -1. */
static int plan_find(const struct plan *pl, const struct sl_prefix *p)
{
	return pl->hcap ? (int)*plan_slot(pl, p) - 1 : -1;
}

/* Will a route for @p p be there once the batch so far applies: the batch's
 * latest add/del of it decides, else the FIB. Its origin into *@p origin. */
static bool route_will_exist(struct sl_dp *dp, const struct plan *pl, const struct sl_prefix *p,
	enum sl_route_origin *origin)
{
	int k = plan_find(pl, p);

	if (k >= 0) {
		*origin = pl->rc[k].origin;
		return !pl->rc[k].del;
	}
	*origin = SL_ROUTE_STATIC;
	return sl_fib_get(&dp->fib, p, origin) != SL_NH_NONE;
}

/* Routes of these origins are the configuration's; the others follow from
 * an interface's addresses (connected, local, broadcast). */
static bool origin_configured(enum sl_route_origin o)
{
	return o == SL_ROUTE_STATIC || o == SL_ROUTE_KERNEL;
}

static int iface_routes(struct plan *pl, const struct sl_iface *i, unsigned int line)
{
	static const uint8_t nh_type[SL_ADDR_KINDS] = {[SL_ADDR_CONNECTED] = SL_NH_CONNECTED,
		[SL_ADDR_LOCAL] = SL_NH_LOCAL,
		[SL_ADDR_BROADCAST] = SL_NH_BROADCAST,
		/* {subnet, 0}: an obsolete broadcast, dropped as one */
		[SL_ADDR_NETWORK] = SL_NH_BROADCAST};

	for (unsigned int k = 0; k < i->n_addrs; k++) {
		struct sl_addr_route r[SL_ADDR_KINDS];
		unsigned int n = sl_addr_routes(&i->addrs[k], r);

		for (unsigned int j = 0; j < n; j++) {
			struct sl_route_change c = {.prefix = r[j].prefix,
				.origin = r[j].kind == SL_ADDR_CONNECTED ? SL_ROUTE_CONNECTED
									 : SL_ROUTE_LOCAL,
				.nh = {.family = i->addrs[k].addr.family,
					.type = nh_type[r[j].kind],
					.iface = i->id,
					.neigh = SL_NEIGH_NONE}};
			int rc;
			/* a subnet (secondary address), broadcast or network address
			 * another address made already stays as it is */
			if (r[j].kind != SL_ADDR_LOCAL && plan_find(pl, &c.prefix) >= 0)
				continue;
			if ((rc = plan_route(pl, &c, line)) < 0)
				return rc;
		}
	}
	return 0;
}

/* The interface whose connected subnet holds @p ip (longest), or NULL. */
static const struct sl_iface *connected_iface(
	const struct sl_iface_table *t, const struct sl_ip *ip)
{
	const struct sl_iface *best = NULL;
	int best_len = -1;

	for (unsigned int i = 0; i < t->n_ifaces; i++)
		for (unsigned int k = 0; k < t->ifaces[i].n_addrs; k++) {
			const struct sl_prefix *a = &t->ifaces[i].addrs[k];
			if (sl_prefix_contains(a, ip) && a->len > best_len) {
				best = &t->ifaces[i];
				best_len = a->len;
			}
		}
	return best;
}

/* Keep a command to apply once the FIB batch has gone in. */
static int plan_later(struct plan *pl, const struct sl_cmd *c, unsigned int line)
{
	void *a = realloc(pl->later, (pl->n_later + 1) * sizeof(*pl->later));

	if (a == NULL)
		return -ENOMEM;
	pl->later = a;
	a = realloc(pl->later_line, (pl->n_later + 1) * sizeof(*pl->later_line));
	if (a == NULL)
		return -ENOMEM;
	pl->later_line = a;
	pl->later[pl->n_later] = *c;
	pl->later_line[pl->n_later++] = line;
	pl->n_neigh += c->type == SL_CMD_NEIGH_ADD;
	return 0;
}

/* Is @p ip inside a pool already configured or added earlier in the plan? */
static bool in_pools(const struct sl_dp *dp, const struct plan *pl, uint32_t ip)
{
	struct sl_ip a = {.family = SL_AF_INET, .v4 = ip};

	if (dp->nat.enabled && sl_nat_is_pool_addr(&dp->nat, ip))
		return true;
	for (unsigned int i = 0; i < pl->n_later; i++)
		if (pl->later[i].type == SL_CMD_NAT_POOL_ADD &&
			sl_prefix_contains(&pl->later[i].nat_pool.prefix, &a))
			return true;
	return false;
}

/* The simulated state of the forward at outside endpoint (proto, ip, port):
 * the batch's, else the table's as sl_nat_forward_query gives it. */
static struct plan_fwd *plan_fwd_at(struct sl_dp *dp, struct plan *pl,
	const struct sl_cmd_nat_forward *f, struct sl_nat_forward_state *st)
{
	struct plan_fwd *e;
	void *a;

	for (unsigned int i = 0; i < pl->n_fw; i++) {
		e = &pl->fw[i];
		if (e->proto == f->proto && e->ext_ip == f->ext_ip && e->ext_port == f->ext_port)
			return e;
	}
	a = realloc(pl->fw, (pl->n_fw + 1) * sizeof(*pl->fw));
	if (a == NULL)
		return NULL;
	pl->fw = a;
	e = &pl->fw[pl->n_fw++];
	*e = (struct plan_fwd){.proto = f->proto,
		.ext_ip = f->ext_ip,
		.ext_port = f->ext_port,
		.live = st->is_forward,
		.int_ip = st->int_ip,
		.int_port = st->int_port,
		.used = st->ext_in_use};
	return e;
}

/*
 * `nat forward add|del` checked as the NAT table will meet it after the
 * batch's earlier commands, so that the batch is refused whole instead of
 * failing half-way through its application. (A worker could still take a
 * free outside port between this check and the application, a window of
 * the batch's duration: then the forward's line fails alone.)
 */
static int plan_forward(struct sl_dp *dp, struct plan *pl, const struct sl_cmd *c,
	unsigned int line, char *err, size_t errlen)
{
	const struct sl_cmd_nat_forward *f = &c->nat_fwd;
	struct sl_nat_forward_state st;
	struct plan_fwd *e;
	bool int_fwd;

	sl_nat_forward_query(&dp->nat, f, &st);
	e = plan_fwd_at(dp, pl, f, &st);
	if (e == NULL)
		return -ENOMEM;
	if (c->type == SL_CMD_NAT_FORWARD_DEL) {
		if (!e->live)
			return fail(err, errlen, line, "nat forward del: no such forward");
		e->live = false;
		e->used = false; /* cooling down: free for another forward */
		return 0;
	}
	if (e->live && e->int_ip == f->int_ip && e->int_port == f->int_port)
		return 1; /* the same forward again (a re-pushed config): nothing to do */
	if (e->used)
		return fail(err, errlen, line, "nat forward add: outside port %u already in use",
			f->ext_port);
	/* the inside endpoint: forwarded by the table (unless the batch took
	 * that forward away) or by the batch */
	int_fwd = false;
	if (st.int_forwarded) {
		struct sl_cmd_nat_forward g = {.proto = f->proto,
			.ext_ip = st.int_fwd_ext_ip,
			.ext_port = st.int_fwd_ext_port};
		struct sl_nat_forward_state gs = {.is_forward = true,
			.int_ip = f->int_ip,
			.int_port = f->int_port,
			.ext_in_use = true};
		const struct plan_fwd *ge = plan_fwd_at(dp, pl, &g, &gs);
		if (ge == NULL)
			return -ENOMEM;
		int_fwd = ge->live && ge->int_ip == f->int_ip && ge->int_port == f->int_port;
	}
	for (unsigned int i = 0; i < pl->n_fw && !int_fwd; i++)
		int_fwd = pl->fw[i].live && pl->fw[i].proto == f->proto &&
			  pl->fw[i].int_ip == f->int_ip && pl->fw[i].int_port == f->int_port;
	if (int_fwd)
		return fail(
			err, errlen, line, "nat forward add: inside endpoint already forwarded");
	e = plan_fwd_at(dp, pl, f, &st); /* (the array may have moved) */
	e->live = true;
	e->used = true;
	e->int_ip = f->int_ip;
	e->int_port = f->int_port;
	return 0;
}

static int plan_nat(struct sl_dp *dp, struct plan *pl, const struct sl_cmd *c, unsigned int line,
	char *err, size_t errlen)
{
	char b1[64];

	switch (c->type) {
	case SL_CMD_NAT_POOL_ADD: {
		const struct sl_prefix *p = &c->nat_pool.prefix;
		uint32_t base = rte_be_to_cpu_32(p->addr.v4), cnt = 1u << (32 - p->len);
		sl_prefix_fmt(p, b1, sizeof(b1));
		for (unsigned int i = 0; dp->nat.sess && i < dp->nat.n_pools; i++)
			if (sl_nat_pool_equal(&dp->nat.pools[i], &c->nat_pool))
				return 0; /* the same pool again (a re-pushed config) */
		for (uint32_t k = 0; k < cnt; k++)
			if (in_pools(dp, pl, rte_cpu_to_be_32(base + k)))
				return fail(err, errlen, line,
					"nat pool add %s: overlaps another pool", b1);
		if (dp->nat.n_pools + pl->n_pools + 1 > SL_NAT_POOLS_MAX)
			return fail(err, errlen, line, "nat pool add: at most %d pools",
				SL_NAT_POOLS_MAX);
		if (dp->nat.n_addrs + pl->n_pool_addrs + cnt > SL_NAT_ADDRS_MAX)
			return fail(err, errlen, line,
				"nat pool add: at most %d pool addresses in all", SL_NAT_ADDRS_MAX);
		pl->n_pools++;
		pl->n_pool_addrs += cnt;
		break;
	}
	case SL_CMD_NAT_POOL_DEL:
		return fail(err, errlen, line,
			"nat pool del: removing a pool needs a restart in this version");
	case SL_CMD_NAT_FORWARD_ADD:
	case SL_CMD_NAT_FORWARD_DEL: {
		int rc;
		if (!in_pools(dp, pl, c->nat_fwd.ext_ip))
			return fail(err, errlen, line,
				"nat forward: the outside address must be in a nat pool (add the "
				"pool "
				"first)");
		rc = plan_forward(dp, pl, c, line, err, errlen);
		if (rc != 0)
			return rc < 0 ? rc : 0;
		break;
	}
	case SL_CMD_NAT_PORT_BLOCK:
		if (dp->nat.sess && dp->nat.pb_size == c->nat.value &&
			dp->nat.pb_per_host == (c->nat.kind ? c->nat.kind : 1))
			return 0; /* unchanged */
		if (dp->nat.n_sessions)
			return fail(err, errlen, line,
				"nat port-block: can only be changed while no NAT session exists");
		break;
	case SL_CMD_NAT_SESSIONS_MAX:
		if (dp->nat.sess && dp->nat.max_sessions == c->nat.value)
			return 0; /* unchanged */
		if (dp->nat.n_sessions || dp->nat.n_pools)
			return fail(err, errlen, line,
				"nat sessions max: can only be set before NAT is in use");
		break;
	case SL_CMD_MSS_CLAMP:
		if (sl_iface_by_name(&pl->ifs, c->nat.dev) == NULL)
			return fail(
				err, errlen, line, "tcp mss-clamp: no interface '%s'", c->nat.dev);
		break;
	default:
		break;
	}
	return plan_later(pl, c, line);
}

/* Will neighbour (dev, ip) of @p c have an entry when @p c applies: the
 * batch's last add or del of it decides, else the table (any live state:
 * a del also flushes a learnt entry). */
static bool neigh_will_exist(struct sl_dp *dp, const struct plan *pl, const struct sl_cmd *c)
{
	const struct sl_iface *dev = sl_iface_by_name(&dp->ifs, c->neigh.dev);
	uint32_t idx;
	uint8_t st;

	for (unsigned int i = pl->n_later; i-- > 0;) {
		const struct sl_cmd *x = &pl->later[i];
		if ((x->type == SL_CMD_NEIGH_ADD || x->type == SL_CMD_NEIGH_DEL) &&
			strcmp(x->neigh.dev, c->neigh.dev) == 0 &&
			sl_ip_equal(&x->neigh.ip, &c->neigh.ip))
			return x->type == SL_CMD_NEIGH_ADD;
	}
	if (dev == NULL)
		return false;
	idx = sl_neigh_find(&dp->neigh, dev->id, &c->neigh.ip);
	if (idx == SL_NEIGH_NONE)
		return false;
	st = __atomic_load_n(&dp->neigh.e[idx].state, __ATOMIC_RELAXED);
	return st != SL_NEIGH_FAILED;
}

static int plan_cmd(struct sl_dp *dp, struct plan *pl, const struct sl_cmd *c, unsigned int line,
	char *err, size_t errlen)
{
	char b1[64];
	const struct sl_iface *dev = NULL;
	enum sl_route_origin o;
	bool there;
	int rc;

	switch (c->type) {
	case SL_CMD_NONE:
		return 0;
	case SL_CMD_INTERFACE: {
		struct sl_iface *i;
		if (dp->params.replay && !c->iface.has_mac)
			return fail(err, errlen, line,
				"interface %s: 'mac' is required in replay mode", c->iface.name);
		rc = sl_iface_add(&pl->ifs, &c->iface, &i);
		if (rc == -EEXIST)
			return fail(err, errlen, line,
				"interface %s: name, or device %s%s, already in use", c->iface.name,
				c->iface.device, c->iface.vlan ? " with this vlan" : " untagged");
		if (rc < 0)
			return fail(err, errlen, line, "interface %s: %s", c->iface.name,
				strerror(-rc));
		return iface_routes(pl, i, line) < 0 ? -ENOMEM : 0;
	}
	case SL_CMD_ROUTE_ADD: {
		struct sl_route_change rc_ = {.prefix = c->route.prefix,
			.origin = c->route.kernel ? SL_ROUTE_KERNEL : SL_ROUTE_STATIC};
		sl_prefix_fmt(&c->route.prefix, b1, sizeof(b1));
		if (c->route.dev[0]) {
			dev = sl_iface_by_name(&pl->ifs, c->route.dev);
			if (dev == NULL)
				return fail(err, errlen, line, "route add %s: no interface '%s'",
					b1, c->route.dev);
		} else if (c->route.has_via) {
			dev = connected_iface(&pl->ifs, &c->route.via);
			if (dev == NULL)
				return fail(err, errlen, line,
					"route add %s: gateway is on no connected subnet; name a "
					"dev",
					b1);
		} else {
			return fail(err, errlen, line, "route add %s: needs 'via' or 'dev'", b1);
		}
		rc_.nh.family = c->route.prefix.addr.family;
		rc_.nh.iface = dev->id;
		rc_.nh.neigh = SL_NEIGH_NONE;
		if (c->route.has_via) {
			const char *why =
				sl_onlink_problem(dev->addrs, dev->n_addrs, &c->route.via);
			char b2[64];
			if (c->route.via.family != c->route.prefix.addr.family)
				return fail(err, errlen, line,
					"route add %s: gateway family differs", b1);
			if (why)
				return fail(err, errlen, line, "route add %s: gateway %s %s '%s'",
					b1, sl_ip_fmt(&c->route.via, b2, sizeof(b2)), why,
					dev->name);
			rc_.nh.type = SL_NH_GATEWAY;
			rc_.nh.gw = c->route.via;
		} else {
			rc_.nh.type = SL_NH_CONNECTED;
		}
		/* an add never replaces: what is there is deleted first */
		there = route_will_exist(dp, pl, &c->route.prefix, &o);
		if (there && !origin_configured(o))
			return fail(err, errlen, line,
				"route add %s: the prefix of an interface address "
				"(connected, local or broadcast)",
				b1);
		if (there)
			return fail(err, errlen, line,
				"route add %s: already exists (remove it first with "
				"'route del %s')",
				b1, b1);
		return plan_route(pl, &rc_, line);
	}
	case SL_CMD_ROUTE_DEL: {
		struct sl_route_change rc_ = {.del = true, .prefix = c->route.prefix};
		sl_prefix_fmt(&c->route.prefix, b1, sizeof(b1));
		if (!route_will_exist(dp, pl, &c->route.prefix, &o))
			return fail(err, errlen, line, "route del %s: no such route", b1);
		if (!origin_configured(o))
			return fail(err, errlen, line,
				"route del %s: an interface address route; change the interface "
				"instead",
				b1);
		return plan_route(pl, &rc_, line);
	}
	case SL_CMD_NEIGH_ADD:
	case SL_CMD_NEIGH_DEL: {
		sl_ip_fmt(&c->neigh.ip, b1, sizeof(b1));
		dev = sl_iface_by_name(&pl->ifs, c->neigh.dev);
		if (dev == NULL)
			return fail(err, errlen, line, "neighbor %s: no interface '%s'", b1,
				c->neigh.dev);
		if (!sl_ip_is_link_local(&c->neigh.ip) &&
			connected_iface(&pl->ifs, &c->neigh.ip) != dev)
			return fail(err, errlen, line, "neighbor %s: not on a subnet of %s", b1,
				dev->name);
		if (c->type == SL_CMD_NEIGH_ADD) {
			const char *why = sl_onlink_problem(dev->addrs, dev->n_addrs, &c->neigh.ip);
			if (why)
				return fail(err, errlen, line,
					"neighbor add %s: address %s %s '%s'", b1, b1, why,
					dev->name);
		}
		if (c->type == SL_CMD_NEIGH_DEL && !neigh_will_exist(dp, pl, c))
			return fail(err, errlen, line, "neighbor del %s dev %s: no such neighbour",
				b1, dev->name);
		return plan_later(pl, c, line);
	}
	case SL_CMD_SHOW:
		return fail(err, errlen, line, "show is not a configuration command");
	default:
		if (sl_cmd_is_nat(c->type))
			return plan_nat(dp, pl, c, line, err, errlen);
	}
	return fail(err, errlen, line, "unknown command");
}

static void plan_free(struct plan *pl)
{
	free(pl->hidx);
	free(pl->rc);
	free(pl->rc_line);
	free(pl->later);
	free(pl->later_line);
	free(pl->fw);
	free(pl);
}

static int apply_plan(struct sl_dp *dp, struct plan *pl, uint64_t now, char *err, size_t errlen)
{
	unsigned int bad = 0;
	int rc;
	char b1[256];

	/* next hops through a gateway point at their neighbour entry */
	for (unsigned int i = 0; i < pl->n_rc; i++) {
		struct sl_route_change *c = &pl->rc[i];
		if (!c->del && c->nh.type == SL_NH_GATEWAY) {
			rc = sl_neigh_get(&dp->neigh, c->nh.iface, &c->nh.gw);
			if (rc < 0)
				return fail(err, errlen, pl->rc_line[i], "neighbour table full");
			c->nh.neigh = (uint32_t)rc;
		}
	}
	if (dp->neigh.n + pl->n_neigh > dp->neigh.cap)
		return fail(err, errlen, 0, "neighbour table full");
	/* NAT tables exist before anything can refer to them */
	uint32_t max = 0;
	unsigned int max_line = 0;
	for (unsigned int i = 0; i < pl->n_later; i++)
		if (sl_cmd_is_nat(pl->later[i].type) && pl->later[i].type != SL_CMD_MSS_CLAMP) {
			if (pl->later[i].type == SL_CMD_NAT_SESSIONS_MAX) {
				max = pl->later[i].nat.value;
				max_line = pl->later_line[i];
			} else if (max == 0) {
				max = dp->params.max_sessions;
				max_line = pl->later_line[i];
			}
		}
	if (max && dp->nat.sess == NULL) {
		rc = sl_nat_create(&dp->nat, max, dp->qsv, dp->params.seed);
		if (rc < 0)
			return fail(err, errlen, max_line,
				"nat: no memory for a table of %u sessions (EAL memory: -m)", max);
	}
	rc = sl_fib_apply(&dp->fib, pl->rc, pl->n_rc, &bad);
	if (rc < 0) {
		sl_prefix_fmt(&pl->rc[bad].prefix, b1, sizeof(b1));
		return fail(err, errlen, pl->rc_line[bad], "route %s: %s", b1,
			rc == -EEXIST	? "already exists (overlapping interface subnets?)"
			: rc == -ENOSPC ? "FIB full"
					: strerror(-rc));
	}
	/* From here only a NAT command can fail (checked above as far as the
	 * plan allows): the interface table, then the deferred commands. */
	for (unsigned int i = dp->ifs.n_ifaces; i < pl->ifs.n_ifaces; i++)
		dp->ifs.ifaces[i] = pl->ifs.ifaces[i];
	memcpy(dp->ifs.ports, pl->ifs.ports, sizeof(dp->ifs.ports));
	memcpy(dp->ifs.bcast4_bits, pl->ifs.bcast4_bits, sizeof(dp->ifs.bcast4_bits));
	dp->ifs.n_ports = pl->ifs.n_ports;
	__atomic_store_n(&dp->ifs.n_ifaces, pl->ifs.n_ifaces, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < pl->n_later; i++) {
		const struct sl_cmd *c = &pl->later[i];
		const struct sl_iface *dev;

		switch (c->type) {
		case SL_CMD_NEIGH_ADD:
			dev = sl_iface_by_name(&dp->ifs, c->neigh.dev);
			rc = sl_neigh_get(&dp->neigh, dev->id, &c->neigh.ip);
			if (rc >= 0)
				sl_neigh_set(&dp->neigh, (uint32_t)rc, c->neigh.mac.b,
					SL_NEIGH_PERMANENT, now);
			break;
		case SL_CMD_NEIGH_DEL: {
			dev = sl_iface_by_name(&dp->ifs, c->neigh.dev);
			uint32_t idx = sl_neigh_find(&dp->neigh, dev->id, &c->neigh.ip);
			if (idx != SL_NEIGH_NONE)
				sl_neigh_invalidate(&dp->neigh, idx, SL_NEIGH_FAILED);
			break;
		}
		case SL_CMD_MSS_CLAMP:
			sl_iface_by_name(&dp->ifs, c->nat.dev)->mss_clamp = (uint16_t)c->nat.value;
			break;
		case SL_CMD_NAT_SESSIONS_MAX:
			break;
		default:
			rc = sl_nat_apply(&dp->nat, c, b1, sizeof(b1));
			if (rc < 0)
				return fail(err, errlen, pl->later_line[i], "%s", b1);
			break;
		}
	}
	return 0;
}

int sl_dp_apply_list(
	struct sl_dp *dp, const struct sl_cmd_list *l, uint64_t now, char *err, size_t errlen)
{
	struct plan *pl = calloc(1, sizeof(*pl));
	int rc = 0;

	if (pl == NULL)
		return -ENOMEM;
	pl->ifs = dp->ifs;
	for (unsigned int i = 0; i < l->n && rc == 0; i++)
		rc = plan_cmd(dp, pl, &l->cmds[i], l->lines ? l->lines[i] : i + 1, err, errlen);
	if (rc == 0)
		rc = apply_plan(dp, pl, now, err, errlen);
	plan_free(pl);
	return rc;
}

int sl_dp_apply(struct sl_dp *dp, const struct sl_cmd *c, uint64_t now, char *err, size_t errlen)
{
	struct sl_cmd_list l = {.cmds = (struct sl_cmd *)c, .n = 1};

	return sl_dp_apply_list(dp, &l, now, err, errlen);
}
