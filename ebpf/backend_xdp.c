/* SPDX-License-Identifier: BSD-3-Clause */
/* The XDP backend's control operations: a batch is planned on a copy of
 * the running state (every check made there), then written to the maps.
 * The maps themselves are the truth that `show` reports. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>

#include <sluice/iface.h>
#include <sluice/neigh.h>
#include <sluice/stats.h>

#include "backend_xdp.h"

__attribute__((format(printf, 4, 5))) static int fail(
	char *err, size_t errlen, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n = line ? snprintf(err, errlen, "line %u: ", line) : 0;
	size_t off = n > 0 && (size_t)n < errlen ? (size_t)n : 0;

	va_start(ap, fmt);
	vsnprintf(err + off, errlen - off, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---------- the shadow state ---------- */

static void state_free(struct xb_state *s)
{
	free(s->ridx);
	free(s->routes);
	free(s->pools);
	free(s->fwds);
	free(s->neighs);
	memset(s, 0, sizeof(*s));
}

static void *dup_array(const void *p, size_t n, size_t size, bool *oom)
{
	void *q;

	if (n == 0)
		return NULL;
	q = malloc(n * size);
	if (q == NULL)
		*oom = true;
	else
		memcpy(q, p, n * size);
	return q;
}

static int state_copy(struct xb_state *d, const struct xb_state *s)
{
	bool oom = false;

	*d = *s;
	d->routes = dup_array(s->routes, s->n_routes, sizeof(*s->routes), &oom);
	d->ridx = NULL; /* (rebuilt for the copy when needed) */
	d->rcap = d->rused = 0;
	d->pools = dup_array(s->pools, s->n_pools, sizeof(*s->pools), &oom);
	d->fwds = dup_array(s->fwds, s->n_fwds, sizeof(*s->fwds), &oom);
	d->neighs = dup_array(s->neighs, s->n_neighs, sizeof(*s->neighs), &oom);
	if (oom) {
		state_free(d);
		return -ENOMEM;
	}
	return 0;
}

/* Append one element to a malloc'ed array (grows one by one: config-sized). */
static void *push(void *arr, unsigned int *n, size_t size)
{
	uint8_t *a = realloc(arr, (*n + 1) * size);

	if (a == NULL)
		return NULL;
	memset(a + *n * size, 0, size);
	(*n)++;
	return a;
}

static void drop_at(void *arr, unsigned int *n, size_t size, unsigned int i)
{
	uint8_t *a = arr;

	memmove(a + i * size, a + (i + 1) * size, (*n - i - 1) * size);
	(*n)--;
}

