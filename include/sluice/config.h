/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file config.h
 * The configuration grammar: one command per line, `#` comments, the same
 * words as the `sluicectl` command line (SPEC §2). The grammar turns text
 * into typed commands (struct sl_cmd); it never applies anything. Backends
 * apply commands; a config file is applied only after every line parsed.
 *
 * Vocabulary handled here:
 *   interface NAME device DEV [vlan N] [address A/P]... [role inside|outside]
 *             [mac M] [mtu N]
 *   route add PREFIX via GW [dev IFACE]
 *   route add PREFIX dev IFACE
 *   route add PREFIX ... [proto kernel]       (a route mirrored from the kernel)
 *   route del PREFIX
 *   route sync kernel table N                  (sluicectl daemon: mirror kernel table N)
 *   neighbor add IP lladdr MAC dev IFACE      ("neighbour" also accepted)
 *   neighbor del IP dev IFACE
 *   show interfaces|routes|neighbors|sessions|stats [--json]
 *   clear stats
 *   trace N [--json]                           (the next N packets, stage by stage)
 *
 * `show`, `clear` and `trace` are operational requests, not configuration:
 * they parse to SL_CMD_SHOW (see struct sl_cmd_show). `route sync` is a
 * directive for the control-plane daemon, not for a backend: it parses to
 * SL_CMD_NONE with `sync.table` set, which backends ignore, so one config
 * file serves both `sluice-dp --config` and `sluicectl daemon --config`.
 */
#ifndef SLUICE_CONFIG_H
#define SLUICE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sluice/addr.h>

#define SL_NAME_MAX	   32  /**< interface name, including NUL */
#define SL_DEVICE_MAX	   128 /**< device string, including NUL */
#define SL_IFACE_ADDRS_MAX 8
#define SL_ERR_MAX	   256

enum sl_role {
	SL_ROLE_NONE = 0, /**< routed only, no NAT role */
	SL_ROLE_INSIDE,
	SL_ROLE_OUTSIDE,
};

enum sl_cmd_type {
	SL_CMD_NONE = 0,
	SL_CMD_INTERFACE,
	SL_CMD_ROUTE_ADD,
	SL_CMD_ROUTE_DEL,
	SL_CMD_NEIGH_ADD,
	SL_CMD_NEIGH_DEL,
	SL_CMD_SHOW,
	/* NAT44 and TCP MSS clamping (control/config_nat.c) */
	SL_CMD_NAT_POOL_ADD = 100,
	SL_CMD_NAT_POOL_DEL,
	SL_CMD_NAT_FORWARD_ADD,
	SL_CMD_NAT_FORWARD_DEL,
	SL_CMD_NAT_FILTERING,
	SL_CMD_NAT_TIMEOUT,
	SL_CMD_NAT_LIMIT,
	SL_CMD_NAT_SESSIONS_MAX,
	SL_CMD_MSS_CLAMP,
	SL_CMD_NAT_PORT_BLOCK, /**< nat.value = block size (0: off), nat.kind = blocks per host */
};

enum sl_show_what {
	SL_SHOW_INTERFACES = 1,
	SL_SHOW_ROUTES,
	SL_SHOW_NEIGHBORS,
	SL_SHOW_STATS,
	SL_SHOW_SESSIONS = 10,
	SL_SHOW_TRACE, /**< `trace N`: capture the next N packets */
};

#define SL_TRACE_COUNT_MAX 1024 /**< largest N of `trace N` */

/** Most port blocks one inside host may hold (nat port-block ... blocks-per-host M). */
#define SL_NAT_PB_HOST_MAX 8

enum sl_nat_filtering {
	SL_NAT_FILTER_APDF = 0, /**< address-and-port-dependent (default) */
	SL_NAT_FILTER_ADF,	/**< address-dependent */
	SL_NAT_FILTER_EIF,	/**< endpoint-independent */
};

