/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/config.h>

#define WORDS_MAX    64
#define SHOWN_MAX    40
#define VLAN_MAX     4094
#define MTU_MIN	     68
#define MTU_MAX	     9000
#define MTU_DEFAULT  1500
#define MTU_IPV6_MIN 1280
/* Keeps file-check references (see ref_make) below the hash-slot markers. */
#define CMDS_MAX (UINT32_MAX / (SL_IFACE_ADDRS_MAX * 5) - 2)

#define NAME_RULE "1..31 characters of A-Z a-z 0-9 _ . -, starting with a letter"

struct perr {
	char *buf;
	size_t len;
};

__attribute__((format(printf, 2, 3))) static int fail(struct perr *e, const char *fmt, ...)
{
	va_list ap;

	if (e->buf != NULL && e->len > 0) {
		va_start(ap, fmt);
		vsnprintf(e->buf, e->len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int out_of_memory(struct perr *e)
{
	fail(e, "out of memory");
	return -ENOMEM;
}

/* Offending words are quoted in messages: keep them short and printable. */
struct shown {
	char s[SHOWN_MAX + 4];
};

static struct shown shown(const char *w)
{
	struct shown r;
	size_t i;

	for (i = 0; w[i] != '\0' && i < SHOWN_MAX; i++) {
		unsigned char c = (unsigned char)w[i];

		r.s[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (w[i] != '\0')
		memcpy(r.s + i, "...", 4);
	else
		r.s[i] = '\0';
	return r;
}

static const char *const commands[] = {
	"interface", "route", "neighbor", "neighbour", "show", "clear", "trace", NULL};

enum iface_kw { KW_DEVICE, KW_VLAN, KW_ADDRESS, KW_ROLE, KW_MAC, KW_MTU };
static const char *const iface_keywords[] = {
	"device", "vlan", "address", "role", "mac", "mtu", NULL};
static const char *const iface_values[] = {
	[KW_DEVICE] = "a device name",
	[KW_VLAN] = "a VLAN id 1..4094",
	[KW_ADDRESS] = "an address with prefix length, e.g. 192.168.1.1/24",
	[KW_ROLE] = "inside or outside",
	[KW_MAC] = "a MAC address xx:xx:xx:xx:xx:xx",
	[KW_MTU] = "a number 68..9000",
};

static const char *const actions[] = {"add", "del", NULL};
static const char *const route_actions[] = {"add", "del", "sync", NULL};

enum route_kw { KW_VIA, KW_DEV, KW_PROTO };
static const char *const route_keywords[] = {"via", "dev", "proto", NULL};
static const char *const route_values[] = {
	[KW_VIA] = "a gateway address",
	[KW_DEV] = "an interface name",
	[KW_PROTO] = "'kernel' or 'static'",
};

enum neigh_kw { KW_LLADDR, KW_NDEV };
static const char *const neigh_keywords[] = {"lladdr", "dev", NULL};
static const char *const neigh_del_keywords[] = {"dev", NULL};
static const char *const neigh_values[] = {
	[KW_LLADDR] = "a MAC address xx:xx:xx:xx:xx:xx",
	[KW_NDEV] = "an interface name",
};

static const char *const show_items[] = {
	"interfaces", "routes", "neighbors", "neighbours", "stats", "sessions", NULL};
static const enum sl_show_what show_whats[] = {SL_SHOW_INTERFACES, SL_SHOW_ROUTES,
	SL_SHOW_NEIGHBORS, SL_SHOW_NEIGHBORS, SL_SHOW_STATS, SL_SHOW_SESSIONS};

/* An interface name that is a keyword would make lines like "route add P dev via G" ambiguous. */
static const char *const reserved_names[] = {
	"device", "vlan", "address", "role", "mac", "mtu", "via", "dev", "lladdr", NULL};

static int find_word(const char *w, const char *const *list)
{
	for (int i = 0; list[i] != NULL; i++)
		if (strcmp(w, list[i]) == 0)
			return i;
	return -1;
}

#define EDIT_WORD_MAX 32

static unsigned int edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned int row[EDIT_WORD_MAX + 1];

	if (la > EDIT_WORD_MAX || lb > EDIT_WORD_MAX)
		return EDIT_WORD_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned int)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned int diag = row[0];

		row[0] = (unsigned int)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned int up = row[j];
			unsigned int best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static const char *closest(const char *w, const char *const *list)
{
	const char *best = NULL;
	unsigned int best_d = EDIT_WORD_MAX;

	for (int i = 0; list[i] != NULL; i++) {
		unsigned int d = edit_distance(w, list[i]);
		unsigned int limit = strlen(list[i]) <= 4 ? 1 : 2;

		if (d <= limit && d < best_d) {
			best = list[i];
			best_d = d;
		}
	}
	return best;
}

static int fail_unknown(
	struct perr *e, const char *ctx, const char *what, const char *w, const char *const *list)
{
	const char *sep = ctx[0] != '\0' ? ": " : "";
	const char *near = closest(w, list);
	char expected[128] = "";
	size_t n = 0;

	if (near != NULL)
		return fail(e, "%s%sunknown %s '%s' (did you mean '%s'?)", ctx, sep, what,
			shown(w).s, near);
	for (int i = 0; list[i] != NULL; i++) {
		const char *join = i == 0 ? "" : list[i + 1] == NULL ? " or " : ", ";

		n += (size_t)snprintf(expected + n, sizeof(expected) - n, "%s%s", join, list[i]);
		if (n >= sizeof(expected))
			break;
	}
	return fail(e, "%s%sunknown %s '%s' (expected %s)", ctx, sep, what, shown(w).s, expected);
}

/* Decimal without sign or leading zeros: "010" could be read as octal elsewhere. */
static int parse_uint(const char *s, unsigned int min, unsigned int max, unsigned int *v)
{
	unsigned long n = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		n = n * 10 + (unsigned long)(*s - '0');
		if (n > max)
			return -EINVAL;
	}
	if (n < min)
		return -EINVAL;
	*v = (unsigned int)n;
	return 0;
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= SL_NAME_MAX || !is_alpha(s[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!is_alpha(c) && !(c >= '0' && c <= '9') && c != '_' && c != '.' && c != '-')
			return false;
	}
	return true;
}

static bool valid_device(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= SL_DEVICE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= ' ' || c >= 0x7f || c == '#')
			return false;
	}
	return true;
}

static unsigned int family_bits(uint8_t family)
{
	return family == SL_AF_INET ? 32 : 128;
}

static const char *family_name(uint8_t family)
{
	return family == SL_AF_INET ? "IPv4" : "IPv6";
}

/* Why @p ip cannot be a host address, or NULL when it can. */
static const char *not_a_host(const struct sl_ip *ip)
{
	static const uint8_t zero[16], loopback[16] = {[15] = 1};

	if (ip->family == SL_AF_INET) {
		uint32_t h = ntohl(ip->v4);

		if (h == 0)
			return "the unspecified address";
		if (h >> 24 == 0)
			return "in 0.0.0.0/8 (\"this network\")";
		if (h >> 24 == 127)
			return "a loopback address";
		if (h >> 28 == 0xe)
			return "a multicast address";
		if (h == UINT32_MAX)
			return "the limited broadcast address";
		return NULL;
	}
	if (memcmp(ip->v6, zero, 16) == 0)
		return "the unspecified address";
	if (memcmp(ip->v6, loopback, 16) == 0)
		return "the loopback address";
	if (ip->v6[0] == 0xff)
		return "a multicast address";
	return NULL;
}

/* Host part of @p ip under @p p all zeros (network) or all ones (IPv4 broadcast). */
static const char *subnet_special(const struct sl_prefix *p, const struct sl_ip *ip)
{
	if (ip->family == SL_AF_INET && p->len <= 30) {
		uint32_t host = ~(UINT32_MAX << (32 - p->len)), h = ntohl(ip->v4);

		if ((h & host) == 0)
			return "network";
		if ((h & host) == host)
			return "broadcast";
	} else if (ip->family == SL_AF_INET6 && p->len <= 126) {
		struct sl_prefix m = {.addr = *ip, .len = p->len};

		sl_prefix_mask(&m);
		if (sl_ip_equal(&m.addr, ip))
			return "network (subnet-router anycast)";
	}
	return NULL;
}

static int parse_prefix(struct perr *e, const char *ctx, const char *what, const char *s,
	bool strict, struct sl_prefix *out)
{
	char addr[64], masked[64];
	const char *slash = strchr(s, '/');
	struct sl_prefix p;
	struct sl_ip ip;
	size_t n;

	if (sl_prefix_parse(s, strict, out) == 0)
		return 0;
	if (slash == NULL) {
		if (sl_ip_parse(s, &ip) == 0)
			return fail(e, "%s: bad %s '%s': missing '/LENGTH' (e.g. '%s/%u')", ctx,
				what, shown(s).s, shown(s).s, family_bits(ip.family));
		return fail(e,
			"%s: bad %s '%s': expected ADDRESS/LENGTH, e.g. 192.0.2.0/24 or "
			"2001:db8::/32",
			ctx, what, shown(s).s);
	}
	n = (size_t)(slash - s);
	if (n >= sizeof(addr))
		n = sizeof(addr) - 1;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (sl_ip_parse(addr, &ip) < 0)
		return fail(e, "%s: bad %s '%s': '%s' is not an IPv4 or IPv6 address", ctx, what,
			shown(s).s, shown(addr).s);
	if (sl_prefix_parse(s, false, &p) < 0)
		return fail(e, "%s: bad %s '%s': prefix length must be a number 0..%u", ctx, what,
			shown(s).s, family_bits(ip.family));
	sl_prefix_mask(&p);
	return fail(e, "%s: bad %s '%s': host bits set (did you mean %s?)", ctx, what, shown(s).s,
		sl_prefix_fmt(&p, masked, sizeof(masked)));
}

static int parse_mac(
	struct perr *e, const char *ctx, const char *what, const char *s, struct sl_mac *out)
{
	static const struct sl_mac zero;

	if (sl_mac_parse(s, out) < 0)
		return fail(
			e, "%s: bad %s '%s': expected xx:xx:xx:xx:xx:xx", ctx, what, shown(s).s);
	if (out->b[0] & 1)
		return fail(e, "%s: bad %s '%s': group (multicast) bit set, need a unicast MAC",
			ctx, what, s);
	if (memcmp(out, &zero, sizeof(zero)) == 0)
		return fail(e, "%s: bad %s '%s': all-zero MAC", ctx, what, s);
	return 0;
}

static int parse_host(
	struct perr *e, const char *ctx, const char *what, const char *s, struct sl_ip *out)
{
	const char *why;

	if (sl_ip_parse(s, out) < 0)
		return fail(e, "%s: bad %s '%s': expected an IPv4 or IPv6 address", ctx, what,
			shown(s).s);
	why = not_a_host(out);
	if (why != NULL)
		return fail(e, "%s: bad %s '%s': %s", ctx, what, s, why);
	return 0;
}

static int parse_ifaddr(struct perr *e, const char *s, struct sl_cmd_interface *ifc)
{
	struct sl_prefix p, net;
	const char *why;
	char buf[64];
	int rc;

	rc = parse_prefix(e, "interface", "address", s, false, &p);
	if (rc < 0)
		return rc;
	if (p.len == 0)
		return fail(e, "interface: bad address '%s': prefix length 0 is not a subnet", s);
	why = not_a_host(&p.addr);
	if (why != NULL)
		return fail(e, "interface: bad address '%s': %s", s, why);
	why = subnet_special(&p, &p.addr);
	if (why != NULL) {
		net = p;
		sl_prefix_mask(&net);
		return fail(e, "interface: bad address '%s': the %s address of %s", s, why,
			sl_prefix_fmt(&net, buf, sizeof(buf)));
	}
	for (unsigned int i = 0; i < ifc->n_addrs; i++)
		if (sl_ip_equal(&ifc->addrs[i].addr, &p.addr))
			return fail(e, "interface: address '%s' given twice", s);
	if (ifc->n_addrs == SL_IFACE_ADDRS_MAX)
		return fail(e, "interface: too many addresses (at most %d)", SL_IFACE_ADDRS_MAX);
	ifc->addrs[ifc->n_addrs++] = p;
	return 0;
}

static int parse_iface_value(
	struct perr *e, enum iface_kw k, const char *val, struct sl_cmd_interface *ifc)
{
	unsigned int v;

	switch (k) {
	case KW_DEVICE:
		if (!valid_device(val))
			return fail(e,
				"interface: bad device '%s': 1..%d printable characters, "
				"no spaces or '#'",
				shown(val).s, SL_DEVICE_MAX - 1);
		memcpy(ifc->device, val, strlen(val) + 1);
		return 0;
	case KW_VLAN:
		if (parse_uint(val, 1, VLAN_MAX, &v) < 0)
			return fail(e, "interface: bad vlan '%s': expected %s", shown(val).s,
				iface_values[k]);
		ifc->vlan = (uint16_t)v;
		return 0;
	case KW_ADDRESS:
		return parse_ifaddr(e, val, ifc);
	case KW_ROLE:
		if (strcmp(val, "inside") == 0)
			ifc->role = SL_ROLE_INSIDE;
		else if (strcmp(val, "outside") == 0)
			ifc->role = SL_ROLE_OUTSIDE;
		else
			return fail(e, "interface: bad role '%s': expected inside or outside",
				shown(val).s);
		return 0;
	case KW_MAC:
		ifc->has_mac = true;
		return parse_mac(e, "interface", "mac", val, &ifc->mac);
	case KW_MTU:
		if (parse_uint(val, MTU_MIN, MTU_MAX, &v) < 0)
			return fail(e, "interface: bad mtu '%s': expected %s", shown(val).s,
				iface_values[k]);
		ifc->mtu = (uint16_t)v;
		return 0;
	}
	return -EINVAL;
}

static int parse_interface(
	int argc, char *const argv[], struct sl_cmd_interface *ifc, struct perr *e)
{
	unsigned int seen = 0;
	const char *name;
	int rc;

	if (argc < 1)
		return fail(e, "interface: missing name (interface NAME device DEV ...)");
	name = argv[0];
	if (find_word(name, reserved_names) >= 0)
		return fail(e, "interface: missing name before '%s'", name);
	if (!valid_name(name))
		return fail(e, "interface: bad name '%s': %s", shown(name).s, NAME_RULE);
	memcpy(ifc->name, name, strlen(name) + 1);
	ifc->mtu = MTU_DEFAULT;
	for (int i = 1; i < argc; i += 2) {
		const char *kw = argv[i];
		int k = find_word(kw, iface_keywords);

		if (k < 0)
			return fail_unknown(e, "interface", "keyword", kw, iface_keywords);
		if (k != KW_ADDRESS && (seen & 1u << k))
			return fail(e, "interface: '%s' given twice", kw);
		seen |= 1u << k;
		if (i + 1 >= argc)
			return fail(e, "interface: '%s' needs %s", kw, iface_values[k]);
		if (find_word(argv[i + 1], iface_keywords) >= 0)
			return fail(e, "interface: '%s' needs %s before '%s'", kw, iface_values[k],
				argv[i + 1]);
		rc = parse_iface_value(e, (enum iface_kw)k, argv[i + 1], ifc);
		if (rc < 0)
			return rc;
	}
	if (!(seen & 1u << KW_DEVICE))
		return fail(e, "interface: missing 'device DEV' for '%s'", name);
	if (ifc->mtu < MTU_IPV6_MIN) {
		for (unsigned int i = 0; i < ifc->n_addrs; i++)
			if (ifc->addrs[i].addr.family == SL_AF_INET6)
				return fail(e,
					"interface: mtu %u is below the IPv6 minimum %d, "
					"but '%s' has an IPv6 address",
					ifc->mtu, MTU_IPV6_MIN, name);
	}
	return 0;
}

static int parse_route_add(int argc, char *const argv[], struct sl_cmd_route *r, struct perr *e)
{
	const char *ctx = "route add";
	unsigned int seen = 0;
	char pfx[64];
	int rc;

	for (int i = 0; i < argc; i += 2) {
		const char *kw = argv[i], *val;
		int k = find_word(kw, route_keywords);

		if (k < 0)
			return fail_unknown(e, ctx, "keyword", kw, route_keywords);
		if (seen & 1u << k)
			return fail(e, "%s: '%s' given twice", ctx, kw);
		seen |= 1u << k;
		if (i + 1 >= argc)
			return fail(e, "%s: '%s' needs %s", ctx, kw, route_values[k]);
		val = argv[i + 1];
		if (find_word(val, route_keywords) >= 0)
			return fail(
				e, "%s: '%s' needs %s before '%s'", ctx, kw, route_values[k], val);
		if (k == KW_DEV) {
			if (!valid_name(val))
				return fail(e, "%s: bad interface name '%s': %s", ctx, shown(val).s,
					NAME_RULE);
			memcpy(r->dev, val, strlen(val) + 1);
			continue;
		}
		if (k == KW_PROTO) {
			if (strcmp(val, "kernel") != 0 && strcmp(val, "static") != 0)
				return fail(e, "%s: bad proto '%s': expected %s", ctx, shown(val).s,
					route_values[k]);
			r->kernel = strcmp(val, "kernel") == 0;
			continue;
		}
		rc = parse_host(e, ctx, "gateway", val, &r->via);
		if (rc < 0)
			return rc;
		if (r->via.family != r->prefix.addr.family)
			return fail(e, "%s: gateway '%s' is %s but prefix %s is %s", ctx, val,
				family_name(r->via.family),
				sl_prefix_fmt(&r->prefix, pfx, sizeof(pfx)),
				family_name(r->prefix.addr.family));
		r->has_via = true;
	}
	if ((seen & ((1u << KW_VIA) | (1u << KW_DEV))) == 0)
		return fail(e, "%s: missing 'via GATEWAY' or 'dev IFACE'", ctx);
	return 0;
}

/* route sync kernel table N */
static int parse_route_sync(int argc, char *const argv[], struct sl_cmd *c, struct perr *e)
{
	unsigned int table;

	if (argc < 1 || strcmp(argv[0], "kernel") != 0)
		return fail(e, "route sync: expected 'kernel' (route sync kernel table N)");
	if (argc < 2 || strcmp(argv[1], "table") != 0)
		return fail(e, "route sync kernel: expected 'table N'");
	if (argc < 3)
		return fail(e, "route sync kernel table: missing table number 1..4294967295");
	if (parse_uint(argv[2], 1, UINT32_MAX, &table) < 0)
		return fail(e,
			"route sync kernel table: bad table '%s': expected a number 1..4294967295",
			shown(argv[2]).s);
	if (argc > 3)
		return fail(e, "route sync: unexpected word '%s'", shown(argv[3]).s);
	c->type = SL_CMD_NONE;
	c->sync.table = table;
	return 0;
}

static int parse_route(int argc, char *const argv[], struct sl_cmd *c, struct perr *e)
{
	const char *ctx;
	int rc;

	if (argc < 1)
		return fail(e, "route: missing 'add' or 'del'");
	switch (find_word(argv[0], route_actions)) {
	case 0:
		c->type = SL_CMD_ROUTE_ADD;
		ctx = "route add";
		break;
	case 1:
		c->type = SL_CMD_ROUTE_DEL;
		ctx = "route del";
		break;
	case 2:
		return parse_route_sync(argc - 1, argv + 1, c, e);
	default:
		return fail_unknown(e, "route", "action", argv[0], route_actions);
	}
	if (argc < 2)
		return fail(e, "%s: missing prefix", ctx);
	rc = parse_prefix(e, ctx, "prefix", argv[1], true, &c->route.prefix);
	if (rc < 0)
		return rc;
	if (c->type == SL_CMD_ROUTE_ADD)
		return parse_route_add(argc - 2, argv + 2, &c->route, e);
	if (argc > 2)
		return fail(
			e, "%s: unexpected word '%s' (route del PREFIX)", ctx, shown(argv[2]).s);
	return 0;
}

static int parse_neigh(
	int argc, char *const argv[], const char *spelling, struct sl_cmd *c, struct perr *e)
{
	unsigned int seen = 0;
	char ctx[16];
	int rc;

	if (argc < 1)
		return fail(e, "%s: missing 'add' or 'del'", spelling);
	switch (find_word(argv[0], actions)) {
	case 0:
		c->type = SL_CMD_NEIGH_ADD;
		break;
	case 1:
		c->type = SL_CMD_NEIGH_DEL;
		break;
	default:
		return fail_unknown(e, spelling, "action", argv[0], actions);
	}
	snprintf(ctx, sizeof(ctx), "%s %s", spelling, argv[0]);
	if (argc < 2)
		return fail(e, "%s: missing address", ctx);
	rc = parse_host(e, ctx, "address", argv[1], &c->neigh.ip);
	if (rc < 0)
		return rc;
	for (int i = 2; i < argc; i += 2) {
		const char *kw = argv[i], *val;
		int k = find_word(kw, neigh_keywords);

		if (k < 0)
			return fail_unknown(e, ctx, "keyword", kw,
				c->type == SL_CMD_NEIGH_ADD ? neigh_keywords : neigh_del_keywords);
		if (k == KW_LLADDR && c->type == SL_CMD_NEIGH_DEL)
			return fail(e, "%s: 'lladdr' is not used with del (%s del IP dev IFACE)",
				ctx, spelling);
		if (seen & 1u << k)
			return fail(e, "%s: '%s' given twice", ctx, kw);
		seen |= 1u << k;
		if (i + 1 >= argc)
			return fail(e, "%s: '%s' needs %s", ctx, kw, neigh_values[k]);
		val = argv[i + 1];
		if (find_word(val, neigh_keywords) >= 0)
			return fail(
				e, "%s: '%s' needs %s before '%s'", ctx, kw, neigh_values[k], val);
		if (k == KW_LLADDR) {
			rc = parse_mac(e, ctx, "lladdr", val, &c->neigh.mac);
			if (rc < 0)
				return rc;
			continue;
		}
		if (!valid_name(val))
			return fail(
				e, "%s: bad interface name '%s': %s", ctx, shown(val).s, NAME_RULE);
		memcpy(c->neigh.dev, val, strlen(val) + 1);
	}
	if (c->type == SL_CMD_NEIGH_ADD && !(seen & 1u << KW_LLADDR))
		return fail(e, "%s: missing 'lladdr MAC'", ctx);
	if (!(seen & 1u << KW_NDEV))
		return fail(e, "%s: missing 'dev IFACE'", ctx);
	return 0;
}

static int parse_show(int argc, char *const argv[], struct sl_cmd_show *s, struct perr *e)
{
	for (int i = 0; i < argc; i++) {
		int k;

		if (strcmp(argv[i], "--json") == 0) {
			if (s->json)
				return fail(e, "show: '--json' given twice");
			s->json = true;
			continue;
		}
		if (s->what != 0)
			return fail(e, "show: unexpected word '%s'", shown(argv[i]).s);
		k = find_word(argv[i], show_items);
		if (k < 0)
			return fail_unknown(e, "show", "item", argv[i], show_items);
		s->what = show_whats[k];
	}
	if (s->what == 0)
		return fail(
			e, "show: missing what to show (interfaces, routes, neighbors or stats)");
	return 0;
}

static int parse_clear(int argc, char *const argv[], struct sl_cmd_show *s, struct perr *e)
{
	static const char *const items[] = {"stats", NULL};

	if (argc < 1)
		return fail(e, "clear: missing what to clear (stats)");
	if (find_word(argv[0], items) < 0)
		return fail_unknown(e, "clear", "item", argv[0], items);
	if (argc > 1)
		return fail(e, "clear stats: unexpected word '%s'", shown(argv[1]).s);
	s->what = SL_SHOW_STATS;
	s->clear = true;
	return 0;
}

static int parse_trace(int argc, char *const argv[], struct sl_cmd_show *s, struct perr *e)
{
	bool have_n = false;

	s->what = SL_SHOW_TRACE;
	for (int i = 0; i < argc; i++) {
		unsigned int n;

		if (strcmp(argv[i], "--json") == 0) {
			if (s->json)
				return fail(e, "trace: '--json' given twice");
			s->json = true;
			continue;
		}
		if (have_n)
			return fail(e, "trace: unexpected word '%s'", shown(argv[i]).s);
		if (parse_uint(argv[i], 1, SL_TRACE_COUNT_MAX, &n) < 0)
			return fail(e, "trace: bad count '%s': expected a number 1..%d",
				shown(argv[i]).s, SL_TRACE_COUNT_MAX);
		s->count = n;
		have_n = true;
	}
	if (!have_n)
		return fail(e, "trace: missing the number of packets (trace N)");
	return 0;
}

static int parse_words(int argc, char *const argv[], struct sl_cmd *c, struct perr *e)
{
	int rc;

	memset(c, 0, sizeof(*c));
	if (argc == 0)
		return 0;
	switch (find_word(argv[0], commands)) {
	case 0:
		c->type = SL_CMD_INTERFACE;
		rc = parse_interface(argc - 1, argv + 1, &c->iface, e);
		break;
	case 1:
		rc = parse_route(argc - 1, argv + 1, c, e);
		break;
	case 2:
	case 3:
		rc = parse_neigh(argc - 1, argv + 1, argv[0], c, e);
		break;
	case 4:
		c->type = SL_CMD_SHOW;
		rc = parse_show(argc - 1, argv + 1, &c->show, e);
		break;
	case 5:
		c->type = SL_CMD_SHOW;
		rc = parse_clear(argc - 1, argv + 1, &c->show, e);
		break;
	case 6:
		c->type = SL_CMD_SHOW;
		rc = parse_trace(argc - 1, argv + 1, &c->show, e);
		break;
	default:
		rc = sl_nat_cmd_parse(argc, argv, c, e->buf, e->len);
		if (rc == -ENOENT)
			rc = fail_unknown(e, "", "command", argv[0], commands);
		break;
	}
	if (rc < 0)
		memset(c, 0, sizeof(*c));
	return rc;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_control(char c)
{
	return (unsigned char)c < 0x20 || c == 0x7f;
}

static int parse_text(const char *line, size_t len, struct sl_cmd *c, struct perr *e)
{
	char buf[SL_LINE_MAX], *words[WORDS_MAX];
	size_t i = 0;
	int n = 0;

	memset(c, 0, sizeof(*c));
	if (len >= SL_LINE_MAX)
		return fail(e, "line too long (more than %d characters)", SL_LINE_MAX - 1);
	memcpy(buf, line, len);
	buf[len] = '\0';
	while (i < len && buf[i] != '#') {
		if (is_space(buf[i])) {
			buf[i++] = '\0';
			continue;
		}
		if (n == WORDS_MAX)
			return fail(e, "too many words (more than %d)", WORDS_MAX);
		words[n++] = &buf[i];
		for (; i < len && !is_space(buf[i]) && buf[i] != '#'; i++)
			if (is_control(buf[i]))
				return fail(e, "invalid character 0x%02x in column %zu",
					(unsigned char)buf[i], i + 1);
	}
	buf[i] = '\0';
	return parse_words(n, words, c, e);
}

int sl_cmd_parse_line(const char *line, struct sl_cmd *out, char *err, size_t errlen)
{
	struct perr e = {err, errlen};

	if (line == NULL) {
		memset(out, 0, sizeof(*out));
		return fail(&e, "no line");
	}
	return parse_text(line, strlen(line), out, &e);
}

int sl_cmd_parse_argv(int argc, char *const argv[], struct sl_cmd *out, char *err, size_t errlen)
{
	struct perr e = {err, errlen};

	memset(out, 0, sizeof(*out));
	if (argc < 0 || (argc > 0 && argv == NULL))
		return fail(&e, "no words");
	for (int i = 0; i < argc; i++) {
		if (argv[i] == NULL)
			return fail(&e, "word %d missing", i + 1);
		for (const char *p = argv[i]; *p != '\0'; p++)
			if (is_space(*p) || is_control(*p))
				return fail(&e,
					"word '%s' contains spaces or control characters; "
					"give each word as its own argument",
					shown(argv[i]).s);
	}
	return parse_words(argc, argv, out, &e);
}

int sl_cmd_list_append(struct sl_cmd_list *l, const struct sl_cmd *c, unsigned int line)
{
	if (l->n == l->cap) {
		unsigned int cap = l->cap != 0 ? l->cap * 2 : 16;
		struct sl_cmd *cmds;
		unsigned int *lines;

		if (cap <= l->cap)
			return -ENOMEM;
		cmds = reallocarray(l->cmds, cap, sizeof(*cmds));
		if (cmds == NULL)
			return -ENOMEM;
		l->cmds = cmds;
		lines = reallocarray(l->lines, cap, sizeof(*lines));
		if (lines == NULL)
			return -ENOMEM;
		l->lines = lines;
		l->cap = cap;
	}
	l->cmds[l->n] = *c;
	l->lines[l->n] = line;
	l->n++;
	return 0;
}

void sl_cmd_list_free(struct sl_cmd_list *l)
{
	free(l->cmds);
	free(l->lines);
	memset(l, 0, sizeof(*l));
}

/*
 * File-level checks. Lookups go through small hash sets whose slots refer back
 * to the parsed commands, so that files with many routes stay linear. A
 * reference packs (command index, address index, FIB entry kind).
 */
enum key_kind { KEY_NAME, KEY_DEVVLAN, KEY_FIB, KEY_NEIGH };

/*
 * What will sit in the FIB: an interface address gives its connected subnet,
 * itself as a host route and, for IPv4 /30 and shorter, the subnet broadcast
 * and the subnet's network address (dropped as a broadcast, RFC 1812
 * 4.2.3.1); a static route must not collide with any of them.
 */
enum fib_kind {
	FIB_CONNECTED = SL_ADDR_CONNECTED,
	FIB_HOST = SL_ADDR_LOCAL,
	FIB_BROADCAST = SL_ADDR_BROADCAST,
	FIB_NETWORK = SL_ADDR_NETWORK,
	FIB_STATIC = SL_ADDR_KINDS
};
#define FIB_KINDS 5

static const char *const fib_kind_names[] = {
	[FIB_CONNECTED] = "connected subnet",
	[FIB_HOST] = "address",
	[FIB_BROADCAST] = "subnet broadcast address",
	[FIB_NETWORK] = "subnet network address",
	[FIB_STATIC] = "route",
};

#define SLOT_EMPTY UINT32_MAX
#define SLOT_GONE  (UINT32_MAX - 1)

struct key {
	uint8_t b[SL_DEVICE_MAX + 2];
	size_t len;
};

struct slot {
	uint32_t hash;
	uint32_t ref;
};

struct keyset {
	enum key_kind kind;
	struct slot *slots;
	uint32_t cap, live, gone;
};

struct check {
	struct sl_cmd_list *l;
	struct keyset names, devvlans, fib, neighs;
	uint32_t *ifaces;
	uint32_t n_ifaces;
};

static uint32_t ref_make(uint32_t cmd, unsigned int addr, enum fib_kind kind)
{
	return (cmd * SL_IFACE_ADDRS_MAX + addr) * FIB_KINDS + kind;
}

static uint32_t ref_cmd(uint32_t ref)
{
	return ref / FIB_KINDS / SL_IFACE_ADDRS_MAX;
}

static unsigned int ref_addr(uint32_t ref)
{
	return ref / FIB_KINDS % SL_IFACE_ADDRS_MAX;
}

static enum fib_kind ref_kind(uint32_t ref)
{
	return (enum fib_kind)(ref % FIB_KINDS);
}

static void key_put(struct key *k, const void *p, size_t n)
{
	memcpy(k->b + k->len, p, n);
	k->len += n;
}

static void key_str(struct key *k, const char *s, size_t max)
{
	key_put(k, s, strnlen(s, max - 1));
	key_put(k, "", 1);
}

static void key_ip(struct key *k, const struct sl_ip *ip)
{
	key_put(k, &ip->family, 1);
	if (ip->family == SL_AF_INET)
		key_put(k, &ip->v4, sizeof(ip->v4));
	else
		key_put(k, ip->v6, sizeof(ip->v6));
}

static void key_prefix(struct key *k, const struct sl_prefix *p)
{
	key_ip(k, &p->addr);
	key_put(k, &p->len, 1);
}

/* The FIB prefix of @p kind that interface address @p a gives; false when it gives none. */
/* The FIB entry of @p kind that interface address @p a makes (sl_addr_routes). */
static bool derived_prefix(const struct sl_prefix *a, enum fib_kind kind, struct sl_prefix *out)
{
	struct sl_addr_route r[SL_ADDR_KINDS];
	unsigned int n = sl_addr_routes(a, r);

	*out = *a;
	for (unsigned int i = 0; i < n; i++)
		if (r[i].kind == (enum sl_addr_route_kind)kind) {
			*out = r[i].prefix;
			return true;
		}
	return false;
}

static void key_of(const struct sl_cmd_list *l, enum key_kind kind, uint32_t ref, struct key *k)
{
	const struct sl_cmd *c = &l->cmds[ref_cmd(ref)];
	struct sl_prefix p;

	k->len = 0;
	switch (kind) {
	case KEY_NAME:
		key_str(k, c->iface.name, SL_NAME_MAX);
		break;
	case KEY_DEVVLAN:
		key_str(k, c->iface.device, SL_DEVICE_MAX);
		key_put(k, &c->iface.vlan, sizeof(c->iface.vlan));
		break;
	case KEY_FIB:
		if (ref_kind(ref) == FIB_STATIC)
			p = c->route.prefix;
		else
			derived_prefix(&c->iface.addrs[ref_addr(ref)], ref_kind(ref), &p);
		key_prefix(k, &p);
		break;
	case KEY_NEIGH:
		key_ip(k, &c->neigh.ip);
		key_str(k, c->neigh.dev, SL_NAME_MAX);
		break;
	}
}

static uint32_t key_hash(const struct key *k)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < k->len; i++)
		h = (h ^ k->b[i]) * 16777619u;
	return h;
}

