/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sluice/ctl.h>

#include "ctl_show.h"

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static const char *role_name(unsigned int r)
{
	return r == SL_ROLE_INSIDE ? "inside" : r == SL_ROLE_OUTSIDE ? "outside" : "none";
}

static const char *origin_name(unsigned int o)
{
	static const char *const n[] = {"static", "connected", "local", "kernel"};
	return o < 4 ? n[o] : "?";
}

static const char *nh_name(unsigned int t)
{
	static const char *const n[] = {"?", "gateway", "connected", "local", "broadcast"};
	return t < 5 ? n[t] : "?";
}

static const char *state_name(unsigned int s)
{
	static const char *const n[] = {
		"?", "incomplete", "reachable", "stale", "probe", "failed", "permanent"};
	return s < 7 ? n[s] : "?";
}

static void print_ifaces(FILE *f, bool json, const struct sl_ctl_iface_rec *r, uint32_t n)
{
	char b[64];

	if (json) {
		fprintf(f, "[");
		for (uint32_t i = 0; i < n; i++) {
			fprintf(f, "%s\n {\"name\": ", i ? "," : "");
			json_str(f, r[i].name);
			fprintf(f, ", \"device\": ");
			json_str(f, r[i].device);
			fprintf(f,
				", \"vlan\": %u, \"mtu\": %u, \"role\": \"%s\", \"mac\": \"%s\", ",
				r[i].vlan, r[i].mtu, role_name(r[i].role),
				sl_mac_fmt(&r[i].mac, b, sizeof(b)));
			fprintf(f, "\"addresses\": [");
			for (unsigned int k = 0; k < r[i].n_addrs && k < SL_IFACE_ADDRS_MAX; k++)
				fprintf(f, "%s\"%s\"", k ? ", " : "",
					sl_prefix_fmt(&r[i].addrs[k], b, sizeof(b)));
			fprintf(f,
				"], \"rx\": %" PRIu64 ", \"tx\": %" PRIu64
				", \"rx_bytes\": %" PRIu64 ", \"tx_bytes\": %" PRIu64 "}",
				r[i].rx, r[i].tx, r[i].rx_bytes, r[i].tx_bytes);
		}
		fprintf(f, "%s]\n", n ? "\n" : "");
		return;
	}
	fprintf(f, "%-12s %-20s %4s %5s %-7s %-17s %12s %12s  %s\n", "name", "device", "vlan",
		"mtu", "role", "mac", "rx", "tx", "addresses");
	for (uint32_t i = 0; i < n; i++) {
		fprintf(f, "%-12s %-20s %4u %5u %-7s %-17s %12" PRIu64 " %12" PRIu64 " ", r[i].name,
			r[i].device, r[i].vlan, r[i].mtu, role_name(r[i].role),
			sl_mac_fmt(&r[i].mac, b, sizeof(b)), r[i].rx, r[i].tx);
		for (unsigned int k = 0; k < r[i].n_addrs && k < SL_IFACE_ADDRS_MAX; k++)
			fprintf(f, " %s", sl_prefix_fmt(&r[i].addrs[k], b, sizeof(b)));
		fprintf(f, "\n");
	}
}

static void print_routes(FILE *f, bool json, const struct sl_ctl_route_rec *r, uint32_t n)
{
	char p[64], g[64];

	if (json) {
		fprintf(f, "[");
		for (uint32_t i = 0; i < n; i++) {
			fprintf(f, "%s\n {\"prefix\": \"%s\", \"type\": \"%s\", ", i ? "," : "",
				sl_prefix_fmt(&r[i].prefix, p, sizeof(p)), nh_name(r[i].nh_type));
			if (r[i].nh_type == SL_CTL_NH_GATEWAY)
				fprintf(f, "\"via\": \"%s\", ", sl_ip_fmt(&r[i].gw, g, sizeof(g)));
			fprintf(f, "\"dev\": ");
			json_str(f, r[i].dev);
			fprintf(f, ", \"origin\": \"%s\"}", origin_name(r[i].origin));
		}
		fprintf(f, "%s]\n", n ? "\n" : "");
		return;
	}
	fprintf(f, "%-44s %-10s %-40s %-12s %s\n", "prefix", "type", "via", "dev", "origin");
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "%-44s %-10s %-40s %-12s %s\n",
			sl_prefix_fmt(&r[i].prefix, p, sizeof(p)), nh_name(r[i].nh_type),
			r[i].nh_type == SL_CTL_NH_GATEWAY ? sl_ip_fmt(&r[i].gw, g, sizeof(g)) : "-",
			r[i].dev, origin_name(r[i].origin));
}

