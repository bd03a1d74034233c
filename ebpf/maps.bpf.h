/* SPDX-License-Identifier: BSD-3-Clause */
/* The XDP program's maps and globals (layouts: include/sluice/xdp_abi.h).
 * Sizes here are defaults; the loader resizes the NAT tables before load. */
#ifndef SL_MAPS_BPF_H
#define SL_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include <sluice/rng.h>
#include <sluice/xdp_abi.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4 * SL_XDP_IFACES_MAX);
	__type(key, struct sl_xdp_iface_key);
	__type(value, __u32);
} sl_ifaces SEC(".maps");

/* the untagged interfaces by ifindex: an array lookup instead of a hash */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_XDP_IFINDEX_FAST);
	__type(key, __u32);
	__type(value, __u32);
} sl_if_index SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_XDP_IFACES_MAX);
	__type(key, __u32);
	__type(value, struct sl_xdp_iface);
} sl_iface_info SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, SL_XDP_IFACES_MAX);
	__type(key, __u32);
	__type(value, __u32);
} sl_tx_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 131072);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sl_xdp_fib4_key);
	__type(value, struct sl_xdp_nexthop);
} sl_fib4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sl_xdp_fib6_key);
	__type(value, struct sl_xdp_nexthop);
} sl_fib6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct sl_xdp_neigh_key);
	__type(value, struct sl_xdp_neigh);
} sl_neigh SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_xdp_config);
} sl_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_xdp_counters);
} sl_counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sl_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_XDP_POOL_ADDRS_MAX);
	__type(key, __u32);
	__type(value, struct sl_xdp_pool_addr);
} sl_nat_pool SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_XDP_POOL_ADDRS_MAX);
	__type(key, __u32);
	__type(value, __u32);
} sl_nat_pool_idx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sl_xdp_nat_tuple);
	__type(value, struct sl_xdp_nat_sess);
} sl_nat_sess SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sl_xdp_nat_ep);
	__type(value, struct sl_xdp_nat_map);
} sl_nat_map_in SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sl_xdp_nat_ep);
	__type(value, struct sl_xdp_nat_map);
} sl_nat_map_out SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct sl_xdp_nat_host);
} sl_nat_host SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sl_xdp_nat_ep);
	__type(value, __u64);
} sl_nat_cool SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sl_xdp_nat_adf_key);
	__type(value, __u32);
} sl_nat_adf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct sl_xdp_frag_key);
	__type(value, struct sl_xdp_frag);
} sl_nat_frag SEC(".maps");

/* fragments that came before their first fragment: at most
 * SL_XDP_FRAGS_HELD_MAX in all (an insert into a full map fails) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_XDP_FRAGS_HELD_MAX);
	__type(key, struct sl_xdp_held_key);
	__type(value, struct sl_xdp_held);
} sl_nat_held SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, SL_XDP_IFACES_MAX);
	__type(key, __u32);
	__type(value, struct sl_xdp_ratelimit);
} sl_icmp_rl SEC(".maps");

/* where a fragment to hold is put together (too big for the stack) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_xdp_held);
} sl_held_scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} sl_held_wake SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct sl_xdp_nat_blk_key);
	__type(value, struct sl_xdp_nat_blk);
} sl_nat_blk SEC(".maps");

/* Runtime constant: set by the loader before load. */
const volatile __u8 sl_replay = 0; /* 1: offline replay (no DEVMAP, clock below) */

/* Globals in .bss (arrays and writable values never go to .rodata: clang 14). */
__u64 sl_now;		 /* replay clock, ns: written before every run */
__u32 sl_replay_ifindex; /* replay: the device the next frame arrives on */
__u64 sl_replay_tag;	 /* replay: the next frame's input and index (sl_xdp_held.tag) */
__u64 sl_rng;		 /* sl_rng_next()'s state (sluice/rng.h), seeded by the loader */
__u64 sl_nat_gen;	 /* bumped on session creation / TCP state change */
__u64 sl_fwd_gen;	 /* forwarding state version (sessions' caches): the loader's */
/* bit (a & 0xffff) of every connected subnet's directed broadcast a (host
 * order): the filter before the FIB says whether a source is one */
__u64 sl_bcast4_bits[65536 / 64];
__u32 sl_next_addr;		  /* round-robin of pool addresses for new hosts */
struct sl_xdp_verdict sl_verdict; /* the last packet's decision (replay) */

/*
 * The live clock: jiffies (bpf_jiffies64(), which the verifier inlines to
 * one load) x sl_ns_per_jiffy + sl_clock_off, set by the loader from
 * sl_clock_sample so that it reads as CLOCK_MONOTONIC_COARSE did at load.
 * bpf_ktime_get_coarse_ns(), the same tick-grained time, is a helper call
 * (on a host with return-thunk mitigations, every return costs). While
 * sl_ns_per_jiffy is 0 (the kernel's HZ unknown), that helper is the clock.
 */
__u64 sl_ns_per_jiffy;
__u64 sl_clock_off;
struct sl_xdp_clock sl_clock; /* sl_clock_sample's output */
extern const unsigned int CONFIG_HZ __kconfig __weak;

/* The program's clock, ns: the pcap's in replay. */
static __always_inline __u64 sl_clock_now(void)
{
	__u64 m = sl_ns_per_jiffy;

	if (sl_replay)
		return sl_now;
	if (m)
		return bpf_jiffies64() * m + sl_clock_off;
	return bpf_ktime_get_coarse_ns();
}

#endif
