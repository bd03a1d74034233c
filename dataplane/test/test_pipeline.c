/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet pipeline and the slow path on hand-made frames: a gateway
 * built from a config text, frames written byte by byte, sl_pipeline_run,
 * then sl_slow_input for SL_V_SLOW verdicts with a capturing transmit
 * callback and a virtual clock. Expected frames are computed here, with the
 * test's own checksum code.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <sluice/config.h>
#include <sluice/dp.h>
#include <sluice/pipeline.h>
#include <sluice/slowpath.h>

#include "test_common.h"

#define POOL_SIZE 8191

static const char *const config_text =
	"interface lan0 device port-lan address 192.168.1.1/24 address fd00:1::1/64 "
	"mac 02:00:00:00:01:01\n"
	"interface wan0 device port-wan address 203.0.113.2/24 address 2001:db8:ffff::2/64 "
	"mac 02:00:00:00:02:01\n"
	"interface v10 device port-lan vlan 10 address 10.10.0.1/24 mac 02:00:00:00:0a:01\n"
	"interface small4 device port-small address 172.16.0.1/24 mac 02:00:00:00:03:01 mtu 576\n"
	"interface small6 device port-small vlan 20 address fd00:2::1/64 mac 02:00:00:00:04:01 "
	"mtu 1280\n"
	"route add 0.0.0.0/0 via 203.0.113.1\n"
	"route add ::/0 via 2001:db8:ffff::1\n"
	"route add 198.51.100.0/24 via 172.16.0.2\n"
	"route add 2001:db8:5::/48 via fd00:2::2\n"
	"neighbor add 203.0.113.1 lladdr 02:00:00:00:02:fe dev wan0\n"
	"neighbor add 2001:db8:ffff::1 lladdr 02:00:00:00:02:fe dev wan0\n"
	"neighbor add 172.16.0.2 lladdr 02:00:00:00:03:fe dev small4\n"
	"neighbor add fd00:2::2 lladdr 02:00:00:00:04:fe dev small6\n"
	"neighbor add 10.10.0.5 lladdr 02:00:00:00:0a:05 dev v10\n";

/* ports in order of first use; interfaces in order of declaration */
enum { PORT_LAN, PORT_WAN, PORT_SMALL, PORT_UNUSED };
enum { IF_LAN0, IF_WAN0, IF_V10, IF_SMALL4, IF_SMALL6 };

static const uint8_t MAC_LAN0[6] = {2, 0, 0, 0, 1, 1}, MAC_WAN0[6] = {2, 0, 0, 0, 2, 1},
		     MAC_V10[6] = {2, 0, 0, 0, 0x0a, 1}, MAC_SMALL4[6] = {2, 0, 0, 0, 3, 1},
		     MAC_SMALL6[6] = {2, 0, 0, 0, 4, 1};
static const uint8_t MAC_WAN_GW[6] = {2, 0, 0, 0, 2, 0xfe},
		     MAC_SMALL4_GW[6] = {2, 0, 0, 0, 3, 0xfe},
		     MAC_SMALL6_GW[6] = {2, 0, 0, 0, 4, 0xfe},
		     MAC_V10_HOST[6] = {2, 0, 0, 0, 0x0a, 5};
static const uint8_t MAC_HOST[6] = {2, 0, 0, 0, 1, 0xaa}, MAC_HOST20[6] = {2, 0, 0, 0, 1, 0x20},
		     MAC_BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static const uint8_t IP_LAN0[4] = {192, 168, 1, 1}, IP_HOST[4] = {192, 168, 1, 10},
		     IP_HOST20[4] = {192, 168, 1, 20}, IP_REMOTE[4] = {8, 8, 8, 8},
		     IP_V10_HOST[4] = {10, 10, 0, 5}, IP_SMALL_NET[4] = {198, 51, 100, 7},
		     IP_WAN_PEER[4] = {198, 18, 0, 1};
static const uint8_t IP6_LAN0[16] = {0xfd, 0, 0, 1, [15] = 1},
		     IP6_HOST[16] = {0xfd, 0, 0, 1, [15] = 0x10},
		     IP6_SMALL_NET[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 5, [15] = 1};

static struct test_rng rng;
static struct rte_mempool *pool;

struct captured {
	struct rte_mbuf *m[512];
	uint16_t iface[512];
	unsigned int n;
};

struct ctx {
	struct sl_dp dp;
	struct sl_worker w;
	struct sl_slow s;
	struct captured cap;
	uint64_t now;
};

static struct ctx *C;

static void cap_tx(void *arg, uint16_t iface, struct rte_mbuf *m)
{
	struct captured *c = arg;

	if (c->n == RTE_DIM(c->m)) {
		rte_pktmbuf_free(m);
		return;
	}
	c->iface[c->n] = iface;
	c->m[c->n++] = m;
}

static void cap_clear(void)
{
	for (unsigned int i = 0; i < C->cap.n; i++)
		rte_pktmbuf_free(C->cap.m[i]);
	C->cap.n = 0;
}

static int setup_gateway(void **state)
{
	struct sl_dp_params p;
	struct sl_cmd_list l;
	char err[512];

	(void)state;
	C = calloc(1, sizeof(*C));
	if (C == NULL)
		return -1;
	sl_dp_params_default(&p);
	p.max_routes4 = 1024;
	p.max_routes6 = 1024;
	p.max_neighbours = 1024;
	if (sl_dp_create(&C->dp, &p, pool) < 0)
		return -1;
	if (sl_cmd_list_parse("test.conf", config_text, &l, err, sizeof(err)) < 0) {
		print_error("config: %s\n", err);
		return -1;
	}
	C->now = 1000000000ull;
	if (sl_dp_apply_list(&C->dp, &l, C->now, err, sizeof(err)) < 0) {
		print_error("apply: %s\n", err);
		sl_cmd_list_free(&l);
		return -1;
	}
	sl_cmd_list_free(&l);
	C->w.dp = &C->dp;
	sl_slow_init(&C->s, &C->dp, cap_tx, &C->cap);
	return 0;
}

static int teardown_gateway(void **state)
{
	unsigned int avail;

	(void)state;
	cap_clear();
	sl_slow_flush(&C->s, SL_DROP_SHUTDOWN);
	sl_dp_destroy(&C->dp);
	free(C);
	C = NULL;
	avail = rte_mempool_avail_count(pool);
	if (avail != POOL_SIZE) {
		print_error("mbuf leak: %u of %u buffers back in the pool\n", avail, POOL_SIZE);
		return -1;
	}
	return 0;
}

/* ---- frames by hand ----------------------------------------------------- */

struct pkt {
	uint8_t b[2048];
	unsigned int len; /* frame length */
	unsigned int l3;  /* offset of the IP/ARP header */
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void eth(
	struct pkt *k, const uint8_t *dst, const uint8_t *src, uint16_t vlan, uint16_t etype)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->b, dst, 6);
	memcpy(k->b + 6, src, 6);
	if (vlan) {
		put16(k->b + 12, 0x8100);
		put16(k->b + 14, vlan);
		put16(k->b + 16, etype);
		k->l3 = 18;
	} else {
		put16(k->b + 12, etype);
		k->l3 = 14;
	}
}