enum sl_nat_timeout_kind {
	SL_NAT_TO_UDP = 0,
	SL_NAT_TO_TCP_EST,
	SL_NAT_TO_TCP_TRANS,
	SL_NAT_TO_ICMP,
	SL_NAT_TO_MAX,
};

/** nat pool add|del A/P [ports X-Y] */
struct sl_cmd_nat_pool {
	struct sl_prefix prefix;   /**< IPv4; host bits clear; /16 or longer */
	uint16_t port_lo, port_hi; /**< default 1024-65535 */
};

/** nat forward add|del tcp|udp PUB:PORT [to IN:PORT] */
struct sl_cmd_nat_forward {
	uint8_t proto;	   /**< 6 or 17 */
	uint32_t ext_ip;   /**< network order */
	uint16_t ext_port; /**< host order */
	uint32_t int_ip;   /**< add only */
	uint16_t int_port; /**< host order */
};

/** nat filtering M | nat timeout K N | nat limit sessions-per-host N |
 * nat sessions max N | tcp mss-clamp N dev IFACE |
 * nat port-block size N [blocks-per-host M] | nat port-block off */
struct sl_cmd_nat_param {
	uint32_t kind;	       /**< sl_nat_filtering or sl_nat_timeout_kind */
	uint32_t value;	       /**< seconds, count or MSS */
	char dev[SL_NAME_MAX]; /**< mss-clamp */
};

struct sl_cmd_interface {
	char name[SL_NAME_MAX];
	char device[SL_DEVICE_MAX];
	uint16_t vlan; /**< 0: untagged; 1..4094: 802.1Q VLAN id */
	uint8_t n_addrs;
	struct sl_prefix addrs[SL_IFACE_ADDRS_MAX]; /**< host bits kept: 192.168.1.1/24 */
	enum sl_role role;
	bool has_mac;
	struct sl_mac mac;
	uint16_t mtu; /**< default 1500; 68..9000 */
};

struct sl_cmd_route {
	struct sl_prefix prefix; /**< host bits must be clear */
	bool has_via;
	struct sl_ip via;      /**< same family as prefix */
	char dev[SL_NAME_MAX]; /**< empty: resolved from the connected route to `via` */
	bool kernel;	       /**< `proto kernel`: mirrored from a kernel table (origin kernel) */
};

struct sl_cmd_neigh {
	struct sl_ip ip;
	struct sl_mac mac; /**< add only */
	char dev[SL_NAME_MAX];
};

/** An operational request: `show WHAT`, `clear stats` or `trace N`. */
struct sl_cmd_show {
	enum sl_show_what what;
	bool json;
	bool clear;	/**< `clear stats`: what == SL_SHOW_STATS */
	uint32_t count; /**< `trace N`: what == SL_SHOW_TRACE, 1..SL_TRACE_COUNT_MAX */
};

/** `route sync kernel table N` (type SL_CMD_NONE, table != 0). */
struct sl_cmd_sync {
	uint32_t table; /**< Linux routing table id, 1..4294967295 */
};

/** One parsed command. Plain data: safe to copy and to send over the wire. */
struct sl_cmd {
	enum sl_cmd_type type;
	union {
		struct sl_cmd_interface iface;
		struct sl_cmd_route route;
		struct sl_cmd_neigh neigh;
		struct sl_cmd_show show;
		struct sl_cmd_nat_pool nat_pool;
		struct sl_cmd_nat_forward nat_fwd;
		struct sl_cmd_nat_param nat;
		struct sl_cmd_sync sync;
	};
};

/** True for the daemon directive `route sync kernel table N`. */
static inline bool sl_cmd_is_route_sync(const struct sl_cmd *c)
{
	return c->type == SL_CMD_NONE && c->sync.table != 0;
}

/**
 * NAT and MSS-clamp words (argv[0] is "nat" or "tcp"). Returns -ENOENT when
 * argv[0] is neither, else as sl_cmd_parse_line. Used by the grammar.
 */
