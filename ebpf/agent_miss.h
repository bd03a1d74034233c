/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file agent_miss.h
 * Next-hop misses: the XDP program passes a packet whose next hop has no
 * entry in sl_neigh to the kernel, which (forwarding guarded off by the
 * agent's nftables table) does not resolve it. The agent watches what is
 * passed on each device (an AF_PACKET socket with a filter: IPv4/IPv6,
 * received only), looks the destination up in the program's FIB and asks
 * the kernel to resolve a missing next hop (NTF_USE); the answer reaches
 * sl_neigh through the neighbour sync.
 */
#ifndef SLUICE_XDP_AGENT_MISS_H
#define SLUICE_XDP_AGENT_MISS_H

#include <stdint.h>

#include <sluice/addr.h>

#include "loader.h"

/** One passed packet's missing next hop. */
struct sl_miss {
	unsigned int slot;
	struct sl_ip nh;
};

/** Open a watching socket on device @p ifindex. @return fd or -errno. */
int sl_miss_open(uint32_t ifindex);

/**
 * Read what is pending on @p fd (non-blocking); for each packet whose next
 * hop (looked up in @p x's FIB) has no neighbour entry, call @p fn.
 */
void sl_miss_read(
	int fd, const struct sl_xdp *x, void (*fn)(void *arg, const struct sl_miss *m), void *arg);

#endif