static void print_neighbors(FILE *f, bool json, const struct sl_ctl_neigh_rec *r, uint32_t n)
{
	char a[64], m[32];

	if (json) {
		fprintf(f, "[");
		for (uint32_t i = 0; i < n; i++) {
			fprintf(f, "%s\n {\"address\": \"%s\", ", i ? "," : "",
				sl_ip_fmt(&r[i].ip, a, sizeof(a)));
			if (r[i].valid)
				fprintf(f, "\"lladdr\": \"%s\", ",
					sl_mac_fmt(&r[i].mac, m, sizeof(m)));
			else
				fprintf(f, "\"lladdr\": null, ");
			fprintf(f, "\"dev\": ");
			json_str(f, r[i].dev);
			fprintf(f, ", \"state\": \"%s\"}", state_name(r[i].state));
		}
		fprintf(f, "%s]\n", n ? "\n" : "");
		return;
	}
	fprintf(f, "%-40s %-17s %-12s %s\n", "address", "lladdr", "dev", "state");
	for (uint32_t i = 0; i < n; i++)
		fprintf(f, "%-40s %-17s %-12s %s\n", sl_ip_fmt(&r[i].ip, a, sizeof(a)),
			r[i].valid ? sl_mac_fmt(&r[i].mac, m, sizeof(m)) : "-", r[i].dev,
			state_name(r[i].state));
}

static void print_group_json(FILE *f, const struct sl_ctl_counter_rec *r, uint32_t n, uint8_t group,
	const char *key, bool last)
{
	bool first = true;

	fprintf(f, " \"%s\": {", key);
	for (uint32_t i = 0; i < n; i++) {
		if (r[i].group != group)
			continue;
		fprintf(f, "%s", first ? "" : ", ");
		json_str(f, r[i].name);
		fprintf(f, ": %" PRIu64, r[i].value);
		first = false;
	}
	fprintf(f, "}%s\n", last ? "" : ",");
}

static void print_stats(FILE *f, bool json, const struct sl_ctl_counter_rec *r, uint32_t n)
{
	const char *cur = NULL;

	if (json) {
		fprintf(f, "{\n");
		print_group_json(f, r, n, SL_CTL_CNT_PACKETS, "packets", false);
		fprintf(f, " \"interfaces\": {");
		for (uint32_t i = 0; i < n; i++) {
			if (r[i].group != SL_CTL_CNT_IFACE)
				continue;
			if (cur == NULL || strcmp(cur, r[i].iface) != 0) {
				fprintf(f, "%s", cur ? "}, " : "");
				json_str(f, r[i].iface);
				fprintf(f, ": {");
				cur = r[i].iface;
			} else {
				fprintf(f, ", ");
			}
			json_str(f, r[i].name);
			fprintf(f, ": %" PRIu64, r[i].value);
		}
		fprintf(f, "%s},\n", cur ? "}" : "");
		print_group_json(f, r, n, SL_CTL_CNT_DROP, "drops", false);
		print_group_json(f, r, n, SL_CTL_CNT_EVENT, "events", true);
		fprintf(f, "}\n");
		return;
	}
	fprintf(f, "%-12s %14s %14s %16s %16s\n", "interface", "rx-packets", "tx-packets",
		"rx-bytes", "tx-bytes");
	for (uint32_t i = 0; i + 3 < n; i++) {
		if (r[i].group != SL_CTL_CNT_IFACE || (cur && strcmp(cur, r[i].iface) == 0))
			continue;
		cur = r[i].iface;
		fprintf(f, "%-12s %14" PRIu64 " %14" PRIu64 " %16" PRIu64 " %16" PRIu64 "\n", cur,
			r[i].value, r[i + 1].value, r[i + 2].value, r[i + 3].value);
	}
	fprintf(f, "packets:");
	for (uint32_t i = 0, k = 0; i < n; i++)
		if (r[i].group == SL_CTL_CNT_PACKETS)
			fprintf(f, "%s %s %" PRIu64, k++ ? "," : "", r[i].name, r[i].value);
	fprintf(f, "\n");
	for (uint32_t i = 0; i < n; i++)
		if (r[i].group == SL_CTL_CNT_DROP && r[i].value)
			fprintf(f, "  drop %-26s %" PRIu64 "\n", r[i].name, r[i].value);
	for (uint32_t i = 0; i < n; i++)
		if (r[i].group == SL_CTL_CNT_EVENT && r[i].value)
			fprintf(f, "  %-31s %" PRIu64 "\n", r[i].name, r[i].value);
}