/* The slot holding @p k, else the slot where it would go (ref SLOT_EMPTY or SLOT_GONE). */
static struct slot *ks_slot(
	const struct keyset *ks, const struct sl_cmd_list *l, const struct key *k, uint32_t h)
{
	struct slot *free_slot = NULL;
	struct key other;

	for (uint32_t i = h & (ks->cap - 1);; i = (i + 1) & (ks->cap - 1)) {
		struct slot *s = &ks->slots[i];

		if (s->ref == SLOT_EMPTY)
			return free_slot != NULL ? free_slot : s;
		if (s->ref == SLOT_GONE) {
			if (free_slot == NULL)
				free_slot = s;
			continue;
		}
		if (s->hash != h)
			continue;
		key_of(l, ks->kind, s->ref, &other);
		if (other.len == k->len && memcmp(other.b, k->b, k->len) == 0)
			return s;
	}
}

static uint32_t ks_find(const struct keyset *ks, const struct sl_cmd_list *l, const struct key *k)
{
	struct slot *s;

	if (ks->cap == 0)
		return SLOT_EMPTY;
	s = ks_slot(ks, l, k, key_hash(k));
	return s->ref == SLOT_GONE ? SLOT_EMPTY : s->ref;
}

static int ks_grow(struct keyset *ks)
{
	uint32_t cap = 16;
	struct slot *slots;

	while (cap < (ks->live + 1) * 4)
		cap *= 2;
	slots = reallocarray(NULL, cap, sizeof(*slots));
	if (slots == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < cap; i++)
		slots[i].ref = SLOT_EMPTY;
	for (uint32_t i = 0; i < ks->cap; i++) {
		const struct slot *s = &ks->slots[i];
		uint32_t j = s->hash & (cap - 1);

		if (s->ref == SLOT_EMPTY || s->ref == SLOT_GONE)
			continue;
		while (slots[j].ref != SLOT_EMPTY)
			j = (j + 1) & (cap - 1);
		slots[j] = *s;
	}
	free(ks->slots);
	ks->slots = slots;
	ks->cap = cap;
	ks->gone = 0;
	return 0;
}