static int iface_find(const struct xb_state *s, const char *name)
{
	for (unsigned int i = 0; i < s->n_ifaces; i++)
		if (strcmp(s->ifaces[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* The interface whose connected subnet holds @p ip (longest), or -1. */
static int connected_iface(const struct xb_state *s, const struct sl_ip *ip)
{
	int best = -1, best_len = -1;

	for (unsigned int i = 0; i < s->n_ifaces; i++)
		for (unsigned int k = 0; k < s->ifaces[i].n_addrs; k++) {
			const struct sl_prefix *a = &s->ifaces[i].addrs[k];
			if (sl_prefix_contains(a, ip) && a->len > best_len) {
				best = (int)i;
				best_len = a->len;
			}
		}
	return best;
}

/* Does an interface put @p p in the FIB (sl_addr_routes)? Its index, or -1. */
static int iface_prefix_owner(const struct xb_state *s, const struct sl_prefix *p)
{
	for (unsigned int i = 0; i < s->n_ifaces; i++)
		for (unsigned int k = 0; k < s->ifaces[i].n_addrs; k++) {
			struct sl_addr_route r[SL_ADDR_KINDS];
			unsigned int n = sl_addr_routes(&s->ifaces[i].addrs[k], r);
			for (unsigned int j = 0; j < n; j++)
				if (sl_prefix_equal(&r[j].prefix, p))
					return (int)i;
		}
	return -1;
}

/* ---------- the routes' index: a batch of 131k routes in linear time ---------- */

/* The slot of @p p: its entry, else the empty one ending its probe. */
static uint32_t *ridx_slot(const struct xb_state *s, const struct sl_prefix *p)
{
	uint32_t m = s->rcap - 1;

	for (uint32_t i = sl_prefix_hash(p) & m;; i = (i + 1) & m) {
		uint32_t v = s->ridx[i];
		if (v == 0 || (v != UINT32_MAX && sl_prefix_equal(&s->routes[v - 1].prefix, p)))
			return &s->ridx[i];
	}
}

/* (Re)build the index with room for @p n routes; false: out of memory. */
static bool ridx_build(struct xb_state *s, unsigned int n)
{
	uint32_t cap = 256;

	while (cap < 4u * n)
		cap *= 2;
	free(s->ridx);
	s->ridx = calloc(cap, sizeof(*s->ridx));
	s->rcap = s->ridx ? cap : 0;
	s->rused = 0;
	for (unsigned int i = 0; s->ridx && i < s->n_routes; i++, s->rused++)
		*ridx_slot(s, &s->routes[i].prefix) = i + 1;
	return s->ridx != NULL;
}

static int route_find(struct xb_state *s, const struct sl_prefix *p)
{
	uint32_t *slot;

	if (s->rcap == 0 && !ridx_build(s, s->n_routes)) {
		for (unsigned int i = 0; i < s->n_routes; i++) /* (no memory: a walk) */
			if (sl_prefix_equal(&s->routes[i].prefix, p))
				return (int)i;
		return -1;
	}
	slot = ridx_slot(s, p);
	return *slot ? (int)*slot - 1 : -1;
}

/* routes[k] was just appended: index it (a table half used is rebuilt). */
static void ridx_added(struct xb_state *s, unsigned int k)
{
	if (s->rcap == 0 || 2 * (s->rused + 1) > s->rcap) {
		ridx_build(s, s->n_routes); /* (routes[k] included; none: walks) */
		return;
	}
	*ridx_slot(s, &s->routes[k].prefix) = k + 1;
	s->rused++;
}

/* Remove routes[k]: the last one takes its place, the index follows. */
static void route_remove(struct xb_state *s, unsigned int k)
{
	unsigned int last = s->n_routes - 1;

	if (s->rcap)
		*ridx_slot(s, &s->routes[k].prefix) = UINT32_MAX; /* (stays used) */
	if (k != last) {
		s->routes[k] = s->routes[last];
		if (s->rcap)
			*ridx_slot(s, &s->routes[k].prefix) = k + 1;
	}
	s->n_routes--;
}

static bool in_pools(const struct xb_state *s, uint32_t ip)
{
	struct sl_ip a = {.family = SL_AF_INET, .v4 = ip};

	for (unsigned int i = 0; i < s->n_pools; i++)
		if (sl_prefix_contains(&s->pools[i].prefix, &a))
			return true;
	return false;
}

static bool iface_same(const struct sl_cmd_interface *i, const struct sl_cmd_interface *c)
{
	if (strcmp(i->device, c->device) != 0 || i->vlan != c->vlan || i->mtu != c->mtu ||
		i->role != c->role || i->n_addrs != c->n_addrs || i->has_mac != c->has_mac)
		return false;
	if (c->has_mac && memcmp(i->mac.b, c->mac.b, 6) != 0)
		return false;
	for (unsigned int k = 0; k < c->n_addrs; k++)
		if (!sl_prefix_equal(&i->addrs[k], &c->addrs[k]))
			return false;
	return true;
}

/* ---------- planning ---------- */

static int plan_iface(struct xdp_backend *b, struct xb_state *s, const struct sl_cmd *c,
	unsigned int line, bool startup, bool *skip, char *err, size_t errlen)
{
	const struct sl_cmd_interface *ic = &c->iface;
	int cur = iface_find(s, ic->name);

	if (cur >= 0 && iface_same(&s->ifaces[cur], ic)) {
		*skip = true; /* pushing the running config again */
		return 0;
	}
	if (!startup)
		return fail(err, errlen, line,
			"interface %s: interfaces cannot be %s while sluice-xdp runs; restart it "
			"with the interface in --config",
			ic->name, cur >= 0 ? "changed" : "added");
	if (cur >= 0)
		return fail(err, errlen, line, "interface %s: already configured", ic->name);
	for (unsigned int i = 0; i < s->n_ifaces; i++)
		if (strcmp(s->ifaces[i].device, ic->device) == 0 && s->ifaces[i].vlan == ic->vlan)
			return fail(err, errlen, line, "interface %s: device %s%s already in use",
				ic->name, ic->device, ic->vlan ? " with this vlan" : " untagged");
	if (s->n_ifaces == SL_XDP_IFACES_MAX)
		return fail(err, errlen, line, "interface %s: at most %d interfaces", ic->name,
			SL_XDP_IFACES_MAX);
	s->ifaces[s->n_ifaces++] = *ic;
	return 0;
}

/* The distinct FIB prefixes of the interfaces' addresses of family @p v6. */
static unsigned int iface_fib_entries(const struct xb_state *s, int v6)
{
	struct sl_prefix *seen = NULL;
	unsigned int n = 0, cap = 0;

	for (unsigned int i = 0; i < s->n_ifaces; i++)
		for (unsigned int k = 0; k < s->ifaces[i].n_addrs; k++) {
			const struct sl_prefix *a = &s->ifaces[i].addrs[k];
			struct sl_addr_route d[SL_ADDR_KINDS];
			unsigned int nd;
			if ((a->addr.family == SL_AF_INET6) != v6)
				continue;
			nd = sl_addr_routes(a, d);
			for (unsigned int j = 0; j < nd; j++) {
				bool dup = false;
				for (unsigned int m = 0; m < n && !dup; m++)
					dup = sl_prefix_equal(&seen[m], &d[j].prefix);
				if (dup)
					continue;
				if (n == cap) {
					void *p = realloc(
						seen, (cap = cap ? 2 * cap : 16) * sizeof(*seen));
					if (p == NULL) {
						free(seen);
						return UINT32_MAX; /* (then every add is refused) */
					}
					seen = p;
				}
				seen[n++] = d[j].prefix;
			}
		}
	free(seen);
	return n;
}

static int plan_route(struct xdp_backend *b, struct xb_state *s, struct sl_cmd *c,
	unsigned int line, char *err, size_t errlen)
{
	int v6 = c->route.prefix.addr.family == SL_AF_INET6;
	const char *why;
	char b1[64], b2[64];
	int k, dev;

	sl_prefix_fmt(&c->route.prefix, b1, sizeof(b1));
	k = route_find(s, &c->route.prefix);
	if (c->type == SL_CMD_ROUTE_DEL) {
		if (k < 0)
			return fail(err, errlen, line,
				iface_prefix_owner(s, &c->route.prefix) >= 0
					? "route del %s: an interface address route; change the "
					  "interface instead"
					: "route del %s: no such route",
				b1);
		route_remove(s, (unsigned int)k);
		s->n_fib_routes[v6]--;
		return 0;
	}
	if (k >= 0)
		return fail(err, errlen, line,
			"route add %s: already exists (remove it first with 'route del %s')", b1,
			b1);
	if (iface_prefix_owner(s, &c->route.prefix) >= 0)
		return fail(err, errlen, line,
			"route add %s: the prefix of an interface address (connected, local or "
			"broadcast)",
			b1);
	if (c->route.has_via && c->route.via.family != c->route.prefix.addr.family)
		return fail(err, errlen, line, "route add %s: gateway family differs", b1);
	if (c->route.dev[0]) {
		dev = iface_find(s, c->route.dev);
		if (dev < 0)
			return fail(err, errlen, line, "route add %s: no interface '%s'", b1,
				c->route.dev);
	} else if (c->route.has_via) {
		dev = connected_iface(s, &c->route.via);
		if (dev < 0)
			return fail(err, errlen, line,
				"route add %s: gateway is on no connected subnet; name a dev", b1);
		snprintf(c->route.dev, sizeof(c->route.dev), "%s", s->ifaces[dev].name);
	} else {
		return fail(err, errlen, line, "route add %s: needs 'via' or 'dev'", b1);
	}
	if (c->route.has_via && (why = sl_onlink_problem(s->ifaces[dev].addrs,
					 s->ifaces[dev].n_addrs, &c->route.via)) != NULL)
		return fail(err, errlen, line, "route add %s: gateway %s %s '%s'", b1,
			sl_ip_fmt(&c->route.via, b2, sizeof(b2)), why, s->ifaces[dev].name);
	if (s->iface_fib_for != s->n_ifaces + 1) {
		s->iface_fib[0] = iface_fib_entries(s, 0);
		s->iface_fib[1] = iface_fib_entries(s, 1);
		s->iface_fib_for = s->n_ifaces + 1;
	}
	/* the whole batch is refused, nothing half-applied, when the map is full */
	if ((uint64_t)s->iface_fib[v6] + s->n_fib_routes[v6] + 1 > b->fib_cap[v6])
		return fail(err, errlen, line, "route add %s: FIB full (%u %s entries)", b1,
			b->fib_cap[v6], v6 ? "IPv6" : "IPv4");
	{
		void *a = push(s->routes, &s->n_routes, sizeof(*s->routes));
		if (a == NULL)
			return -ENOMEM;
		s->routes = a;
		k = (int)s->n_routes - 1;
		s->n_fib_routes[v6]++;
	}
	s->routes[k].prefix = c->route.prefix;
	s->routes[k].kernel = c->route.kernel;
	s->routes[k].has_via = c->route.has_via;
	s->routes[k].via = c->route.via;
	snprintf(s->routes[k].dev, sizeof(s->routes[k].dev), "%s", c->route.dev);
	ridx_added(s, (unsigned int)k);
	return 0;
}

static int plan_neigh(struct xdp_backend *b, struct xb_state *s, const struct sl_cmd *c,
	unsigned int line, char *err, size_t errlen)
{
	char b1[64];
	int dev = iface_find(s, c->neigh.dev);
	bool found = false;

	sl_ip_fmt(&c->neigh.ip, b1, sizeof(b1));
	if (dev < 0)
		return fail(err, errlen, line, "neighbor %s: no interface '%s'", b1, c->neigh.dev);
	if (!sl_ip_is_link_local(&c->neigh.ip) && connected_iface(s, &c->neigh.ip) != dev)
		return fail(
			err, errlen, line, "neighbor %s: not on a subnet of %s", b1, c->neigh.dev);
	if (c->type == SL_CMD_NEIGH_ADD) {
		const char *why = sl_onlink_problem(
			s->ifaces[dev].addrs, s->ifaces[dev].n_addrs, &c->neigh.ip);
		if (why)
			return fail(err, errlen, line, "neighbor add %s: address %s %s '%s'", b1,
				b1, why, c->neigh.dev);
	}
	for (unsigned int i = 0; i < s->n_neighs; i++)
		if (strcmp(s->neighs[i].dev, c->neigh.dev) == 0 &&
			sl_ip_equal(&s->neighs[i].ip, &c->neigh.ip)) {
			drop_at(s->neighs, &s->n_neighs, sizeof(*s->neighs), i);
			found = true;
			break;
		}
	/* a del: of a static neighbour (above), else of one the kernel gave the
	 * map (as sluice-dp flushes a learnt entry) */
	if (c->type == SL_CMD_NEIGH_DEL && !found &&
		!sl_xdp_neigh_exists(b->x, c->neigh.dev, &c->neigh.ip))
		return fail(err, errlen, line, "neighbor del %s dev %s: no such neighbour", b1,
			c->neigh.dev);
	if (c->type == SL_CMD_NEIGH_ADD) {
		void *a = push(s->neighs, &s->n_neighs, sizeof(*s->neighs));
		if (a == NULL)
			return -ENOMEM;
		s->neighs = a;
		s->neighs[s->n_neighs - 1] = c->neigh;
	}
	return 0;
}

static int fwd_find(const struct xb_state *s, uint8_t proto, uint32_t ip, uint16_t port, bool ext)
{
	for (unsigned int i = 0; i < s->n_fwds; i++) {
		const struct xb_fwd *f = &s->fwds[i];
		if (f->proto == proto && (ext ? f->ext_ip == ip && f->ext_port == port
					      : f->int_ip == ip && f->int_port == port))
			return (int)i;
	}
	return -1;
}

static int count_one(void *arg, const struct sl_xdp_nat_sess *s)
{
	(void)s;
	++*(int *)arg;
	return 1; /* one is enough */
}

static int plan_nat(struct xdp_backend *b, struct xb_state *s, const struct sl_cmd *c,
	unsigned int line, bool *skip, char *err, size_t errlen)
{
	const struct sl_cmd_nat_forward *f = &c->nat_fwd;
	char b1[64];
	void *a;
	int k;

	switch (c->type) {
	case SL_CMD_NAT_POOL_ADD: {
		const struct sl_prefix *p = &c->nat_pool.prefix;
		uint32_t base = ntohl(p->addr.v4), cnt = 1u << (32 - p->len);
		sl_prefix_fmt(p, b1, sizeof(b1));
		for (unsigned int i = 0; i < s->n_pools; i++)
			if (sl_nat_pool_equal(&s->pools[i], &c->nat_pool)) {
				*skip = true; /* the same pool again (a re-pushed config) */
				return 0;
			}
		for (uint32_t i = 0; i < cnt; i++)
			if (in_pools(s, htonl(base + i)))
				return fail(err, errlen, line,
					"nat pool add %s: overlaps another pool", b1);
		if (s->n_pool_addrs + cnt > SL_XDP_POOL_ADDRS_MAX)
			return fail(err, errlen, line,
				"nat pool add %s: at most %d pool addresses in all", b1,
				SL_XDP_POOL_ADDRS_MAX);
		a = push(s->pools, &s->n_pools, sizeof(*s->pools));
		if (a == NULL)
			return -ENOMEM;
		s->pools = a;
		s->pools[s->n_pools - 1] = c->nat_pool;
		s->n_pool_addrs += cnt;
		return 0;
	}
	case SL_CMD_NAT_PORT_BLOCK:
		/* (at start-up the loader keeps reused blocks of the same size) */
		if (b->st.n_ifaces &&
			(c->nat.value != s->pb_size || c->nat.kind != s->pb_per_host)) {
			int n = 0;
			sl_xdp_sessions_foreach(b->x, count_one, &n);
			if (n)
				return fail(err, errlen, line,
					"nat port-block: can only be changed while no NAT "
					"session exists");
		}
		s->pb_size = (uint16_t)c->nat.value;
		s->pb_per_host = (uint8_t)c->nat.kind;
		return 0;
	case SL_CMD_NAT_POOL_DEL:
		return fail(err, errlen, line,
			"nat pool del: sluice-xdp cannot remove a pool while it runs; restart it "
			"with the new config");
	case SL_CMD_NAT_FORWARD_ADD:
		if (!in_pools(s, f->ext_ip))
			return fail(err, errlen, line,
				"nat forward: the outside address must be in a nat pool (add the "
				"pool first)");
		k = fwd_find(s, f->proto, f->ext_ip, f->ext_port, true);
		if (k >= 0 && s->fwds[k].int_ip == f->int_ip &&
			s->fwds[k].int_port == f->int_port) {
			*skip = true; /* the same forward again (a re-pushed config) */
			return 0;
		}
		if (k >= 0)
			return fail(err, errlen, line,
				"nat forward add: outside port %u already forwarded", f->ext_port);
		if (fwd_find(s, f->proto, f->int_ip, f->int_port, false) >= 0)
			return fail(err, errlen, line,
				"nat forward add: inside endpoint already forwarded");
		a = push(s->fwds, &s->n_fwds, sizeof(*s->fwds));
		if (a == NULL)
			return -ENOMEM;
		s->fwds = a;
		s->fwds[s->n_fwds - 1] = (struct xb_fwd){.proto = f->proto,
			.ext_ip = f->ext_ip,
			.int_ip = f->int_ip,
			.ext_port = f->ext_port,
			.int_port = f->int_port};
		return 0;
	case SL_CMD_NAT_FORWARD_DEL:
		if (!in_pools(s, f->ext_ip))
			return fail(err, errlen, line,
				"nat forward: the outside address must be in a nat pool (add the "
				"pool first)");
		k = fwd_find(s, f->proto, f->ext_ip, f->ext_port, true);
		if (k < 0)
			return fail(err, errlen, line, "nat forward del: no such forward");
		drop_at(s->fwds, &s->n_fwds, sizeof(*s->fwds), (unsigned int)k);
		return 0;
	case SL_CMD_NAT_SESSIONS_MAX:
		if (c->nat.value != b->sessions_max)
			return fail(err, errlen, line,
				"nat sessions max %u: sluice-xdp sizes its tables at start (now "
				"%u); "
				"restart it to change this",
				c->nat.value, b->sessions_max);
		*skip = true;
		return 0;
	case SL_CMD_MSS_CLAMP:
		if (iface_find(s, c->nat.dev) < 0)
			return fail(
				err, errlen, line, "tcp mss-clamp: no interface '%s'", c->nat.dev);
		return 0;
	default:
		return 0; /* filtering, timeout, limit: any value the grammar gives */
	}
}

/* Check @p l against a copy of the running state; *writes gets the commands to apply. */
static int plan(struct xdp_backend *b, const struct sl_cmd_list *l, bool startup,
	struct xb_state *ns, struct sl_cmd_list *writes, char *err, size_t errlen)
{
	int rc = state_copy(ns, &b->st);

	memset(writes, 0, sizeof(*writes));
	for (unsigned int i = 0; rc == 0 && i < l->n; i++) {
		struct sl_cmd c = l->cmds[i];
		unsigned int line = l->lines ? l->lines[i] : i + 1;
		bool skip = false;

		switch (c.type) {
		case SL_CMD_NONE:
			continue;
		case SL_CMD_INTERFACE:
			rc = plan_iface(b, ns, &c, line, startup, &skip, err, errlen);
			break;
		case SL_CMD_ROUTE_ADD:
		case SL_CMD_ROUTE_DEL:
			rc = plan_route(b, ns, &c, line, err, errlen);
			break;
		case SL_CMD_NEIGH_ADD:
		case SL_CMD_NEIGH_DEL:
			rc = plan_neigh(b, ns, &c, line, err, errlen);
			break;
		case SL_CMD_SHOW:
			rc = fail(err, errlen, line, "show is not a configuration command");
			break;
		default:
			if (sl_cmd_is_nat(c.type))
				rc = plan_nat(b, ns, &c, line, &skip, err, errlen);
			else
				rc = fail(err, errlen, line, "unknown command");
		}
		if (rc == 0 && !skip && sl_cmd_list_append(writes, &c, line) < 0)
			rc = -ENOMEM;
	}
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc) {
		state_free(ns);
		sl_cmd_list_free(writes);
	}
	return rc;
}

static int apply_list(
	struct xdp_backend *b, const struct sl_cmd_list *l, bool startup, char *err, size_t errlen)
{
	struct sl_cmd_list writes;
	struct xb_state ns;
	int rc = plan(b, l, startup, &ns, &writes, err, errlen);

	if (rc)
		return rc;
	for (unsigned int i = 0; i < writes.n; i++) {
		char e[SL_ERR_MAX];
		rc = sl_xdp_apply(b->x, &writes.cmds[i], b->resolve, b->resolve_arg, e, sizeof(e));
		if (rc) {
			/* a map refused an entry (full?): what went before stays */
			fail(err, errlen, writes.lines[i], "%s", e);
			break;
		}
		if (b->applied)
			b->applied(b->applied_arg, &writes.cmds[i]);
	}
	state_free(&b->st);
	b->st = ns;
	sl_cmd_list_free(&writes);
	return rc;
}

void xb_init(struct xdp_backend *b, struct sl_xdp *x, uint32_t sessions_max,
	sl_xdp_resolve_fn resolve, void *resolve_arg)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	memset(b, 0, sizeof(*b));
	b->x = x;
	b->sessions_max = sessions_max;
	sl_xdp_fib_capacity(x, b->fib_cap);
	b->n_cpus = n > 0 ? (uint32_t)n : 1;
	b->resolve = resolve;
	b->resolve_arg = resolve_arg;
	sl_xdp_read_stats(x, &b->base);
}

void xb_fini(struct xdp_backend *b)
{
	state_free(&b->st);
}

int xb_apply_config(struct xdp_backend *b, const struct sl_cmd_list *l, char *err, size_t errlen)
{
	return apply_list(b, l, true, err, errlen);
}

bool xb_is_static_neigh(const struct xdp_backend *b, unsigned int slot, const struct sl_ip *ip)
{
	const char *name = sl_xdp_iface_name(b->x, slot);

	for (unsigned int i = 0; name && i < b->st.n_neighs; i++)
		if (strcmp(b->st.neighs[i].dev, name) == 0 && sl_ip_equal(&b->st.neighs[i].ip, ip))
			return true;
	return false;
}

int xb_read_stats(struct xdp_backend *b, struct sl_xdp_stats *out)
{
	const struct sl_xdp_stats *z = &b->base;
	int rc = sl_xdp_read_stats(b->x, out);

	if (rc)
		return rc;
	out->c.rx -= z->c.rx;
	out->c.forwarded -= z->c.forwarded;
	out->c.local -= z->c.local;
	out->c.nat_created -= z->c.nat_created;
	for (unsigned int i = 0; i < SL_XDP_IFACES_MAX; i++) {
		out->c.if_rx[i] -= z->c.if_rx[i];
		out->c.if_tx[i] -= z->c.if_tx[i];
		out->c.if_rx_bytes[i] -= z->c.if_rx_bytes[i];
		out->c.if_tx_bytes[i] -= z->c.if_tx_bytes[i];
	}
	for (unsigned int i = 0; i < SL_DROP_MAX; i++)
		out->drop[i] -= z->drop[i];
	return 0;
}

void xb_print_stats(struct xdp_backend *b, FILE *f, FILE *note, bool json)
{
	static struct sl_iface_table t;
	static struct sl_stats s;
	struct sl_xdp_stats x;

	memset(&t, 0, sizeof(t));
	memset(&s, 0, sizeof(s));
	if (xb_read_stats(b, &x) < 0) {
		fprintf(note, "sluice-xdp: cannot read the counters\n");
		return;
	}
	t.n_ifaces = (uint16_t)sl_xdp_iface_count(b->x);
	for (unsigned int i = 0; i < t.n_ifaces && i < SL_IFACE_MAX; i++) {
		snprintf(t.ifaces[i].name, sizeof(t.ifaces[i].name), "%s",
			sl_xdp_iface_name(b->x, i));
		s.if_rx[i] = x.c.if_rx[i];
		s.if_tx[i] = x.c.if_tx[i];
		s.if_rx_bytes[i] = x.c.if_rx_bytes[i];
		s.if_tx_bytes[i] = x.c.if_tx_bytes[i];
	}
	s.rx = x.c.rx;
	s.forwarded = x.c.forwarded;
	s.local = x.c.local;
	memcpy(s.drop, x.drop, sizeof(s.drop));
	if (json)
		sl_stats_print_json(f, &s, &t, 0);
	else
		sl_stats_print(f, &s, &t, 0);
	fprintf(note, "  (local: passed to the kernel; nat sessions created %llu)\n",
		(unsigned long long)x.c.nat_created);
}

/* ---------- the operations ---------- */

static uint32_t xdp_n_workers(void *ctx)
{
	return ((struct xdp_backend *)ctx)->n_cpus;
}

static int xdp_apply(void *ctx, const struct sl_cmd_list *l, char *err, size_t errlen)
{
	return apply_list(ctx, l, false, err, errlen);
}

static int show_ifaces(struct xdp_backend *b, struct sl_ctl_buf *out)
{
	int fd = sl_xdp_map_fd(b->x, "sl_iface_info");
	struct sl_xdp_stats s;
	int rc = xb_read_stats(b, &s);

	if (rc)
		return rc;
	for (unsigned int i = 0; i < b->st.n_ifaces; i++) {
		const struct sl_cmd_interface *ic = &b->st.ifaces[i];
		int slot = sl_xdp_iface_slot(b->x, ic->name);
		struct sl_ctl_iface_rec *r;
		struct sl_xdp_iface v = {0};
		uint32_t k;

		if (slot < 0)
			continue;
		k = (uint32_t)slot;
		bpf_map_lookup_elem(fd, &k, &v);
		r = sl_ctl_buf_grow(out, sizeof(*r));
		if (r == NULL)
			return -ENOMEM;
		snprintf(r->name, sizeof(r->name), "%s", ic->name);
		snprintf(r->device, sizeof(r->device), "%s", ic->device);
		r->id = (uint16_t)slot;
		r->vlan = ic->vlan;
		r->mtu = ic->mtu ? ic->mtu : 1500;
		r->role = (uint8_t)ic->role;
		memcpy(r->mac.b, v.mac, 6);
		r->n_addrs = ic->n_addrs;
		memcpy(r->addrs, ic->addrs, sizeof(r->addrs));
		r->rx = s.c.if_rx[k];
		r->tx = s.c.if_tx[k];
		r->rx_bytes = s.c.if_rx_bytes[k];
		r->tx_bytes = s.c.if_tx_bytes[k];
	}
	return 0;
}

static int route_rec(struct xdp_backend *b, struct sl_ctl_buf *out, const struct sl_prefix *p,
	const struct sl_xdp_nexthop *nh)
{
	struct sl_ctl_route_rec *r = sl_ctl_buf_grow(out, sizeof(*r));
	const char *dev = sl_xdp_iface_name(b->x, nh->slot);
	int k = route_find(&b->st, p);

	if (r == NULL)
		return -ENOMEM;
	r->prefix = *p;
	switch (nh->type) {
	case SL_XDP_NH_GATEWAY:
		r->nh_type = SL_CTL_NH_GATEWAY;
		r->gw.family = p->addr.family;
		if (p->addr.family == SL_AF_INET)
			memcpy(&r->gw.v4, nh->gw, 4);
		else
			memcpy(r->gw.v6, nh->gw, 16);
		break;
	case SL_XDP_NH_LOCAL:
		r->nh_type = SL_CTL_NH_LOCAL;
		break;
	case SL_XDP_NH_BROADCAST:
		r->nh_type = SL_CTL_NH_BROADCAST;
		break;
	default:
		r->nh_type = SL_CTL_NH_CONNECTED;
	}
	if (k >= 0)
		r->origin = b->st.routes[k].kernel ? SL_CTL_ORIGIN_KERNEL : SL_CTL_ORIGIN_STATIC;
	else
		r->origin = nh->type == SL_XDP_NH_CONNECTED ? SL_CTL_ORIGIN_CONNECTED
							    : SL_CTL_ORIGIN_LOCAL;
	if (dev)
		snprintf(r->dev, sizeof(r->dev), "%s", dev);
	return 0;
}

static int route_cmp(const void *a, const void *b)
{
	const struct sl_ctl_route_rec *x = a, *y = b;
	int c;

	if (x->prefix.addr.family != y->prefix.addr.family)
		return x->prefix.addr.family - y->prefix.addr.family;
	c = memcmp(
		x->prefix.addr.v6, y->prefix.addr.v6, x->prefix.addr.family == SL_AF_INET ? 4 : 16);
	return c ? c : x->prefix.len - y->prefix.len;
}

static int show_routes(struct xdp_backend *b, struct sl_ctl_buf *out)
{
	size_t start = out->len;
	int fd4 = sl_xdp_map_fd(b->x, "sl_fib4"), fd6 = sl_xdp_map_fd(b->x, "sl_fib6");
	struct sl_xdp_fib4_key k4, n4;
	struct sl_xdp_fib6_key k6, n6;
	struct sl_xdp_nexthop nh;
	void *prev = NULL;
	int rc = 0;

	while (rc == 0 && bpf_map_get_next_key(fd4, prev, &n4) == 0) {
		struct sl_prefix p = {.addr = {.family = SL_AF_INET}};
		k4 = n4;
		prev = &k4;
		if (bpf_map_lookup_elem(fd4, &k4, &nh))
			continue;
		p.addr.v4 = k4.addr;
		p.len = (uint8_t)k4.prefixlen;
		rc = route_rec(b, out, &p, &nh);
	}
	prev = NULL;
	while (rc == 0 && bpf_map_get_next_key(fd6, prev, &n6) == 0) {
		struct sl_prefix p = {.addr = {.family = SL_AF_INET6}};
		k6 = n6;
		prev = &k6;
		if (bpf_map_lookup_elem(fd6, &k6, &nh))
			continue;
		memcpy(p.addr.v6, k6.addr, 16);
		p.len = (uint8_t)k6.prefixlen;
		rc = route_rec(b, out, &p, &nh);
	}
	if (rc == 0)
		qsort(out->data + start, (out->len - start) / sizeof(struct sl_ctl_route_rec),
			sizeof(struct sl_ctl_route_rec), route_cmp);
	return rc;
}

static int show_neighbors(struct xdp_backend *b, struct sl_ctl_buf *out)
{
	int fd = sl_xdp_map_fd(b->x, "sl_neigh");
	struct sl_xdp_neigh_key k, n;
	struct sl_xdp_neigh v;
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, &n) == 0) {
		struct sl_ctl_neigh_rec *r;
		const char *dev;
		k = n;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, &v))
			continue;
		r = sl_ctl_buf_grow(out, sizeof(*r));
		if (r == NULL)
			return -ENOMEM;
		r->ip.family = k.family;
		if (k.family == SL_AF_INET)
			memcpy(&r->ip.v4, k.addr, 4);
		else
			memcpy(r->ip.v6, k.addr, 16);
		memcpy(r->mac.b, v.mac, 6);
		/* kernel-fed entries are usable ones (the kernel's own state is
		 * in `ip neigh`) */
		r->state = v.is_static ? SL_NEIGH_PERMANENT : SL_NEIGH_REACHABLE;
		r->valid = 1;
		dev = sl_xdp_iface_name(b->x, k.slot);
		if (dev)
			snprintf(r->dev, sizeof(r->dev), "%s", dev);
	}
	return 0;
}