/* A one-line summary of the packet's first bytes: L2, L3, L4. */
static void pkt_summary(const struct sl_trace_rec *t, char *out, size_t len)
{
	const uint8_t *p = t->head;
	unsigned int l2 = 14, n = t->head_len, et;
	char s[64], d[64];
	int k;

	if (n < 14) {
		snprintf(out, len, "truncated frame (%u bytes)", t->pkt_len);
		return;
	}
	et = (unsigned int)p[12] << 8 | p[13];
	k = snprintf(out, len, "%02x:%02x:%02x:%02x:%02x:%02x > %02x:%02x:%02x:%02x:%02x:%02x",
		p[6], p[7], p[8], p[9], p[10], p[11], p[0], p[1], p[2], p[3], p[4], p[5]);
	if (et == 0x8100 && n >= 18) {
		k += snprintf(out + k, len - (size_t)k, " vlan %u", (p[14] << 8 | p[15]) & 0xfff);
		et = (unsigned int)p[16] << 8 | p[17];
		l2 = 18;
	}
	if (et == 0x0800 && n >= l2 + 20) {
		struct sl_ip a = {.family = SL_AF_INET}, b = {.family = SL_AF_INET};
		memcpy(&a.v4, p + l2 + 12, 4);
		memcpy(&b.v4, p + l2 + 16, 4);
		snprintf(out + k, len - (size_t)k, " ipv4 %s > %s ttl %u proto %u len %u",
			sl_ip_fmt(&a, s, sizeof(s)), sl_ip_fmt(&b, d, sizeof(d)), p[l2 + 8],
			p[l2 + 9], p[l2 + 2] << 8 | p[l2 + 3]);
	} else if (et == 0x86dd && n >= l2 + 40) {
		struct sl_ip a = {.family = SL_AF_INET6}, b = {.family = SL_AF_INET6};
		memcpy(a.v6, p + l2 + 8, 16);
		memcpy(b.v6, p + l2 + 24, 16);
		snprintf(out + k, len - (size_t)k, " ipv6 %s > %s hlim %u next %u",
			sl_ip_fmt(&a, s, sizeof(s)), sl_ip_fmt(&b, d, sizeof(d)), p[l2 + 7],
			p[l2 + 6]);
	} else if (et == 0x0806) {
		snprintf(out + k, len - (size_t)k, " arp");
	} else {
		snprintf(out + k, len - (size_t)k, " ethertype 0x%04x", et);
	}
}

static const char *verdict_name(unsigned int v)
{
	return v == SL_TRACE_TX	    ? "forward"
	       : v == SL_TRACE_DROP ? "drop"
	       : v == SL_TRACE_SLOW ? "slow-path"
				    : "?";
}