static void pad60(struct pkt *k)
{
	if (k->len < 60)
		k->len = 60; /* zero padding, as on the wire */
}

static void ip4_csum(uint8_t *ip)
{
	unsigned int ihl = (ip[0] & 0x0f) * 4u;
	uint16_t c;

	ip[10] = ip[11] = 0;
	c = naive_csum(ip, ihl, 0);
	put16(ip + 10, c);
}

/* IPv4 + UDP (1234 -> 53, checksum 0) with @p payload bytes of pattern. */
static void ip4_udp(struct pkt *k, const uint8_t *src, const uint8_t *dst, uint8_t ttl, bool df,
	unsigned int payload)
{
	uint8_t *ip = k->b + k->l3, *u = ip + 20;

	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(28 + payload));
	put16(ip + 4, 0x1234);
	put16(ip + 6, df ? 0x4000 : 0);
	ip[8] = ttl;
	ip[9] = 17;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	ip4_csum(ip);
	put16(u, 1234);
	put16(u + 2, 53);
	put16(u + 4, (uint16_t)(8 + payload));
	for (unsigned int i = 0; i < payload; i++)
		u[8 + i] = (uint8_t)(i * 7 + 3);
	k->len = k->l3 + 28 + payload;
	pad60(k);
}

/* ICMP echo request with a valid checksum. */
static void ip4_echo(struct pkt *k, const uint8_t *src, const uint8_t *dst, unsigned int payload)
{
	uint8_t *ip = k->b + k->l3, *ic = ip + 20;

	ip4_udp(k, src, dst, 64, false, payload);
	ip[9] = 1;
	ip4_csum(ip);
	memset(ic, 0, 8);
	ic[0] = 8;
	put16(ic + 4, 0x4242);
	put16(ic + 6, 1);
	put16(ic + 2, naive_csum(ic, 8 + payload, 0));
}

/* IPv6 + UDP with a valid checksum. */
static void ip6_udp(
	struct pkt *k, const uint8_t *src, const uint8_t *dst, uint8_t hlim, unsigned int payload)
{
	uint8_t *ip = k->b + k->l3, *u = ip + 40, ph[40];
	unsigned int l4 = 8 + payload;

	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)l4);
	ip[6] = 17;
	ip[7] = hlim;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	put16(u, 1234);
	put16(u + 2, 53);
	put16(u + 4, (uint16_t)l4);
	for (unsigned int i = 0; i < payload; i++)
		u[8 + i] = (uint8_t)(i * 5 + 1);
	memset(ph, 0, sizeof(ph));
	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	put16(ph + 34, (uint16_t)l4);
	ph[39] = 17;
	/* sum of pseudo header then datagram: fold the first into the second */
	uint16_t c1 = (uint16_t)~naive_csum(ph, 40, 0);
	put16(u + 6, naive_csum(u, l4, c1));
	k->len = k->l3 + 40 + l4;
	pad60(k);
}

static void arp(struct pkt *k, uint16_t op, const uint8_t *sha, const uint8_t *spa,
	const uint8_t *tha, const uint8_t *tpa)
{
	uint8_t *a = k->b + k->l3;

	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	memcpy(a + 14, spa, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, tpa, 4);
	k->len = k->l3 + 28;
	pad60(k);
}

static struct rte_mbuf *mbuf_of(const uint8_t *b, unsigned int len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *p;

	assert_non_null(m);
	p = rte_pktmbuf_append(m, (uint16_t)len);
	assert_non_null(p);
	memcpy(p, b, len);
	return m;
}

/* Run one frame through the pipeline; a forwarded frame is captured as sent. */
static uint16_t deliver(const struct pkt *k, uint16_t port)
{
	struct rte_mbuf *m = mbuf_of(k->b, k->len);
	uint16_t v = 0xdead;

	sl_pipeline_run(&C->w, &m, 1, port, C->now, &v);
	if (v == SL_V_SLOW)
		sl_slow_input(&C->s, m, C->now);
	else if (v == SL_V_DROP)
		rte_pktmbuf_free(m);
	else if (v < SL_IFACE_MAX)
		cap_tx(&C->cap, v, m);
	else
		fail_msg("verdict %u", v);
	return v;
}

static const uint8_t *cap_data(unsigned int i)
{
	assert_true(i < C->cap.n);
	assert_int_equal(C->cap.m[i]->nb_segs, 1);
	return rte_pktmbuf_mtod(C->cap.m[i], const uint8_t *);
}

static unsigned int cap_len(unsigned int i)
{
	return C->cap.m[i]->pkt_len;
}

static struct sl_stats totals(void)
{
	struct sl_stats t;

	memset(&t, 0, sizeof(t));
	sl_stats_add(&t, &C->w.stats);
	sl_stats_add(&t, &C->s.stats);
	return t;
}

/* rx == forwarded + local + drops + held, with the numbers on failure. */
static void check_accounting(const char *where)
{
	struct sl_stats t = totals();
	uint64_t out = t.forwarded + t.local + sl_stats_dropped(&t) + C->s.held;

	if (t.rx != out) {
		print_error("%s: rx %" PRIu64 " != forwarded %" PRIu64 " + local %" PRIu64
			    " + dropped %" PRIu64 " + held %" PRIu64 "\n",
			where, t.rx, t.forwarded, t.local, sl_stats_dropped(&t), C->s.held);
		for (unsigned int r = 0; r < SL_DROP_MAX; r++)
			if (t.drop[r])
				print_error("  %s %" PRIu64 "\n", sl_drop_name(r), t.drop[r]);
		fail();
	}
}

static uint64_t drops(enum sl_drop_reason r)
{
	return totals().drop[r];
}

/* The IPv4 header of captured frame @p i at @p l2 is valid (checksum by hand). */
static void assert_ip4_valid(const uint8_t *ip)
{
	assert_int_equal(ip[0] >> 4, 4);
	assert_int_equal(naive_csum(ip, (ip[0] & 0x0f) * 4u, 0), 0);
}

/* ---- forwarding --------------------------------------------------------- */

static void ipv4_forward_decrements_ttl_and_rewrites_macs(void **state)
{
	struct pkt k, want;
	uint16_t v;

	(void)state;
	eth(&k, MAC_LAN0, MAC_HOST, 0, 0x0800);
	ip4_udp(&k, IP_HOST, IP_REMOTE, 64, false, 100);
	want = k;
	v = deliver(&k, PORT_LAN);
	assert_int_equal(v, IF_WAN0);
	assert_int_equal(C->cap.n, 1);

	/* expected: gateway's MAC towards 203.0.113.1, TTL 63, checksum redone */
	memcpy(want.b, MAC_WAN_GW, 6);
	memcpy(want.b + 6, MAC_WAN0, 6);
	want.b[14 + 8] = 63;
	ip4_csum(want.b + 14);
	assert_int_equal(cap_len(0), want.len);
	assert_memory_equal(cap_data(0), want.b, want.len);
	assert_int_equal(C->w.stats.rx, 1);
	assert_int_equal(C->w.stats.forwarded, 1);
	assert_int_equal(C->w.stats.if_rx[IF_LAN0], 1);
	check_accounting(__func__);
}

