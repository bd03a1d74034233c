/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>

#include <sluice/stats.h>

static const char *const event_names[] = {
#define SL_X_EVN(e, n) n,
	SL_EVENTS(SL_X_EVN)
#undef SL_X_EVN
};

const char *sl_event_name(unsigned int ev)
{
	return ev < SL_EV_MAX ? event_names[ev] : "?";
}

void sl_stats_add(struct sl_stats *acc, const struct sl_stats *s)
{
	acc->rx += s->rx;
	acc->forwarded += s->forwarded;
	acc->local += s->local;
	for (unsigned int i = 0; i < SL_DROP_MAX; i++)
		acc->drop[i] += s->drop[i];
	for (unsigned int i = 0; i < SL_EV_MAX; i++)
		acc->event[i] += s->event[i];
	for (unsigned int i = 0; i < SL_IFACE_MAX; i++) {
		acc->if_rx[i] += s->if_rx[i];
		acc->if_tx[i] += s->if_tx[i];
		acc->if_rx_bytes[i] += s->if_rx_bytes[i];
		acc->if_tx_bytes[i] += s->if_tx_bytes[i];
	}
}

uint64_t sl_stats_dropped(const struct sl_stats *s)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < SL_DROP_MAX; i++)
		n += s->drop[i];
	return n;
}

void sl_stats_print(
	FILE *f, const struct sl_stats *s, const struct sl_iface_table *t, uint64_t held)
{
	fprintf(f, "%-12s %14s %14s %16s %16s\n", "interface", "rx-packets", "tx-packets",
		"rx-bytes", "tx-bytes");
	for (unsigned int i = 0; i < t->n_ifaces; i++)
		fprintf(f, "%-12s %14" PRIu64 " %14" PRIu64 " %16" PRIu64 " %16" PRIu64 "\n",
			t->ifaces[i].name, s->if_rx[i], s->if_tx[i], s->if_rx_bytes[i],
			s->if_tx_bytes[i]);
	fprintf(f,
		"packets: rx %" PRIu64 ", forwarded %" PRIu64 ", local %" PRIu64
		", dropped %" PRIu64 ", held %" PRIu64 "\n",
		s->rx, s->forwarded, s->local, sl_stats_dropped(s), held);
	for (unsigned int i = 0; i < SL_DROP_MAX; i++)
		if (s->drop[i])
			fprintf(f, "  drop %-26s %" PRIu64 "\n", sl_drop_name(i), s->drop[i]);
	for (unsigned int i = 0; i < SL_EV_MAX; i++)
		if (s->event[i])
			fprintf(f, "  %-31s %" PRIu64 "\n", sl_event_name(i), s->event[i]);
}

void sl_stats_print_json(
	FILE *f, const struct sl_stats *s, const struct sl_iface_table *t, uint64_t held)
{
	fprintf(f,
		"{\"packets\": {\"rx\": %" PRIu64 ", \"forwarded\": %" PRIu64
		", \"local\": %" PRIu64 ", \"dropped\": %" PRIu64 ", \"held\": %" PRIu64 "},\n",
		s->rx, s->forwarded, s->local, sl_stats_dropped(s), held);
	fprintf(f, " \"interfaces\": {");
	for (unsigned int i = 0; i < t->n_ifaces; i++)
		fprintf(f,
			"%s\"%s\": {\"rx\": %" PRIu64 ", \"tx\": %" PRIu64
			", \"rx_bytes\": %" PRIu64 ", \"tx_bytes\": %" PRIu64 "}",
			i ? ", " : "", t->ifaces[i].name, s->if_rx[i], s->if_tx[i],
			s->if_rx_bytes[i], s->if_tx_bytes[i]);
	fprintf(f, "},\n \"drops\": {");
	for (unsigned int i = 0; i < SL_DROP_MAX; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", sl_drop_name(i), s->drop[i]);
	fprintf(f, "},\n \"events\": {");
	for (unsigned int i = 0; i < SL_EV_MAX; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", sl_event_name(i), s->event[i]);
	fprintf(f, "}}\n");
}