int sl_nat_cmd_parse(int argc, char *const argv[], struct sl_cmd *c, char *err, size_t errlen);
/** Render a NAT/MSS command; -EINVAL if @p c is not one. */
int sl_nat_cmd_format(const struct sl_cmd *c, char *buf, size_t len);
/** NAT pool addresses in all, as both backends hold (SL_NAT_ADDRS_MAX, SL_XDP_POOL_ADDRS_MAX). */
#define SL_NAT_POOL_ADDRS_MAX 1024
/** The NAT timeouts' defaults, seconds, by enum sl_nat_timeout_kind (SPEC §1). */
extern const uint32_t sl_nat_timeout_default[];
/** The same pool: prefix and port range. */
bool sl_nat_pool_equal(const struct sl_cmd_nat_pool *a, const struct sl_cmd_nat_pool *b);
/** Forwards of the same outside endpoint (protocol, address, port). */
bool sl_nat_fwd_same_ext(const struct sl_cmd_nat_forward *a, const struct sl_cmd_nat_forward *b);

/** True if @p t is a NAT/MSS command type. */
static inline bool sl_cmd_is_nat(int t)
{
	return t >= SL_CMD_NAT_POOL_ADD && t <= SL_CMD_NAT_PORT_BLOCK;
}

/**
 * Parse one line. Empty lines and comment-only lines give SL_CMD_NONE and
 * return 0. On error, returns -EINVAL and writes a message naming the
 * problem (the offending word and what was expected) into @p err.
 */
int sl_cmd_parse_line(const char *line, struct sl_cmd *out, char *err, size_t errlen);

/**
 * Parse argv-style words (as sluicectl receives them). Same rules as
 * sl_cmd_parse_line.
 */
int sl_cmd_parse_argv(int argc, char *const argv[], struct sl_cmd *out, char *err, size_t errlen);
/*
 * Details of both parsers: keywords are case-sensitive; lines longer than
 * SL_LINE_MAX - 1 characters, control characters outside comments and more
 * than 64 words are errors; numbers are decimal without sign or leading zeros;
 * an interface name may not be a keyword (device, vlan, address, role, mac,
 * mtu, via, dev, lladdr); a device is 1..127 printable characters without
 * spaces or '#'; an interface address, gateway or neighbour must be a unicast
 * host address (not unspecified, loopback, multicast, 0.0.0.0/8 or
 * 255.255.255.255), and an interface address may not be the network address
 * of its subnet (IPv4 /30 and shorter, IPv6 /126 and shorter) nor the IPv4
 * broadcast address; an interface with an IPv6 address needs mtu >= 1280.
 * On error @p out is zeroed (SL_CMD_NONE). @p err may be NULL.
 */

/** A parsed file: commands in order, with the line each came from. */
struct sl_cmd_list {
	struct sl_cmd *cmds;
	unsigned int *lines;
	unsigned int n;
	unsigned int cap;
};

/**
 * Parse a whole file. Comments and empty lines are skipped. `show` commands
 * are rejected (they are not configuration). File-level checks are made
 * after all lines parse: interface names unique, a (device, vlan) pair used
 * once, `dev` words name interfaces declared in the file (or earlier in it),
 * route/neighbour address families match, each route's `via` on a
 * connected subnet when no `dev` is given.
 * On error returns -EINVAL (or -ENOENT/-EIO/-ENOMEM for the file itself)
 * with "FILE:LINE: problem" in @p err, and @p out left empty.
 *
 * In detail, in file order (the first problem found is reported):
 * - every line must parse (syntax errors are reported before the checks below);
 * - interface names are unique; (device, vlan) is unique, so a device has at
 *   most one untagged interface;
 * - each interface address (IPv6 link-local excepted) puts prefixes in the
 *   FIB: its connected subnet, itself as a host route and, for IPv4 /30 and
 *   shorter, the subnet broadcast address. These may not clash with those of
 *   another interface (the same address or connected subnet on two
 *   interfaces) nor with a `route add` of the same prefix; subnets may share
 *   a broadcast address, and secondary addresses may share a subnet;
 * - `dev IFACE` names an interface declared on an earlier line;
 * - a `via` gateway or a neighbour address lies on a connected subnet of its
 *   interface (IPv6 link-local fe80::/10 is always on-link) and is neither an
 *   address of the gateway itself nor the network or broadcast address of an
 *   IPv4 subnet of /30 or shorter; a link-local `via` needs `dev`;
 * - a route with `via` and no `dev` gets `dev` filled in: the interface whose
 *   connected subnet holding `via` is the longest;
 * - a `dev`-only IPv4 route needs an IPv4 address on that interface;
 * - `route add` of a prefix already added (and not deleted) earlier in the
 *   file is an error; `route del` must match an earlier `route add` of the
 *   same prefix ("no such route"), not an interface's prefix. The same holds
 *   for neighbours, keyed by (address, dev). Both the add and the del stay in
 *   the list, in order.
 * @p out need not be initialised: it is overwritten (never freed) on entry.
 */