static void ethernet_padding_trimmed_on_forward(void **state)
{
	struct pkt k;

	(void)state;
	eth(&k, MAC_LAN0, MAC_HOST, 0, 0x0800);
	ip4_udp(&k, IP_HOST, IP_REMOTE, 64, false, 0); /* 28-byte packet in a 60-byte frame */
	assert_int_equal(k.len, 60);
	assert_int_equal(deliver(&k, PORT_LAN), IF_WAN0);
	assert_int_equal(cap_len(0), 14 + 28);
	assert_ip4_valid(cap_data(0) + 14);
}

static void ipv4_bad_checksum_dropped_as_bad_ip_header(void **state)
{
	struct pkt k;

	(void)state;
	eth(&k, MAC_LAN0, MAC_HOST, 0, 0x0800);
	ip4_udp(&k, IP_HOST, IP_REMOTE, 64, false, 20);
	k.b[14 + 11] ^= 0x01;
	assert_int_equal(deliver(&k, PORT_LAN), SL_V_DROP);
	assert_int_equal(drops(SL_DROP_BAD_IP_HEADER), 1);
	assert_int_equal(C->cap.n, 0);
	/* and a total length beyond the frame is the same drop */
	ip4_udp(&k, IP_HOST, IP_REMOTE, 64, false, 20);
	put16(k.b + 14 + 2, 200);
	ip4_csum(k.b + 14);
	assert_int_equal(deliver(&k, PORT_LAN), SL_V_DROP);
	assert_int_equal(drops(SL_DROP_BAD_IP_HEADER), 2);
	check_accounting(__func__);
}

/* naive reference: a directed broadcast of one of config_text's IPv4 subnets */
static bool naive_bcast4(uint32_t a)
{
	static const uint32_t nets[][2] = {
		{0xc0a80100, 24}, {0xcb007100, 24}, {0x0a0a0000, 24}, {0xac100000, 24}};

	for (unsigned int i = 0; i < sizeof(nets) / sizeof(nets[0]); i++)
		if (a == (nets[i][0] | (0xffffffffu >> nets[i][1])))
			return true;
	return false;
}

static void directed_broadcast_source_is_martian(void **state)
{
	static const uint8_t lan_bcast[4] = {192, 168, 1, 255}, wan_bcast[4] = {203, 0, 113, 255};
	struct pkt k;

	(void)state;
	/* the filter and the exact check against the naive one: random
	 * addresses, and addresses sharing a broadcast's low 16 bits */
	for (unsigned int i = 0; i < 200000; i++) {
		uint32_t a = (uint32_t)test_rand(&rng);
		if (i & 1)
			a = (a & 0xffff0000u) | (i & 2 ? 0x01ffu : 0x71ffu);
		if (i % 1000 == 0)
			a = i & 4 ? 0xc0a801ffu : 0xac1000ffu;
		assert_int_equal(sl_iface_bcast4_src(&C->dp.ifs, a), naive_bcast4(a));
	}
	/* RFC 1812 5.3.7: not forwarded, whichever subnet it names */
	eth(&k, MAC_LAN0, MAC_HOST, 0, 0x0800);
	ip4_udp(&k, lan_bcast, IP_REMOTE, 64, false, 20);
	assert_int_equal(deliver(&k, PORT_LAN), SL_V_DROP);
	ip4_udp(&k, wan_bcast, IP_REMOTE, 64, false, 20);
	assert_int_equal(deliver(&k, PORT_LAN), SL_V_DROP);
	assert_int_equal(drops(SL_DROP_MARTIAN), 2);
	assert_int_equal(C->cap.n, 0);
	check_accounting(__func__);
}

static void ttl_one_goes_to_slow_path_and_yields_time_exceeded(void **state)
{
	struct pkt k;
	const uint8_t *f, *ip, *ic;
	unsigned int olen;

	(void)state;
	eth(&k, MAC_LAN0, MAC_HOST, 0, 0x0800);
	ip4_udp(&k, IP_HOST, IP_REMOTE, 1, false, 40);
	olen = 28 + 40;
	{
		struct rte_mbuf *m = mbuf_of(k.b, k.len);
		uint16_t v;
		sl_pipeline_run(&C->w, &m, 1, PORT_LAN, C->now, &v);
		assert_int_equal(v, SL_V_SLOW);
		assert_int_equal(sl_meta(m)->slow, SL_SLOW_TTL);
		sl_slow_input(&C->s, m, C->now);
	}
	assert_int_equal(C->cap.n, 1);
	assert_int_equal(C->cap.iface[0], IF_LAN0);
	f = cap_data(0);
	assert_memory_equal(f, MAC_HOST, 6);
	assert_memory_equal(f + 6, MAC_LAN0, 6);
	assert_int_equal(get16(f + 12), 0x0800);
	ip = f + 14;
	assert_ip4_valid(ip);
	assert_int_equal(ip[9], 1);
	assert_memory_equal(ip + 12, IP_LAN0, 4);
	assert_memory_equal(ip + 16, IP_HOST, 4);
	assert_true(ip[8] > 1);
	assert_int_equal(get16(ip + 2), 20 + 8 + olen);
	assert_int_equal(cap_len(0), 14 + 20 + 8 + olen);
	ic = ip + 20;
	assert_int_equal(ic[0], 11);
	assert_int_equal(ic[1], 0);
	assert_int_equal(naive_csum(ic, 8 + olen, 0), 0);
	/* the offending packet quoted as received */
	assert_memory_equal(ic + 8, k.b + 14, olen);
	assert_int_equal(drops(SL_DROP_TTL_EXCEEDED), 1);
	assert_int_equal(C->s.stats.event[SL_EV_ICMP_SENT], 1);
	check_accounting(__func__);
}