static int show_stats(struct xdp_backend *b, struct sl_ctl_buf *out)
{
	struct sl_xdp_stats s;
	uint64_t dropped = 0;
	int rc = xb_read_stats(b, &s);

	if (rc)
		return rc;
	for (unsigned int i = 0; i < SL_DROP_MAX; i++)
		dropped += s.drop[i];
	rc |= sl_ctl_counter_add(out, SL_CTL_CNT_PACKETS, NULL, "rx", s.c.rx);
	rc |= sl_ctl_counter_add(out, SL_CTL_CNT_PACKETS, NULL, "forwarded", s.c.forwarded);
	rc |= sl_ctl_counter_add(out, SL_CTL_CNT_PACKETS, NULL, "local", s.c.local);
	rc |= sl_ctl_counter_add(out, SL_CTL_CNT_PACKETS, NULL, "dropped", dropped);
	rc |= sl_ctl_counter_add(out, SL_CTL_CNT_PACKETS, NULL, "held", s.c.held);
	for (unsigned int i = 0; i < sl_xdp_iface_count(b->x); i++) {
		const char *n = sl_xdp_iface_name(b->x, i);
		rc |= sl_ctl_counter_add(out, SL_CTL_CNT_IFACE, n, "rx", s.c.if_rx[i]);
		rc |= sl_ctl_counter_add(out, SL_CTL_CNT_IFACE, n, "tx", s.c.if_tx[i]);
		rc |= sl_ctl_counter_add(out, SL_CTL_CNT_IFACE, n, "rx_bytes", s.c.if_rx_bytes[i]);
		rc |= sl_ctl_counter_add(out, SL_CTL_CNT_IFACE, n, "tx_bytes", s.c.if_tx_bytes[i]);
	}
	for (unsigned int i = 0; i < SL_DROP_MAX; i++)
		rc |= sl_ctl_counter_add(out, SL_CTL_CNT_DROP, NULL, sl_drop_name(i), s.drop[i]);
	rc |= sl_ctl_counter_add(
		out, SL_CTL_CNT_EVENT, NULL, "nat-sessions-created", s.c.nat_created);
	return rc ? -ENOMEM : 0;
}

