/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file iface.h
 * Logical interfaces: a (port, VLAN) pair with addresses, MAC, MTU and a
 * NAT role. A port is one device (a DPDK ethdev live; a pcap wire in replay).
 * The table is written by the control path only while workers are quiescent
 * or before they start; the fast path reads it freely.
 */
#ifndef SLUICE_IFACE_H
#define SLUICE_IFACE_H

#include <stdbool.h>
#include <stdint.h>

#include <sluice/addr.h>
#include <sluice/config.h>

#define SL_IFACE_MAX  64
#define SL_PORT_MAX   32
#define SL_IFACE_NONE 0xffff
#define SL_VLAN_MAX   4096

struct sl_iface {
	bool in_use;
	uint16_t id;   /**< index in the table */
	uint16_t port; /**< index into the port table */
	uint16_t vlan; /**< 0: untagged */
	uint16_t mtu;
	uint16_t mss_clamp; /**< TCP MSS clamp for SYNs in or out, 0 = off */
	enum sl_role role;
	struct sl_mac mac;
	bool has_mac; /**< configured; otherwise taken from the port */
	uint8_t n_addrs;
	struct sl_prefix addrs[SL_IFACE_ADDRS_MAX];
	uint8_t ll6[16]; /**< fe80::/64 + modified EUI-64 of mac */
	char name[SL_NAME_MAX];
};

struct sl_port {
	bool in_use;
	uint16_t id;
	uint16_t eth_port; /**< DPDK port id (live); unused in replay */
	uint16_t untagged; /**< iface id or SL_IFACE_NONE */
	uint16_t n_ifaces;
	char device[SL_DEVICE_MAX];
	uint16_t vlan_iface[SL_VLAN_MAX]; /**< iface id per VLAN id, SL_IFACE_NONE */
};

struct sl_iface_table {
	struct sl_iface ifaces[SL_IFACE_MAX];
	struct sl_port ports[SL_PORT_MAX];
	uint16_t n_ifaces;
	uint16_t n_ports;
	/** Bit (a & 0xffff) set for every directed broadcast a (host order)
	 * of a connected IPv4 subnet: the fast path's filter before
	 * sl_iface_is_bcast4(). */
	uint64_t bcast4_bits[65536 / 64];
};

/** Empty table. */
void sl_iface_table_init(struct sl_iface_table *t);

/**
 * Add an interface from its command. The port is found by device string
 * (created on first use). Fails with -EEXIST (name or port/VLAN taken),
 * -ENOSPC (table full), -EINVAL (untagged twice on one device).
 */
int sl_iface_add(struct sl_iface_table *t, const struct sl_cmd_interface *c, struct sl_iface **out);

/** Find by name; NULL if absent. */
struct sl_iface *sl_iface_by_name(struct sl_iface_table *t, const char *name);

/** Logical interface for a frame on @p port with VLAN id @p vlan (0 untagged). */
static inline uint16_t sl_iface_lookup(const struct sl_iface_table *t, uint16_t port, uint16_t vlan)
{
	const struct sl_port *p = &t->ports[port];
	return vlan ? p->vlan_iface[vlan] : p->untagged;
}

/** Set the MAC (and the derived link-local address). */
void sl_iface_set_mac(struct sl_iface *i, const struct sl_mac *mac);

/**
 * The interface's IPv4 address to use as a source towards @p dst: the first
 * address whose subnet contains @p dst (network order), else the first IPv4
 * address. @return 0 and *out, or -ENOENT if the interface has none.
 */
int sl_iface_src4(const struct sl_iface *i, uint32_t dst, uint32_t *out);

/**
 * As sl_iface_src4 for IPv6: a global address whose prefix contains @p dst,
 * else (with @p any_global) the first global one, else the link-local.
 */
void sl_iface_src6(
	const struct sl_iface *i, const uint8_t dst[16], bool any_global, uint8_t out[16]);

/**
 * True when @p a (IPv4, host order) is the directed broadcast address of
 * one of the connected subnets, any interface (RFC 1812 4.2.3.1; a /31 or
 * /32 has none): not a valid source (RFC 1812 5.3.7, RFC 1122 3.2.1.3).
 */
bool sl_iface_is_bcast4(const struct sl_iface_table *t, uint32_t a);

/** sl_iface_is_bcast4() at the cost of one bit test for nearly every address. */
static inline bool sl_iface_bcast4_src(const struct sl_iface_table *t, uint32_t a)
{
	uint32_t h = a & 0xffff;

	if (__builtin_expect((t->bcast4_bits[h >> 6] >> (h & 63)) & 1, 0))
		return sl_iface_is_bcast4(t, a);
	return false;
}

/** True when @p addr (IPv4, network order) is one of the interface's. */
bool sl_iface_has4(const struct sl_iface *i, uint32_t addr);
/** True when @p addr is one of the interface's IPv6 addresses or its link-local. */
bool sl_iface_has6(const struct sl_iface *i, const uint8_t addr[16]);

#endif