int sl_cmd_list_load(const char *path, struct sl_cmd_list *out, char *err, size_t errlen);

/**
 * Load a batch for a running backend (`sluicectl -f FILE`): every line must
 * parse (errors "FILE:LINE: problem"), `show`/`clear`/`trace` lines are
 * rejected, but the file-level checks of sl_cmd_list_load are not made: the
 * file may name interfaces, routes and neighbours the backend already has,
 * and the backend checks the whole batch against its state before applying
 * any of it. Directives (route sync) are rejected too.
 */
int sl_cmd_list_load_batch(const char *path, struct sl_cmd_list *out, char *err, size_t errlen);

/**
 * Check the NAT and MSS-clamp commands of a start-up config (`sluicectl
 * check`) as both backends do when they start: the state is empty, so each
 * command is checked against the commands before it in @p l, which must have
 * passed sl_cmd_list_load. Refused, as the backends refuse them:
 * - `nat pool add` overlapping an earlier pool, or beyond
 *   SL_NAT_POOL_ADDRS_MAX pool addresses in all;
 * - `nat pool del` (removing a pool needs a restart);
 * - `nat forward add|del` whose outside address is in no earlier pool;
 * - `nat forward add` with the outside proto/address/port or the inside
 *   proto/address/port of a forward still in place (the same forward again,
 *   both endpoints equal, is a no-op, as in the backends);
 * - `nat forward del` of no forward in place;
 * - `tcp mss-clamp ... dev IFACE` with IFACE not declared on an earlier line.
 * @return 0, or -EINVAL with "NAME:LINE: problem" in @p err.
 */
int sl_nat_list_check(const struct sl_cmd_list *l, const char *name, char *err, size_t errlen);

/** Same as sl_cmd_list_load over an in-memory text (name used in messages). */
int sl_cmd_list_parse(
	const char *name, const char *text, struct sl_cmd_list *out, char *err, size_t errlen);

/** Append one command (copied). @return 0 or -ENOMEM. */
int sl_cmd_list_append(struct sl_cmd_list *l, const struct sl_cmd *c, unsigned int line);

/** Release a list's memory; leaves it empty and reusable. */
void sl_cmd_list_free(struct sl_cmd_list *l);

/** Render a command back into the grammar (for `show config`, logs, tests). */
int sl_cmd_format(const struct sl_cmd *c, char *buf, size_t len);
/*
 * sl_cmd_format writes canonical words (keywords in the order of the synopsis
 * above, `mtu` only when not 1500, "neighbor" spelling) so that parsing the
 * text gives back an equal command. SL_CMD_NONE renders as "".
 * @return the length of the text (without NUL); -ENOSPC when @p len is too
 * small (@p buf then holds a truncated, NUL-terminated text); -EINVAL for an
 * unknown command type.
 */

/** Longest line the grammar accepts, including the terminating NUL. */
#define SL_LINE_MAX 4096

/**
 * True when @p a and @p b are the same command; fields the type does not use
 * (and a neighbour's MAC for `del`) are ignored.
 */
bool sl_cmd_equal(const struct sl_cmd *a, const struct sl_cmd *b);

#endif
