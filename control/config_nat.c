/* SPDX-License-Identifier: BSD-3-Clause */
/* The NAT44 and TCP MSS-clamp words of the grammar (README, "NAT44 behaviour"). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/config.h>

static const char *const timeout_names[SL_NAT_TO_MAX] = {
	[SL_NAT_TO_UDP] = "udp",
	[SL_NAT_TO_TCP_EST] = "tcp-established",
	[SL_NAT_TO_TCP_TRANS] = "tcp-transitory",
	[SL_NAT_TO_ICMP] = "icmp",
};

static const char *const filter_names[] = {
	[SL_NAT_FILTER_APDF] = "address-port-dependent",
	[SL_NAT_FILTER_ADF] = "address-dependent",
	[SL_NAT_FILTER_EIF] = "endpoint-independent",
};

__attribute__((format(printf, 3, 4))) static int fail(
	char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int num(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int proto_of(const char *s)
{
	if (s && strcmp(s, "tcp") == 0)
		return 6;
	if (s && strcmp(s, "udp") == 0)
		return 17;
	return -1;
}

/* "A.B.C.D:PORT" */
static int endpoint(const char *s, uint32_t *ip, uint16_t *port)
{
	char buf[32];
	const char *colon = s ? strrchr(s, ':') : NULL;
	unsigned long p;
	struct in_addr a;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, (size_t)(colon - s));
	buf[colon - s] = 0;
	if (inet_pton(AF_INET, buf, &a) != 1 || num(colon + 1, 1, 65535, &p) < 0)
		return -EINVAL;
	*ip = a.s_addr;
	*port = (uint16_t)p;
	return 0;
}

static int parse_pool(int argc, char *const argv[], struct sl_cmd *c, char *err, size_t errlen)
{
	struct sl_cmd_nat_pool *p = &c->nat_pool;
	bool add = c->type == SL_CMD_NAT_POOL_ADD;

	if (argc < 1)
		return fail(err, errlen, "nat pool: missing prefix (e.g. 203.0.113.2/32)");
	if (sl_prefix_parse(argv[0], true, &p->prefix) < 0 || p->prefix.addr.family != SL_AF_INET)
		return fail(err, errlen,
			"nat pool: bad prefix '%s' (an IPv4 prefix with host bits clear, e.g. "
			"203.0.113.0/28)",
			argv[0]);
	if (p->prefix.len < 16)
		return fail(
			err, errlen, "nat pool: prefix '%s' too large (at most a /16)", argv[0]);
	p->port_lo = 1024;
	p->port_hi = 65535;
	if (argc == 1)
		return 0;
	if (!add)
		return fail(err, errlen, "nat pool del: unexpected '%s'", argv[1]);
	if (strcmp(argv[1], "ports") != 0)
		return fail(err, errlen, "nat pool add: unknown keyword '%s' (expected 'ports')",
			argv[1]);
	if (argc != 3)
		return fail(err, errlen, "nat pool add: 'ports' wants one range LO-HI");
	const char *dash = strchr(argv[2], '-');
	char lo[8];
	unsigned long l, h;
	if (dash == NULL || dash - argv[2] >= (long)sizeof(lo))
		return fail(err, errlen, "nat pool add: bad port range '%s' (e.g. 1024-65535)",
			argv[2]);
	memcpy(lo, argv[2], (size_t)(dash - argv[2]));
	lo[dash - argv[2]] = 0;
	if (num(lo, 1, 65535, &l) < 0 || num(dash + 1, 1, 65535, &h) < 0 || l > h)
		return fail(err, errlen,
			"nat pool add: bad port range '%s' (LO-HI with 1 <= LO <= HI <= 65535)",
			argv[2]);
	p->port_lo = (uint16_t)l;
	p->port_hi = (uint16_t)h;
	return 0;
}

