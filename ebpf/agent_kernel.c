/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <arpa/inet.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/socket.h>

#include "agent_kernel.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

struct sl_kern {
	struct mnl_socket *req; /* requests and dumps */
	struct mnl_socket *ev;	/* RTNLGRP_NEIGH events */
	uint32_t seq;
	uint32_t req_portid;
	char buf[1 << 16];
};

int sl_kern_open(struct sl_kern **out, char *err, size_t errlen)
{
	struct sl_kern *k = calloc(1, sizeof(*k));
	int one = 1;

	if (k == NULL)
		return -ENOMEM;
	k->req = mnl_socket_open(NETLINK_ROUTE);
	k->ev = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (k->req == NULL || k->ev == NULL || mnl_socket_bind(k->req, 0, MNL_SOCKET_AUTOPID) < 0 ||
		mnl_socket_bind(k->ev, 1u << (RTNLGRP_NEIGH - 1), MNL_SOCKET_AUTOPID) < 0) {
		int rc = -errno;
		snprintf(err, errlen, "rtnetlink: %s", strerror(errno));
		sl_kern_close(k);
		return rc;
	}
	/* errors as extended acks; a full event buffer is reported (ENOBUFS) */
	mnl_socket_setsockopt(k->req, NETLINK_EXT_ACK, &one, sizeof(one));
	k->req_portid = mnl_socket_get_portid(k->req);
	k->seq = (uint32_t)time(NULL);
	*out = k;
	return 0;
}

void sl_kern_close(struct sl_kern *k)
{
	if (k == NULL)
		return;
	if (k->req)
		mnl_socket_close(k->req);
	if (k->ev)
		mnl_socket_close(k->ev);
	free(k);
}

/* Send @p nlh and run @p cb over the reply (a dump or an ack). */
static int talk(struct sl_kern *k, struct nlmsghdr *nlh, mnl_cb_t cb, void *arg)
{
	uint32_t seq = nlh->nlmsg_seq = ++k->seq;
	ssize_t n;
	int rc;

	if (mnl_socket_sendto(k->req, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(k->req, k->buf, sizeof(k->buf));
		if (n < 0)
			return -errno;
		rc = mnl_cb_run(k->buf, (size_t)n, seq, k->req_portid, cb, arg);
		if (rc <= MNL_CB_STOP)
			return rc < 0 ? -errno : 0;
	}
}

/* ---------- links ---------- */

struct link_q {
	const char *name; /* find by name, or ... */
	uint32_t parent;  /* ... the vlan device on parent with id vlan */
	uint16_t vlan;
	struct sl_kern_link *out;
	bool found;
};

static int vlan_id_of(const struct nlattr *linkinfo, uint16_t *vid)
{
	const struct nlattr *a, *d = NULL;
	bool is_vlan = false;

	mnl_attr_for_each_nested(a, linkinfo)
	{
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
			is_vlan = strcmp(mnl_attr_get_str(a), "vlan") == 0;
		else if (mnl_attr_get_type(a) == IFLA_INFO_DATA)
			d = a;
	}
	if (!is_vlan || d == NULL)
		return -1;
	mnl_attr_for_each_nested(a, d) if (mnl_attr_get_type(a) == IFLA_VLAN_ID)
	{
		*vid = mnl_attr_get_u16(a);
		return 0;
	}
	return -1;
}

static int link_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct link_q *q = arg;
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	struct sl_kern_link l = {.ifindex = (uint32_t)ifm->ifi_index};
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifm))
	{
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			snprintf(l.name, sizeof(l.name), "%s", mnl_attr_get_str(a));
			break;
		case IFLA_ADDRESS:
			if (mnl_attr_get_payload_len(a) == 6)
				memcpy(l.mac, mnl_attr_get_payload(a), 6);
			break;
		case IFLA_MTU:
			l.mtu = mnl_attr_get_u32(a);
			break;
		case IFLA_LINK:
			l.parent = mnl_attr_get_u32(a);
			break;
		case IFLA_LINKINFO:
			if (vlan_id_of(a, &l.vlan) < 0)
				l.vlan = 0;
			break;
		}
	}
	if (l.vlan == 0)
		l.parent = 0;
	if (q->found)
		return MNL_CB_OK;
	if (q->name ? strcmp(l.name, q->name) == 0 : (l.parent == q->parent && l.vlan == q->vlan)) {
		*q->out = l;
		q->found = true;
	}
	return MNL_CB_OK;
}

static int link_find(struct sl_kern *k, struct link_q *q)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;
	int rc;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	rc = talk(k, nlh, link_cb, q);
	if (rc < 0)
		return rc;
	return q->found ? 0 : -ENODEV;
}

int sl_kern_link_by_name(struct sl_kern *k, const char *name, struct sl_kern_link *out)
{
	struct link_q q = {.name = name, .out = out};

	return link_find(k, &q);
}

