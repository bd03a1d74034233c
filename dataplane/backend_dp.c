/* SPDX-License-Identifier: BSD-3-Clause */
/* The DPDK backend's control operations (include/sluice/backend.h). They run
 * on the main lcore, the slow path's thread: the only writer of the
 * neighbour table and the FIB, so no locking is needed here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>

#define SLUICE_TRACE_DATAPLANE
#include <sluice/backend.h>
#include <sluice/trace.h>

#include "backend_dp.h"
#include "boot.h"

static struct sl_stats baseline; /* `clear stats` subtracts this */

static void stats_sum(struct live *lv, struct sl_stats *total)
{
	memset(total, 0, sizeof(*total));
	for (unsigned int w = 0; w < lv->n_workers; w++)
		sl_stats_add(total, &lv->workers[w]->w.stats);
	sl_stats_add(total, &lv->slow.stats);
	sl_stats_add(total, &lv->slow.rw.stats); /* packets the slow path ran again */
}

static uint32_t dp_n_workers(void *ctx)
{
	return ((struct live *)ctx)->n_workers;
}

static bool iface_same(
	const struct sl_dp *dp, const struct sl_iface *i, const struct sl_cmd_interface *c)
{
	const struct sl_port *p = &dp->ifs.ports[i->port];

	if (strcmp(p->device, c->device) != 0 || i->vlan != c->vlan || i->mtu != c->mtu ||
		i->role != c->role || i->n_addrs != c->n_addrs)
		return false;
	if (c->has_mac && memcmp(i->mac.b, c->mac.b, 6) != 0)
		return false;
	for (unsigned int k = 0; k < c->n_addrs; k++)
		if (i->addrs[k].len != c->addrs[k].len ||
			!sl_ip_equal(&i->addrs[k].addr, &c->addrs[k].addr))
			return false;
	return true;
}

/*
 * Interfaces exist from start-up (their ports are started then): an
 * `interface` equal to a running one is accepted and does nothing, so that
 * a whole config can be pushed again; a new or changed one is refused.
 */
static int dp_apply(void *ctx, const struct sl_cmd_list *l, char *err, size_t errlen)
{
	struct live *lv = ctx;
	struct sl_cmd_list f = {0};
	int rc = 0;

	for (unsigned int i = 0; i < l->n; i++) {
		const struct sl_cmd *c = &l->cmds[i];
		unsigned int line = l->lines ? l->lines[i] : i + 1;

		if (c->type == SL_CMD_NONE)
			continue;
		if (c->type == SL_CMD_INTERFACE) {
			struct sl_iface *cur = sl_iface_by_name(&lv->dp->ifs, c->iface.name);
			if (cur && iface_same(lv->dp, cur, &c->iface))
				continue;
			snprintf(err, errlen,
				"line %u: interface %s: interfaces cannot be %s while sluice-dp "
				"runs; restart it with the interface in --config",
				line, c->iface.name, cur ? "changed" : "added");
			rc = -EINVAL;
			goto out;
		}
		if (sl_cmd_list_append(&f, c, line) < 0) {
			snprintf(err, errlen, "out of memory");
			rc = -ENOMEM;
			goto out;
		}
	}
	if (f.n > 0)
		rc = sl_dp_apply_list(lv->dp, &f, boot_now_ns(), err, errlen);
out:
	sl_cmd_list_free(&f);
	return rc;
}

static int show_ifaces(struct live *lv, struct sl_ctl_buf *out)
{
	const struct sl_iface_table *t = &lv->dp->ifs;
	struct sl_stats s;

	stats_sum(lv, &s);
	for (unsigned int i = 0; i < t->n_ifaces; i++) {
		const struct sl_iface *ifc = &t->ifaces[i];
		struct sl_ctl_iface_rec *r = sl_ctl_buf_grow(out, sizeof(*r));
		if (r == NULL)
			return -ENOMEM;
		snprintf(r->name, sizeof(r->name), "%s", ifc->name);
		snprintf(r->device, sizeof(r->device), "%s", t->ports[ifc->port].device);
		r->id = ifc->id;
		r->vlan = ifc->vlan;
		r->mtu = ifc->mtu;
		r->role = (uint8_t)ifc->role;
		r->mac = ifc->mac;
		r->n_addrs = ifc->n_addrs;
		memcpy(r->addrs, ifc->addrs, sizeof(r->addrs));
		r->rx = s.if_rx[i] - baseline.if_rx[i];
		r->tx = s.if_tx[i] - baseline.if_tx[i];
		r->rx_bytes = s.if_rx_bytes[i] - baseline.if_rx_bytes[i];
		r->tx_bytes = s.if_tx_bytes[i] - baseline.if_tx_bytes[i];
	}
	return 0;
}

struct route_walk {
	struct live *lv;
	struct sl_ctl_buf *out;
	bool walking; /* in sl_fib_walk: defaults were reported already */
};

