/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file xdp_abi.h
 * The XDP backend's ABI: every BPF map's key and value layout, shared by the
 * BPF program (ebpf/sluice.bpf.c) and its loader (ebpf/loader.c). Plain
 * __u32-style types only, no pointers, explicit padding: the same bytes on
 * both sides. Addresses and ports are in network byte order unless a field
 * says otherwise; times are nanoseconds of the program's clock (the replay
 * clock in replay; live, jiffies as ns, offset to read as
 * CLOCK_MONOTONIC_COARSE did when the program was loaded: sl_xdp_clock()).
 *
 * Maps (name: type, key -> value):
 *   sl_ifaces:     HASH      struct sl_xdp_iface_key -> __u32 slot
 *   sl_if_index:   ARRAY     ifindex (< SL_XDP_IFINDEX_FAST) -> __u32 slot + 1 of the
 *                            device's untagged interface (0: none; sl_ifaces then)
 *   sl_iface_info: ARRAY     slot -> struct sl_xdp_iface
 *   sl_tx_ports:   DEVMAP    slot -> egress device ifindex (live only)
 *   sl_fib4:       LPM_TRIE  struct sl_xdp_fib4_key -> struct sl_xdp_nexthop
 *   sl_fib6:       LPM_TRIE  struct sl_xdp_fib6_key -> struct sl_xdp_nexthop
 *   sl_neigh:      HASH      struct sl_xdp_neigh_key -> struct sl_xdp_neigh
 *   sl_config:     ARRAY     0 -> struct sl_xdp_config
 *   sl_counters:   PERCPU_ARRAY  0 -> struct sl_xdp_counters
 *   sl_drops:      PERCPU_ARRAY  reason (enum sl_drop_reason) -> __u64 packets
 *   sl_nat_pool:   ARRAY     index -> struct sl_xdp_pool_addr
 *   sl_nat_pool_idx: HASH    __u32 pool address -> __u32 index in sl_nat_pool
 *   sl_nat_sess:   HASH      struct sl_xdp_nat_tuple -> struct sl_xdp_nat_sess
 *   sl_nat_map_in: HASH      struct sl_xdp_nat_ep (inside endpoint) -> struct sl_xdp_nat_map
 *   sl_nat_map_out:HASH      struct sl_xdp_nat_ep (outside endpoint) -> struct sl_xdp_nat_map
 *   sl_nat_host:   HASH      __u32 inside address -> struct sl_xdp_nat_host
 *   sl_nat_cool:   HASH      struct sl_xdp_nat_ep (outside) -> __u64 cool-down end
 *   sl_nat_adf:    HASH      struct sl_xdp_nat_adf_key -> __u32 live sessions
 *   sl_nat_frag:   LRU_HASH  struct sl_xdp_frag_key -> struct sl_xdp_frag
 *   sl_nat_held:   HASH      struct sl_xdp_held_key -> struct sl_xdp_held (fragments
 *                            waiting for their first fragment)
 *   sl_icmp_rl:    ARRAY     slot -> struct sl_xdp_ratelimit (ICMP errors the
 *                            program sends itself, per ingress interface)
 *   sl_held_wake:  RINGBUF   struct sl_xdp_frag_key of a datagram whose held
 *                            fragments can go (live only: wakes the agent)
 *   sl_nat_blk:    HASH      struct sl_xdp_nat_blk_key -> struct sl_xdp_nat_blk (port
 *                            blocks assigned to hosts; nat port-block)
 * Static forwards are mappings with SL_XDP_PROTO_STATIC or'ed into the
 * protocol of both keys (as in the DPDK backend).
 */
#ifndef SLUICE_XDP_ABI_H
#define SLUICE_XDP_ABI_H

#include <linux/types.h>

#include <sluice/drop.h>
#include <sluice/nat_tcp.h>

#define SL_XDP_IFACES_MAX     64   /**< interface slots (sl_iface_info, sl_tx_ports) */
#define SL_XDP_POOL_ADDRS_MAX 1024 /**< NAT pool addresses */
#define SL_XDP_SLOT_NONE      0xffffffffu
#define SL_XDP_IFINDEX_FAST   4096 /**< sl_if_index covers ifindexes below this */
#define SL_XDP_PB_HOST_MAX    8	   /**< most port blocks per host (= SL_NAT_PB_HOST_MAX) */
#define SL_XDP_PROTO_STATIC   0x80 /**< or'ed into a static forward's mapping protocol */
#define SL_XDP_COOLDOWN_NS    (120ull * 1000000000ull)
#define SL_XDP_FRAG_NS	      (2ull * 1000000000ull)
#define SL_XDP_FRAG_HOLD      16   /**< early fragments held per datagram (= NAT_FRAG_HOLD) */
#define SL_XDP_FRAGS_HELD_MAX 256  /**< early fragments held in all (= NAT_FRAGS_HELD_MAX) */
#define SL_XDP_HELD_BYTES     3456 /**< largest frame held (run again live, it must fit a page) */
/** The metadata word (data_meta) of a held fragment run again (sl_xdp_held). */
#define SL_XDP_HELD_MAGIC 0x534c4844u