static void vlan_tag_selects_logical_interface(void **state)
{
	struct pkt k;
	const uint8_t *f;

	(void)state;
	/* tagged 10 on the LAN port: interface v10; forwarded untagged to wan0 */
	eth(&k, MAC_V10, MAC_V10_HOST, 10, 0x0800);
	ip4_udp(&k, IP_V10_HOST, IP_REMOTE, 64, false, 60);
	{
		struct rte_mbuf *m = mbuf_of(k.b, k.len);
		uint16_t v;
		sl_pipeline_run(&C->w, &m, 1, PORT_LAN, C->now, &v);
		assert_int_equal(v, IF_WAN0);
		assert_int_equal(sl_meta(m)->iface, IF_V10);
		cap_tx(&C->cap, v, m);
	}
	assert_int_equal(C->w.stats.if_rx[IF_V10], 1);
	assert_int_equal(C->w.stats.if_rx[IF_LAN0], 0);
	f = cap_data(0);
	assert_int_equal(cap_len(0), k.len - 4);
	assert_memory_equal(f, MAC_WAN_GW, 6);
	assert_int_equal(get16(f + 12), 0x0800);
	assert_memory_equal(f + 14 + 12, IP_V10_HOST, 4);
	assert_ip4_valid(f + 14);

	/* from the Internet to the VLAN host: the tag is added */
	eth(&k, MAC_WAN0, MAC_WAN_GW, 0, 0x0800);
	ip4_udp(&k, IP_REMOTE, IP_V10_HOST, 64, false, 60);
	assert_int_equal(deliver(&k, PORT_WAN), IF_V10);
	f = cap_data(1);
	assert_int_equal(cap_len(1), k.len + 4);
	assert_memory_equal(f, MAC_V10_HOST, 6);
	assert_memory_equal(f + 6, MAC_V10, 6);
	assert_int_equal(get16(f + 12), 0x8100);
	assert_int_equal(get16(f + 14) & 0x0fff, 10);
	assert_int_equal(get16(f + 16), 0x0800);
	assert_int_equal(f[18 + 8], 63);
	assert_ip4_valid(f + 18);

	/* an unknown VLAN has no interface; v10's MAC untagged is not lan0's */
	eth(&k, MAC_V10, MAC_V10_HOST, 99, 0x0800);
	ip4_udp(&k, IP_V10_HOST, IP_REMOTE, 64, false, 10);
	assert_int_equal(deliver(&k, PORT_LAN), SL_V_DROP);
	assert_int_equal(drops(SL_DROP_NO_INTERFACE), 1);
	eth(&k, MAC_V10, MAC_HOST, 0, 0x0800);
	ip4_udp(&k, IP_HOST, IP_REMOTE, 64, false, 10);
	assert_int_equal(deliver(&k, PORT_LAN), SL_V_DROP);
	assert_int_equal(drops(SL_DROP_L2_NOT_FOR_US), 1);
	/* a port without interfaces */
	assert_int_equal(deliver(&k, PORT_UNUSED), SL_V_DROP);
	assert_int_equal(drops(SL_DROP_NO_INTERFACE), 2);
	check_accounting(__func__);
}

static void qinq_dropped(void **state)
{
	static const uint16_t outer[] = {0x88a8, 0x9100};
	struct pkt k;

	(void)state;
	for (unsigned int i = 0; i < RTE_DIM(outer); i++) {
		eth(&k, MAC_LAN0, MAC_HOST, 10, 0x8100);
		put16(k.b + 12, outer[i]);
		put16(k.b + 18, 0x0800);
		k.l3 = 22;
		ip4_udp(&k, IP_HOST, IP_REMOTE, 64, false, 10);
		assert_int_equal(deliver(&k, PORT_LAN), SL_V_DROP);
	}
	/* two 802.1Q tags */
	eth(&k, MAC_V10, MAC_HOST, 10, 0x8100);
	put16(k.b + 18, 20);
	put16(k.b + 20, 0x0800);
	k.l3 = 22;
	ip4_udp(&k, IP_HOST, IP_REMOTE, 64, false, 10);
	assert_int_equal(deliver(&k, PORT_LAN), SL_V_DROP);
	assert_int_equal(drops(SL_DROP_VLAN_QINQ), 3);
	assert_int_equal(C->cap.n, 0);
	check_accounting(__func__);
}

/* ---- ARP and neighbour resolution ---------------------------------------- */

static void arp_request_for_our_address_answered(void **state)
{
	static const uint8_t zero[6];
	struct pkt k;
	const uint8_t *f, *a;
	uint32_t idx;
	struct sl_ip host = {.family = SL_AF_INET};
	uint64_t w;

	(void)state;
	eth(&k, MAC_BCAST, MAC_HOST, 0, 0x0806);
	arp(&k, 1, MAC_HOST, IP_HOST, zero, IP_LAN0);
	assert_int_equal(deliver(&k, PORT_LAN), SL_V_SLOW);
	assert_int_equal(C->cap.n, 1);
	assert_int_equal(C->cap.iface[0], IF_LAN0);
	assert_int_equal(cap_len(0), 42);
	f = cap_data(0);
	assert_memory_equal(f, MAC_HOST, 6);
	assert_memory_equal(f + 6, MAC_LAN0, 6);
	assert_int_equal(get16(f + 12), 0x0806);
	a = f + 14;
	assert_int_equal(get16(a), 1);
	assert_int_equal(get16(a + 2), 0x0800);
	assert_int_equal(a[4], 6);
	assert_int_equal(a[5], 4);
	assert_int_equal(get16(a + 6), 2);
	assert_memory_equal(a + 8, MAC_LAN0, 6);
	assert_memory_equal(a + 14, IP_LAN0, 4);
	assert_memory_equal(a + 18, MAC_HOST, 6);
	assert_memory_equal(a + 24, IP_HOST, 4);
	assert_int_equal(C->s.stats.local, 1);
	assert_int_equal(C->s.stats.event[SL_EV_ARP_REPLIES], 1);

	/* the requester is learned */
	memcpy(&host.v4, IP_HOST, 4);
	idx = sl_neigh_find(&C->dp.neigh, IF_LAN0, &host);
	assert_int_not_equal(idx, SL_NEIGH_NONE);
	assert_true(sl_neigh_mac(&C->dp.neigh.e[idx], &w));
	assert_memory_equal(&w, MAC_HOST, 6);

	/* a request for somebody else is ignored */
	eth(&k, MAC_BCAST, MAC_HOST, 0, 0x0806);
	arp(&k, 1, MAC_HOST, IP_HOST, zero, IP_HOST20);
	assert_int_equal(deliver(&k, PORT_LAN), SL_V_SLOW);
	assert_int_equal(C->cap.n, 1);
	assert_int_equal(drops(SL_DROP_ARP_IGNORED), 1);
	check_accounting(__func__);
}

/* A packet from the Internet to 192.168.1.20, which nobody has resolved. */
static void send_to_unresolved(unsigned int payload)
{
	struct pkt k;

	eth(&k, MAC_WAN0, MAC_WAN_GW, 0, 0x0800);
	ip4_udp(&k, IP_WAN_PEER, IP_HOST20, 64, false, payload);
	assert_int_equal(deliver(&k, PORT_WAN), SL_V_SLOW);
}

static void assert_arp_request_for(unsigned int i, const uint8_t *target)
{
	const uint8_t *f = cap_data(i), *a = f + 14;

	assert_int_equal(C->cap.iface[i], IF_LAN0);
	assert_memory_equal(f, MAC_BCAST, 6);
	assert_memory_equal(f + 6, MAC_LAN0, 6);
	assert_int_equal(get16(f + 12), 0x0806);
	assert_int_equal(get16(a), 1);
	assert_int_equal(get16(a + 2), 0x0800);
	assert_int_equal(get16(a + 6), 1);
	assert_memory_equal(a + 8, MAC_LAN0, 6);
	assert_memory_equal(a + 14, IP_LAN0, 4);
	assert_memory_equal(a + 24, target, 4);
}

static void unresolved_next_hop_holds_packet_and_sends_arp(void **state)
{
	struct pkt k;

	(void)state;
	eth(&k, MAC_WAN0, MAC_WAN_GW, 0, 0x0800);
	ip4_udp(&k, IP_WAN_PEER, IP_HOST20, 64, false, 30);
	{
		struct rte_mbuf *m = mbuf_of(k.b, k.len);
		uint16_t v;
		sl_pipeline_run(&C->w, &m, 1, PORT_WAN, C->now, &v);
		assert_int_equal(v, SL_V_SLOW);
		assert_int_equal(sl_meta(m)->slow, SL_SLOW_NEIGH_MISS);
		sl_slow_input(&C->s, m, C->now);
	}
	assert_int_equal(C->cap.n, 1);
	assert_arp_request_for(0, IP_HOST20);
	assert_int_equal(C->s.held, 1);
	assert_int_equal(C->s.stats.event[SL_EV_ARP_REQUESTS], 1);
	check_accounting(__func__);
}

