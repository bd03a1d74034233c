/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "ksync.h"

/* ---- the set: open addressing, linear probing ---- */

static uint32_t kr_hash(uint32_t table, const struct sl_prefix *p)
{
	const uint8_t *b = p->addr.family == SL_AF_INET ? (const uint8_t *)&p->addr.v4 : p->addr.v6;
	unsigned int n = p->addr.family == SL_AF_INET ? 4 : 16;
	uint32_t h = 2166136261u ^ table ^ ((uint32_t)p->len << 8) ^ p->addr.family;

	for (unsigned int i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

static bool kr_same(const struct kroute *a, uint32_t table, const struct sl_prefix *p)
{
	return a->table == table && a->prefix.len == p->len &&
	       sl_ip_equal(&a->prefix.addr, &p->addr);
}

void kroute_set_clear(struct kroute_set *s)
{
	if (s->used)
		memset(s->used, 0, s->cap);
	s->n = 0;
	s->n_del = 0;
}

void kroute_set_free(struct kroute_set *s)
{
	free(s->slot);
	free(s->used);
	memset(s, 0, sizeof(*s));
}

static int kr_find(
	const struct kroute_set *s, uint32_t table, const struct sl_prefix *p, bool for_insert)
{
	uint32_t mask = s->cap - 1, i;
	int tomb = -1;

	if (s->cap == 0)
		return -1;
	for (i = kr_hash(table, p) & mask;; i = (i + 1) & mask) {
		if (s->used[i] == 0)
			return for_insert ? (tomb >= 0 ? tomb : (int)i) : -1;
		if (s->used[i] == 2) {
			if (tomb < 0)
				tomb = (int)i;
			continue;
		}
		if (kr_same(&s->slot[i], table, p))
			return (int)i;
	}
}

static int kr_grow(struct kroute_set *s)
{
	struct kroute_set n = {0};
	uint32_t cap = s->cap ? s->cap * 2 : 1024;

	n.slot = calloc(cap, sizeof(*n.slot));
	n.used = calloc(cap, 1);
	n.cap = cap;
	if (n.slot == NULL || n.used == NULL) {
		kroute_set_free(&n);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < s->cap; i++)
		if (s->used[i] == 1) {
			int k = kr_find(&n, s->slot[i].table, &s->slot[i].prefix, true);
			n.slot[k] = s->slot[i];
			n.used[k] = 1;
			n.n++;
		}
	kroute_set_free(s);
	*s = n;
	return 0;
}

int kroute_set_put(struct kroute_set *s, const struct kroute *r)
{
	int k;

	if ((s->n + s->n_del + 1) * 2 > s->cap && kr_grow(s) < 0)
		return -ENOMEM;
	k = kr_find(s, r->table, &r->prefix, true);
	if (s->used[k] != 1) {
		if (s->used[k] == 2)
			s->n_del--;
		s->n++;
	}
	s->slot[k] = *r;
	s->used[k] = 1;
	return 0;
}

bool kroute_set_del(struct kroute_set *s, const struct kroute *r)
{
	int k = kr_find(s, r->table, &r->prefix, false);

	if (k < 0)
		return false;
	s->used[k] = 2;
	s->n--;
	s->n_del++;
	return true;
}

const struct kroute *kroute_set_get(
	const struct kroute_set *s, uint32_t table, const struct sl_prefix *p)
{
	int k = kr_find(s, table, p, false);

	return k < 0 ? NULL : &s->slot[k];
}

const struct kroute *kroute_set_next(const struct kroute_set *s, uint32_t *i)
{
	for (; *i < s->cap; (*i)++)
		if (s->used[*i] == 1)
			return &s->slot[(*i)++];
	return NULL;
}

/* ---- rtnetlink ---- */

struct ksync {
	struct mnl_socket *nl;
	uint32_t tables[16];
	unsigned int n_tables;
	uint32_t seq, portid;
	char *buf;
};

#define NLBUF (1u << 20)

struct ksync *ksync_open(const uint32_t *tables, unsigned int n_tables)
{
	struct ksync *k = calloc(1, sizeof(*k));
	int one = 1, big = 8 << 20;

	if (k == NULL)
		return NULL;
	k->buf = malloc(NLBUF);
	k->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (k->buf == NULL || k->nl == NULL)
		goto fail;
	if (mnl_socket_bind(k->nl, RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	/* a burst of events (a BGP session coming up) must not overflow */
	setsockopt(mnl_socket_get_fd(k->nl), SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	mnl_socket_setsockopt(k->nl, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	k->portid = mnl_socket_get_portid(k->nl);
	k->n_tables = n_tables < 16 ? n_tables : 16;
	memcpy(k->tables, tables, k->n_tables * sizeof(*tables));
	k->seq = (uint32_t)time(NULL);
	return k;
fail:
	ksync_close(k);
	return NULL;
}

void ksync_close(struct ksync *k)
{
	if (k == NULL)
		return;
	if (k->nl)
		mnl_socket_close(k->nl);
	free(k->buf);
	free(k);
}

int ksync_fd(const struct ksync *k)
{
	return mnl_socket_get_fd(k->nl);
}

static bool want_table(const struct ksync *k, uint32_t t)
{
	for (unsigned int i = 0; i < k->n_tables; i++)
		if (k->tables[i] == t)
			return true;
	return false;
}

struct parse_ctx {
	struct ksync *k;
	void (*cb)(void *arg, const struct kroute *r, bool del);
	void *arg;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, RTA_MAX) > 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct parse_ctx *pc = data;
	const struct rtmsg *rm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = {0};
	struct kroute r = {0};
	unsigned int alen;

	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return MNL_CB_OK;
	if (rm->rtm_family != AF_INET && rm->rtm_family != AF_INET6)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rm), attr_cb, tb);
	r.table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rm->rtm_table;
	if (!want_table(pc->k, r.table))
		return MNL_CB_OK;
	/* only unicast routes forward; blackhole/unreachable/local are not mirrored */
	if (rm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	r.prefix.addr.family = rm->rtm_family == AF_INET ? SL_AF_INET : SL_AF_INET6;
	alen = rm->rtm_family == AF_INET ? 4 : 16;
	r.prefix.len = rm->rtm_dst_len;
	if (tb[RTA_DST] && mnl_attr_get_payload_len(tb[RTA_DST]) == alen)
		memcpy(alen == 4 ? (void *)&r.prefix.addr.v4 : (void *)r.prefix.addr.v6,
			mnl_attr_get_payload(tb[RTA_DST]), alen);
	sl_prefix_mask(&r.prefix);
	if (tb[RTA_GATEWAY] && mnl_attr_get_payload_len(tb[RTA_GATEWAY]) == alen) {
		r.has_gw = true;
		r.gw.family = r.prefix.addr.family;
		memcpy(alen == 4 ? (void *)&r.gw.v4 : (void *)r.gw.v6,
			mnl_attr_get_payload(tb[RTA_GATEWAY]), alen);
	}
	if (tb[RTA_OIF])
		if_indextoname(mnl_attr_get_u32(tb[RTA_OIF]), r.ifname);
	if (tb[RTA_MULTIPATH] && !r.has_gw) {
		/* ECMP: sluice has one next hop per route; take the first */
		const struct rtnexthop *nh = mnl_attr_get_payload(tb[RTA_MULTIPATH]);
		if (mnl_attr_get_payload_len(tb[RTA_MULTIPATH]) >= sizeof(*nh)) {
			const struct nlattr *ntb[RTA_MAX + 1] = {0};
			const struct nlattr *attr;
			if_indextoname((unsigned int)nh->rtnh_ifindex, r.ifname);
			mnl_attr_for_each_payload((void *)RTNH_DATA(nh), nh->rtnh_len - sizeof(*nh))
			{
				if (mnl_attr_type_valid(attr, RTA_MAX) > 0)
					ntb[mnl_attr_get_type(attr)] = attr;
			}
			if (ntb[RTA_GATEWAY] &&
				mnl_attr_get_payload_len(ntb[RTA_GATEWAY]) == alen) {
				r.has_gw = true;
				r.gw.family = r.prefix.addr.family;
				memcpy(alen == 4 ? (void *)&r.gw.v4 : (void *)r.gw.v6,
					mnl_attr_get_payload(ntb[RTA_GATEWAY]), alen);
			}
		}
	}
	pc->cb(pc->arg, &r, nlh->nlmsg_type == RTM_DELROUTE);
	return MNL_CB_OK;
}

static void dump_cb(void *arg, const struct kroute *r, bool del)
{
	if (!del)
		kroute_set_put(arg, r);
}

int ksync_dump(struct ksync *k, struct kroute_set *out)
{
	static const int fams[] = {AF_INET, AF_INET6};
	struct parse_ctx pc = {k, dump_cb, out};
	struct mnl_socket *nl;
	int rc = 0;

	kroute_set_clear(out);
	/* a separate socket: the event socket's queue is not mixed with the dump */
	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		goto out;
	}
	for (unsigned int f = 0; f < 2 && rc == 0; f++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(k->buf);
		struct rtmsg *rm;
		uint32_t seq = ++k->seq, portid = mnl_socket_get_portid(nl);
		ssize_t n;

		nlh->nlmsg_type = RTM_GETROUTE;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = seq;
		rm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rm));
		rm->rtm_family = (unsigned char)fams[f];
		if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
			rc = -errno;
			break;
		}
		while ((n = mnl_socket_recvfrom(nl, k->buf, NLBUF)) > 0) {
			int r = mnl_cb_run(k->buf, (size_t)n, seq, portid, route_cb, &pc);
			if (r == MNL_CB_STOP)
				break;
			if (r < 0) {
				rc = -errno;
				break;
			}
		}
		if (n < 0)
			rc = -errno;
	}
out:
	if (nl)
		mnl_socket_close(nl);
	return rc;
}

int ksync_read(
	struct ksync *k, void (*on_change)(void *arg, const struct kroute *r, bool del), void *arg)
{
	struct parse_ctx pc = {k, on_change, arg};
	ssize_t n;

	while ((n = mnl_socket_recvfrom(k->nl, k->buf, NLBUF)) > 0)
		mnl_cb_run(k->buf, (size_t)n, 0, 0, route_cb, &pc);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
		return -errno;
	return 0;
}