/** Interface roles (same values as enum sl_role). */
#define SL_XDP_ROLE_NONE    0
#define SL_XDP_ROLE_INSIDE  1
#define SL_XDP_ROLE_OUTSIDE 2

/** Key of sl_ifaces: the receiving device and the frame's VLAN (0: untagged). */
struct sl_xdp_iface_key {
	__u32 ifindex;
	__u16 vlan;
	__u16 pad;
};

/** One logical interface (a device, VLAN pair). */
struct sl_xdp_iface {
	__u8 mac[6];
	__u16 vlan;	 /**< host order; 0: untagged */
	__u16 mtu;	 /**< host order */
	__u16 mss_clamp; /**< host order; 0: off */
	__u8 role;	 /**< SL_XDP_ROLE_* */
	__u8 in_use;
	__u16 pad;
	__u32 ifindex; /**< device ifindex (the DEVMAP entry of this slot points at it) */
	__u32 v4;      /**< first IPv4 address, 0 if none */
	__u8 ll6[16];  /**< IPv6 link-local address (fe80:: + modified EUI-64) */
};

struct sl_xdp_fib4_key {
	__u32 prefixlen;
	__u32 addr;
};

struct sl_xdp_fib6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/** Next-hop types, the value of FIB entries. */
enum sl_xdp_nh_type {
	SL_XDP_NH_CONNECTED = 0, /**< on-link: the destination is the neighbour */
	SL_XDP_NH_GATEWAY,	 /**< via gw */
	SL_XDP_NH_LOCAL,	 /**< one of the gateway's addresses: XDP_PASS */
	SL_XDP_NH_BROADCAST,	 /**< a connected subnet's broadcast: dropped */
};

struct sl_xdp_nexthop {
	__u8 type; /**< enum sl_xdp_nh_type */
	__u8 pad[3];
	__u32 slot;  /**< egress interface slot */
	__u8 gw[16]; /**< SL_XDP_NH_GATEWAY: IPv4 in the first 4 bytes, or IPv6 */
};

/** Key of sl_neigh: an address on an interface. IPv4 in addr[0..3], rest 0. */
struct sl_xdp_neigh_key {
	__u32 slot;
	__u8 family; /**< 4 or 6 */
	__u8 pad[3];
	__u8 addr[16];
};

struct sl_xdp_neigh {
	__u8 mac[6];
	__u8 is_static;
	__u8 pad;
};

/** sl_config[0]: NAT policy and program options. Timeouts in ns. */
struct sl_xdp_config {
	__u8 nat_enabled;
	__u8 filtering; /**< enum sl_nat_filtering */
	__u16 n_pool_addrs;
	__u32 limit_per_host; /**< 0: none */
	__u32 sessions_max;   /**< sessions (a session uses two sl_nat_sess entries) */
	__u16 pb_size;	      /**< nat port-block size (ports per block); 0: off */
	__u8 pb_per_host;     /**< nat port-block blocks-per-host (<= SL_XDP_PB_HOST_MAX) */
	__u8 pad;
	__u64 timeout_ns[4]; /**< enum sl_nat_timeout_kind: udp, tcp-est, tcp-trans, icmp */
};

/** Global packet counters (sl_counters[0], per CPU). */
struct sl_xdp_counters {
	__u64 rx, forwarded, local;
	__u64 held; /**< fragments held (+1) and run again (-1): per CPU, sum them */
	__u64 if_rx[SL_XDP_IFACES_MAX], if_tx[SL_XDP_IFACES_MAX];
	__u64 if_rx_bytes[SL_XDP_IFACES_MAX], if_tx_bytes[SL_XDP_IFACES_MAX];
	__u64 nat_created;
};

/** One NAT pool address with the pool's port range (host order). */
struct sl_xdp_pool_addr {
	__u32 ip;
	__u16 lo, hi;
};

/** A packet's NAT tuple (the session key). ICMP echo: id is sport of a
 * request, dport of a reply. */
struct sl_xdp_nat_tuple {
	__u32 src, dst;
	__u16 sport, dport;
	__u8 proto;
	__u8 pad[3];
};

/* sl_xdp_nat_sess.tcp: the SL_NAT_* flags of sluice/nat_tcp.h */

/**
 * A session is stored twice in sl_nat_sess, under t[0] (the packet that
 * created it, dir 0) and t[1] (the reply, dir 1). A packet matching t[d] is
 * rewritten to the reverse of t[!d]. Each entry's last_seen is the last
 * packet of its direction (the session's idle time counts from the later
 * of the two); tcp is the session's TCP state, kept in both entries.
 */
struct sl_xdp_nat_sess {
	struct sl_xdp_nat_tuple t[2];
	__u64 last_seen;
	__u64 created;
	__u8 dir;	 /**< which tuple this entry's key is */
	__u8 tcp;	 /**< SL_NAT_* (dir 0 entry) */
	__u8 inside_dir; /**< which tuple holds the inside host as source */
	__u8 is_static;	 /**< created by a static forward */
	__u32 pad;
	/** Forwarding cache of the packets matching this entry's key (each
	 * entry its own): valid while fwd_gen equals the program's sl_fwd_gen,
	 * which the loader bumps on every interface, route or neighbour change. */
	__u64 fwd_gen;
	union {
		struct {
			__u8 mac[6]; /**< next-hop MAC */
			__u16 slot;  /**< egress interface slot */
		} fwd;
		__u64 fwd_word; /**< the same 8 bytes, read and written at once */
	};
};