/* Callers look @p k up first: it is not in the set. */
static int ks_add(struct keyset *ks, const struct sl_cmd_list *l, const struct key *k, uint32_t ref)
{
	uint32_t h = key_hash(k);
	struct slot *s;

	if ((ks->live + ks->gone + 1) * 2 > ks->cap && ks_grow(ks) < 0)
		return -ENOMEM;
	s = ks_slot(ks, l, k, h);
	if (s->ref == SLOT_GONE)
		ks->gone--;
	s->hash = h;
	s->ref = ref;
	ks->live++;
	return 0;
}

static void ks_del(struct keyset *ks, const struct sl_cmd_list *l, const struct key *k)
{
	struct slot *s;

	if (ks->cap == 0)
		return;
	s = ks_slot(ks, l, k, key_hash(k));
	if (s->ref == SLOT_EMPTY || s->ref == SLOT_GONE)
		return;
	s->ref = SLOT_GONE;
	ks->live--;
	ks->gone++;
}

static unsigned int line_of(const struct check *ck, uint32_t ref)
{
	return ck->l->lines[ref_cmd(ref)];
}

static const struct sl_cmd_interface *iface_of(const struct check *ck, uint32_t ref)
{
	return &ck->l->cmds[ref_cmd(ref)].iface;
}

