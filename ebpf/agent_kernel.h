/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file agent_kernel.h
 * The live agent's side of the kernel (rtnetlink through libmnl, sysctls,
 * nftables): what sluice-xdp needs from the Linux stack that handles the
 * packets the XDP program passes (ARP/ND, the gateway's own addresses,
 * ICMP errors) and owns the neighbour table the program forwards with.
 *
 * Everything runs in the network namespace of the calling process.
 * Functions return 0 or -errno unless stated otherwise.
 */
#ifndef SLUICE_XDP_AGENT_KERNEL_H
#define SLUICE_XDP_AGENT_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sluice/addr.h>

/** Addresses the agent adds carry this IFA_PROTO value: it removes exactly
 * those at exit (and those a crashed run left behind). */
#define SL_KERN_IFA_PROTO 0x53

/** Name of the nftables table the agent installs (family inet). */
#define SL_KERN_NFT_TABLE "sluice"

struct sl_kern;

/** A kernel network device. */
struct sl_kern_link {
	uint32_t ifindex;
	uint8_t mac[6];
	uint16_t vlan;	 /**< 802.1Q id of a vlan device, else 0 */
	uint32_t parent; /**< ifindex the vlan device sits on, else 0 */
	uint32_t mtu;
	char name[16];
};

/** A neighbour entry, as dumped or notified. */
struct sl_kern_neigh {
	uint32_t ifindex;
	struct sl_ip ip;
	uint8_t mac[6];
	uint16_t state; /**< NUD_* */
	bool valid;	/**< mac usable (REACHABLE, STALE, DELAY, PROBE, PERMANENT, NOARP) */
	bool deleted;	/**< RTM_DELNEIGH */
};

typedef void (*sl_kern_neigh_fn)(void *arg, const struct sl_kern_neigh *n);

/** Open the request socket and the neighbour-event socket. */
int sl_kern_open(struct sl_kern **out, char *err, size_t errlen);
void sl_kern_close(struct sl_kern *k);

/** Find a device by name. -ENODEV if none. */
int sl_kern_link_by_name(struct sl_kern *k, const char *name, struct sl_kern_link *out);

/**
 * The vlan device with id @p vlan on device @p parent; with @p create, make
 * one named PARENT.VLAN (or vlVLANiPARENT when too long) if there is none,
 * and set *@p created. -ENODEV when none and not created.
 */
int sl_kern_vlan_dev(struct sl_kern *k, const struct sl_kern_link *parent, uint16_t vlan,
	bool create, struct sl_kern_link *out, bool *created);

/** Delete device @p ifindex (a vlan device the agent created). */
int sl_kern_link_del(struct sl_kern *k, uint32_t ifindex);

/** Set a device up. */
int sl_kern_link_up(struct sl_kern *k, uint32_t ifindex);

/**
 * Add address @p p (host bits kept: 192.168.1.1/24) to @p ifindex, tagged
 * SL_KERN_IFA_PROTO; IPv6 without DAD; @p noprefixroute: no connected route
 * (pool addresses). @return 0 (added), -EEXIST (already there) or -errno.
 */
int sl_kern_addr_add(
	struct sl_kern *k, uint32_t ifindex, const struct sl_prefix *p, bool noprefixroute);

/** Remove every address tagged SL_KERN_IFA_PROTO from @p ifindex. @return how many, or -errno. */
int sl_kern_addr_flush_ours(struct sl_kern *k, uint32_t ifindex);

/**
 * Ask the kernel to resolve @p ip on @p ifindex and keep it resolved (a
 * "managed" neighbour entry, NTF_EXT_MANAGED, Linux >= 5.16); an entry that
 * exists already is left alone.
 */
int sl_kern_neigh_managed(struct sl_kern *k, uint32_t ifindex, const struct sl_ip *ip);

/** Start resolving @p ip on @p ifindex once (NTF_USE). */
int sl_kern_neigh_use(struct sl_kern *k, uint32_t ifindex, const struct sl_ip *ip);

/** Call @p fn for every IPv4/IPv6 neighbour entry. */
int sl_kern_neigh_dump(struct sl_kern *k, sl_kern_neigh_fn fn, void *arg);

/** fd to poll for neighbour events. */
int sl_kern_events_fd(const struct sl_kern *k);

/**
 * Read the pending neighbour events (non-blocking) and call @p fn for each.
 * @return 0, or -ENOBUFS when events were lost (dump again), or -errno.
 */
int sl_kern_events_read(struct sl_kern *k, sl_kern_neigh_fn fn, void *arg);

/** Write @p val to /proc/sys/@p path (e.g. "net/ipv4/conf/eth0/forwarding"). */
int sl_kern_sysctl_set(const char *path, const char *val);
/** Read a small integer sysctl; -errno on error. */
int sl_kern_sysctl_get(const char *path, int *val);

/** Feed @p ruleset to `nft -f -`. @return 0, or -errno / -EIO with nft's status. */
int sl_kern_nft(const char *ruleset, char *err, size_t errlen);

#endif