static void held_packet_released_on_arp_reply(void **state)
{
	struct pkt k, sent;
	const uint8_t *f;

	(void)state;
	eth(&sent, MAC_WAN0, MAC_WAN_GW, 0, 0x0800);
	ip4_udp(&sent, IP_WAN_PEER, IP_HOST20, 64, false, 30);
	assert_int_equal(deliver(&sent, PORT_WAN), SL_V_SLOW);
	assert_int_equal(C->s.held, 1);
	cap_clear();

	C->now += 1000000; /* 1 ms later */
	eth(&k, MAC_LAN0, MAC_HOST20, 0, 0x0806);
	arp(&k, 2, MAC_HOST20, IP_HOST20, MAC_LAN0, IP_LAN0);
	assert_int_equal(deliver(&k, PORT_LAN), SL_V_SLOW);
	assert_int_equal(C->s.held, 0);
	assert_int_equal(C->cap.n, 1);
	assert_int_equal(C->cap.iface[0], IF_LAN0);
	f = cap_data(0);
	assert_memory_equal(f, MAC_HOST20, 6);
	assert_memory_equal(f + 6, MAC_LAN0, 6);
	assert_int_equal(f[14 + 8], 63);
	assert_ip4_valid(f + 14);
	assert_memory_equal(f + 14 + 20, sent.b + 14 + 20, 8 + 30);
	assert_int_equal(cap_len(0), 14 + 28 + 30);
	assert_int_equal(totals().forwarded, 1);
	assert_int_equal(C->s.stats.local, 1);

	/* now resolved: the fast path forwards directly */
	assert_int_equal(deliver(&sent, PORT_WAN), IF_LAN0);
	assert_memory_equal(cap_data(1), MAC_HOST20, 6);
	check_accounting(__func__);
}

static void hold_queue_overflow_counted(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < SL_NEIGH_HOLD_MAX + 2; i++)
		send_to_unresolved(10 + i);
	assert_int_equal(C->s.held, SL_NEIGH_HOLD_MAX);
	assert_int_equal(drops(SL_DROP_NEIGH_QUEUE_FULL), 2);
	/* one request, not one per packet */
	assert_int_equal(C->cap.n, 1);
	assert_int_equal(C->s.stats.event[SL_EV_ARP_REQUESTS], 1);
	check_accounting(__func__);
}

static void neighbour_failure_after_three_probes_drops_held_packets_host_unreachable(void **state)
{
	const uint64_t t0 = C->now, s = 1000000000ull;

	(void)state;
	send_to_unresolved(10);
	send_to_unresolved(11);
	assert_int_equal(C->cap.n, 1);
	assert_int_equal(C->s.held, 2);

	sl_slow_timers(&C->s, t0 + s / 2); /* not yet */
	assert_int_equal(C->cap.n, 1);
	sl_slow_timers(&C->s, t0 + s); /* second probe after 1 s */
	assert_int_equal(C->cap.n, 2);
	assert_arp_request_for(1, IP_HOST20);
	sl_slow_timers(&C->s, t0 + s + s / 2);
	assert_int_equal(C->cap.n, 2);
	sl_slow_timers(&C->s, t0 + 2 * s); /* third */
	assert_int_equal(C->cap.n, 3);
	assert_arp_request_for(2, IP_HOST20);
	assert_int_equal(C->s.held, 2);
	assert_int_equal(drops(SL_DROP_NO_NEIGHBOUR), 0);

	sl_slow_timers(&C->s, t0 + 3 * s); /* no answer to three: failed */
	assert_int_equal(C->s.held, 0);
	assert_int_equal(drops(SL_DROP_NO_NEIGHBOUR), 2);
	/* each held packet's sender told: host unreachable, in hold order */
	assert_int_equal(C->cap.n, 5);
	for (unsigned int i = 3; i < 5; i++) {
		const uint8_t *f = cap_data(i), *ip = f + 14, *ic = ip + 20;
		assert_int_equal(C->cap.iface[i], IF_WAN0);
		assert_memory_equal(f, MAC_WAN_GW, 6);
		assert_memory_equal(f + 6, MAC_WAN0, 6);
		assert_ip4_valid(ip);
		assert_int_equal(ip[9], 1);
		assert_memory_equal(ip + 16, IP_WAN_PEER, 4);
		assert_int_equal(ic[0], 3);
		assert_int_equal(ic[1], 1);
		assert_int_equal(naive_csum(ic, get16(ip + 2) - 20u, 0), 0);
		/* the quoted packet: to the host, TTL not decremented */
		assert_memory_equal(ic + 8 + 16, IP_HOST20, 4);
		assert_int_equal(ic[8 + 8], 64);
		assert_int_equal(get16(ic + 8 + 2), 28 + 10 + (i - 3)); /* payloads 10, 11 */
	}
	assert_int_equal(C->s.stats.event[SL_EV_ARP_REQUESTS], 3);
	sl_slow_timers(&C->s, t0 + 10 * s);
	assert_int_equal(C->cap.n, 5);
	check_accounting(__func__);

	/* a later packet starts resolution again */
	C->now = t0 + 20 * s;
	send_to_unresolved(12);
	assert_int_equal(C->s.held, 1);
	assert_int_equal(C->cap.n, 6);
	assert_arp_request_for(5, IP_HOST20);
	check_accounting(__func__);
}

/* ---- MTU ----------------------------------------------------------------- */

static void fragmentation_when_egress_mtu_smaller_and_df_clear(void **state)
{
	struct pkt k;
	const unsigned int payload = 1000 - 28, mtu = 576;
	/* each fragment carries a multiple of 8 bytes, at most mtu - 20 */
	const unsigned int per = (mtu - 20) / 8 * 8, l4 = 8 + payload;
	uint8_t reassembled[2048];
	unsigned int off = 0;

	(void)state;
	eth(&k, MAC_LAN0, MAC_HOST, 0, 0x0800);
	ip4_udp(&k, IP_HOST, IP_SMALL_NET, 64, false, payload);
	assert_int_equal(deliver(&k, PORT_LAN), SL_V_SLOW);
	assert_int_equal(C->cap.n, (l4 + per - 1) / per);
	assert_int_equal(C->cap.n, 2);
	for (unsigned int i = 0; i < C->cap.n; i++) {
		const uint8_t *f = cap_data(i), *ip = f + 14;
		unsigned int tot = get16(ip + 2), flags = get16(ip + 6);
		bool last = i + 1 == C->cap.n;

		assert_int_equal(C->cap.iface[i], IF_SMALL4);
		assert_memory_equal(f, MAC_SMALL4_GW, 6);
		assert_memory_equal(f + 6, MAC_SMALL4, 6);
		assert_ip4_valid(ip);
		assert_true(tot <= mtu);
		assert_int_equal(tot, 20 + (last ? l4 - off : per));
		assert_int_equal(cap_len(i), 14 + tot);
		assert_int_equal(flags & 0x1fff, off / 8);
		assert_int_equal(!!(flags & 0x2000), !last);
		assert_int_equal(flags & 0x4000, 0);
		assert_int_equal(get16(ip + 4), 0x1234);
		assert_int_equal(ip[8], 63);
		assert_int_equal(ip[9], 17);
		assert_memory_equal(ip + 12, IP_HOST, 4);
		assert_memory_equal(ip + 16, IP_SMALL_NET, 4);
		memcpy(reassembled + off, ip + 20, tot - 20);
		off += tot - 20;
	}
	assert_int_equal(off, l4);
	assert_memory_equal(reassembled, k.b + 14 + 20, l4);
	assert_int_equal(totals().forwarded, 1);
	assert_int_equal(C->s.stats.event[SL_EV_FRAGMENTS], 2);
	check_accounting(__func__);
}