static int parse_forward(int argc, char *const argv[], struct sl_cmd *c, char *err, size_t errlen)
{
	struct sl_cmd_nat_forward *f = &c->nat_fwd;
	bool add = c->type == SL_CMD_NAT_FORWARD_ADD;
	int proto = proto_of(argc > 0 ? argv[0] : NULL);

	if (proto < 0)
		return fail(err, errlen, "nat forward: protocol '%s' (expected tcp or udp)",
			argc > 0 ? argv[0] : "");
	f->proto = (uint8_t)proto;
	if (argc < 2 || endpoint(argv[1], &f->ext_ip, &f->ext_port) < 0)
		return fail(err, errlen, "nat forward: bad outside endpoint '%s' (ADDRESS:PORT)",
			argc > 1 ? argv[1] : "");
	if (!add)
		return argc == 2 ? 0
				 : fail(err, errlen, "nat forward del: unexpected '%s'", argv[2]);
	if (argc != 4 || strcmp(argv[2], "to") != 0)
		return fail(err, errlen, "nat forward add: expected 'to INSIDE-ADDRESS:PORT'");
	if (endpoint(argv[3], &f->int_ip, &f->int_port) < 0)
		return fail(err, errlen, "nat forward add: bad inside endpoint '%s' (ADDRESS:PORT)",
			argv[3]);
	return 0;
}

static int find(const char *w, const char *const *names, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (names[i] && w && strcmp(w, names[i]) == 0)
			return (int)i;
	return -1;
}

static int parse_nat(int argc, char *const argv[], struct sl_cmd *c, char *err, size_t errlen)
{
	const char *w = argc > 0 ? argv[0] : "";
	unsigned long v;
	int k;

	if (strcmp(w, "pool") == 0 || strcmp(w, "forward") == 0) {
		bool pool = w[0] == 'p';
		if (argc < 2 || (strcmp(argv[1], "add") != 0 && strcmp(argv[1], "del") != 0))
			return fail(err, errlen, "nat %s: expected 'add' or 'del'", w);
		bool add = strcmp(argv[1], "add") == 0;
		c->type = pool ? (add ? SL_CMD_NAT_POOL_ADD : SL_CMD_NAT_POOL_DEL)
			       : (add ? SL_CMD_NAT_FORWARD_ADD : SL_CMD_NAT_FORWARD_DEL);
		return pool ? parse_pool(argc - 2, argv + 2, c, err, errlen)
			    : parse_forward(argc - 2, argv + 2, c, err, errlen);
	}
	if (strcmp(w, "filtering") == 0) {
		c->type = SL_CMD_NAT_FILTERING;
		k = argc == 2 ? find(argv[1], filter_names, 3) : -1;
		if (k < 0)
			return fail(err, errlen,
				"nat filtering: expected endpoint-independent, address-dependent "
				"or "
				"address-port-dependent");
		c->nat.kind = (uint32_t)k;
		return 0;
	}
	if (strcmp(w, "timeout") == 0) {
		c->type = SL_CMD_NAT_TIMEOUT;
		k = argc >= 2 ? find(argv[1], timeout_names, SL_NAT_TO_MAX) : -1;
		if (k < 0)
			return fail(err, errlen,
				"nat timeout: expected udp, tcp-established, tcp-transitory or "
				"icmp");
		if (argc != 3 || num(argv[2], 1, 86400 * 7, &v) < 0)
			return fail(
				err, errlen, "nat timeout %s: expected seconds 1..604800", argv[1]);
		c->nat.kind = (uint32_t)k;
		c->nat.value = (uint32_t)v;
		return 0;
	}
	if (strcmp(w, "limit") == 0) {
		c->type = SL_CMD_NAT_LIMIT;
		if (argc != 3 || strcmp(argv[1], "sessions-per-host") != 0 ||
			num(argv[2], 0, 1u << 24, &v) < 0)
			return fail(err, errlen,
				"nat limit: expected 'sessions-per-host N' (0 = no limit)");
		c->nat.value = (uint32_t)v;
		return 0;
	}
	if (strcmp(w, "sessions") == 0) {
		c->type = SL_CMD_NAT_SESSIONS_MAX;
		if (argc != 3 || strcmp(argv[1], "max") != 0 || num(argv[2], 16, 1u << 26, &v) < 0)
			return fail(err, errlen, "nat sessions: expected 'max N' (16..67108864)");
		c->nat.value = (uint32_t)v;
		return 0;
	}
	if (strcmp(w, "port-block") == 0) {
		c->type = SL_CMD_NAT_PORT_BLOCK;
		if (argc == 2 && strcmp(argv[1], "off") == 0)
			return 0;
		if ((argc != 3 && argc != 5) || strcmp(argv[1], "size") != 0 ||
			num(argv[2], 1, 32768, &v) < 0)
			return fail(err, errlen,
				"nat port-block: expected 'size N [blocks-per-host M]' (N "
				"1..32768) "
				"or 'off'");
		c->nat.value = (uint32_t)v;
		c->nat.kind = 1;
		if (argc == 5) {
			if (strcmp(argv[3], "blocks-per-host") != 0 ||
				num(argv[4], 1, SL_NAT_PB_HOST_MAX, &v) < 0)
				return fail(err, errlen,
					"nat port-block: expected 'blocks-per-host M' (1..%d) "
					"after "
					"the size",
					SL_NAT_PB_HOST_MAX);
			c->nat.kind = (uint32_t)v;
		}
		return 0;
	}
	return fail(err, errlen,
		"nat: unknown word '%s' (expected pool, forward, filtering, timeout, limit, "
		"sessions or port-block)",
		w);
}

