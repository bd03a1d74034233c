/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file loader.h
 * Userspace side of the XDP backend (libbpf): open and load the XDP program
 * (ebpf/sluice.bpf.c, through its bpftool skeleton), translate parsed
 * configuration commands (include/sluice/config.h) into map contents, read
 * counters and NAT sessions back, expire sessions, and run the program over
 * single frames with BPF_PROG_TEST_RUN (replay, tests).
 *
 * Used by `sluice-xdp replay` and by the live agent. Map layouts:
 * include/sluice/xdp_abi.h. Interface slots are the order of `interface`
 * commands (slot 0 = the first), at most SL_XDP_IFACES_MAX.
 *
 * Every function returns 0 or -errno; those taking @p err write a one-line
 * message naming the problem there (err may be NULL).
 *
 * Concurrency: the program reads the maps while these functions update
 * them. Each map update is atomic per entry (LPM trie, hash); a route or
 * neighbour change is one entry. Functions on one struct sl_xdp must not be
 * called from two threads at once.
 */
#ifndef SLUICE_XDP_LOADER_H
#define SLUICE_XDP_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sluice/config.h>
#include <sluice/xdp_abi.h>

struct sl_xdp;

/** Options fixed at load time. */
struct sl_xdp_opts {
	bool replay;	       /**< offline: clock from sl_xdp_set_now, no DEVMAP redirect */
	uint32_t sessions_max; /**< NAT sessions; 0: 65536 in replay, 262144 live */
	uint64_t seed;	       /**< port allocation generator seed */
	const char *pin_dir;   /**< NULL: no pinning; else maps are pinned (and reused
				    when already pinned: sessions survive a restart) under
				    this bpffs directory, one file per map name */
};

/** Fill @p o with the defaults, and `nat sessions max` from @p cmds when given. */
void sl_xdp_opts_default(struct sl_xdp_opts *o, const struct sl_cmd_list *cmds, bool replay);

/**
 * Open and load the program (verifier included) with its maps.
 * @return 0 and *out, or -errno (e.g. -EPERM without CAP_BPF/CAP_NET_ADMIN)
 */
int sl_xdp_open(struct sl_xdp **out, const struct sl_xdp_opts *o, char *err, size_t errlen);

/** Unload: the program and unpinned maps go away. NULL is accepted. */
void sl_xdp_close(struct sl_xdp *x);

/** The XDP program's fd (for bpf_xdp_attach). */
int sl_xdp_prog_fd(const struct sl_xdp *x);

/** fd of map @p name ("sl_fib4", ...), or -ENOENT. */
int sl_xdp_map_fd(const struct sl_xdp *x, const char *name);

/**
 * Resolves an interface's device for sl_xdp_apply_config: set *ifindex (the
 * device's ifindex, or any unique number in replay) and, when the config
 * gives no MAC, *mac. Return 0 or -errno.
 */
typedef int (*sl_xdp_resolve_fn)(
	void *arg, const struct sl_cmd_interface *ifc, uint32_t *ifindex, uint8_t mac[6]);

/**
 * Apply a whole configuration (as sl_cmd_list_load gives it) in order:
 * interfaces (with their connected, local and broadcast routes), routes,
 * neighbours, NAT pool/forwards/filtering/timeouts/limits, MSS clamps.
 * `nat sessions max` is a load-time option (sl_xdp_opts) and ignored here.
 */
int sl_xdp_apply_config(struct sl_xdp *x, const struct sl_cmd_list *cmds, sl_xdp_resolve_fn resolve,
	void *arg, char *err, size_t errlen);

/**
 * Apply one command (the agent's runtime changes): interface (new slot),
 * route add/del, neighbour add/del, NAT and MSS-clamp commands. An
 * interface command needs @p resolve; others may pass NULL.
 */
int sl_xdp_apply(struct sl_xdp *x, const struct sl_cmd *c, sl_xdp_resolve_fn resolve, void *arg,
	char *err, size_t errlen);

/** Slot of interface @p name, or -ENOENT. */
int sl_xdp_iface_slot(const struct sl_xdp *x, const char *name);

/** Number of interfaces and the name of @p slot (NULL if none). */
unsigned int sl_xdp_iface_count(const struct sl_xdp *x);
/** The FIB maps' sizes in entries: @p cap[0] IPv4, @p cap[1] IPv6. */
void sl_xdp_fib_capacity(const struct sl_xdp *x, uint32_t cap[2]);
const char *sl_xdp_iface_name(const struct sl_xdp *x, unsigned int slot);

/** Device ifindex of @p slot (as resolved), 0 if none. */
uint32_t sl_xdp_iface_ifindex(const struct sl_xdp *x, unsigned int slot);

/**
 * Add or replace (is_static: never aged by the agent) / delete a neighbour
 * of @p slot; @p ip is IPv4 or IPv6. The live agent feeds the kernel's
 * neighbour table through these.
 */
int sl_xdp_neigh_set(struct sl_xdp *x, unsigned int slot, const struct sl_ip *ip,
	const uint8_t mac[6], bool is_static);