/** A mapping endpoint key: (protocol [| SL_XDP_PROTO_STATIC], address, port). */
struct sl_xdp_nat_ep {
	__u32 ip;
	__u16 port;
	__u8 proto;
	__u8 pad;
};

/** A mapping: inside endpoint <-> outside endpoint. n_sessions counts live
 * sessions (incremented by the program, decremented by the expiry). */
struct sl_xdp_nat_map {
	__u32 int_ip, ext_ip;
	__u16 int_port, ext_port;
	__u32 n_sessions;
};

struct sl_xdp_nat_host {
	__u32 addr; /**< paired pool address index */
	__u32 n_sessions;
	__u8 n_blk; /**< port blocks held on addr (nat port-block) */
	__u8 pad[3];
	__u16 blk[SL_XDP_PB_HOST_MAX]; /**< their numbers (block b: ports lo + b*size ...) */
};

/** Key of sl_nat_blk: port block @p blk of pool address @p addr (index). */
struct sl_xdp_nat_blk_key {
	__u32 addr;
	__u32 blk;
};

/** An assigned port block: its host, and since when (the expiry leaves a
 * block alone for a second after its assignment: its first port may be
 * on its way). */
struct sl_xdp_nat_blk {
	__u32 host;
	__u32 pad;
	__u64 since;
};

/** Address-dependent filtering: sessions of outside endpoint ep with remote. */
struct sl_xdp_nat_adf_key {
	struct sl_xdp_nat_ep ep;
	__u32 remote;
};

/** A first fragment's translation, keyed by the datagram as received. */
struct sl_xdp_frag_key {
	__u32 src, dst;
	__u16 id;
	__u8 proto;
	__u8 pad;
};

/**
 * A datagram crossing NAT in fragments. Made by its first fragment, or by
 * the first of its later fragments to come before it (have_first 0: those
 * wait in sl_nat_held until the first fragment decides, or until).
 */
struct sl_xdp_frag {
	__u32 src, dst;	 /**< translated addresses */
	__u64 until;	 /**< forgotten after this time (from the record's making) */
	__u8 translate;	 /**< the first fragment was translated (src, dst valid) */
	__u8 dropped;	 /**< the first fragment was dropped ... */
	__u8 why;	 /**< ... under this reason: so are the later ones */
	__u8 have_first; /**< the first fragment came: the fields above hold */
	__u8 held;	 /**< fragments of it were held */
	__u8 pad[3];
};

/** A token bucket of ICMP errors (sluice-dp's, include/sluice/slowpath.h:
 * SL_ICMP_RATE_PER_S, burst SL_ICMP_BURST). */
struct sl_xdp_ratelimit {
	__u64 tokens;
	__u64 last; /**< ns */
	__u64 started;
};

/** A held fragment: its datagram and its place in the order they came. */
struct sl_xdp_held_key {
	struct sl_xdp_frag_key fk;
	__u32 idx; /**< 0 .. SL_XDP_FRAG_HOLD - 1, in arrival order */
};

/**
 * A fragment that came before its first fragment, held whole. Run through
 * the program again (BPF_PROG_TEST_RUN with SL_XDP_HELD_MAGIC as 8 bytes of
 * metadata; live with BPF_F_TEST_XDP_LIVE_FRAMES, as received on ifindex)
 * when the first fragment has come (sl_xdp_frag.have_first) or at until:
 * then it takes the first fragment's fate, or is dropped as
 * nat-fragment-unmatched.
 */
struct sl_xdp_held {
	__u64 until; /**< its datagram record's until */
	__u64 tag;   /**< replay: sl_replay_tag when it came (its input and index) */
	__u32 ifindex;
	__u32 len;
	__u8 data[SL_XDP_HELD_BYTES];
};

/** The program's clock sample (global sl_clock, written by the
 * never-attached XDP program sl_clock_sample): the kernel's CONFIG_HZ (0:
 * unknown), jiffies, CLOCK_MONOTONIC_COARSE and the program's clock, ns,
 * read together. */
struct sl_xdp_clock {
	__u64 jiffies;
	__u64 coarse_ns;
	__u64 now; /**< the program's own clock (sl_clock_now()) */
	__u32 hz;
	__u32 pad;
};

/** What the program decided for the last packet (the replay reads it). */
struct sl_xdp_verdict {
	__u32 action;	/**< XDP_* */
	__u32 out_slot; /**< egress slot on XDP_REDIRECT */
	__u8 held;	/**< the packet was held (sl_nat_held; action XDP_DROP) */
	__u8 release;	/**< a first fragment came: its datagram's held ones can go */
	__u8 pad[6];
	__u64 until; /**< held: when it is dropped unless released before */
};

#endif