int sl_kern_vlan_dev(struct sl_kern *k, const struct sl_kern_link *parent, uint16_t vlan,
	bool create, struct sl_kern_link *out, bool *created)
{
	struct link_q q = {.parent = parent->ifindex, .vlan = vlan, .out = out};
	char buf[MNL_SOCKET_BUFFER_SIZE], name[IFNAMSIZ];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	struct nlattr *li, *data;
	int rc;

	*created = false;
	rc = link_find(k, &q);
	if (rc != -ENODEV || !create)
		return rc;
	if (snprintf(name, sizeof(name), "%s.%u", parent->name, vlan) >= (int)sizeof(name))
		snprintf(name, sizeof(name), "vl%ui%u", vlan, parent->ifindex);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, IFLA_LINK, parent->ifindex);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u16(nlh, IFLA_VLAN_ID, vlan);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	rc = talk(k, nlh, NULL, NULL);
	if (rc < 0)
		return rc;
	*created = true;
	q.found = false;
	return link_find(k, &q);
}

int sl_kern_link_del(struct sl_kern *k, uint32_t ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_DELLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)ifindex;
	return talk(k, nlh, NULL, NULL);
}

int sl_kern_link_up(struct sl_kern *k, uint32_t ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)ifindex;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	return talk(k, nlh, NULL, NULL);
}

/* ---------- addresses ---------- */

int sl_kern_addr_add(
	struct sl_kern *k, uint32_t ifindex, const struct sl_prefix *p, bool noprefixroute)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	bool v6 = p->addr.family == SL_AF_INET6;
	uint32_t flags = 0;

	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = v6 ? AF_INET6 : AF_INET;
	ifa->ifa_prefixlen = p->len;
	ifa->ifa_index = ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	if (v6) {
		mnl_attr_put(nlh, IFA_LOCAL, 16, p->addr.v6);
		mnl_attr_put(nlh, IFA_ADDRESS, 16, p->addr.v6);
		flags |= IFA_F_NODAD;
	} else {
		mnl_attr_put_u32(nlh, IFA_LOCAL, p->addr.v4);
		mnl_attr_put_u32(nlh, IFA_ADDRESS, p->addr.v4);
		if (p->len <= 30) {
			uint32_t m = p->len ? htonl(~0u << (32 - p->len)) : 0;
			mnl_attr_put_u32(nlh, IFA_BROADCAST, (p->addr.v4 & m) | ~m);
		}
	}
	if (noprefixroute)
		flags |= IFA_F_NOPREFIXROUTE;
	if (flags)
		mnl_attr_put_u32(nlh, IFA_FLAGS, flags);
	mnl_attr_put_u8(nlh, IFA_PROTO, SL_KERN_IFA_PROTO);
	return talk(k, nlh, NULL, NULL);
}

struct addr_list {
	uint32_t ifindex;
	struct {
		uint8_t family, len;
		uint8_t a[16];
	} e[64];
	unsigned int n;
};

static int addr_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct addr_list *l = arg;
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *local = NULL, *addr = NULL;
	int proto = -1;

	if (nlh->nlmsg_type != RTM_NEWADDR || ifa->ifa_index != l->ifindex)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifa))
	{
		if (mnl_attr_get_type(a) == IFA_PROTO)
			proto = mnl_attr_get_u8(a);
		else if (mnl_attr_get_type(a) == IFA_LOCAL)
			local = a;
		else if (mnl_attr_get_type(a) == IFA_ADDRESS)
			addr = a;
	}
	if (local == NULL)
		local = addr;
	if (proto != SL_KERN_IFA_PROTO || local == NULL || l->n == 64 ||
		mnl_attr_get_payload_len(local) > 16)
		return MNL_CB_OK;
	l->e[l->n].family = ifa->ifa_family;
	l->e[l->n].len = ifa->ifa_prefixlen;
	memcpy(l->e[l->n].a, mnl_attr_get_payload(local), mnl_attr_get_payload_len(local));
	l->n++;
	return MNL_CB_OK;
}

int sl_kern_addr_flush_ours(struct sl_kern *k, uint32_t ifindex)
{
	static struct addr_list l;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	int rc, n = 0;

	memset(&l, 0, sizeof(l));
	l.ifindex = ifindex;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	rc = talk(k, nlh, addr_cb, &l);
	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < l.n; i++) {
		bool v6 = l.e[i].family == AF_INET6;
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_DELADDR;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = l.e[i].family;
		ifa->ifa_prefixlen = l.e[i].len;
		ifa->ifa_index = ifindex;
		mnl_attr_put(nlh, IFA_LOCAL, v6 ? 16 : 4, l.e[i].a);
		if (talk(k, nlh, NULL, NULL) == 0)
			n++;
	}
	return n;
}

/* ---------- neighbours ---------- */

static int neigh_req(struct sl_kern *k, uint32_t ifindex, const struct sl_ip *ip, bool managed)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *nd;
	bool v6 = ip->family == SL_AF_INET6;

	nlh->nlmsg_type = RTM_NEWNEIGH;
	/* managed: create only (an entry the kernel has is left alone) */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | (managed ? NLM_F_EXCL : 0);
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = v6 ? AF_INET6 : AF_INET;
	nd->ndm_ifindex = (int)ifindex;
	nd->ndm_state = NUD_NONE;
	nd->ndm_flags = managed ? 0 : NTF_USE;
	mnl_attr_put(nlh, NDA_DST, v6 ? 16 : 4, v6 ? (const void *)ip->v6 : (const void *)&ip->v4);
	if (managed)
		mnl_attr_put_u32(nlh, NDA_FLAGS_EXT, NTF_EXT_MANAGED);
	return talk(k, nlh, NULL, NULL);
}

