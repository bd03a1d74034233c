/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file nat.h
 * NAT44 (NAPT): sessions, endpoint-independent mappings, paired address
 * pooling, port allocation, static forwards, filtering, timeouts, limits.
 * Behaviour: README "NAT44 behaviour, exactly".
 *
 * A session holds two tuples: t[0] as the initiating packet arrived, t[1]
 * as a reply arrives. A packet matching t[d] is rewritten to the reverse of
 * t[!d] (source = t[!d].dst, destination = t[!d].src, ports likewise), so
 * SNAT, DNAT and hairpin (both) are one rule.
 *
 * Concurrency: one rte_hash (RW_CONCURRENCY_LF) maps both tuples to
 * (session << 1 | direction); workers look it up without locks and write
 * only a session's last-seen time and TCP flags. Creation and deletion take
 * the NAT lock (creation runs on the worker that saw the first packet;
 * expiry on the slow-path thread); deleted keys and session slots are
 * reclaimed after an RCU grace period (rte_hash_rcu_qsbr_add).
 */
#ifndef SLUICE_NAT_H
#define SLUICE_NAT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_spinlock.h>

#include <sluice/config.h>
#include <sluice/drop.h>

struct rte_hash;
struct rte_rcu_qsbr;

#define SL_NAT_NONE	   UINT32_MAX
#define SL_NAT_POOLS_MAX   16
#define SL_NAT_ADDRS_MAX   1024
#define SL_NAT_COOLDOWN_NS (120ull * 1000000000ull) /* RFC 6888 REQ-8 spirit */
#define SL_NAT_DEFER_SLOTS 1024 /**< session slots waiting for an RCU grace period */
#define SL_NAT_FRAG_NS	   (2ull * 1000000000ull)

/* TCP flags seen, per direction */
#define SL_NAT_SYN0   0x01
#define SL_NAT_SYN1   0x02
#define SL_NAT_FIN0   0x04
#define SL_NAT_FIN1   0x08
#define SL_NAT_RST    0x10
#define SL_NAT_PICKUP 0x20 /**< created from a non-SYN segment: counts as established */

/** Hash key: a packet's addresses and ports (network order). 16 bytes. */
struct sl_nat_tuple {
	uint32_t src, dst;
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t pad[3];
};

struct sl_nat_session {
	struct sl_nat_tuple t[2];
	uint64_t last_seen; /**< ns; written by workers */
	uint64_t created;
	uint32_t mapping;      /**< SL_NAT_NONE for a static forward's session */
	uint32_t host;	       /**< inside host entry, SL_NAT_NONE if none */
	uint32_t next;	       /**< next session of the same mapping / free list */
	uint32_t hprev, hnext; /**< the inside host's sessions */
	uint8_t tcp;	       /**< SL_NAT_* flags */
	uint8_t in_use;
	uint8_t inside_dir; /**< which tuple holds the inside host as source */
	uint8_t pad;
};

struct sl_nat_mapping {
	uint32_t int_ip, ext_ip;
	uint16_t int_port, ext_port;
	uint8_t proto;
	uint8_t in_use;
	uint16_t addr; /**< pool address index */
	uint32_t n_sessions;
	uint32_t sessions; /**< first session (list through sl_nat_session.next) */
	uint64_t end;	   /**< latest idle end of a session already removed, ns */
};

struct sl_nat_host {
	uint32_t ip;
	uint16_t addr;	/**< paired pool address */
	uint8_t listed; /**< on the reuse list (had no session) */
	uint32_t n_sessions;
	uint32_t sessions; /**< first of the host's sessions (hprev/hnext list) */
};

/** One pool address: per-protocol port bitmaps (1 = in use or cooling down). */
struct sl_nat_addr {
	uint32_t ip;
	uint16_t lo, hi;
	uint64_t *used[3]; /**< TCP, UDP, ICMP */
	uint32_t n_free[3];
};

struct sl_nat_cooldown {
	uint64_t until;
	uint16_t addr;
	uint16_t port;
	uint8_t pclass;
};

struct sl_nat_stats {
	uint64_t created, expired, mappings, port_fallbacks;
};