int sl_xdp_neigh_del(struct sl_xdp *x, unsigned int slot, const struct sl_ip *ip);
/** Has interface @p dev a neighbour entry (static or from the kernel) for @p ip? */
bool sl_xdp_neigh_exists(const struct sl_xdp *x, const char *dev, const struct sl_ip *ip);

/** Counters summed over CPUs. */
struct sl_xdp_stats {
	struct sl_xdp_counters c;
	uint64_t drop[SL_DROP_MAX];
};

int sl_xdp_read_stats(const struct sl_xdp *x, struct sl_xdp_stats *out);

/** Zero every counter. */
int sl_xdp_clear_stats(struct sl_xdp *x);

/**
 * Call @p fn for each NAT session (its dir-0 entry); stop when fn returns
 * non-zero (that value is returned).
 */
int sl_xdp_sessions_foreach(
	const struct sl_xdp *x, int (*fn)(void *arg, const struct sl_xdp_nat_sess *s), void *arg);

/** Idle timeout of session @p s under the current configuration, ns. */
uint64_t sl_xdp_session_timeout(const struct sl_xdp *x, const struct sl_xdp_nat_sess *s);

/**
 * Expire NAT sessions idle at @p now (ns of the program's clock): delete
 * them, recount mapping/host/filtering counts from the sessions left,
 * delete mappings without sessions (their outside port then cools down for
 * 120 s from the last session's idle end) and finished cool-downs.
 * @p next (may be NULL) gets the earliest time at which a session left
 * could expire (UINT64_MAX: none): calling again before then is useless.
 * @return the number of sessions expired, or -errno.
 */
int sl_xdp_nat_expire(struct sl_xdp *x, uint64_t now, uint64_t *next);

/**
 * Delete every NAT session whose mapping's outside endpoint is @p ext
 * (protocol without SL_XDP_PROTO_STATIC) and take them out of the host and
 * filtering counts: `nat forward del` ends the forward's sessions, as the
 * DPDK backend does.
 * @return the number of sessions deleted, or -errno.
 */
int sl_xdp_nat_sessions_del_ep(struct sl_xdp *x, const struct sl_xdp_nat_ep *ext);

/**
 * A number the program bumps whenever it creates a NAT session or changes
 * a TCP session's state (read without a system call): when it moved, a
 * session may expire as early as now + sl_xdp_nat_min_timeout().
 */
uint64_t sl_xdp_nat_generation(const struct sl_xdp *x);

/** The shortest configured NAT timeout, ns. */
uint64_t sl_xdp_nat_min_timeout(const struct sl_xdp *x);

/**
 * The program's clock now, ns (the times in the session maps): live,
 * jiffies as ns, offset to read as CLOCK_MONOTONIC_COARSE did at load;
 * in replay, the last sl_xdp_set_now().
 */
uint64_t sl_xdp_clock(const struct sl_xdp *x);

/* ---------- offline runs (replay, tests) ---------- */

/** Replay clock and ingress device for the next sl_xdp_run. */
void sl_xdp_set_now(struct sl_xdp *x, uint64_t now);

/**
 * Run the program once over @p frame (len bytes) as received on device
 * @p ifindex. The possibly rewritten frame goes to @p out (cap bytes,
 * *out_len set); *v gets the action and, on XDP_REDIRECT, the egress slot.
 */
int sl_xdp_run(struct sl_xdp *x, uint32_t ifindex, const void *frame, uint32_t len, void *out,
	uint32_t cap, uint32_t *out_len, struct sl_xdp_verdict *v);

/** Replay: the tag a frame held by the next sl_xdp_run keeps (sl_xdp_held.tag). */
void sl_xdp_set_tag(struct sl_xdp *x, uint64_t tag);

/**
 * Run held fragment @p h through the program again (as received on its
 * device, marked by SL_XDP_HELD_MAGIC metadata). Replay: as sl_xdp_run,
 * at the last sl_xdp_set_now(). Live: with BPF_F_TEST_XDP_LIVE_FRAMES, so
 * that the verdict is carried out (*v and *out_len are zeroed).
 */
int sl_xdp_run_held(struct sl_xdp *x, const struct sl_xdp_held *h, void *out, uint32_t cap,
	uint32_t *out_len, struct sl_xdp_verdict *v);

/** What sl_xdp_held_due() calls for each held fragment run again. */
typedef void (*sl_xdp_held_fn)(void *arg, const struct sl_xdp_held *h,
	const struct sl_xdp_verdict *v, const void *out, uint32_t out_len);

/**
 * Run again every held fragment that is due at @p now (ebpf/held.c): its
 * datagram's first fragment has come, its record is gone, or its until
 * has passed; with @p all, every one (the end of a replay). Datagram by
 * datagram, each in the order its fragments came; each is deleted once
 * run, and @p fn (may be NULL) gets its outcome.
 * @param next set to the earliest until of those left (UINT64_MAX: none)
 * @return how many were run, or -errno.
 */
int sl_xdp_held_due(
	struct sl_xdp *x, uint64_t now, bool all, sl_xdp_held_fn fn, void *arg, uint64_t *next);

#endif