int sl_nat_cmd_parse(int argc, char *const argv[], struct sl_cmd *c, char *err, size_t errlen)
{
	int rc;

	if (argc < 1 || (strcmp(argv[0], "nat") != 0 && strcmp(argv[0], "tcp") != 0))
		return -ENOENT;
	memset(c, 0, sizeof(*c));
	if (argv[0][0] == 'n') {
		rc = parse_nat(argc - 1, argv + 1, c, err, errlen);
	} else {
		unsigned long v;
		c->type = SL_CMD_MSS_CLAMP;
		if (argc != 5 || strcmp(argv[1], "mss-clamp") != 0 ||
			num(argv[2], 536, 9000, &v) < 0 || strcmp(argv[3], "dev") != 0)
			rc = fail(
				err, errlen, "tcp: expected 'mss-clamp N dev IFACE' (N 536..9000)");
		else if (strlen(argv[4]) == 0 || strlen(argv[4]) >= SL_NAME_MAX)
			rc = fail(err, errlen, "tcp mss-clamp: bad interface name '%s'", argv[4]);
		else {
			c->nat.value = (uint32_t)v;
			snprintf(c->nat.dev, sizeof(c->nat.dev), "%s", argv[4]);
			rc = 0;
		}
	}
	if (rc < 0)
		memset(c, 0, sizeof(*c));
	return rc;
}

static const char *ipstr(uint32_t ip, char *b)
{
	return inet_ntop(AF_INET, &ip, b, INET_ADDRSTRLEN);
}

int sl_nat_cmd_format(const struct sl_cmd *c, char *buf, size_t len)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], p[64];
	const char *proto = c->nat_fwd.proto == 6 ? "tcp" : "udp";
	int n;

	switch (c->type) {
	case SL_CMD_NAT_POOL_ADD:
		sl_prefix_fmt(&c->nat_pool.prefix, p, sizeof(p));
		n = snprintf(buf, len, "nat pool add %s ports %u-%u", p, c->nat_pool.port_lo,
			c->nat_pool.port_hi);
		break;
	case SL_CMD_NAT_POOL_DEL:
		sl_prefix_fmt(&c->nat_pool.prefix, p, sizeof(p));
		n = snprintf(buf, len, "nat pool del %s", p);
		break;
	case SL_CMD_NAT_FORWARD_ADD:
		n = snprintf(buf, len, "nat forward add %s %s:%u to %s:%u", proto,
			ipstr(c->nat_fwd.ext_ip, a), c->nat_fwd.ext_port,
			ipstr(c->nat_fwd.int_ip, b), c->nat_fwd.int_port);
		break;
	case SL_CMD_NAT_FORWARD_DEL:
		n = snprintf(buf, len, "nat forward del %s %s:%u", proto,
			ipstr(c->nat_fwd.ext_ip, a), c->nat_fwd.ext_port);
		break;
	case SL_CMD_NAT_FILTERING:
		n = snprintf(buf, len, "nat filtering %s",
			c->nat.kind < 3 ? filter_names[c->nat.kind] : "?");
		break;
	case SL_CMD_NAT_TIMEOUT:
		n = snprintf(buf, len, "nat timeout %s %u",
			c->nat.kind < SL_NAT_TO_MAX ? timeout_names[c->nat.kind] : "?",
			c->nat.value);
		break;
	case SL_CMD_NAT_LIMIT:
		n = snprintf(buf, len, "nat limit sessions-per-host %u", c->nat.value);
		break;
	case SL_CMD_NAT_SESSIONS_MAX:
		n = snprintf(buf, len, "nat sessions max %u", c->nat.value);
		break;
	case SL_CMD_MSS_CLAMP:
		n = snprintf(buf, len, "tcp mss-clamp %u dev %s", c->nat.value, c->nat.dev);
		break;
	case SL_CMD_NAT_PORT_BLOCK:
		if (c->nat.value == 0)
			n = snprintf(buf, len, "nat port-block off");
		else
			n = snprintf(buf, len, "nat port-block size %u blocks-per-host %u",
				c->nat.value, c->nat.kind);
		break;
	default:
		return -EINVAL;
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : n;
}