int sl_kern_neigh_managed(struct sl_kern *k, uint32_t ifindex, const struct sl_ip *ip)
{
	int rc = neigh_req(k, ifindex, ip, true);

	if (rc == -EEXIST) /* known already: make sure it is being resolved */
		rc = neigh_req(k, ifindex, ip, false);
	return rc;
}

int sl_kern_neigh_use(struct sl_kern *k, uint32_t ifindex, const struct sl_ip *ip)
{
	return neigh_req(k, ifindex, ip, false);
}

struct neigh_cb_arg {
	sl_kern_neigh_fn fn;
	void *arg;
};

static int neigh_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct neigh_cb_arg *a = arg;
	struct ndmsg *nd = mnl_nlmsg_get_payload(nlh);
	struct sl_kern_neigh n = {0};
	const struct nlattr *at;
	bool have_dst = false, have_ll = false;

	if (nlh->nlmsg_type != RTM_NEWNEIGH && nlh->nlmsg_type != RTM_DELNEIGH)
		return MNL_CB_OK;
	if (nd->ndm_family != AF_INET && nd->ndm_family != AF_INET6)
		return MNL_CB_OK;
	if (nd->ndm_flags & NTF_PROXY)
		return MNL_CB_OK;
	n.ifindex = (uint32_t)nd->ndm_ifindex;
	n.state = nd->ndm_state;
	n.deleted = nlh->nlmsg_type == RTM_DELNEIGH;
	mnl_attr_for_each(at, nlh, sizeof(*nd))
	{
		if (mnl_attr_get_type(at) == NDA_DST) {
			uint16_t len = mnl_attr_get_payload_len(at);
			if (nd->ndm_family == AF_INET && len == 4) {
				n.ip.family = SL_AF_INET;
				memcpy(&n.ip.v4, mnl_attr_get_payload(at), 4);
				have_dst = true;
			} else if (nd->ndm_family == AF_INET6 && len == 16) {
				n.ip.family = SL_AF_INET6;
				memcpy(n.ip.v6, mnl_attr_get_payload(at), 16);
				have_dst = true;
			}
		} else if (mnl_attr_get_type(at) == NDA_LLADDR &&
			   mnl_attr_get_payload_len(at) == 6) {
			memcpy(n.mac, mnl_attr_get_payload(at), 6);
			have_ll = true;
		}
	}
	if (!have_dst)
		return MNL_CB_OK;
	n.valid = !n.deleted && have_ll &&
		  (n.state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT |
				     NUD_NOARP));
	a->fn(a->arg, &n);
	return MNL_CB_OK;
}

int sl_kern_neigh_dump(struct sl_kern *k, sl_kern_neigh_fn fn, void *arg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct neigh_cb_arg a = {fn, arg};
	struct ndmsg *nd;

	nlh->nlmsg_type = RTM_GETNEIGH;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nd = mnl_nlmsg_put_extra_header(nlh, sizeof(*nd));
	nd->ndm_family = AF_UNSPEC;
	return talk(k, nlh, neigh_cb, &a);
}

int sl_kern_events_fd(const struct sl_kern *k)
{
	return mnl_socket_get_fd(k->ev);
}

int sl_kern_events_read(struct sl_kern *k, sl_kern_neigh_fn fn, void *arg)
{
	struct neigh_cb_arg a = {fn, arg};

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(k->ev, k->buf, sizeof(k->buf));
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		mnl_cb_run(k->buf, (size_t)n, 0, 0, neigh_cb, &a);
	}
}

/* ---------- sysctl, nftables ---------- */

int sl_kern_sysctl_set(const char *path, const char *val)
{
	char p[256];
	int fd, rc = 0;

	snprintf(p, sizeof(p), "/proc/sys/%s", path);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int sl_kern_sysctl_get(const char *path, int *val)
{
	char p[256], b[32];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/proc/sys/%s", path);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	b[n] = 0;
	*val = atoi(b);
	return 0;
}

int sl_kern_nft(const char *ruleset, char *err, size_t errlen)
{
	FILE *f = popen("nft -f - 2>&1 >/dev/null", "w");
	int st;

	if (f == NULL) {
		snprintf(err, errlen, "cannot run nft: %s", strerror(errno));
		return -errno;
	}
	fputs(ruleset, f);
	st = pclose(f);
	if (st != 0) {
		snprintf(err, errlen, "nft -f failed (status %d%s)",
			WIFEXITED(st) ? WEXITSTATUS(st) : st,
			WIFEXITED(st) && WEXITSTATUS(st) == 127 ? ": nft not installed" : "");
		return -EIO;
	}
	return 0;
}