static int route_cb(void *arg, const struct sl_prefix *p, uint32_t nh, enum sl_route_origin o)
{
	struct route_walk *rw = arg;
	const struct sl_nexthop *n = &rw->lv->dp->fib.nh[nh];
	struct sl_ctl_route_rec *r;

	if (rw->walking && p->len == 0)
		return 0;
	r = sl_ctl_buf_grow(rw->out, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	r->prefix = *p;
	r->origin = (uint8_t)o;
	r->nh_type = n->type;
	if (n->type == SL_NH_GATEWAY)
		r->gw = n->gw;
	if (n->iface < rw->lv->dp->ifs.n_ifaces)
		snprintf(r->dev, sizeof(r->dev), "%s", rw->lv->dp->ifs.ifaces[n->iface].name);
	return 0;
}

static int show_neighbors(struct live *lv, struct sl_ctl_buf *out)
{
	const struct sl_neigh_table *t = &lv->dp->neigh;

	for (uint32_t i = 0; i < t->n; i++) {
		const struct sl_neigh_entry *e = &t->e[i];
		struct sl_ctl_neigh_rec *r;
		uint64_t w;

		if (e->state == SL_NEIGH_FAILED && !sl_neigh_mac(e, &w))
			continue; /* deleted or never answered */
		r = sl_ctl_buf_grow(out, sizeof(*r));
		if (r == NULL)
			return -ENOMEM;
		r->ip = e->ip;
		r->state = e->state;
		r->valid = sl_neigh_mac(e, &w);
		memcpy(r->mac.b, &w, 6);
		if (e->iface < lv->dp->ifs.n_ifaces)
			snprintf(r->dev, sizeof(r->dev), "%s", lv->dp->ifs.ifaces[e->iface].name);
	}
	return 0;
}

static int show_stats(struct live *lv, struct sl_ctl_buf *out)
{
	const struct sl_iface_table *t = &lv->dp->ifs;
	struct sl_stats s, z = baseline;
	int rc = 0;

	stats_sum(lv, &s);
	rc |= sl_ctl_counter_add(out, SL_CTL_CNT_PACKETS, NULL, "rx", s.rx - z.rx);
	rc |= sl_ctl_counter_add(
		out, SL_CTL_CNT_PACKETS, NULL, "forwarded", s.forwarded - z.forwarded);
	rc |= sl_ctl_counter_add(out, SL_CTL_CNT_PACKETS, NULL, "local", s.local - z.local);
	rc |= sl_ctl_counter_add(out, SL_CTL_CNT_PACKETS, NULL, "dropped",
		sl_stats_dropped(&s) - sl_stats_dropped(&z));
	rc |= sl_ctl_counter_add(out, SL_CTL_CNT_PACKETS, NULL, "held", lv->slow.held);
	for (unsigned int i = 0; i < t->n_ifaces; i++) {
		const char *n = t->ifaces[i].name;
		rc |= sl_ctl_counter_add(out, SL_CTL_CNT_IFACE, n, "rx", s.if_rx[i] - z.if_rx[i]);
		rc |= sl_ctl_counter_add(out, SL_CTL_CNT_IFACE, n, "tx", s.if_tx[i] - z.if_tx[i]);
		rc |= sl_ctl_counter_add(
			out, SL_CTL_CNT_IFACE, n, "rx_bytes", s.if_rx_bytes[i] - z.if_rx_bytes[i]);
		rc |= sl_ctl_counter_add(
			out, SL_CTL_CNT_IFACE, n, "tx_bytes", s.if_tx_bytes[i] - z.if_tx_bytes[i]);
	}
	for (unsigned int i = 0; i < SL_DROP_MAX; i++)
		rc |= sl_ctl_counter_add(
			out, SL_CTL_CNT_DROP, NULL, sl_drop_name(i), s.drop[i] - z.drop[i]);
	for (unsigned int i = 0; i < SL_EV_MAX; i++)
		rc |= sl_ctl_counter_add(
			out, SL_CTL_CNT_EVENT, NULL, sl_event_name(i), s.event[i] - z.event[i]);
	return rc ? -ENOMEM : 0;
}

/* Sessions are read without the NAT lock: a display may catch one being
 * created or expired (its slot stays allocated, so reading it is safe). */
static int show_sessions(struct live *lv, struct sl_ctl_buf *out)
{
	const struct sl_nat *n = &lv->dp->nat;
	uint64_t now = boot_now_ns();

	for (uint32_t i = 0; n->sess && i < n->max_sessions; i++) {
		const struct sl_nat_session *s = &n->sess[i];
		struct sl_ctl_session_rec *r;
		unsigned int d;
		uint64_t seen, to;

		if (__atomic_load_n(&s->in_use, __ATOMIC_ACQUIRE) != 1)
			continue;
		r = sl_ctl_buf_grow(out, sizeof(*r));
		if (r == NULL)
			return -ENOMEM;
		d = s->inside_dir & 1;
		r->proto = s->t[d].proto & 0x7f;
		r->tcp = s->tcp;
		r->inside_ip = s->t[d].src;
		r->inside_port = rte_be_to_cpu_16(s->t[d].sport);
		r->remote_ip = s->t[d].dst;
		r->remote_port = rte_be_to_cpu_16(s->t[d].dport);
		r->outside_ip = s->t[!d].dst;
		r->outside_port = rte_be_to_cpu_16(s->t[!d].dport);
		seen = __atomic_load_n(&s->last_seen, __ATOMIC_RELAXED);
		to = sl_nat_timeout(n, s);
		r->established = to == n->timeout_ns[SL_NAT_TO_TCP_EST] && r->proto == 6;
		r->idle_ns = now > seen ? now - seen : 0;
		r->expires_ns = r->idle_ns < to ? to - r->idle_ns : 0;
	}
	return 0;
}

static int dp_show(void *ctx, uint32_t what, struct sl_ctl_buf *out, char *err, size_t errlen)
{
	struct live *lv = ctx;
	int rc;

	switch (what) {
	case SL_SHOW_INTERFACES:
		rc = show_ifaces(lv, out);
		break;
	case SL_SHOW_ROUTES: {
		struct route_walk rw = {lv, out, false};
		rc = 0;
		/* sl_fib_walk does not report the default routes: look them up */
		for (int fam = 0; fam < 2 && rc == 0; fam++) {
			struct sl_prefix def = {.addr.family = fam ? SL_AF_INET6 : SL_AF_INET};
			enum sl_route_origin o = SL_ROUTE_STATIC;
			uint32_t nh = sl_fib_get(&lv->dp->fib, &def, &o);
			if (nh != SL_NH_NONE)
				rc = route_cb(&rw, &def, nh, o);
		}
		rw.walking = true;
		if (rc == 0)
			rc = sl_fib_walk(&lv->dp->fib, route_cb, &rw);
		break;
	}
	case SL_SHOW_NEIGHBORS:
		rc = show_neighbors(lv, out);
		break;
	case SL_SHOW_STATS:
		rc = show_stats(lv, out);
		break;
	case SL_SHOW_SESSIONS:
		rc = show_sessions(lv, out);
		break;
	default:
		snprintf(err, errlen, "show: not available in this dataplane yet");
		return -ENOTSUP;
	}
	if (rc < 0)
		snprintf(err, errlen, "show: out of memory");
	return rc;
}

static int dp_clear_stats(void *ctx)
{
	stats_sum(ctx, &baseline);
	return 0;
}

static int dp_trace_start(void *ctx, uint32_t count, char *err, size_t errlen)
{
	int rc = sl_trace_start(count);

	if (rc == -EBUSY)
		snprintf(err, errlen, "trace: another trace is running");
	else if (rc < 0)
		snprintf(err, errlen, "trace: %s", strerror(-rc));
	return rc;
}

static const char *slow_kind_name(unsigned int k)
{
	static const char *const names[] = {
		[SL_SLOW_ARP] = "arp",
		[SL_SLOW_LOCAL4] = "local-ipv4",
		[SL_SLOW_LOCAL6] = "local-ipv6",
		[SL_SLOW_NO_ROUTE] = "no-route (icmp unreachable)",
		[SL_SLOW_TTL] = "ttl-exceeded (icmp time exceeded)",
		[SL_SLOW_NEIGH_MISS] = "neighbour-miss (hold + resolve)",
		[SL_SLOW_TOO_BIG] = "too-big (fragment or icmp)",
		[SL_SLOW_BAD_OPTS4] = "bad-ip-options (icmp parameter problem)",
	};

	return k < sizeof(names) / sizeof(names[0]) && names[k] ? names[k] : "?";
}

static int dp_trace_collect(void *ctx, struct sl_ctl_buf *out)
{
	struct live *lv = ctx;
	const struct sl_iface_table *t = &lv->dp->ifs;
	struct sl_trace_rec recs[64];
	uint32_t n, total = 0;

	while ((n = sl_trace_collect(recs, 64)) > 0) {
		for (uint32_t i = 0; i < n; i++) {
			struct sl_trace_rec *r = &recs[i];
			if (r->iface < t->n_ifaces)
				snprintf(r->iface_name, sizeof(r->iface_name), "%s",
					t->ifaces[r->iface].name);
			if (r->verdict == SL_TRACE_TX && r->out_iface < t->n_ifaces)
				snprintf(r->out_name, sizeof(r->out_name), "%s",
					t->ifaces[r->out_iface].name);
			if (r->verdict == SL_TRACE_DROP)
				snprintf(r->reason, sizeof(r->reason), "%s",
					sl_drop_name(r->drop_reason));
			else if (r->verdict == SL_TRACE_SLOW)
				snprintf(r->reason, sizeof(r->reason), "%s",
					slow_kind_name(r->slow_kind));
		}
		if (sl_ctl_buf_put(out, recs, n * sizeof(recs[0])) < 0)
			return -ENOMEM;
		total += n;
	}
	return (int)total;
}

static void dp_trace_stop(void *ctx)
{
	sl_trace_stop();
}

const struct sl_backend_ops sl_backend_dp_ops = {
	.name = "dpdk",
	.n_workers = dp_n_workers,
	.apply = dp_apply,
	.show = dp_show,
	.clear_stats = dp_clear_stats,
	.trace_start = dp_trace_start,
	.trace_collect = dp_trace_collect,
	.trace_stop = dp_trace_stop,
};