/* Describes what @p ref puts in the FIB, e.g. "connected subnet 10.0.0.0/24 of 'lan0'". */
static const char *fib_entry(const struct check *ck, uint32_t ref, char *buf, size_t len)
{
	char p[64];

	if (ref_kind(ref) == FIB_STATIC) {
		snprintf(buf, len, "route %s",
			sl_prefix_fmt(&ck->l->cmds[ref_cmd(ref)].route.prefix, p, sizeof(p)));
	} else {
		struct sl_prefix d;

		derived_prefix(&iface_of(ck, ref)->addrs[ref_addr(ref)], ref_kind(ref), &d);
		if (ref_kind(ref) == FIB_CONNECTED)
			sl_prefix_fmt(&d, p, sizeof(p));
		else
			sl_ip_fmt(&d.addr, p, sizeof(p));
		snprintf(buf, len, "%s %s of '%s'", fib_kind_names[ref_kind(ref)], p,
			iface_of(ck, ref)->name);
	}
	return buf;
}

static int check_iface_addrs(struct check *ck, uint32_t i, struct perr *e)
{
	const struct sl_cmd_interface *ifc = &ck->l->cmds[i].iface;
	char mine[128], theirs[128];
	struct sl_prefix p;
	struct key k;
	uint32_t old;

	for (unsigned int a = 0; a < ifc->n_addrs; a++) {
		/* Every interface may use the same link-local subnet and addresses. */
		if (sl_ip_is_link_local(&ifc->addrs[a].addr))
			continue;
		for (enum fib_kind kind = FIB_CONNECTED; kind < FIB_STATIC; kind++) {
			uint32_t ref = ref_make(i, a, kind);

			if (!derived_prefix(&ifc->addrs[a], kind, &p))
				continue;
			k.len = 0;
			key_prefix(&k, &p);
			old = ks_find(&ck->fib, ck->l, &k);
			if (old == SLOT_EMPTY) {
				if (ks_add(&ck->fib, ck->l, &k, ref) < 0)
					return out_of_memory(e);
				continue;
			}
			/* Secondary addresses share their subnet; subnets may share a
			 * broadcast or network address. */
			if (ref_kind(old) == kind &&
				(kind == FIB_BROADCAST || kind == FIB_NETWORK ||
					(kind == FIB_CONNECTED && ref_cmd(old) == i)))
				continue;
			fib_entry(ck, ref, mine, sizeof(mine));
			fib_entry(ck, old, theirs, sizeof(theirs));
			if (ref_kind(old) == kind && kind == FIB_HOST)
				return fail(e,
					"interface: %s is already assigned to '%s' (line %u)", mine,
					iface_of(ck, old)->name, line_of(ck, old));
			if (ref_kind(old) == kind && kind == FIB_CONNECTED)
				return fail(e,
					"interface: subnet %s of '%s' is already connected on '%s' "
					"(line %u)",
					sl_prefix_fmt(&p, theirs, sizeof(theirs)), ifc->name,
					iface_of(ck, old)->name, line_of(ck, old));
			if (ref_kind(old) == FIB_STATIC)
				return fail(e, "interface: %s is already a route (line %u)", mine,
					line_of(ck, old));
			return fail(e, "interface: %s clashes with the %s (line %u)", mine, theirs,
				line_of(ck, old));
		}
	}
	return 0;
}