/* The same with the next hop unresolved: fragments wait for ARP. */
static void fragments_held_for_unresolved_neighbour_keep_accounting_balanced(void **state)
{
	struct pkt k;
	const uint8_t host[4] = {172, 16, 0, 9};

	(void)state;
	eth(&k, MAC_LAN0, MAC_HOST, 0, 0x0800);
	ip4_udp(&k, IP_HOST, host, 64, false, 1000 - 28);
	assert_int_equal(deliver(&k, PORT_LAN), SL_V_SLOW);
	/* one ARP request on small4, the packet waiting (as fragments) */
	assert_int_equal(C->cap.n, 1);
	assert_int_equal(C->cap.iface[0], IF_SMALL4);
	check_accounting("while fragments are held");
	sl_slow_timers(&C->s, C->now + 5000000000ull);
	check_accounting("after resolution failed");
}

static void df_set_over_mtu_gives_frag_needed_with_mtu(void **state)
{
	struct pkt k;
	const unsigned int plen = 1000, quote = 576 - 28; /* RFC 1812: error fits in 576 */
	const uint8_t *f, *ip, *ic;

	(void)state;
	eth(&k, MAC_LAN0, MAC_HOST, 0, 0x0800);
	ip4_udp(&k, IP_HOST, IP_SMALL_NET, 64, true, plen - 28);
	assert_int_equal(deliver(&k, PORT_LAN), SL_V_SLOW);
	assert_int_equal(C->cap.n, 1);
	assert_int_equal(C->cap.iface[0], IF_LAN0);
	f = cap_data(0);
	assert_memory_equal(f, MAC_HOST, 6);
	assert_memory_equal(f + 6, MAC_LAN0, 6);
	ip = f + 14;
	assert_ip4_valid(ip);
	assert_memory_equal(ip + 12, IP_LAN0, 4);
	assert_memory_equal(ip + 16, IP_HOST, 4);
	assert_int_equal(get16(ip + 2), 28 + quote);
	ic = ip + 20;
	assert_int_equal(ic[0], 3);
	assert_int_equal(ic[1], 4);
	assert_int_equal(get16(ic + 4), 0);
	assert_int_equal(get16(ic + 6), 576);
	assert_int_equal(naive_csum(ic, 8 + quote, 0), 0);
	assert_memory_equal(ic + 8, k.b + 14, quote);
	assert_int_equal(drops(SL_DROP_MTU_EXCEEDED), 1);
	check_accounting(__func__);
}

static void ipv6_over_mtu_gives_packet_too_big(void **state)
{
	struct pkt k;
	const unsigned int plen = 1400, mtu = 1280, quote = mtu - 48;
	const uint8_t *f, *ip, *ic;
	uint8_t ph[40];

	(void)state;
	eth(&k, MAC_LAN0, MAC_HOST, 0, 0x86dd);
	ip6_udp(&k, IP6_HOST, IP6_SMALL_NET, 64, plen - 48);
	{
		struct rte_mbuf *m = mbuf_of(k.b, k.len);
		uint16_t v;
		sl_pipeline_run(&C->w, &m, 1, PORT_LAN, C->now, &v);
		assert_int_equal(v, SL_V_SLOW);
		assert_int_equal(sl_meta(m)->slow, SL_SLOW_TOO_BIG);
		sl_slow_input(&C->s, m, C->now);
	}
	assert_int_equal(C->cap.n, 1);
	assert_int_equal(C->cap.iface[0], IF_LAN0);
	f = cap_data(0);
	assert_memory_equal(f, MAC_HOST, 6);
	assert_memory_equal(f + 6, MAC_LAN0, 6);
	assert_int_equal(get16(f + 12), 0x86dd);
	ip = f + 14;
	assert_int_equal(ip[0] >> 4, 6);
	assert_int_equal(ip[6], 58);
	assert_memory_equal(ip + 8, IP6_LAN0, 16);
	assert_memory_equal(ip + 24, IP6_HOST, 16);
	assert_int_equal(get16(ip + 4), mtu - 40); /* the error is exactly the minimum MTU */
	assert_int_equal(cap_len(0), 14 + mtu);
	ic = ip + 40;
	assert_int_equal(ic[0], 2);
	assert_int_equal(ic[1], 0);
	assert_int_equal((uint32_t)get16(ic + 4) << 16 | get16(ic + 6), mtu);
	assert_memory_equal(ic + 8, k.b + 14, quote);
	/* checksum over the pseudo header and the message, by hand */
	memset(ph, 0, sizeof(ph));
	memcpy(ph, ip + 8, 32);
	put16(ph + 34, (uint16_t)(mtu - 40));
	ph[39] = 58;
	assert_int_equal(naive_csum(ic, mtu - 40, (uint16_t)~naive_csum(ph, 40, 0)), 0);
	assert_int_equal(drops(SL_DROP_MTU_EXCEEDED), 1);
	check_accounting(__func__);
}

static void ipv6_forward_decrements_hop_limit(void **state)
{
	struct pkt k, want;

	(void)state;
	eth(&k, MAC_LAN0, MAC_HOST, 0, 0x86dd);
	ip6_udp(&k, IP6_HOST, IP6_SMALL_NET, 64, 100);
	want = k;
	assert_int_equal(deliver(&k, PORT_LAN), IF_SMALL6);
	/* out on VLAN 20 of the small port */
	memcpy(want.b, MAC_SMALL6_GW, 6);
	memcpy(want.b + 6, MAC_SMALL6, 6);
	memmove(want.b + 18, want.b + 14, want.len - 14);
	put16(want.b + 12, 0x8100);
	put16(want.b + 14, 20);
	put16(want.b + 16, 0x86dd);
	want.len += 4;
	want.b[18 + 7] = 63;
	assert_int_equal(cap_len(0), want.len);
	assert_memory_equal(cap_data(0), want.b, want.len);
	check_accounting(__func__);
}

