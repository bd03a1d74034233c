/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `sluicectl daemon`: the control-plane process. It owns the configuration
 * (static routes, static neighbours) and the routes mirrored from kernel
 * tables, and keeps the dataplane equal to them:
 * - on (re)connect and every --reconcile seconds: a full sync, i.e. read the
 *   dataplane's routes and neighbours, compute the difference, send it as
 *   one atomic batch;
 * - on SIGHUP: re-read the config and sync (only the difference is sent);
 * - on kernel route events: incremental batches every 20 ms, from what the
 *   daemon last pushed; any failure falls back to a full sync.
 * The connection is kept open; when it closes (sluice-dp exited) the daemon
 * reconnects with a backoff of 20 ms doubling to 250 ms.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sluice/ctl.h>

#include "daemon.h"
#include "ksync.h"

#define BACKOFF_MIN_MS 20
#define BACKOFF_MAX_MS 250
#define BATCH_DELAY_MS 20
#define CALL_TIMEOUT   60000

struct daemon {
	const char *ctl_path;
	const char *config;
	unsigned int reconcile_ms;
	struct sl_cmd_list cfg;
	uint32_t tables[16];
	unsigned int n_tables;
	struct ksync *ks;
	struct kroute_set kernel;  /* kernel routes of the synced tables (table, prefix) */
	struct kroute_set pushed;  /* routes the daemon believes the dataplane has (table 0) */
	struct kroute_set changed; /* prefixes touched by kernel events since the last batch */
	struct sl_cmd_list nat;	   /* NAT policy last pushed to this dataplane (nat_desired) */
	int fd;
	uint32_t seq;
	bool need_full, need_dump;
	uint64_t next_connect, next_reconcile, batch_due;
	unsigned int backoff;
	struct sl_ctl_buf req, rep;
};

static volatile sig_atomic_t got_hup, got_stop;

static void on_hup(int sig)
{
	(void)sig;
	got_hup = 1;
}

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

__attribute__((format(printf, 1, 2))) static void logmsg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sluicectl daemon: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static int load_config(struct daemon *d, const char *path)
{
	char err[SL_ERR_MAX];
	struct sl_cmd_list l;

	if (sl_cmd_list_load(path, &l, err, sizeof(err)) < 0) {
		logmsg("%s", err);
		return -EINVAL;
	}
	sl_cmd_list_free(&d->cfg);
	d->cfg = l;
	d->n_tables = 0;
	for (unsigned int i = 0; i < l.n; i++)
		if (sl_cmd_is_route_sync(&l.cmds[i]) && d->n_tables < 16)
			d->tables[d->n_tables++] = l.cmds[i].sync.table;
	return 0;
}

/* ---- talking to the dataplane ---- */

static void disconnect(struct daemon *d, const char *why)
{
	if (d->fd < 0)
		return;
	logmsg("lost the dataplane (%s); reconnecting", why);
	close(d->fd);
	d->fd = -1;
	d->backoff = BACKOFF_MIN_MS;
	d->next_connect = now_ms();
}

/* -errno for a transport failure (connection dropped), else the reply status. */
static int rpc(struct daemon *d, struct sl_ctl_reply *r, const void **recs)
{
	int rc;

	memset(r, 0, sizeof(*r));
	*recs = NULL;
	if (d->fd < 0)
		return -ENOTCONN;
	rc = sl_ctl_call(d->fd, &d->req, &d->rep, CALL_TIMEOUT);
	if (rc == 0 && sl_ctl_decode_reply(d->rep.data, d->rep.len, r, recs) < 0)
		rc = -EPROTO;
	if (rc < 0) {
		disconnect(d, strerror(-rc));
		return -ENOTCONN;
	}
	return r->status;
}