static int check_interface(struct check *ck, uint32_t i, struct perr *e)
{
	const struct sl_cmd_interface *ifc = &ck->l->cmds[i].iface;
	uint32_t ref = ref_make(i, 0, 0), old;
	struct key k;

	k.len = 0;
	key_str(&k, ifc->name, SL_NAME_MAX);
	old = ks_find(&ck->names, ck->l, &k);
	if (old != SLOT_EMPTY)
		return fail(e, "interface: '%s' is already declared on line %u", ifc->name,
			line_of(ck, old));
	if (ks_add(&ck->names, ck->l, &k, ref) < 0)
		return out_of_memory(e);

	key_of(ck->l, KEY_DEVVLAN, ref, &k);
	old = ks_find(&ck->devvlans, ck->l, &k);
	if (old != SLOT_EMPTY && ifc->vlan == 0)
		return fail(e,
			"interface: device '%s' of '%s' already has an untagged interface "
			"'%s' (line %u); add 'vlan N' to one of them",
			ifc->device, ifc->name, iface_of(ck, old)->name, line_of(ck, old));
	if (old != SLOT_EMPTY)
		return fail(e,
			"interface: device '%s' vlan %u of '%s' is already used by '%s' "
			"(line %u)",
			ifc->device, ifc->vlan, ifc->name, iface_of(ck, old)->name,
			line_of(ck, old));
	if (ks_add(&ck->devvlans, ck->l, &k, ref) < 0)
		return out_of_memory(e);

	ck->ifaces[ck->n_ifaces++] = i;
	return check_iface_addrs(ck, i, e);
}

