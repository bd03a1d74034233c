/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file addr.h
 * Address and prefix types shared by the grammar, the FIB and the protocol.
 * Addresses are kept in network byte order.
 */
#ifndef SLUICE_ADDR_H
#define SLUICE_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_AF_INET  4
#define SL_AF_INET6 6

/** An IPv4 or IPv6 address; for IPv4 only `v4` (network order) is meaningful. */
struct sl_ip {
	uint8_t family; /**< SL_AF_INET or SL_AF_INET6 */
	union {
		uint32_t v4;	/**< network byte order */
		uint8_t v6[16]; /**< network byte order */
	};
};

/** A prefix: address with host bits cleared, and its length. */
struct sl_prefix {
	struct sl_ip addr;
	uint8_t len;
};

struct sl_mac {
	uint8_t b[6];
};

/**
 * Parse "192.0.2.1" or "2001:db8::1".
 * @return 0, or -EINVAL.
 */
int sl_ip_parse(const char *s, struct sl_ip *out);

/**
 * Parse "192.0.2.0/24" or "2001:db8::/32". With @p strict, host bits set in
 * the address are an error (-EINVAL); without it they are kept (use for
 * interface addresses such as 192.168.1.1/24).
 * @return 0, or -EINVAL.
 */
int sl_prefix_parse(const char *s, bool strict, struct sl_prefix *out);

/** Parse "02:00:00:00:00:01". @return 0, or -EINVAL. */
int sl_mac_parse(const char *s, struct sl_mac *out);

/** Format into @p buf (at least 46 bytes). Returns @p buf. */
char *sl_ip_fmt(const struct sl_ip *ip, char *buf, size_t len);
/** "a.b.c.d/n" into @p buf (at least 50 bytes). Returns @p buf. */
char *sl_prefix_fmt(const struct sl_prefix *p, char *buf, size_t len);
/** "xx:xx:xx:xx:xx:xx" into @p buf (at least 18 bytes). Returns @p buf. */
char *sl_mac_fmt(const struct sl_mac *m, char *buf, size_t len);

/** Clear the host bits of @p p beyond its length. */
void sl_prefix_mask(struct sl_prefix *p);
/**
 * The directed broadcast address of IPv4 subnet @p p (its host bits all
 * ones, network order) into @p out. False for IPv6 and for a /31 or /32,
 * which have none (RFC 1812 4.2.3.1, RFC 3021).
 */
bool sl_prefix_bcast4(const struct sl_prefix *p, uint32_t *out);
/**
 * The network address {<Network-prefix>, 0} of IPv4 subnet @p p (its host
 * bits all zero, network order) into @p out: an obsolete broadcast form a
 * router discards or treats as a broadcast (RFC 1812 4.2.3.1). False for
 * IPv6 and for a /31 or /32, whose addresses are all hosts (RFC 3021).
 */
bool sl_prefix_net4(const struct sl_prefix *p, uint32_t *out);
/**
 * Why @p ip cannot be a gateway or neighbour on an interface with the
 * addresses @p addrs (@p n of them): NULL when it can (on one of their
 * subnets and none of them, nor a subnet's network or broadcast address:
 * IPv4 /30 and shorter, IPv6 /126 and shorter (its Subnet-Router anycast);
 * an IPv6 link-local address always can), else a phrase to follow the
 * address and precede the interface's name: "is not on a connected subnet
 * of", "is the address of", "is a subnet's network address on",
 * "is a subnet's broadcast address on".
 */
const char *sl_onlink_problem(
	const struct sl_prefix *addrs, unsigned int n, const struct sl_ip *ip);
/** A hash of @p p (family, length, address: FNV-1a), for prefix tables. */
uint32_t sl_prefix_hash(const struct sl_prefix *p);
/** True when @p ip lies inside @p p (same family). */
bool sl_prefix_contains(const struct sl_prefix *p, const struct sl_ip *ip);
/** True when both addresses are the same family and value. */
bool sl_ip_equal(const struct sl_ip *a, const struct sl_ip *b);
/** True when both prefixes have the same length and address (as stored). */
bool sl_prefix_equal(const struct sl_prefix *a, const struct sl_prefix *b);
/** True for an IPv6 link-local address (fe80::/10). */
bool sl_ip_is_link_local(const struct sl_ip *ip);

/** What an interface address's FIB entry is (see sl_addr_routes). */
enum sl_addr_route_kind {
	SL_ADDR_CONNECTED, /**< its subnet */
	SL_ADDR_LOCAL,	   /**< the address itself, /32 or /128 */
	SL_ADDR_BROADCAST, /**< the IPv4 subnet's broadcast address, /32 */
	SL_ADDR_NETWORK,   /**< the IPv4 subnet's {subnet, 0} address, /32 */
	SL_ADDR_KINDS
};

struct sl_addr_route {
	struct sl_prefix prefix;
	enum sl_addr_route_kind kind;
};

/**
 * The FIB entries interface address @p a makes, into @p out in this order:
 * its connected subnet (none for a /32 or /128, nor for an IPv6 link-local
 * subnet, which every interface has and nothing is forwarded to), its own
 * address, and for an IPv4 subnet of /30 or shorter its broadcast and
 * network addresses (RFC 1812 4.2.3.1; a /31 has none, RFC 3021).
 * Every backend and the configuration check derive them here.
 * @return how many (1 to SL_ADDR_KINDS).
 */
unsigned int sl_addr_routes(const struct sl_prefix *a, struct sl_addr_route out[SL_ADDR_KINDS]);

#endif