static int show(struct daemon *d, uint32_t what, const void **recs, uint32_t *n)
{
	struct sl_ctl_reply r;
	int rc;

	if (sl_ctl_encode_show(&d->req, ++d->seq, what) < 0)
		return -ENOMEM;
	rc = rpc(d, &r, recs);
	if (rc == 0 && r.n && r.rec_size != sl_ctl_rec_size(what))
		rc = -EPROTO;
	*n = r.n;
	return rc;
}

static int apply(struct daemon *d, const struct sl_cmd_list *l, const char *what)
{
	struct sl_ctl_reply r;
	const void *recs;
	int rc;

	if (l->n == 0)
		return 0;
	if (sl_ctl_encode_apply(&d->req, ++d->seq, l) < 0)
		return -ENOMEM;
	rc = rpc(d, &r, &recs);
	if (rc < 0 && rc != -ENOTCONN)
		logmsg("%s: the dataplane rejected the batch of %u: %s", what, l->n, r.msg);
	return rc;
}

static void try_connect(struct daemon *d)
{
	char err[256];
	struct sl_ctl_reply r;
	const void *recs;
	int fd;

	fd = sl_ctl_connect(d->ctl_path, err, sizeof(err));
	if (fd < 0) {
		d->next_connect = now_ms() + d->backoff;
		d->backoff = d->backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : d->backoff * 2;
		return;
	}
	d->fd = fd;
	if (sl_ctl_encode_simple(&d->req, SL_CTL_HELLO, ++d->seq) < 0 || rpc(d, &r, &recs) < 0 ||
		r.n != 1 || r.rec_size != sizeof(struct sl_ctl_hello)) {
		if (r.status == -EACCES)
			logmsg("refused: %s", r.msg);
		disconnect(d, "no hello");
		d->next_connect = now_ms() + BACKOFF_MAX_MS;
		return;
	}
	const struct sl_ctl_hello *h = recs;
	logmsg("connected to the %.16s backend (pid %u, %u workers)", h->backend, h->pid,
		h->n_workers);
	d->need_full = true;
	sl_cmd_list_free(&d->nat); /* a (re)started dataplane: only its own config */
}

/* ---- desired state ---- */

static void route_of_cmd(const struct sl_cmd *c, struct kroute *r)
{
	memset(r, 0, sizeof(*r));
	r->prefix = c->route.prefix;
	r->has_gw = c->route.has_via;
	r->gw = c->route.via;
	r->kernel = c->route.kernel;
	snprintf(r->dev, sizeof(r->dev), "%s", c->route.dev);
}

static void cmd_of_route(const struct kroute *r, bool del, struct sl_cmd *c)
{
	memset(c, 0, sizeof(*c));
	c->type = del ? SL_CMD_ROUTE_DEL : SL_CMD_ROUTE_ADD;
	c->route.prefix = r->prefix;
	if (del)
		return;
	c->route.has_via = r->has_gw;
	if (r->has_gw)
		c->route.via = r->gw;
	c->route.kernel = r->kernel;
	snprintf(c->route.dev, sizeof(c->route.dev), "%s", r->dev);
}

static bool route_differs(const struct kroute *a, const struct kroute *b)
{
	return a->has_gw != b->has_gw || (a->has_gw && !sl_ip_equal(&a->gw, &b->gw)) ||
	       strcmp(a->dev, b->dev) != 0;
}