/* The interface named @p name declared before command @p i. */
static const struct sl_cmd_interface *need_iface(
	const struct check *ck, uint32_t i, const char *name, const char *ctx, struct perr *e)
{
	struct key k = {.len = 0};
	uint32_t ref;

	key_str(&k, name, SL_NAME_MAX);
	ref = ks_find(&ck->names, ck->l, &k);
	if (ref != SLOT_EMPTY)
		return iface_of(ck, ref);
	for (uint32_t j = i + 1; j < ck->l->n; j++) {
		const struct sl_cmd *c = &ck->l->cmds[j];

		if (c->type == SL_CMD_INTERFACE && strcmp(c->iface.name, name) == 0) {
			fail(e,
				"%s: interface '%s' is declared later, on line %u; declare "
				"interfaces before using them",
				ctx, name, ck->l->lines[j]);
			return NULL;
		}
	}
	fail(e, "%s: unknown interface '%s'", ctx, name);
	return NULL;
}

/* The interface declared so far with the longest connected subnet holding @p ip. */
static const struct sl_cmd_interface *iface_for(const struct check *ck, const struct sl_ip *ip)
{
	const struct sl_cmd_interface *best = NULL;
	int best_len = -1;

	for (uint32_t n = 0; n < ck->n_ifaces; n++) {
		const struct sl_cmd_interface *ifc = &ck->l->cmds[ck->ifaces[n]].iface;

		for (unsigned int a = 0; a < ifc->n_addrs; a++) {
			if (ifc->addrs[a].len > best_len &&
				sl_prefix_contains(&ifc->addrs[a], ip)) {
				best = ifc;
				best_len = ifc->addrs[a].len;
			}
		}
	}
	return best;
}

/* @p ip must be another host on a connected subnet of @p ifc (or IPv6 link-local). */
static int check_on_link(const struct check *ck, const struct sl_cmd_interface *ifc,
	const struct sl_ip *ip, const char *ctx, const char *what, struct perr *e)
{
	struct sl_prefix host = {.addr = *ip, .len = (uint8_t)family_bits(ip->family)};
	bool on_link = sl_ip_is_link_local(ip);
	char s[64], net[64];
	struct key k = {.len = 0};
	uint32_t ref;

	sl_ip_fmt(ip, s, sizeof(s));
	key_prefix(&k, &host);
	ref = ks_find(&ck->fib, ck->l, &k);
	if (ref != SLOT_EMPTY && ref_kind(ref) == FIB_HOST)
		return fail(e, "%s: %s %s is the address of interface '%s' itself", ctx, what, s,
			iface_of(ck, ref)->name);
	for (unsigned int a = 0; a < ifc->n_addrs; a++) {
		const struct sl_prefix *p = &ifc->addrs[a];
		const char *special;
		struct sl_prefix m = *p;

		if (!sl_prefix_contains(p, ip))
			continue;
		on_link = true;
		if (sl_ip_equal(&p->addr, ip))
			return fail(e, "%s: %s %s is the address of interface '%s' itself", ctx,
				what, s, ifc->name);
		special = subnet_special(p, ip);
		if (special != NULL && ip->family == SL_AF_INET) {
			sl_prefix_mask(&m);
			return fail(e, "%s: %s %s is the %s address of %s on '%s'", ctx, what, s,
				special, sl_prefix_fmt(&m, net, sizeof(net)), ifc->name);
		}
	}
	if (!on_link)
		return fail(e, "%s: %s %s is not on a connected subnet of '%s'", ctx, what, s,
			ifc->name);
	return 0;
}

static bool has_family(const struct sl_cmd_interface *ifc, uint8_t family)
{
	for (unsigned int a = 0; a < ifc->n_addrs; a++)
		if (ifc->addrs[a].addr.family == family)
			return true;
	return false;
}

static int check_route_add(struct check *ck, uint32_t i, struct perr *e)
{
	struct sl_cmd_route *r = &ck->l->cmds[i].route;
	const struct sl_cmd_interface *ifc = NULL;
	char ctx[80], pfx[64], via[64], what[128];
	struct key k = {.len = 0};
	uint32_t old;
	int rc;

	sl_prefix_fmt(&r->prefix, pfx, sizeof(pfx));
	snprintf(ctx, sizeof(ctx), "route add %s", pfx);
	if (r->dev[0] != '\0') {
		ifc = need_iface(ck, i, r->dev, ctx, e);
		if (ifc == NULL)
			return -EINVAL;
	}
	if (r->has_via) {
		sl_ip_fmt(&r->via, via, sizeof(via));
		if (ifc == NULL && sl_ip_is_link_local(&r->via))
			return fail(e, "%s: link-local gateway %s needs 'dev IFACE'", ctx, via);
		if (ifc == NULL) {
			ifc = iface_for(ck, &r->via);
			if (ifc == NULL)
				return fail(e,
					"%s: gateway %s is not on a connected subnet of any "
					"interface declared so far",
					ctx, via);
			memcpy(r->dev, ifc->name, sizeof(r->dev));
		}
		rc = check_on_link(ck, ifc, &r->via, ctx, "gateway", e);
		if (rc < 0)
			return rc;
	} else if (r->prefix.addr.family == SL_AF_INET && !has_family(ifc, SL_AF_INET)) {
		return fail(e, "%s: interface '%s' has no IPv4 address", ctx, ifc->name);
	}

	key_prefix(&k, &r->prefix);
	old = ks_find(&ck->fib, ck->l, &k);
	if (old != SLOT_EMPTY && ref_kind(old) == FIB_STATIC)
		return fail(e, "%s: already added on line %u (remove it first with 'route del %s')",
			ctx, line_of(ck, old), pfx);
	if (old != SLOT_EMPTY)
		return fail(e, "%s: clashes with the %s (line %u)", ctx,
			fib_entry(ck, old, what, sizeof(what)), line_of(ck, old));
	if (ks_add(&ck->fib, ck->l, &k, ref_make(i, 0, FIB_STATIC)) < 0)
		return out_of_memory(e);
	return 0;
}