static void echo_request_to_gateway_answered(void **state)
{
	struct pkt k;
	const uint8_t *f, *ip;

	(void)state;
	eth(&k, MAC_LAN0, MAC_HOST, 0, 0x0800);
	ip4_echo(&k, IP_HOST, IP_LAN0, 32);
	assert_int_equal(deliver(&k, PORT_LAN), SL_V_SLOW);
	assert_int_equal(C->cap.n, 1);
	f = cap_data(0);
	ip = f + 14;
	assert_memory_equal(f, MAC_HOST, 6);
	assert_ip4_valid(ip);
	assert_memory_equal(ip + 12, IP_LAN0, 4);
	assert_memory_equal(ip + 16, IP_HOST, 4);
	assert_int_equal(ip[20], 0);
	assert_int_equal(naive_csum(ip + 20, 8 + 32, 0), 0);
	assert_memory_equal(ip + 24, k.b + 14 + 24, 4 + 32);
	assert_int_equal(C->s.stats.local, 1);
	check_accounting(__func__);
}

/* ---- every packet, one outcome ------------------------------------------ */

/* Apply a batch of config lines; 0 or the -errno of its refusal. */
static int apply_text(const char *text, char *err, size_t errlen)
{
	struct sl_cmd_list l = {0};
	char line[256];
	unsigned int n = 0;
	int rc = 0;

	/* line by line, as sluicectl sends a batch (its interfaces are the
	 * dataplane's, not declared in the batch) */
	for (const char *p = text, *e; rc == 0 && (e = strchr(p, '\n')) != NULL; p = e + 1) {
		struct sl_cmd c;
		snprintf(line, sizeof(line), "%.*s", (int)(e - p), p);
		rc = sl_cmd_parse_line(line, &c, err, errlen);
		if (rc == 0)
			rc = sl_cmd_list_append(&l, &c, ++n);
	}
	if (rc == 0)
		rc = sl_dp_apply_list(&C->dp, &l, C->now, err, errlen);
	sl_cmd_list_free(&l);
	return rc;
}

static bool has_forward(uint8_t proto, const char *ext, uint16_t port)
{
	struct sl_cmd_nat_forward f = {.proto = proto, .ext_port = port};
	struct sl_nat_forward_state st;

	inet_pton(AF_INET, ext, &f.ext_ip);
	sl_nat_forward_query(&C->dp.nat, &f, &st);
	return st.is_forward;
}

/* A batch whose last NAT line fails (no such forward, port taken, inside
 * endpoint forwarded twice, a forward deleted twice, pool del) is refused
 * whole: its route, neighbour and forward lines before it leave no trace.
 * A valid batch that moves a forward (del, then add of the same inside
 * endpoint at another port) applies. */
static void batch_with_a_failing_nat_line_changes_nothing(void **state)
{
	static const char *const bad_tails[] = {
		"nat forward del tcp 203.0.113.2:9999\n",
		"nat forward add tcp 203.0.113.2:8080 to 192.168.1.11:80\n",
		"nat forward add tcp 203.0.113.2:8081 to 192.168.1.10:80\n",
		"nat forward del tcp 203.0.113.2:7000\nnat forward del tcp 203.0.113.2:7000\n",
		"nat pool del 203.0.113.2/32\n",
		"neighbor del 192.168.1.99 dev lan0\n",
		"neighbor add 192.168.1.98 lladdr 02:00:00:00:01:62 dev lan0\n"
		"neighbor del 192.168.1.98 dev lan0\nneighbor del 192.168.1.98 dev lan0\n",
	};
	struct sl_ip ip = {.family = SL_AF_INET};
	struct sl_prefix pfx = {.addr = {.family = SL_AF_INET}, .len = 16};
	char text[1024], err[256];

	(void)state;
	inet_pton(AF_INET, "10.60.0.0", &pfx.addr.v4);
	assert_int_equal(apply_text("nat pool add 203.0.113.2/32 ports 1024-65535\n"
				    "nat forward add tcp 203.0.113.2:7000 to 192.168.1.20:22\n",
				 err, sizeof(err)),
		0);
	for (unsigned int i = 0; i < sizeof(bad_tails) / sizeof(bad_tails[0]); i++) {
		snprintf(text, sizeof(text),
			"route add 10.60.0.0/16 via 192.168.1.60 dev lan0\n"
			"neighbor add 192.168.1.60 lladdr 02:00:00:00:01:3c dev lan0\n"
			"nat forward add tcp 203.0.113.2:8080 to 192.168.1.10:80\n"
			"%s",
			bad_tails[i]);
		assert_int_equal(apply_text(text, err, sizeof(err)), -EINVAL);
		if (strstr(err, "line ") == NULL)
			fail_msg("tail %u: %s", i, err);
		assert_int_equal(sl_fib_get(&C->dp.fib, &pfx, NULL), SL_NH_NONE);
		inet_pton(AF_INET, "192.168.1.60", &ip.v4);
		assert_int_equal(sl_neigh_find(&C->dp.neigh, 0, &ip), SL_NEIGH_NONE);
		assert_false(has_forward(6, "203.0.113.2", 8080));
		assert_true(has_forward(6, "203.0.113.2", 7000));
	}
	/* moving the inside endpoint of a forward within one batch is fine */
	assert_int_equal(apply_text("nat forward del tcp 203.0.113.2:7000\n"
				    "nat forward add tcp 203.0.113.2:7001 to 192.168.1.20:22\n",
				 err, sizeof(err)),
		0);
	assert_false(has_forward(6, "203.0.113.2", 7000));
	assert_true(has_forward(6, "203.0.113.2", 7001));
	/* a forward pointed elsewhere at once (its port's cool-down does not
	 * hold a forward back), and a re-pushed config's same lines: no-ops */
	assert_int_equal(apply_text("nat forward del tcp 203.0.113.2:7001\n"
				    "nat forward add tcp 203.0.113.2:7001 to 192.168.1.21:22\n",
				 err, sizeof(err)),
		0);
	assert_int_equal(apply_text("nat pool add 203.0.113.2/32 ports 1024-65535\n"
				    "nat forward add tcp 203.0.113.2:7001 to 192.168.1.21:22\n",
				 err, sizeof(err)),
		0);
	assert_int_equal(
		apply_text("nat pool add 203.0.113.2/32 ports 2000-3000\n", err, sizeof(err)),
		-EINVAL);
	assert_true(has_forward(6, "203.0.113.2", 7001));
}

