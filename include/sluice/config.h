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
 *   route del PREFIX
 *   neighbor add IP lladdr MAC dev IFACE      ("neighbour" also accepted)
 *   neighbor del IP dev IFACE
 *   show interfaces|routes|neighbors|stats [--json]
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
};

enum sl_show_what {
	SL_SHOW_INTERFACES = 1,
	SL_SHOW_ROUTES,
	SL_SHOW_NEIGHBORS,
	SL_SHOW_STATS,
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
};

struct sl_cmd_neigh {
	struct sl_ip ip;
	struct sl_mac mac; /**< add only */
	char dev[SL_NAME_MAX];
};

struct sl_cmd_show {
	enum sl_show_what what;
	bool json;
};

/** One parsed command. Plain data: safe to copy and to send over the wire. */
struct sl_cmd {
	enum sl_cmd_type type;
	union {
		struct sl_cmd_interface iface;
		struct sl_cmd_route route;
		struct sl_cmd_neigh neigh;
		struct sl_cmd_show show;
	};
};

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