static int check_route_del(struct check *ck, uint32_t i, struct perr *e)
{
	const struct sl_cmd_route *r = &ck->l->cmds[i].route;
	struct key k = {.len = 0};
	char pfx[64], what[128];
	uint32_t old;

	sl_prefix_fmt(&r->prefix, pfx, sizeof(pfx));
	key_prefix(&k, &r->prefix);
	old = ks_find(&ck->fib, ck->l, &k);
	if (old == SLOT_EMPTY)
		return fail(e, "route del %s: no such route (not added earlier in this file)", pfx);
	if (ref_kind(old) != FIB_STATIC)
		return fail(e,
			"route del %s: that is the %s (line %u); change the interface instead", pfx,
			fib_entry(ck, old, what, sizeof(what)), line_of(ck, old));
	ks_del(&ck->fib, ck->l, &k);
	return 0;
}

static int check_neigh(struct check *ck, uint32_t i, struct perr *e)
{
	const struct sl_cmd *c = &ck->l->cmds[i];
	const struct sl_cmd_neigh *nb = &c->neigh;
	bool add = c->type == SL_CMD_NEIGH_ADD;
	const struct sl_cmd_interface *ifc;
	struct key k = {.len = 0};
	char ctx[80], ip[64];
	uint32_t old;
	int rc;

	snprintf(ctx, sizeof(ctx), "neighbor %s %s", add ? "add" : "del",
		sl_ip_fmt(&nb->ip, ip, sizeof(ip)));
	ifc = need_iface(ck, i, nb->dev, ctx, e);
	if (ifc == NULL)
		return -EINVAL;
	key_ip(&k, &nb->ip);
	key_str(&k, nb->dev, SL_NAME_MAX);
	old = ks_find(&ck->neighs, ck->l, &k);
	if (!add) {
		if (old == SLOT_EMPTY)
			return fail(e,
				"%s: no such neighbor on '%s' (not added earlier in this "
				"file)",
				ctx, nb->dev);
		ks_del(&ck->neighs, ck->l, &k);
		return 0;
	}
	rc = check_on_link(ck, ifc, &nb->ip, ctx, "address", e);
	if (rc < 0)
		return rc;
	if (old != SLOT_EMPTY)
		return fail(
			e, "%s: already added on '%s' on line %u", ctx, nb->dev, line_of(ck, old));
	if (ks_add(&ck->neighs, ck->l, &k, ref_make(i, 0, 0)) < 0)
		return out_of_memory(e);
	return 0;
}

/* The first word of an operational request, for messages. */
static const char *op_word(const struct sl_cmd_show *s)
{
	return s->clear ? "clear" : s->what == SL_SHOW_TRACE ? "trace" : "show";
}

static int check_command(struct check *ck, uint32_t i, struct perr *e)
{
	switch (ck->l->cmds[i].type) {
	case SL_CMD_INTERFACE:
		return check_interface(ck, i, e);
	case SL_CMD_ROUTE_ADD:
		return check_route_add(ck, i, e);
	case SL_CMD_ROUTE_DEL:
		return check_route_del(ck, i, e);
	case SL_CMD_NEIGH_ADD:
	case SL_CMD_NEIGH_DEL:
		return check_neigh(ck, i, e);
	case SL_CMD_SHOW:
		return fail(e, "%s: not a configuration command", op_word(&ck->l->cmds[i].show));
	case SL_CMD_NONE:
		for (uint32_t j = 0; sl_cmd_is_route_sync(&ck->l->cmds[i]) && j < i; j++)
			if (sl_cmd_is_route_sync(&ck->l->cmds[j]) &&
				ck->l->cmds[j].sync.table == ck->l->cmds[i].sync.table)
				return fail(e,
					"route sync kernel table %u: already given on line %u",
					ck->l->cmds[i].sync.table, ck->l->lines[j]);
		break;
	default:
		/* NAT words: checked against the gateway's state when applied */
		break;
	}
	return 0;
}

/* On error returns the index of the offending command in @p bad. */
static int check_list(struct sl_cmd_list *l, uint32_t *bad, struct perr *e)
{
	struct check ck = {
		.l = l,
		.names.kind = KEY_NAME,
		.devvlans.kind = KEY_DEVVLAN,
		.fib.kind = KEY_FIB,
		.neighs.kind = KEY_NEIGH,
	};
	int rc = 0;

	ck.ifaces = reallocarray(NULL, l->n + 1, sizeof(*ck.ifaces));
	if (ck.ifaces == NULL)
		return out_of_memory(e);
	for (uint32_t i = 0; i < l->n; i++) {
		rc = check_command(&ck, i, e);
		if (rc < 0) {
			*bad = i;
			break;
		}
	}
	free(ck.ifaces);
	free(ck.names.slots);
	free(ck.devvlans.slots);
	free(ck.fib.slots);
	free(ck.neighs.slots);
	return rc;
}

/* Collects a file's commands line by line, then checks them as a whole. */
struct builder {
	const char *name;
	bool batch; /* sl_cmd_list_load_batch: syntax only */
	struct sl_cmd_list list;
	unsigned int line;
	char msg[SL_ERR_MAX];
	struct perr e;
};

static void builder_init(struct builder *b, const char *name)
{
	memset(b, 0, sizeof(*b));
	b->name = name != NULL ? name : "<config>";
	b->e.buf = b->msg;
	b->e.len = sizeof(b->msg);
}

static int builder_line(struct builder *b, const char *s, size_t len)
{
	struct sl_cmd c;
	int rc;

	b->line++;
	rc = parse_text(s, len, &c, &b->e);
	if (rc < 0 || (c.type == SL_CMD_NONE && !sl_cmd_is_route_sync(&c)))
		return rc;
	if (b->batch && c.type == SL_CMD_SHOW)
		return fail(&b->e, "%s: not a configuration command", op_word(&c.show));
	if (b->batch && c.type == SL_CMD_NONE)
		return fail(&b->e, "route sync: only 'sluicectl daemon' handles it");
	if (b->list.n >= CMDS_MAX)
		return fail(&b->e, "too many commands");
	if (sl_cmd_list_append(&b->list, &c, b->line) < 0)
		return out_of_memory(&b->e);
	return 0;
}

static int builder_finish(
	struct builder *b, int rc, struct sl_cmd_list *out, char *err, size_t errlen)
{
	uint32_t bad = 0;

	if (rc == 0 && !b->batch) {
		rc = check_list(&b->list, &bad, &b->e);
		if (rc < 0 && bad < b->list.n)
			b->line = b->list.lines[bad];
	}
	if (rc < 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s:%u: %s", b->name, b->line, b->msg);
		sl_cmd_list_free(&b->list);
		return rc;
	}
	*out = b->list;
	return 0;
}

int sl_cmd_list_parse(
	const char *name, const char *text, struct sl_cmd_list *out, char *err, size_t errlen)
{
	struct builder b;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	builder_init(&b, name);
	while (text != NULL && *text != '\0') {
		const char *nl = strchr(text, '\n');
		size_t len = nl != NULL ? (size_t)(nl - text) : strlen(text);

		rc = builder_line(&b, text, len);
		if (rc < 0 || nl == NULL)
			break;
		text = nl + 1;
	}
	return builder_finish(&b, rc, out, err, errlen);
}