const uint32_t sl_nat_timeout_default[SL_NAT_TO_MAX] = {
	[SL_NAT_TO_UDP] = 300,
	[SL_NAT_TO_TCP_EST] = 7440,
	[SL_NAT_TO_TCP_TRANS] = 240,
	[SL_NAT_TO_ICMP] = 60,
};

bool sl_nat_pool_equal(const struct sl_cmd_nat_pool *a, const struct sl_cmd_nat_pool *b)
{
	return a->prefix.len == b->prefix.len && sl_ip_equal(&a->prefix.addr, &b->prefix.addr) &&
	       a->port_lo == b->port_lo && a->port_hi == b->port_hi;
}

bool sl_nat_fwd_same_ext(const struct sl_cmd_nat_forward *a, const struct sl_cmd_nat_forward *b)
{
	return a->proto == b->proto && a->ext_ip == b->ext_ip && a->ext_port == b->ext_port;
}

/* ---------- start-up check (sluicectl check) ---------- */

__attribute__((format(printf, 5, 6))) static int fail_at(
	char *err, size_t errlen, const char *name, unsigned int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (err && errlen) {
		n = snprintf(err, errlen, "%s:%u: ", name, line);
		if (n >= 0 && (size_t)n < errlen) {
			va_start(ap, fmt);
			vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

/* The live `nat pool add` (index @p i excluded) holding @p ip, or -1. */
static int pool_of(const struct sl_cmd_list *l, unsigned int n, uint32_t ip)
{
	struct sl_ip a = {.family = SL_AF_INET, .v4 = ip};

	for (unsigned int j = 0; j < n; j++)
		if (l->cmds[j].type == SL_CMD_NAT_POOL_ADD &&
			sl_prefix_contains(&l->cmds[j].nat_pool.prefix, &a))
			return (int)j;
	return -1;
}

/* Is the forward added at @p j removed by a `nat forward del` before @p n? */
static bool forward_deleted(const struct sl_cmd_list *l, unsigned int j, unsigned int n)
{
	const struct sl_cmd_nat_forward *f = &l->cmds[j].nat_fwd;

	for (unsigned int k = j + 1; k < n; k++)
		if (l->cmds[k].type == SL_CMD_NAT_FORWARD_DEL &&
			sl_nat_fwd_same_ext(&l->cmds[k].nat_fwd, f))
			return true;
	return false;
}

/* The live forward before @p n with this outside (or inside) endpoint, or -1. */
static int forward_of(const struct sl_cmd_list *l, unsigned int n, uint8_t proto, uint32_t ip,
	uint16_t port, bool outside)
{
	for (unsigned int j = n; j-- > 0;) {
		const struct sl_cmd *c = &l->cmds[j];
		const struct sl_cmd_nat_forward *f = &c->nat_fwd;

		if (c->type == SL_CMD_NAT_FORWARD_ADD && f->proto == proto &&
			(outside ? f->ext_ip == ip && f->ext_port == port
				 : f->int_ip == ip && f->int_port == port) &&
			!forward_deleted(l, j, n))
			return (int)j;
	}
	return -1;
}

static bool iface_before(const struct sl_cmd_list *l, unsigned int n, const char *name)
{
	for (unsigned int j = 0; j < n; j++)
		if (l->cmds[j].type == SL_CMD_INTERFACE && strcmp(l->cmds[j].iface.name, name) == 0)
			return true;
	return false;
}

int sl_nat_list_check(const struct sl_cmd_list *l, const char *name, char *err, size_t errlen)
{
	unsigned int n_addrs = 0;

	if (name == NULL)
		name = "<config>";
	for (unsigned int i = 0; i < l->n; i++) {
		const struct sl_cmd *c = &l->cmds[i];
		const struct sl_cmd_nat_forward *f = &c->nat_fwd;
		const char *proto = f->proto == 6 ? "tcp" : "udp";
		unsigned int line = l->lines ? l->lines[i] : i + 1;
		char a[INET_ADDRSTRLEN], p[64];
		int j;

		switch (c->type) {
		case SL_CMD_NAT_POOL_ADD: {
			uint32_t base = ntohl(c->nat_pool.prefix.addr.v4);
			uint32_t cnt = 1u << (32 - c->nat_pool.prefix.len);
			sl_prefix_fmt(&c->nat_pool.prefix, p, sizeof(p));
			for (uint32_t k = 0; k < cnt; k++)
				if ((j = pool_of(l, i, htonl(base + k))) >= 0)
					return fail_at(err, errlen, name, line,
						"nat pool add %s: overlaps the pool of line %u", p,
						l->lines ? l->lines[j] : (unsigned int)j + 1);
			n_addrs += cnt;
			if (n_addrs > SL_NAT_POOL_ADDRS_MAX)
				return fail_at(err, errlen, name, line,
					"nat pool add %s: at most %d pool addresses in all", p,
					SL_NAT_POOL_ADDRS_MAX);
			break;
		}
		case SL_CMD_NAT_POOL_DEL:
			sl_prefix_fmt(&c->nat_pool.prefix, p, sizeof(p));
			return fail_at(err, errlen, name, line,
				"nat pool del %s: removing a pool needs a restart (leave the pool "
				"out of the config instead)",
				p);
		case SL_CMD_NAT_FORWARD_ADD:
		case SL_CMD_NAT_FORWARD_DEL: {
			bool add = c->type == SL_CMD_NAT_FORWARD_ADD;
			ipstr(f->ext_ip, a);
			if (pool_of(l, i, f->ext_ip) < 0)
				return fail_at(err, errlen, name, line,
					"nat forward %s %s %s:%u: the outside address is in no nat "
					"pool (add the pool first)",
					add ? "add" : "del", proto, a, f->ext_port);
			j = forward_of(l, i, f->proto, f->ext_ip, f->ext_port, true);
			if (!add && j < 0)
				return fail_at(err, errlen, name, line,
					"nat forward del %s %s:%u: no such forward", proto, a,
					f->ext_port);
			if (add && j >= 0 && l->cmds[j].nat_fwd.int_ip == f->int_ip &&
				l->cmds[j].nat_fwd.int_port == f->int_port)
				break; /* the same forward again: the backends take it as a no-op */
			if (add && j >= 0)
				return fail_at(err, errlen, name, line,
					"nat forward add %s %s:%u: outside port already forwarded "
					"(line %u)",
					proto, a, f->ext_port,
					l->lines ? l->lines[j] : (unsigned int)j + 1);
			j = add ? forward_of(l, i, f->proto, f->int_ip, f->int_port, false) : -1;
			if (j >= 0)
				return fail_at(err, errlen, name, line,
					"nat forward add %s %s:%u: inside endpoint %s:%u already "
					"forwarded (line %u)",
					proto, a, f->ext_port, ipstr(f->int_ip, p), f->int_port,
					l->lines ? l->lines[j] : (unsigned int)j + 1);
			break;
		}
		case SL_CMD_MSS_CLAMP:
			if (!iface_before(l, i, c->nat.dev))
				return fail_at(err, errlen, name, line,
					"tcp mss-clamp: no interface '%s' (declare it above)",
					c->nat.dev);
			break;
		default:
			break;
		}
	}
	return 0;
}