struct sess_walk {
	struct xdp_backend *b;
	struct sl_ctl_buf *out;
	uint64_t now, est;
};

static int sess_cb(void *arg, const struct sl_xdp_nat_sess *s)
{
	struct sess_walk *w = arg;
	struct sl_ctl_session_rec *r = sl_ctl_buf_grow(w->out, sizeof(*r));
	unsigned int d = s->inside_dir & 1;
	uint64_t to = sl_xdp_session_timeout(w->b->x, s);

	if (r == NULL)
		return -ENOMEM;
	r->proto = s->t[d].proto & 0x7f;
	r->tcp = s->tcp;
	r->inside_ip = s->t[d].src;
	r->inside_port = ntohs(s->t[d].sport);
	r->remote_ip = s->t[d].dst;
	r->remote_port = ntohs(s->t[d].dport);
	r->outside_ip = s->t[!d].dst;
	r->outside_port = ntohs(s->t[!d].dport);
	r->established = r->proto == 6 && to == w->est;
	r->idle_ns = w->now > s->last_seen ? w->now - s->last_seen : 0;
	r->expires_ns = r->idle_ns < to ? to - r->idle_ns : 0;
	return 0;
}

static int show_sessions(struct xdp_backend *b, struct sl_ctl_buf *out)
{
	struct sess_walk w = {b, out, 0, 0};
	struct sl_xdp_config cfg = {0};
	uint32_t zero = 0;

	w.now = sl_xdp_clock(b->x);
	bpf_map_lookup_elem(sl_xdp_map_fd(b->x, "sl_config"), &zero, &cfg);
	w.est = cfg.timeout_ns[SL_NAT_TO_TCP_EST];
	return sl_xdp_sessions_foreach(b->x, sess_cb, &w);
}