static void print_trace(FILE *f, bool json, const struct sl_trace_rec *t, uint32_t n)
{
	char sum[256], nh[64], mac[32];

	for (uint32_t i = 0; i < n; i++) {
		const struct sl_trace_rec *r = &t[i];
		bool has_nh = r->nexthop.family == SL_AF_INET || r->nexthop.family == SL_AF_INET6;

		pkt_summary(r, sum, sizeof(sum));
		sl_mac_fmt((const struct sl_mac *)r->dst_mac, mac, sizeof(mac));
		if (has_nh)
			sl_ip_fmt(&r->nexthop, nh, sizeof(nh));
		if (json) {
			fprintf(f,
				"%s\n {\"seq\": %" PRIu64 ", \"time_ns\": %" PRIu64
				", \"worker\": %u, \"port\": %u, \"length\": %u, \"packet\": ",
				i ? "," : "[", r->seq, r->now, r->worker, r->port, r->pkt_len);
			json_str(f, sum);
			fprintf(f, ", \"iface\": ");
			json_str(f, r->iface_name);
			fprintf(f, ", \"verdict\": \"%s\"", verdict_name(r->verdict));
			if (r->verdict != SL_TRACE_TX) {
				fprintf(f, ", \"reason\": ");
				json_str(f, r->reason);
			} else {
				fprintf(f, ", \"out\": ");
				json_str(f, r->out_name);
				fprintf(f, ", \"dst_mac\": \"%s\"", mac);
			}
			if (has_nh)
				fprintf(f, ", \"nexthop\": \"%s\"", nh);
			fprintf(f, "}");
			continue;
		}
		fprintf(f, "Packet %u (worker %u, t=%" PRIu64 " ns)\n", i + 1, r->worker, r->now);
		fprintf(f, "  rx        port %u, %u bytes: %s\n", r->port, r->pkt_len, sum);
		fprintf(f, "  iface     %s\n", r->iface_name[0] ? r->iface_name : "(none)");
		if (r->verdict == SL_TRACE_TX) {
			fprintf(f, "  fib       next hop %s\n", has_nh ? nh : "?");
			fprintf(f, "  neighbour %s\n", mac);
			fprintf(f, "  verdict   forward on %s\n", r->out_name);
		} else if (r->verdict == SL_TRACE_DROP) {
			fprintf(f, "  verdict   drop: %s\n", r->reason);
		} else {
			if (has_nh)
				fprintf(f, "  fib       next hop %s\n", nh);
			fprintf(f, "  verdict   slow path: %s\n", r->reason);
		}
	}
	if (json)
		fprintf(f, "%s]\n", n ? "\n" : "[");
}

static const char *proto_name(unsigned int p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : p == 1 ? "icmp" : "?";
}

static void print_sessions(FILE *f, bool json, const struct sl_ctl_session_rec *r, uint32_t n)
{
	char in[24], out[24], rem[24];

	if (!json)
		fprintf(f, "%-5s %-22s %-22s %-22s %9s %9s\n", "proto", "inside", "outside",
			"remote", "idle-s", "expires-s");
	for (uint32_t i = 0; i < n; i++) {
		struct sl_ip a = {.family = SL_AF_INET};
		char b[46];

		a.v4 = r[i].inside_ip;
		snprintf(in, sizeof(in), "%s:%u", sl_ip_fmt(&a, b, sizeof(b)), r[i].inside_port);
		a.v4 = r[i].outside_ip;
		snprintf(out, sizeof(out), "%s:%u", sl_ip_fmt(&a, b, sizeof(b)), r[i].outside_port);
		a.v4 = r[i].remote_ip;
		snprintf(rem, sizeof(rem), "%s:%u", sl_ip_fmt(&a, b, sizeof(b)), r[i].remote_port);
		if (json)
			fprintf(f,
				"%s\n {\"proto\": \"%s\", \"inside\": \"%s\", \"outside\": \"%s\", "
				"\"remote\": \"%s\", \"idle_s\": %.1f, \"expires_s\": %.1f%s}",
				i ? "," : "[", proto_name(r[i].proto), in, out, rem,
				r[i].idle_ns / 1e9, r[i].expires_ns / 1e9,
				r[i].proto == 6 ? (r[i].established ? ", \"tcp\": \"established\""
								    : ", \"tcp\": \"transitory\"")
						: "");
		else
			fprintf(f, "%-5s %-22s %-22s %-22s %9.1f %9.1f\n", proto_name(r[i].proto),
				in, out, rem, r[i].idle_ns / 1e9, r[i].expires_ns / 1e9);
	}
	if (json)
		fprintf(f, "%s]\n", n ? "\n" : "[");
}

void sl_ctl_print(FILE *f, uint32_t what, bool json, const void *recs, uint32_t n)
{
	switch (what) {
	case SL_SHOW_INTERFACES:
		print_ifaces(f, json, recs, n);
		break;
	case SL_SHOW_ROUTES:
		print_routes(f, json, recs, n);
		break;
	case SL_SHOW_NEIGHBORS:
		print_neighbors(f, json, recs, n);
		break;
	case SL_SHOW_STATS:
		print_stats(f, json, recs, n);
		break;
	case SL_SHOW_TRACE:
		print_trace(f, json, recs, n);
		break;
	case SL_SHOW_SESSIONS:
		print_sessions(f, json, recs, n);
		break;
	}
}