struct sl_nat {
	bool enabled; /**< a pool exists */
	rte_spinlock_t lock;
	struct rte_rcu_qsbr *qsv;
	struct rte_hash *sess_h;
	struct sl_nat_session *sess;
	uint32_t max_sessions;
	uint32_t n_slots; /**< max_sessions + SL_NAT_DEFER_SLOTS */
	uint32_t n_sessions;
	uint32_t free_sess;	    /**< free list head */
	struct rte_hash *map_in_h;  /**< (proto, int ip, int port) -> mapping */
	struct rte_hash *map_out_h; /**< (proto, ext ip, ext port) -> mapping */
	struct sl_nat_mapping *map;
	uint32_t free_map;
	uint32_t *map_free;	 /**< stack of free mapping indices */
	struct rte_hash *host_h; /**< inside ip -> host */
	struct sl_nat_host *host;
	uint32_t n_hosts, max_hosts;
	uint32_t *host_free; /**< stack of free host entries */
	uint32_t n_host_free;
	struct sl_cmd_nat_pool pools[SL_NAT_POOLS_MAX];
	unsigned int n_pools;
	struct sl_nat_addr addr[SL_NAT_ADDRS_MAX];
	unsigned int n_addrs;
	unsigned int next_addr;	      /**< round-robin for new hosts */
	struct sl_nat_cooldown *cool; /**< ring of ports cooling down */
	uint32_t cool_head, cool_tail, cool_cap;
	struct rte_hash *cool_h; /**< (addr, class, port) -> cool-down end, ms */
	uint64_t last_full_reap;
	uint64_t last_limit_reap;
	uint32_t n_static; /**< static forwards (their mappings carry proto | 0x80) */
	uint8_t filtering; /**< enum sl_nat_filtering */
	uint64_t timeout_ns[SL_NAT_TO_MAX];
	uint32_t limit_per_host;
	uint64_t rng; /**< xorshift64*, seeded by --seed */
	uint32_t reap_cursor;
	struct sl_nat_stats stats;
};

/**
 * Create the tables for @p max_sessions sessions. @p qsv (may be NULL for
 * single-threaded use) guards reclamation. @return 0 or -ENOMEM.
 */
int sl_nat_create(struct sl_nat *n, uint32_t max_sessions, struct rte_rcu_qsbr *qsv, uint32_t seed);
void sl_nat_destroy(struct sl_nat *n);

/** Apply a NAT/MSS command (control thread). @return 0 or -errno with @p err. */
int sl_nat_apply(struct sl_nat *n, const struct sl_cmd *c, char *err, size_t errlen);

/** Idle timeout of a session, ns. */
static inline uint64_t sl_nat_timeout(const struct sl_nat *n, const struct sl_nat_session *s)
{
	uint8_t p = s->t[0].proto;

	if (p == 17)
		return n->timeout_ns[SL_NAT_TO_UDP];
	if (p == 1)
		return n->timeout_ns[SL_NAT_TO_ICMP];
	if ((s->tcp & (SL_NAT_FIN0 | SL_NAT_FIN1 | SL_NAT_RST)) == 0 &&
		((s->tcp & (SL_NAT_SYN0 | SL_NAT_SYN1)) == (SL_NAT_SYN0 | SL_NAT_SYN1) ||
			(s->tcp & SL_NAT_PICKUP)))
		return n->timeout_ns[SL_NAT_TO_TCP_EST];
	return n->timeout_ns[SL_NAT_TO_TCP_TRANS];
}

/** True when @p ip (network order) is a pool address. */
bool sl_nat_is_pool_addr(const struct sl_nat *n, uint32_t ip);

/**
 * Find or create the session for an outbound packet with tuple @p t from an
 * inside host (takes the lock). Handles hairpinning (destination a mapping
 * or static forward). @return session index, or SL_NAT_NONE with @p why.
 */
uint32_t sl_nat_outbound(struct sl_nat *n, const struct sl_nat_tuple *t, uint8_t tcp_flags,
	uint64_t now, enum sl_drop_reason *why);

/**
 * Find or create the session for an inbound packet with tuple @p t (static
 * forward or filtering rule). @return session index or SL_NAT_NONE (why =
 * nat-no-session, nat-session-limit).
 */
uint32_t sl_nat_inbound(struct sl_nat *n, const struct sl_nat_tuple *t, uint8_t tcp_flags,
	uint64_t now, enum sl_drop_reason *why);

/**
 * Look up a tuple under the lock, removing the session if it expired at
 * @p now. @return (session << 1 | dir) or SL_NAT_NONE.
 */
uint32_t sl_nat_find(struct sl_nat *n, const struct sl_nat_tuple *t, uint64_t now);

/** Expire idle sessions (at most @p budget examined) and release cooled ports. */
void sl_nat_reap(struct sl_nat *n, uint64_t now, uint32_t budget);

/** Memory the tables use, bytes (for the benchmark and `show`). */
uint64_t sl_nat_memory(const struct sl_nat *n);

#endif