static void random_frame(struct pkt *k, uint16_t *port)
{
	static const uint8_t zero[6];
	uint8_t dst4[4], src4[4], dst6[16];
	unsigned int kind = test_below(&rng, 14), payload = test_below(&rng, 1460);
	bool df = test_below(&rng, 2);
	uint8_t ttl = (uint8_t[]){0, 1, 2, 64, 255}[test_below(&rng, 5)];

	*port = PORT_LAN;
	memcpy(src4, IP_HOST, 4);
	switch (kind) {
	case 0: /* to the Internet */
		eth(k, MAC_LAN0, MAC_HOST, 0, 0x0800);
		test_fill(&rng, dst4, 4);
		ip4_udp(k, src4, dst4, ttl, df, payload);
		break;
	case 1: /* to a LAN host, resolved or not */
		*port = PORT_WAN;
		eth(k, MAC_WAN0, MAC_WAN_GW, 0, 0x0800);
		memcpy(dst4, IP_HOST, 4);
		dst4[3] = (uint8_t)(2 + test_below(&rng, 6));
		ip4_udp(k, IP_WAN_PEER, dst4, ttl, df, payload);
		break;
	case 2: /* big, to an unresolved host behind the small MTU: fragments held */
		eth(k, MAC_LAN0, MAC_HOST, 0, 0x0800);
		memcpy(dst4, (uint8_t[]){172, 16, 0, (uint8_t)(3 + test_below(&rng, 4))}, 4);
		ip4_udp(k, src4, dst4, 64, df, 600 + test_below(&rng, 800));
		break;
	case 3: /* via the small MTU gateway */
		eth(k, MAC_LAN0, MAC_HOST, 0, 0x0800);
		ip4_udp(k, src4, IP_SMALL_NET, ttl, df, payload);
		break;
	case 4: /* to the gateway */
		eth(k, MAC_LAN0, MAC_HOST, 0, 0x0800);
		if (test_below(&rng, 2))
			ip4_echo(k, src4, IP_LAN0, payload);
		else
			ip4_udp(k, src4, IP_LAN0, ttl, df, payload);
		break;
	case 5: /* ARP */
		eth(k, test_below(&rng, 2) ? MAC_BCAST : MAC_LAN0, MAC_HOST20, 0, 0x0806);
		dst4[0] = 192;
		dst4[1] = 168;
		dst4[2] = 1;
		dst4[3] = (uint8_t)test_below(&rng, 8);
		src4[3] = (uint8_t)(2 + test_below(&rng, 6));
		if (test_below(&rng, 2))
			arp(k, 1, MAC_HOST20, src4, zero, dst4);
		else
			arp(k, 2, MAC_HOST20, src4, MAC_LAN0, IP_LAN0);
		break;
	case 6: /* IPv6 through the small MTU */
		eth(k, MAC_LAN0, MAC_HOST, 0, 0x86dd);
		ip6_udp(k, IP6_HOST, IP6_SMALL_NET, ttl, payload);
		break;
	case 7: /* IPv6 to the LAN, unresolved */
		*port = PORT_WAN;
		eth(k, MAC_WAN0, MAC_WAN_GW, 0, 0x86dd);
		memcpy(dst6, IP6_HOST, 16);
		dst6[15] = (uint8_t)test_below(&rng, 8);
		ip6_udp(k, IP6_SMALL_NET, dst6, ttl, payload);
		break;
	case 8: /* VLAN */
		eth(k, MAC_V10, MAC_V10_HOST,
			test_below(&rng, 4) ? 10 : (uint16_t)test_below(&rng, 4096), 0x0800);
		test_fill(&rng, dst4, 4);
		ip4_udp(k, IP_V10_HOST, dst4, ttl, df, payload);
		break;
	case 9: /* random bytes */
		memset(k, 0, sizeof(*k));
		k->len = test_below(&rng, 200);
		test_fill(&rng, k->b, k->len);
		if (test_below(&rng, 2) && k->len >= 6)
			memcpy(k->b, MAC_LAN0, 6);
		break;
	default: /* a valid frame, then damaged */
		eth(k, MAC_LAN0, MAC_HOST, 0, 0x0800);
		test_fill(&rng, dst4, 4);
		ip4_udp(k, src4, dst4, ttl, df, payload);
		for (unsigned int n = 1 + test_below(&rng, 4); n > 0; n--)
			k->b[test_below(&rng, 60)] = (uint8_t)test_rand(&rng);
		if (test_below(&rng, 3) == 0)
			k->len = test_below(&rng, k->len + 1);
	}
	if (test_below(&rng, 20) == 0)
		*port = (uint16_t)test_below(&rng, 4);
}

static void every_received_packet_has_exactly_one_outcome(void **state)
{
	unsigned int frames = 0;

	(void)state;
	for (int burst = 0; burst < 2000; burst++) {
		struct rte_mbuf *m[SL_BURST];
		uint16_t v[SL_BURST], port = PORT_LAN,
				      n = (uint16_t)(1 + test_below(&rng, SL_BURST));
		struct pkt k;

		for (uint16_t i = 0; i < n; i++) {
			uint16_t p;
			do
				random_frame(&k, &p);
			while (i > 0 && p != port);
			port = p;
			m[i] = mbuf_of(k.b, k.len);
		}
		sl_pipeline_run(&C->w, m, n, port, C->now, v);
		for (uint16_t i = 0; i < n; i++) {
			if (v[i] == SL_V_SLOW)
				sl_slow_input(&C->s, m[i], C->now);
			else if (v[i] == SL_V_DROP)
				rte_pktmbuf_free(m[i]);
			else if (v[i] < SL_IFACE_MAX)
				cap_tx(&C->cap, v[i], m[i]);
			else
				fail_msg("verdict %u", v[i]);
		}
		frames += n;
		cap_clear();
		C->now += test_below(&rng, 300000000);
		sl_slow_timers(&C->s, C->now);
		check_accounting("after a burst");
		assert_int_equal(totals().rx, frames);
	}
	sl_slow_flush(&C->s, SL_DROP_SHUTDOWN);
	assert_int_equal(C->s.held, 0);
	check_accounting("after flush");
	struct sl_stats t = totals();
	printf("# %u frames: forwarded %" PRIu64 ", local %" PRIu64 ", dropped %" PRIu64 "\n",
		frames, t.forwarded, t.local, sl_stats_dropped(&t));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_gateway, teardown_gateway)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(ipv4_forward_decrements_ttl_and_rewrites_macs),
		T(batch_with_a_failing_nat_line_changes_nothing),
		T(ethernet_padding_trimmed_on_forward),
		T(ipv4_bad_checksum_dropped_as_bad_ip_header),
		T(directed_broadcast_source_is_martian),
		T(ttl_one_goes_to_slow_path_and_yields_time_exceeded),
		T(vlan_tag_selects_logical_interface),
		T(qinq_dropped),
		T(arp_request_for_our_address_answered),
		T(unresolved_next_hop_holds_packet_and_sends_arp),
		T(held_packet_released_on_arp_reply),
		T(hold_queue_overflow_counted),
		T(neighbour_failure_after_three_probes_drops_held_packets_host_unreachable),
		T(fragmentation_when_egress_mtu_smaller_and_df_clear),
		T(fragments_held_for_unresolved_neighbour_keep_accounting_balanced),
		T(df_set_over_mtu_gives_frag_needed_with_mtu),
		T(ipv6_over_mtu_gives_packet_too_big),
		T(ipv6_forward_decrements_hop_limit),
		T(echo_request_to_gateway_answered),
		T(every_received_packet_has_exactly_one_outcome),
	};

	if (test_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	pool = rte_pktmbuf_pool_create("test_pool", POOL_SIZE, 0,
		RTE_ALIGN(sizeof(struct sl_meta), RTE_MBUF_PRIV_ALIGN), RTE_MBUF_DEFAULT_BUF_SIZE,
		SOCKET_ID_ANY);
	if (pool == NULL) {
		fprintf(stderr, "mbuf pool: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	test_rng_init(&rng, test_seed("pipeline", 2026));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
