/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file drop.h
 * The one list of reasons a packet is dropped.
 *
 * Every packet sluice receives ends in exactly one outcome: forwarded,
 * answered/consumed by the gateway, or dropped under exactly one of these
 * reasons. The X-macro yields the enum (SL_DROP_*), the names printed by
 * `show stats` / replay, and the size of every per-worker counter array.
 * The XDP backend uses the same list for its per-CPU counter slots.
 *
 * X(ENUM_SUFFIX, "name", "description")
 */
#ifndef SLUICE_DROP_H
#define SLUICE_DROP_H

#define SL_DROP_REASONS(X)                                                                        \
	X(TRUNCATED, "truncated", "frame shorter than its Ethernet/VLAN header")                  \
	X(OVERSIZE, "oversize", "frame longer than the receive buffer (max MTU + L2 header)")     \
	X(L2_NOT_FOR_US, "l2-not-for-us",                                                         \
		"destination MAC is neither ours, broadcast nor a multicast we accept")           \
	X(VLAN_QINQ, "vlan-qinq", "stacked VLAN tags (QinQ) are not supported")                   \
	X(NO_INTERFACE, "no-interface", "no logical interface for this port/VLAN")                \
	X(UNSUPPORTED_ETHERTYPE, "unsupported-ethertype",                                         \
		"EtherType that is neither IPv4, IPv6 nor ARP")                                   \
	X(BAD_IP_HEADER, "bad-ip-header",                                                         \
		"IP header invalid: version, IHL, length vs frame, checksum")                     \
	X(SOURCE_ROUTE, "ip-source-route", "IPv4 LSRR/SSRR option present")                       \
	X(BAD_IP_OPTIONS, "bad-ip-options", "IPv4 option list malformed")                         \
	X(MARTIAN, "martian-address", "source or destination address never valid on the wire")    \
	X(IP_BROADCAST, "ip-broadcast", "limited or directed broadcast is not forwarded")         \
	X(IP_MULTICAST, "ip-multicast", "multicast is not routed")                                \
	X(LINK_LOCAL, "link-local-not-forwarded",                                                 \
		"link-local source or destination is never forwarded")                            \
	X(TTL_EXCEEDED, "ttl-exceeded", "TTL or hop limit expired in transit")                    \
	X(NO_ROUTE, "no-route", "no FIB entry for the destination")                               \
	X(NO_NEIGHBOUR, "no-neighbour",                                                           \
		"next hop did not resolve (ARP/ND failed or still pending at exit)")              \
	X(NEIGH_QUEUE_FULL, "neigh-queue-full", "hold queue of an unresolved next hop is full")   \
	X(NEIGH_TABLE_FULL, "neigh-table-full", "no free neighbour entry")                        \
	X(MTU_EXCEEDED, "mtu-exceeded",                                                           \
		"larger than the egress MTU and not fragmentable (DF or IPv6)")                   \
	X(FRAG_FAILED, "frag-failed", "fragmentation failed (no buffers)")                        \
	X(BAD_ARP, "bad-arp", "malformed or unsupported ARP")                                     \
	X(ARP_IGNORED, "arp-ignored", "ARP not addressed to us and not about a known neighbour")  \
	X(BAD_ICMP, "bad-icmp", "ICMP/ICMPv6 to the gateway malformed or with a bad checksum")    \
	X(ND_IGNORED, "nd-ignored",                                                               \
		"neighbour discovery message not for us or not handled (RS/RA/redirect)")         \
	X(LOCAL_UNHANDLED, "local-unhandled",                                                     \
		"addressed to the gateway but no local service handles it")                       \
	X(SLOWPATH_FULL, "slowpath-full", "slow-path queue full")                                 \
	X(TX_FULL, "tx-full", "NIC transmit queue full")                                          \
	X(NO_MBUF, "no-mbuf", "no buffer for a packet the gateway had to build")                  \
	X(NAT_NO_SESSION, "nat-no-session",                                                       \
		"inbound on an outside interface matching no NAT session or forward")             \
	X(NAT_PORT_EXHAUSTED, "nat-port-exhausted", "no free outside port for a new NAT mapping") \
	X(NAT_SESSION_LIMIT, "nat-session-limit", "per-host or global NAT session limit reached") \
	X(NAT_FRAG_UNMATCHED, "nat-fragment-unmatched",                                           \
		"NAT: a non-first fragment whose first fragment never came (or no room to hold "  \
		"it)")                                                                            \
	X(NAT_UNSUPPORTED, "nat-unsupported-protocol",                                            \
		"NAT: protocol other than TCP, UDP, ICMP echo/errors crossing inside to outside") \
	X(BAD_L4_HEADER, "bad-l4-header",                                                         \
		"TCP/UDP/ICMP header truncated in a packet to translate")                         \
	X(SHUTDOWN, "shutdown", "still queued inside the gateway when it stopped")

enum sl_drop_reason {
#define SL_X_ENUM(e, n, d) SL_DROP_##e,
	SL_DROP_REASONS(SL_X_ENUM)
#undef SL_X_ENUM
		SL_DROP_MAX
};

/** Printable name of a drop reason ("bad-ip-header"); "?" if out of range. */
const char *sl_drop_name(unsigned int reason);
/** One-line description of a drop reason. */
const char *sl_drop_desc(unsigned int reason);

#endif
