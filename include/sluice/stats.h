/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file stats.h
 * Counters. Every worker (and the slow path) owns one struct sl_stats and is
 * its only writer; readers sum them. Every received packet ends in exactly
 * one of forwarded / local / drop[reason] (or is still held in a queue):
 *   rx == forwarded + local + sum(drop) + held.
 */
#ifndef SLUICE_STATS_H
#define SLUICE_STATS_H

#include <stdint.h>
#include <stdio.h>

#include <sluice/drop.h>
#include <sluice/iface.h>

/** Events that are not packet outcomes (things the gateway generated). */
#define SL_EVENTS(X)                              \
	X(ICMP_SENT, "icmp-errors-sent")          \
	X(ICMP_RATE_LIMITED, "icmp-rate-limited") \
	X(ECHO_REPLIES, "echo-replies-sent")      \
	X(ARP_REQUESTS, "arp-requests-sent")      \
	X(ARP_REPLIES, "arp-replies-sent")        \
	X(ND_SOLICITS, "nd-solicits-sent")        \
	X(ND_ADVERTS, "nd-adverts-sent")          \
	X(FRAGMENTS, "fragments-sent")            \
	X(GEN_TX_FAILED, "generated-tx-failed")

enum sl_event {
#define SL_X_EV(e, n) SL_EV_##e,
	SL_EVENTS(SL_X_EV)
#undef SL_X_EV
		SL_EV_MAX
};

struct sl_stats {
	uint64_t rx;
	uint64_t forwarded;
	uint64_t local;
	uint64_t drop[SL_DROP_MAX];
	uint64_t event[SL_EV_MAX];
	uint64_t if_rx[SL_IFACE_MAX];
	uint64_t if_tx[SL_IFACE_MAX];
	uint64_t if_rx_bytes[SL_IFACE_MAX];
	uint64_t if_tx_bytes[SL_IFACE_MAX];
} __attribute__((aligned(64)));

/** Count one drop: every drop site calls this exactly once. */
static inline void sl_stats_drop(struct sl_stats *s, enum sl_drop_reason r)
{
	s->drop[r]++;
}

/** @p acc += @p s, field by field. */
void sl_stats_add(struct sl_stats *acc, const struct sl_stats *s);
/** Sum of all drop counters. */
uint64_t sl_stats_dropped(const struct sl_stats *s);
/** Name of an event counter. */
const char *sl_event_name(unsigned int ev);

/**
 * Print counters: per-interface rx/tx, the outcome totals, each nonzero
 * drop reason and event. @p held is the number of packets still queued.
 */
void sl_stats_print(
	FILE *f, const struct sl_stats *s, const struct sl_iface_table *t, uint64_t held);
/** The same as one JSON object (every reason, zeros included). */
void sl_stats_print_json(
	FILE *f, const struct sl_stats *s, const struct sl_iface_table *t, uint64_t held);

#endif