static int xdp_show(void *ctx, uint32_t what, struct sl_ctl_buf *out, char *err, size_t errlen)
{
	struct xdp_backend *b = ctx;
	int rc;

	switch (what) {
	case SL_SHOW_INTERFACES:
		rc = show_ifaces(b, out);
		break;
	case SL_SHOW_ROUTES:
		rc = show_routes(b, out);
		break;
	case SL_SHOW_NEIGHBORS:
		rc = show_neighbors(b, out);
		break;
	case SL_SHOW_STATS:
		rc = show_stats(b, out);
		break;
	case SL_SHOW_SESSIONS:
		rc = show_sessions(b, out);
		break;
	default:
		snprintf(err, errlen, "show: not available in sluice-xdp");
		return -ENOTSUP;
	}
	if (rc < 0)
		snprintf(err, errlen, "show: %s", strerror(-rc));
	return rc;
}

static int xdp_clear_stats(void *ctx)
{
	struct xdp_backend *b = ctx;

	return sl_xdp_read_stats(b->x, &b->base);
}

static int xdp_trace_start(void *ctx, uint32_t count, char *err, size_t errlen)
{
	snprintf(err, errlen,
		"trace: not available in sluice-xdp (the XDP program keeps no per-packet "
		"record; use `xdpdump` or `tcpdump` on the devices, and `show stats`)");
	return -ENOTSUP;
}

static int xdp_trace_collect(void *ctx, struct sl_ctl_buf *out)
{
	return 0;
}

static void xdp_trace_stop(void *ctx)
{
}

const struct sl_backend_ops sl_backend_xdp_ops = {
	.name = "xdp",
	.n_workers = xdp_n_workers,
	.apply = xdp_apply,
	.show = xdp_show,
	.clear_stats = xdp_clear_stats,
	.trace_start = xdp_trace_start,
	.trace_collect = xdp_trace_collect,
	.trace_stop = xdp_trace_stop,
};