/* The config's static routes (adds minus dels, in file order) into @p out (table 0). */
static int static_routes(const struct daemon *d, struct kroute_set *out)
{
	for (unsigned int i = 0; i < d->cfg.n; i++) {
		const struct sl_cmd *c = &d->cfg.cmds[i];
		struct kroute r;

		if (c->type != SL_CMD_ROUTE_ADD && c->type != SL_CMD_ROUTE_DEL)
			continue;
		route_of_cmd(c, &r);
		if (c->type == SL_CMD_ROUTE_DEL)
			kroute_set_del(out, &r);
		else if (kroute_set_put(out, &r) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Prefixes the interfaces put in the FIB (connected, local, broadcast). */
static bool iface_prefix(const struct daemon *d, const struct sl_prefix *p)
{
	for (unsigned int i = 0; i < d->cfg.n; i++) {
		const struct sl_cmd *c = &d->cfg.cmds[i];
		if (c->type != SL_CMD_INTERFACE)
			continue;
		for (unsigned int k = 0; k < c->iface.n_addrs; k++) {
			struct sl_prefix a = c->iface.addrs[k];
			unsigned int max = a.addr.family == SL_AF_INET ? 32 : 128;
			if (a.addr.family != p->addr.family)
				continue;
			if (p->len == max && sl_prefix_contains(&a, &p->addr))
				return true; /* the address itself or the broadcast */
			sl_prefix_mask(&a);
			if (a.len == p->len && sl_ip_equal(&a.addr, &p->addr))
				return true;
		}
	}
	return false;
}

/* The sluice interface a kernel route goes out of: by gateway subnet, else
 * by name (a kernel interface of the same name). */
static bool kernel_dev(const struct daemon *d, const struct kroute *k, char *dev)
{
	int best = -1;

	for (unsigned int i = 0; i < d->cfg.n; i++) {
		const struct sl_cmd *c = &d->cfg.cmds[i];
		if (c->type != SL_CMD_INTERFACE)
			continue;
		if (strcmp(c->iface.name, k->ifname) == 0 && best < 0) {
			snprintf(dev, SL_NAME_MAX, "%s", c->iface.name);
			best = 0;
		}
		for (unsigned int a = 0; k->has_gw && a < c->iface.n_addrs; a++)
			if (sl_prefix_contains(&c->iface.addrs[a], &k->gw) &&
				c->iface.addrs[a].len > best) {
				best = c->iface.addrs[a].len;
				snprintf(dev, SL_NAME_MAX, "%s", c->iface.name);
			}
	}
	return best >= 0;
}

/* What the dataplane should have for kernel route @p k (false: nothing). */
static bool kernel_desired(const struct daemon *d, const struct kroute_set *statics,
	const struct kroute *k, struct kroute *out)
{
	struct sl_cmd c;
	char err[SL_ERR_MAX];

	if (kroute_set_get(statics, 0, &k->prefix) || iface_prefix(d, &k->prefix))
		return false; /* the config wins */
	memset(out, 0, sizeof(*out));
	out->prefix = k->prefix;
	out->has_gw = k->has_gw;
	out->gw = k->gw;
	out->kernel = true;
	if (!kernel_dev(d, k, out->dev))
		return false;
	/* only what the grammar accepts (no multicast gateways, ...) */
	cmd_of_route(out, false, &c);
	return sl_ctl_cmd_check(&c, NULL, err, sizeof(err)) == 0;
}

static int desired_routes(const struct daemon *d, struct kroute_set *want)
{
	const struct kroute *k;
	uint32_t it = 0;
	struct kroute r;
	struct kroute_set statics = {0};
	int rc = static_routes(d, &statics);

	if (rc == 0)
		rc = static_routes(d, want);
	while (rc == 0 && (k = kroute_set_next(&d->kernel, &it)) != NULL) {
		const struct kroute *prev;
		if (!kernel_desired(d, &statics, k, &r))
			continue;
		/* the same prefix in two synced tables: the first table listed wins */
		prev = kroute_set_get(want, 0, &r.prefix);
		if (prev && prev->kernel) {
			for (unsigned int t = 0; t < d->n_tables; t++) {
				if (d->tables[t] == k->table)
					break;
				if (kroute_set_get(&d->kernel, d->tables[t], &k->prefix))
					goto next;
			}
		}
		rc = kroute_set_put(want, &r);
	next:;
	}
	kroute_set_free(&statics);
	return rc;
}

static int append(struct sl_cmd_list *l, const struct sl_cmd *c)
{
	return sl_cmd_list_append(l, c, 0);
}

/* ---- NAT policy ---- */

/* Is @p c overridden by a later command of the config (from index @p k on)? */
static bool superseded(const struct sl_cmd_list *cfg, unsigned int k, const struct sl_cmd *c)
{
	for (unsigned int j = k + 1; j < cfg->n; j++) {
		const struct sl_cmd *x = &cfg->cmds[j];
		switch (c->type) {
		case SL_CMD_NAT_POOL_ADD:
			if (x->type == SL_CMD_NAT_POOL_DEL &&
				sl_prefix_contains(&x->nat_pool.prefix, &c->nat_pool.prefix.addr))
				return true;
			break;
		case SL_CMD_NAT_FORWARD_ADD:
			if ((x->type == SL_CMD_NAT_FORWARD_ADD ||
				    x->type == SL_CMD_NAT_FORWARD_DEL) &&
				sl_nat_fwd_same_ext(&x->nat_fwd, &c->nat_fwd))
				return true;
			break;
		case SL_CMD_NAT_TIMEOUT:
			if (x->type == c->type && x->nat.kind == c->nat.kind)
				return true;
			break;
		case SL_CMD_MSS_CLAMP:
			if (x->type == c->type && strcmp(x->nat.dev, c->nat.dev) == 0)
				return true;
			break;
		default: /* filtering, limit, port-block, sessions max: the last one */
			if (x->type == c->type)
				return true;
			break;
		}
	}
	return false;
}

/*
 * The config's NAT policy, net of its own dels and overrides, in an order
 * a dataplane accepts: table size, pools, port blocks, filtering,
 * timeouts, limit, static forwards, MSS clamps. Both dataplanes take a
 * re-pushed identical pool, forward or setting as a no-op.
 */
static int nat_desired(const struct sl_cmd_list *cfg, struct sl_cmd_list *out)
{
	static const enum sl_cmd_type order[] = {SL_CMD_NAT_SESSIONS_MAX, SL_CMD_NAT_POOL_ADD,
		SL_CMD_NAT_PORT_BLOCK, SL_CMD_NAT_FILTERING, SL_CMD_NAT_TIMEOUT, SL_CMD_NAT_LIMIT,
		SL_CMD_NAT_FORWARD_ADD, SL_CMD_MSS_CLAMP};
	int rc = 0;

	memset(out, 0, sizeof(*out));
	for (unsigned int o = 0; o < sizeof(order) / sizeof(order[0]) && rc == 0; o++)
		for (unsigned int k = 0; k < cfg->n && rc == 0; k++)
			if (cfg->cmds[k].type == order[o] && !superseded(cfg, k, &cfg->cmds[k]))
				rc = append(out, &cfg->cmds[k]);
	return rc;
}

/* Is there a command like @p c (same kind, and same key) in @p l? */
static const struct sl_cmd *nat_find(const struct sl_cmd_list *l, const struct sl_cmd *c)
{
	for (unsigned int i = 0; i < l->n; i++) {
		const struct sl_cmd *x = &l->cmds[i];
		if (x->type != c->type)
			continue;
		switch (c->type) {
		case SL_CMD_NAT_POOL_ADD:
			if (sl_nat_pool_equal(&x->nat_pool, &c->nat_pool))
				return x;
			break;
		case SL_CMD_NAT_FORWARD_ADD:
			if (sl_nat_fwd_same_ext(&x->nat_fwd, &c->nat_fwd) &&
				x->nat_fwd.int_ip == c->nat_fwd.int_ip &&
				x->nat_fwd.int_port == c->nat_fwd.int_port)
				return x;
			break;
		case SL_CMD_NAT_TIMEOUT:
			if (x->nat.kind == c->nat.kind)
				return x;
			break;
		case SL_CMD_MSS_CLAMP:
			if (strcmp(x->nat.dev, c->nat.dev) == 0)
				return x;
			break;
		default:
			return x;
		}
	}
	return NULL;
}

/*
 * What taking policy @p old (pushed earlier) away needs, before @p want
 * is pushed: forwards deleted, filtering, timeouts and the host limit back
 * to their defaults. A pool, an MSS clamp, port blocks or a table size
 * cannot be taken away while a dataplane runs: logged, left.
 */
static int nat_removals(
	const struct sl_cmd_list *old, const struct sl_cmd_list *want, struct sl_cmd_list *out)
{
	int rc = 0;

	for (unsigned int i = 0; i < old->n && rc == 0; i++) {
		const struct sl_cmd *o = &old->cmds[i];
		struct sl_cmd c;
		char text[SL_LINE_MAX];

		if (nat_find(want, o))
			continue;
		memset(&c, 0, sizeof(c));
		c.type = o->type;
		switch (o->type) {
		case SL_CMD_NAT_FORWARD_ADD:
			c.type = SL_CMD_NAT_FORWARD_DEL;
			c.nat_fwd = o->nat_fwd;
			break;
		case SL_CMD_NAT_FILTERING:
			c.nat.kind = SL_NAT_FILTER_APDF;
			break;
		case SL_CMD_NAT_TIMEOUT:
			c.nat.kind = o->nat.kind;
			c.nat.value =
				sl_nat_timeout_default[o->nat.kind < SL_NAT_TO_MAX ? o->nat.kind
										   : 0];
			break;
		case SL_CMD_NAT_LIMIT:
			c.nat.value = 0;
			break;
		default:
			sl_cmd_format(o, text, sizeof(text));
			logmsg("'%s' left the config: taking it away needs a dataplane restart",
				text);
			continue;
		}
		rc = append(out, &c);
	}
	return rc;
}

/* Push the config's NAT policy (a batch of its own: a NAT conflict does not
 * hold routes and neighbours back). */
static int nat_sync(struct daemon *d, const char *why)
{
	struct sl_cmd_list want = {0}, batch = {0};
	int rc = nat_desired(&d->cfg, &want);

	unsigned int n_rm;

	rc = rc ? rc : nat_removals(&d->nat, &want, &batch);
	n_rm = batch.n;
	for (unsigned int i = 0; i < want.n && rc == 0; i++)
		rc = append(&batch, &want.cmds[i]);
	if (rc == 0)
		rc = apply(d, &batch, why);
	if (rc < 0 && rc != -ENOTCONN && n_rm) /* (a forward deleted by hand?) */
		rc = apply(d, &want, why);
	if (rc == 0) {
		sl_cmd_list_free(&d->nat);
		d->nat = want;
		memset(&want, 0, sizeof(want));
	}
	sl_cmd_list_free(&want);
	sl_cmd_list_free(&batch);
	return rc;
}

/* Full sync: read the dataplane, send the difference, remember what it has. */
static int full_sync(struct daemon *d, const char *why)
{
	struct kroute_set want = {0}, have = {0};
	struct sl_cmd_list batch = {0};
	const struct sl_ctl_route_rec *rr;
	const struct sl_ctl_neigh_rec *nr;
	const struct kroute *r;
	const void *recs;
	uint32_t n = 0, it = 0, n_del = 0, n_add = 0;
	struct sl_cmd c;
	int rc;

	rc = desired_routes(d, &want);
	if (rc < 0)
		goto out;
	/* interfaces first: a running dataplane accepts its own, refuses others */
	for (unsigned int i = 0; i < d->cfg.n && rc == 0; i++)
		if (d->cfg.cmds[i].type == SL_CMD_INTERFACE)
			rc = append(&batch, &d->cfg.cmds[i]);
	rc = rc ? rc : show(d, SL_SHOW_ROUTES, &recs, &n);
	if (rc < 0)
		goto out;
	rr = recs;
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		struct kroute h = {.prefix = rr[i].prefix,
			.has_gw = rr[i].nh_type == SL_CTL_NH_GATEWAY,
			.gw = rr[i].gw,
			.kernel = rr[i].origin == SL_CTL_ORIGIN_KERNEL};
		if (rr[i].origin != SL_CTL_ORIGIN_STATIC && rr[i].origin != SL_CTL_ORIGIN_KERNEL)
			continue;
		snprintf(h.dev, sizeof(h.dev), "%s", rr[i].dev);
		rc = kroute_set_put(&have, &h);
	}
	/* deletions, then additions: a changed route is replaced in one batch */
	while (rc == 0 && (r = kroute_set_next(&have, &it)) != NULL) {
		const struct kroute *w = kroute_set_get(&want, 0, &r->prefix);
		if (w == NULL || route_differs(w, r)) {
			cmd_of_route(r, true, &c);
			rc = append(&batch, &c);
			n_del++;
		}
	}
	it = 0;
	while (rc == 0 && (r = kroute_set_next(&want, &it)) != NULL) {
		const struct kroute *h = kroute_set_get(&have, 0, &r->prefix);
		if (h == NULL || route_differs(h, r)) {
			cmd_of_route(r, false, &c);
			rc = append(&batch, &c);
			n_add++;
		}
	}
	/* static neighbours: the config's final set against the permanent entries */
	rc = rc ? rc : show(d, SL_SHOW_NEIGHBORS, &recs, &n);
	if (rc < 0)
		goto out;
	nr = recs;
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		bool keep = false;
		if (nr[i].state != 6 /* permanent */)
			continue;
		/* the last add/del of this neighbour in the file decides */
		for (unsigned int k = d->cfg.n; k-- > 0;) {
			const struct sl_cmd *x = &d->cfg.cmds[k];
			if ((x->type == SL_CMD_NEIGH_ADD || x->type == SL_CMD_NEIGH_DEL) &&
				sl_ip_equal(&x->neigh.ip, &nr[i].ip) &&
				strcmp(x->neigh.dev, nr[i].dev) == 0) {
				keep = x->type == SL_CMD_NEIGH_ADD &&
				       memcmp(x->neigh.mac.b, nr[i].mac.b, 6) == 0;
				break;
			}
		}
		if (!keep) {
			memset(&c, 0, sizeof(c));
			c.type = SL_CMD_NEIGH_DEL;
			c.neigh.ip = nr[i].ip;
			snprintf(c.neigh.dev, sizeof(c.neigh.dev), "%s", nr[i].dev);
			rc = append(&batch, &c);
		}
	}
	for (unsigned int k = 0; k < d->cfg.n && rc == 0; k++) {
		const struct sl_cmd *x = &d->cfg.cmds[k];
		bool last = true, present = false;
		if (x->type != SL_CMD_NEIGH_ADD)
			continue;
		for (unsigned int j = k + 1; j < d->cfg.n && last; j++)
			if ((d->cfg.cmds[j].type == SL_CMD_NEIGH_ADD ||
				    d->cfg.cmds[j].type == SL_CMD_NEIGH_DEL) &&
				sl_ip_equal(&d->cfg.cmds[j].neigh.ip, &x->neigh.ip) &&
				strcmp(d->cfg.cmds[j].neigh.dev, x->neigh.dev) == 0)
				last = false;
		for (uint32_t i = 0; i < n && last && !present; i++)
			present = nr[i].state == 6 && sl_ip_equal(&x->neigh.ip, &nr[i].ip) &&
				  strcmp(x->neigh.dev, nr[i].dev) == 0 &&
				  memcmp(x->neigh.mac.b, nr[i].mac.b, 6) == 0;
		if (last && !present)
			rc = append(&batch, x);
	}
	if (rc < 0)
		goto out;
	rc = apply(d, &batch, why);
	if (rc == 0) {
		kroute_set_free(&d->pushed);
		d->pushed = want;
		memset(&want, 0, sizeof(want));
		if (n_add || n_del)
			logmsg("%s: %u route(s) added or replaced, %u removed", why, n_add, n_del);
		if (d->fd >= 0 && nat_sync(d, "nat") == -ENOTCONN)
			rc = -ENOTCONN;
	}
out:
	kroute_set_free(&want);
	kroute_set_free(&have);
	sl_cmd_list_free(&batch);
	if (rc == 0)
		d->need_full = false;
	return rc;
}

/* ---- kernel events ---- */

static void on_kernel(void *arg, const struct kroute *r, bool del)
{
	struct daemon *d = arg;
	struct kroute key = *r;

	if (del)
		kroute_set_del(&d->kernel, r);
	else if (kroute_set_put(&d->kernel, r) < 0)
		d->need_dump = true;
	key.table = 0;
	if (kroute_set_put(&d->changed, &key) < 0)
		d->need_full = true;
	if (d->batch_due == 0)
		d->batch_due = now_ms() + BATCH_DELAY_MS;
}

/* Send what the changed prefixes now need, relative to what was pushed. */
static void kernel_batch(struct daemon *d)
{
	struct kroute_set statics = {0};
	struct sl_cmd_list batch = {0};
	const struct kroute *ch;
	uint32_t it = 0;
	struct sl_cmd c;
	int rc = static_routes(d, &statics);

	d->batch_due = 0;
	while (rc == 0 && (ch = kroute_set_next(&d->changed, &it)) != NULL) {
		const struct kroute *old = kroute_set_get(&d->pushed, 0, &ch->prefix);
		const struct kroute *k = NULL;
		struct kroute want;
		bool have_want = false;

		for (unsigned int t = 0; t < d->n_tables && k == NULL; t++)
			k = kroute_set_get(&d->kernel, d->tables[t], &ch->prefix);
		if (k)
			have_want = kernel_desired(d, &statics, k, &want);
		if (old && !old->kernel)
			continue; /* a static route of the config: untouched */
		if (old && (!have_want || route_differs(old, &want))) {
			cmd_of_route(old, true, &c);
			rc = append(&batch, &c);
		}
		if (rc == 0 && have_want && (!old || route_differs(old, &want))) {
			cmd_of_route(&want, false, &c);
			rc = append(&batch, &c);
		}
	}
	if (rc == 0 && d->fd >= 0)
		rc = apply(d, &batch, "kernel routes");
	if (rc == 0) {
		/* what was sent is now what the dataplane has */
		for (unsigned int i = 0; i < batch.n; i++) {
			struct kroute r;
			route_of_cmd(&batch.cmds[i], &r);
			if (batch.cmds[i].type == SL_CMD_ROUTE_DEL)
				kroute_set_del(&d->pushed, &r);
			else
				kroute_set_put(&d->pushed, &r);
		}
	} else {
		d->need_full = true;
	}
	kroute_set_clear(&d->changed);
	kroute_set_free(&statics);
	sl_cmd_list_free(&batch);
}

static int kernel_dump(struct daemon *d)
{
	int rc = ksync_dump(d->ks, &d->kernel);

	if (rc < 0) {
		logmsg("cannot read kernel routes: %s", strerror(-rc));
		return rc;
	}
	d->need_dump = false;
	kroute_set_clear(&d->changed);
	d->batch_due = 0;
	d->need_full = true;
	return 0;
}

static int open_kernel(struct daemon *d)
{
	ksync_close(d->ks);
	d->ks = NULL;
	kroute_set_clear(&d->kernel);
	if (d->n_tables == 0)
		return 0;
	d->ks = ksync_open(d->tables, d->n_tables);
	if (d->ks == NULL) {
		logmsg("cannot open rtnetlink: %s", strerror(errno));
		return -errno;
	}
	for (unsigned int i = 0; i < d->n_tables; i++)
		logmsg("mirroring kernel routing table %u", d->tables[i]);
	return kernel_dump(d);
}

static void usage_daemon(FILE *f)
{
	fprintf(f, "Usage: sluicectl [--ctl SOCKET] daemon --config FILE [--foreground] "
		   "[--reconcile SECONDS]\n");
}

int sl_daemon_main(const char *ctl_path, int argc, char *argv[])
{
	static const struct option lo[] = {
		{"config", required_argument, NULL, 'c'},
		{"reconcile", required_argument, NULL, 'r'},
		{"foreground", no_argument, NULL, 'F'},
		{NULL, 0, NULL, 0},
	};
	struct daemon d = {.ctl_path = ctl_path, .fd = -1, .reconcile_ms = 30000};
	struct sigaction sa = {0};
	int c;

	optind = 0;
	while ((c = getopt_long(argc + 1, argv - 1, "c:", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			d.config = optarg;
			break;
		case 'r': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v == 0 || v > 86400) {
				fprintf(stderr, "sluicectl daemon: bad --reconcile '%s'\n", optarg);
				return 2;
			}
			d.reconcile_ms = (unsigned int)v * 1000;
			break;
		}
		case 'F':
			break;
		default:
			usage_daemon(stderr);
			return 2;
		}
	}
	if (d.config == NULL || optind != argc + 1) {
		usage_daemon(stderr);
		return 2;
	}
	if (load_config(&d, d.config) < 0)
		return 1;
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (open_kernel(&d) < 0)
		return 1;
	d.backoff = BACKOFF_MIN_MS;
	logmsg("%s: %u commands; dataplane at %s", d.config, d.cfg.n, ctl_path);

	while (!got_stop) {
		struct pollfd p[2];
		int np = 0, timeout = 100;
		uint64_t t = now_ms();

		if (got_hup) {
			got_hup = 0;
			logmsg("SIGHUP: reloading %s", d.config);
			uint32_t old_tables[16];
			unsigned int old_n = d.n_tables;
			memcpy(old_tables, d.tables, sizeof(old_tables));
			if (load_config(&d, d.config) == 0) {
				if (old_n != d.n_tables ||
					memcmp(old_tables, d.tables, old_n * sizeof(uint32_t)) != 0)
					open_kernel(&d);
				d.need_full = true;
			} else {
				logmsg("keeping the previous configuration");
			}
		}
		if (d.fd < 0 && t >= d.next_connect)
			try_connect(&d);
		if (d.need_dump && d.ks)
			kernel_dump(&d);
		if (d.fd >= 0 && (d.need_full || t >= d.next_reconcile)) {
			d.next_reconcile = t + d.reconcile_ms;
			if (d.ks && !d.need_full)
				kernel_dump(&d); /* periodic: a missed event cannot last */
			full_sync(&d, d.need_full ? "sync" : "reconcile");
		}
		if (d.fd >= 0 && d.batch_due && now_ms() >= d.batch_due) {
			if (d.need_full)
				d.batch_due = 0;
			else
				kernel_batch(&d);
		}
		if (d.fd >= 0)
			p[np++] = (struct pollfd){.fd = d.fd, .events = POLLIN};
		if (d.ks)
			p[np++] = (struct pollfd){.fd = ksync_fd(d.ks), .events = POLLIN};
		if (d.fd < 0)
			timeout = (int)(d.next_connect > t ? d.next_connect - t : 0);
		if (d.batch_due)
			timeout = (int)(d.batch_due > t ? d.batch_due - t : 0);
		if (poll(p, (nfds_t)np, timeout < 100 ? timeout : 100) <= 0)
			continue;
		for (int i = 0; i < np; i++) {
			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (p[i].fd == d.fd) {
				/* no request outstanding: readable means closed */
				disconnect(&d, "connection closed");
			} else if (d.ks && ksync_read(d.ks, on_kernel, &d) < 0) {
				logmsg("kernel route events lost; reading the tables again");
				d.need_dump = true;
			}
		}
	}
	logmsg("stopping");
	if (d.fd >= 0)
		close(d.fd);
	ksync_close(d.ks);
	kroute_set_free(&d.kernel);
	kroute_set_free(&d.pushed);
	kroute_set_free(&d.changed);
	sl_cmd_list_free(&d.cfg);
	sl_ctl_buf_free(&d.req);
	sl_ctl_buf_free(&d.rep);
	return 0;
}