static int list_load(
	const char *path, bool batch, struct sl_cmd_list *out, char *err, size_t errlen)
{
	char line[SL_LINE_MAX];
	struct builder b;
	size_t len = 0;
	int rc = 0, ch;
	FILE *f;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "r");
	if (f == NULL) {
		rc = -errno;
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	builder_init(&b, path);
	b.batch = batch;
	errno = 0;
	/* Read with a bounded buffer: a huge or binary file must not grow memory unbounded. */
	while ((ch = getc(f)) != EOF) {
		if (ch == '\n') {
			rc = builder_line(&b, line, len);
			if (rc < 0)
				break;
			len = 0;
		} else if (len == SL_LINE_MAX - 1) {
			b.line++;
			rc = fail(&b.e, "line too long (more than %d characters)", SL_LINE_MAX - 1);
			break;
		} else {
			line[len++] = (char)ch;
		}
	}
	if (rc == 0 && ferror(f)) {
		rc = errno != 0 ? -errno : -EIO;
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		fclose(f);
		sl_cmd_list_free(&b.list);
		return rc;
	}
	fclose(f);
	if (rc == 0 && len > 0)
		rc = builder_line(&b, line, len);
	return builder_finish(&b, rc, out, err, errlen);
}

int sl_cmd_list_load(const char *path, struct sl_cmd_list *out, char *err, size_t errlen)
{
	return list_load(path, false, out, err, errlen);
}

int sl_cmd_list_load_batch(const char *path, struct sl_cmd_list *out, char *err, size_t errlen)
{
	return list_load(path, true, out, err, errlen);
}

/* Appends to a buffer, remembering truncation so that callers check once at the end. */
struct outbuf {
	char *buf;
	size_t len, pos;
	bool truncated;
};

__attribute__((format(printf, 2, 3))) static void put(struct outbuf *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->truncated)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->pos) {
		o->truncated = true;
		return;
	}
	o->pos += (size_t)n;
}

static void format_interface(struct outbuf *o, const struct sl_cmd_interface *ifc)
{
	char b[64];

	put(o, "interface %.*s device %.*s", (int)strnlen(ifc->name, SL_NAME_MAX - 1), ifc->name,
		(int)strnlen(ifc->device, SL_DEVICE_MAX - 1), ifc->device);
	if (ifc->vlan != 0)
		put(o, " vlan %u", ifc->vlan);
	for (unsigned int i = 0; i < ifc->n_addrs && i < SL_IFACE_ADDRS_MAX; i++)
		put(o, " address %s", sl_prefix_fmt(&ifc->addrs[i], b, sizeof(b)));
	if (ifc->role != SL_ROLE_NONE)
		put(o, " role %s", ifc->role == SL_ROLE_INSIDE ? "inside" : "outside");
	if (ifc->has_mac)
		put(o, " mac %s", sl_mac_fmt(&ifc->mac, b, sizeof(b)));
	if (ifc->mtu != MTU_DEFAULT)
		put(o, " mtu %u", ifc->mtu);
}

static void format_route(struct outbuf *o, const struct sl_cmd *c)
{
	const struct sl_cmd_route *r = &c->route;
	char b[64];

	put(o, "route %s %s", c->type == SL_CMD_ROUTE_ADD ? "add" : "del",
		sl_prefix_fmt(&r->prefix, b, sizeof(b)));
	if (c->type == SL_CMD_ROUTE_DEL)
		return;
	if (r->has_via)
		put(o, " via %s", sl_ip_fmt(&r->via, b, sizeof(b)));
	if (r->dev[0] != '\0')
		put(o, " dev %.*s", (int)strnlen(r->dev, SL_NAME_MAX - 1), r->dev);
	if (r->kernel)
		put(o, " proto kernel");
}

static void format_neigh(struct outbuf *o, const struct sl_cmd *c)
{
	const struct sl_cmd_neigh *nb = &c->neigh;
	char b[64];

	put(o, "neighbor %s %s", c->type == SL_CMD_NEIGH_ADD ? "add" : "del",
		sl_ip_fmt(&nb->ip, b, sizeof(b)));
	if (c->type == SL_CMD_NEIGH_ADD)
		put(o, " lladdr %s", sl_mac_fmt(&nb->mac, b, sizeof(b)));
	put(o, " dev %.*s", (int)strnlen(nb->dev, SL_NAME_MAX - 1), nb->dev);
}

static void format_show(struct outbuf *o, const struct sl_cmd_show *s)
{
	static const char *const names[] = {
		[SL_SHOW_INTERFACES] = "interfaces",
		[SL_SHOW_ROUTES] = "routes",
		[SL_SHOW_NEIGHBORS] = "neighbors",
		[SL_SHOW_STATS] = "stats",
	};
	const char *what = s->what >= SL_SHOW_INTERFACES && s->what <= SL_SHOW_STATS
				   ? names[s->what]
			   : s->what == SL_SHOW_SESSIONS ? "sessions"
							 : "?";

	if (s->what == SL_SHOW_TRACE)
		put(o, "trace %u%s", s->count, s->json ? " --json" : "");
	else if (s->clear)
		put(o, "clear %s", what);
	else
		put(o, "show %s%s", what, s->json ? " --json" : "");
}

int sl_cmd_format(const struct sl_cmd *c, char *buf, size_t len)
{
	struct outbuf o = {.buf = buf, .len = len};

	if (buf == NULL || len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	switch (c->type) {
	case SL_CMD_NONE:
		if (sl_cmd_is_route_sync(c))
			put(&o, "route sync kernel table %u", c->sync.table);
		break;
	case SL_CMD_INTERFACE:
		format_interface(&o, &c->iface);
		break;
	case SL_CMD_ROUTE_ADD:
	case SL_CMD_ROUTE_DEL:
		format_route(&o, c);
		break;
	case SL_CMD_NEIGH_ADD:
	case SL_CMD_NEIGH_DEL:
		format_neigh(&o, c);
		break;
	case SL_CMD_SHOW:
		format_show(&o, &c->show);
		break;
	default:
		return sl_nat_cmd_format(c, buf, len);
	}
	return o.truncated ? -ENOSPC : (int)o.pos;
}

static bool iface_equal(const struct sl_cmd_interface *a, const struct sl_cmd_interface *b)
{
	if (strncmp(a->name, b->name, SL_NAME_MAX) != 0 ||
		strncmp(a->device, b->device, SL_DEVICE_MAX) != 0 || a->vlan != b->vlan ||
		a->n_addrs != b->n_addrs || a->role != b->role || a->has_mac != b->has_mac ||
		a->mtu != b->mtu)
		return false;
	if (a->has_mac && memcmp(&a->mac, &b->mac, sizeof(a->mac)) != 0)
		return false;
	for (unsigned int i = 0; i < a->n_addrs && i < SL_IFACE_ADDRS_MAX; i++)
		if (!sl_prefix_equal(&a->addrs[i], &b->addrs[i]))
			return false;
	return true;
}

bool sl_cmd_equal(const struct sl_cmd *a, const struct sl_cmd *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case SL_CMD_NONE:
		return a->sync.table == b->sync.table;
	case SL_CMD_INTERFACE:
		return iface_equal(&a->iface, &b->iface);
	case SL_CMD_ROUTE_ADD:
	case SL_CMD_ROUTE_DEL:
		return sl_prefix_equal(&a->route.prefix, &b->route.prefix) &&
		       a->route.has_via == b->route.has_via &&
		       (!a->route.has_via || sl_ip_equal(&a->route.via, &b->route.via)) &&
		       strncmp(a->route.dev, b->route.dev, SL_NAME_MAX) == 0 &&
		       (a->type == SL_CMD_ROUTE_DEL || a->route.kernel == b->route.kernel);
	case SL_CMD_NEIGH_ADD:
	case SL_CMD_NEIGH_DEL:
		return sl_ip_equal(&a->neigh.ip, &b->neigh.ip) &&
		       strncmp(a->neigh.dev, b->neigh.dev, SL_NAME_MAX) == 0 &&
		       (a->type == SL_CMD_NEIGH_DEL ||
			       memcmp(&a->neigh.mac, &b->neigh.mac, sizeof(a->neigh.mac)) == 0);
	case SL_CMD_SHOW:
		return a->show.what == b->show.what && a->show.json == b->show.json &&
		       a->show.clear == b->show.clear && a->show.count == b->show.count;
	default:
		/* NAT commands are zero-filled plain data */
		return sl_cmd_is_nat(a->type) &&
		       memcmp(&a->nat_pool, &b->nat_pool,
			       sizeof(struct sl_cmd) - offsetof(struct sl_cmd, nat_pool)) == 0;
	}
	return false;
}
