/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NAT44 session table through its public API (sl_nat_create / apply /
 * outbound / inbound / find / reap), with a virtual clock: the behaviour of
 * README "NAT44 behaviour, exactly", one test per rule, then a randomised
 * comparison against a naive reference model (plain arrays, linear scans)
 * over thousands of outbound packets, inbound packets, clock steps and reaps.
 *
 * The harness plays the pipeline's part where the API leaves it to the
 * caller: a packet that hits a session refreshes its last-seen time and
 * records its TCP flags (nat_apply in pipeline.c does the same).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <sluice/nat.h>

#include "nat_int.h"
#include "test_common.h"

#define SEC(s) ((uint64_t)(s)*1000000000ull)
#define MS(s)  ((uint64_t)(s)*1000000ull)

#define UDP  17
#define TCP  6
#define ICMP 1

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

static struct test_rng rng;

/* ---- helpers ---------------------------------------------------------- */

static uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t x[4] = {a, b, c, d};
	uint32_t v;

	memcpy(&v, x, 4);
	return v;
}

/* A packet's tuple; ports in host order here, network order in the tuple. */
static struct sl_nat_tuple tup(
	uint8_t proto, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	return (struct sl_nat_tuple){.src = src,
		.dst = dst,
		.sport = rte_cpu_to_be_16(sport),
		.dport = rte_cpu_to_be_16(dport),
		.proto = proto};
}

/* The reply to a packet with tuple @p t. */
static struct sl_nat_tuple rev(const struct sl_nat_tuple *t)
{
	return (struct sl_nat_tuple){.src = t->dst,
		.dst = t->src,
		.sport = t->dport,
		.dport = t->sport,
		.proto = t->proto};
}

static bool tup_eq(const struct sl_nat_tuple *a, const struct sl_nat_tuple *b)
{
	return a->src == b->src && a->dst == b->dst && a->sport == b->sport &&
	       a->dport == b->dport && a->proto == b->proto;
}

static void cmd(struct sl_nat *n, const struct sl_cmd *c)
{
	char err[128] = "";
	int rc = sl_nat_apply(n, c, err, sizeof(err));

	if (rc != 0)
		print_error("sl_nat_apply(%d): %d %s\n", c->type, rc, err);
	assert_int_equal(rc, 0);
}

static void pool_add(struct sl_nat *n, uint32_t ip, uint8_t len, uint16_t lo, uint16_t hi)
{
	struct sl_cmd c = {.type = SL_CMD_NAT_POOL_ADD};

	c.nat_pool.prefix.addr.family = SL_AF_INET;
	c.nat_pool.prefix.addr.v4 = ip;
	c.nat_pool.prefix.len = len;
	c.nat_pool.port_lo = lo;
	c.nat_pool.port_hi = hi;
	cmd(n, &c);
}

static void param(struct sl_nat *n, enum sl_cmd_type type, uint32_t kind, uint32_t value)
{
	struct sl_cmd c = {.type = type};

	c.nat.kind = kind;
	c.nat.value = value;
	cmd(n, &c);
}

/* @p ext_port and @p int_port in host order (as the command carries them). */
static int forward(struct sl_nat *n, enum sl_cmd_type type, uint8_t proto, uint32_t ext_ip,
	uint16_t ext_port, uint32_t int_ip, uint16_t int_port)
{
	struct sl_cmd c = {.type = type};
	char err[128];

	c.nat_fwd = (struct sl_cmd_nat_forward){.proto = proto,
		.ext_ip = ext_ip,
		.ext_port = ext_port,
		.int_ip = int_ip,
		.int_port = int_port};
	return sl_nat_apply(n, &c, err, sizeof(err));
}

static struct sl_nat *nat_new(uint32_t max_sessions)
{
	struct sl_nat *n = calloc(1, sizeof(*n));

	assert_non_null(n);
	assert_int_equal(sl_nat_create(n, max_sessions, NULL, 42), 0);
	return n;
}

static void nat_free(struct sl_nat *n)
{
	sl_nat_destroy(n);
	free(n);
}

/* What the pipeline does to a session a packet hits in direction @p dir. */
static void touch(struct sl_nat *n, uint32_t idx, unsigned int dir, uint8_t flags, uint64_t now)
{
	struct sl_nat_session *s = &n->sess[idx];

	if (s->t[0].proto == TCP && sl_nat_tcp_moves(s->tcp, flags))
		nat_tcp_track(s, dir, flags);
	s->last_seen = now;
}

/* An outbound packet: the session it belongs to (created if needed), touched. */
static uint32_t out(struct sl_nat *n, const struct sl_nat_tuple *t, uint8_t flags, uint64_t now,
	enum sl_drop_reason *why)
{
	enum sl_drop_reason w = SL_DROP_MAX;
	uint32_t idx = sl_nat_outbound(n, t, flags, now, &w);

	if (why)
		*why = w;
	if (idx != SL_NAT_NONE) {
		uint32_t v = sl_nat_find(n, t, now);
		assert_int_equal(v >> 1, idx);
		touch(n, idx, v & 1, flags, now);
	}
	return idx;
}

static uint32_t in(struct sl_nat *n, const struct sl_nat_tuple *t, uint8_t flags, uint64_t now,
	enum sl_drop_reason *why)
{
	enum sl_drop_reason w = SL_DROP_MAX;
	uint32_t idx = sl_nat_inbound(n, t, flags, now, &w);

	if (why)
		*why = w;
	if (idx != SL_NAT_NONE) {
		uint32_t v = sl_nat_find(n, t, now);
		assert_int_equal(v >> 1, idx);
		touch(n, idx, v & 1, flags, now);
	}
	return idx;
}

/* The outside endpoint of outbound session @p idx (the reply's destination). */
static uint32_t ext_ip(const struct sl_nat *n, uint32_t idx)
{
	return n->sess[idx].t[1].dst;
}

static uint16_t ext_port(const struct sl_nat *n, uint32_t idx)
{
	return rte_be_to_cpu_16(n->sess[idx].t[1].dport);
}

/* The tuple of a reply to outbound session @p idx as it arrives from outside. */
static struct sl_nat_tuple reply_of(const struct sl_nat *n, uint32_t idx)
{
	return n->sess[idx].t[1];
}

static uint32_t pool0, host1, host2, host3, rem1, rem2;

/* ---- mapping and port allocation -------------------------------------- */

static void nat_reuses_mapping_for_same_inside_endpoint_across_destinations(void **state)
{
	struct sl_nat *n = nat_new(1024);
	uint32_t a, b, c;
	struct sl_nat_tuple t;

	(void)state;
	pool_add(n, pool0, 32, 1024, 65535);
	t = tup(UDP, host1, 40000, rem1, 53);
	a = out(n, &t, 0, SEC(1), NULL);
	t = tup(UDP, host1, 40000, rem2, 53);
	b = out(n, &t, 0, SEC(2), NULL);
	t = tup(UDP, host1, 40000, rem2, 123);
	c = out(n, &t, 0, SEC(3), NULL);
	assert_int_not_equal(a, SL_NAT_NONE);
	assert_int_not_equal(b, SL_NAT_NONE);
	assert_int_not_equal(c, SL_NAT_NONE);
	assert_true(a != b && b != c && a != c);
	assert_int_equal(ext_ip(n, a), pool0);
	assert_int_equal(ext_ip(n, b), pool0);
	assert_int_equal(ext_ip(n, c), pool0);
	assert_int_equal(ext_port(n, a), ext_port(n, b));
	assert_int_equal(ext_port(n, a), ext_port(n, c));
	/* the same packet again: the same session */
	t = tup(UDP, host1, 40000, rem1, 53);
	assert_int_equal(out(n, &t, 0, SEC(4), NULL), a);
	assert_int_equal(n->n_sessions, 3);
	nat_free(n);
}

static void nat_keeps_inside_port_when_free(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t;
	uint32_t a;

	(void)state;
	pool_add(n, pool0, 32, 1024, 65535);
	t = tup(UDP, host1, 5353, rem1, 53);
	a = out(n, &t, 0, SEC(1), NULL);
	assert_int_not_equal(a, SL_NAT_NONE);
	assert_int_equal(ext_port(n, a), 5353);
	t = tup(TCP, host2, 40001, rem1, 80);
	a = out(n, &t, TH_SYN, SEC(1), NULL);
	assert_int_equal(ext_port(n, a), 40001);
	/* the same number in another protocol is another port */
	t = tup(TCP, host1, 5353, rem1, 80);
	a = out(n, &t, TH_SYN, SEC(1), NULL);
	assert_int_equal(ext_port(n, a), 5353);
	/* ICMP echo: the identifier is the port */
	t = tup(ICMP, host1, 4242, rem1, 0);
	a = out(n, &t, 0, SEC(1), NULL);
	assert_int_equal(ext_port(n, a), 4242);
	nat_free(n);
}

static void nat_gives_port_outside_range_one_inside_range(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t;

	(void)state;
	pool_add(n, pool0, 32, 20000, 20099);
	for (uint16_t p = 1; p < 40; p++) {
		t = tup(UDP, host1, p, rem1, 53);
		uint32_t a = out(n, &t, 0, SEC(1), NULL);
		assert_int_not_equal(a, SL_NAT_NONE);
		assert_in_range(ext_port(n, a), 20000, 20099);
	}
	nat_free(n);
}

static void nat_gives_colliding_port_another_in_range(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t;
	uint16_t seen[8];

	(void)state;
	pool_add(n, pool0, 32, 2000, 2099);
	/* eight hosts on the same address all want 2000 */
	for (int h = 0; h < 8; h++) {
		t = tup(UDP, ip4(192, 168, 1, (uint8_t)(10 + h)), 2000, rem1, 53);
		uint32_t a = out(n, &t, 0, SEC(1), NULL);
		assert_int_not_equal(a, SL_NAT_NONE);
		assert_int_equal(ext_ip(n, a), pool0);
		seen[h] = ext_port(n, a);
		assert_in_range(seen[h], 2000, 2099);
		for (int j = 0; j < h; j++)
			assert_int_not_equal(seen[j], seen[h]);
	}
	assert_int_equal(seen[0], 2000); /* the first keeps it */
	nat_free(n);
}

static void nat_pairs_hosts_with_pool_addresses_round_robin(void **state)
{
	struct sl_nat *n = nat_new(1024);
	uint32_t base = ip4(203, 0, 113, 8);
	struct sl_nat_tuple t;

	(void)state;
	pool_add(n, base, 30, 1024, 65535);
	/* hosts at their first session: addresses .8 .9 .10 .11 .8 .9 in pool order */
	for (int h = 0; h < 6; h++) {
		t = tup(UDP, ip4(192, 168, 1, (uint8_t)(10 + h)), 1000, rem1, 53);
		uint32_t a = out(n, &t, 0, SEC(1), NULL);
		assert_int_not_equal(a, SL_NAT_NONE);
		assert_int_equal(ext_ip(n, a), ip4(203, 0, 113, (uint8_t)(8 + h % 4)));
	}
	/* later sessions of a host, any protocol or port, keep its address */
	for (int h = 0; h < 6; h++)
		for (int k = 0; k < 5; k++) {
			uint8_t proto = k % 3 == 0 ? UDP : k % 3 == 1 ? TCP : ICMP;
			t = tup(proto, ip4(192, 168, 1, (uint8_t)(10 + h)), (uint16_t)(3000 + k),
				rem2, proto == ICMP ? 0 : 443);
			uint32_t a = out(n, &t, TH_SYN, SEC(2), NULL);
			assert_int_not_equal(a, SL_NAT_NONE);
			assert_int_equal(ext_ip(n, a), ip4(203, 0, 113, (uint8_t)(8 + h % 4)));
		}
	nat_free(n);
}

static void nat_port_exhaustion_drops_and_keeps_other_sessions(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t, r;
	enum sl_drop_reason why;
	uint32_t s[4], x;

	(void)state;
	pool_add(n, pool0, 32, 3000, 3003);
	for (int i = 0; i < 4; i++) {
		t = tup(UDP, host1, (uint16_t)(100 + i), rem1, 53);
		s[i] = out(n, &t, 0, SEC(1), NULL);
		assert_int_not_equal(s[i], SL_NAT_NONE);
	}
	t = tup(UDP, host2, 100, rem1, 53);
	x = out(n, &t, 0, SEC(2), &why);
	assert_int_equal(x, SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_PORT_EXHAUSTED);
	/* still exhausted a little later */
	x = out(n, &t, 0, SEC(10), &why);
	assert_int_equal(x, SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_PORT_EXHAUSTED);
	/* the existing sessions are intact, both ways */
	assert_int_equal(n->n_sessions, 4);
	for (int i = 0; i < 4; i++) {
		t = tup(UDP, host1, (uint16_t)(100 + i), rem1, 53);
		assert_int_equal(sl_nat_find(n, &t, SEC(10)), s[i] << 1);
		r = reply_of(n, s[i]);
		assert_int_equal(sl_nat_find(n, &r, SEC(10)), s[i] << 1 | 1);
		assert_int_equal(in(n, &r, 0, SEC(10), NULL), s[i]);
		assert_in_range(ext_port(n, s[i]), 3000, 3003);
	}
	/* other protocols have their own ports */
	t = tup(TCP, host2, 100, rem1, 80);
	assert_int_not_equal(out(n, &t, TH_SYN, SEC(10), NULL), SL_NAT_NONE);
	nat_free(n);
}

/* ---- port block allocation (nat port-block size N blocks-per-host M) ---- */

static void port_block(struct sl_nat *n, uint32_t size, uint32_t per_host)
{
	struct sl_cmd c = {.type = SL_CMD_NAT_PORT_BLOCK};

	c.nat.value = size;
	c.nat.kind = per_host;
	cmd(n, &c);
}

static void nat_port_block_gives_each_host_its_own_block(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t;
	enum sl_drop_reason why;
	uint32_t x;
	bool seen[4] = {false};

	(void)state;
	pool_add(n, pool0, 32, 3000, 3017); /* 4 blocks of 4, ports 3016-3017 left over */
	port_block(n, 4, 1);
	/* host1 gets the lowest block, 3000-3003: four different ports */
	for (int i = 0; i < 4; i++) {
		t = tup(UDP, host1, (uint16_t)(100 + i), rem1, 53);
		x = out(n, &t, 0, SEC(1), NULL);
		assert_int_not_equal(x, SL_NAT_NONE);
		assert_in_range(ext_port(n, x), 3000, 3003);
		assert_false(seen[ext_port(n, x) - 3000]);
		seen[ext_port(n, x) - 3000] = true;
	}
	/* its block is full and one block per host is the limit */
	t = tup(UDP, host1, 104, rem1, 53);
	assert_int_equal(out(n, &t, 0, SEC(1), &why), SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_PORT_EXHAUSTED);
	/* the same ports of another protocol come from the same block */
	t = tup(TCP, host1, 100, rem1, 80);
	x = out(n, &t, TH_SYN, SEC(1), NULL);
	assert_int_not_equal(x, SL_NAT_NONE);
	assert_in_range(ext_port(n, x), 3000, 3003);
	/* host2: the next block; an inside port inside it is preserved */
	t = tup(UDP, host2, 3006, rem1, 53);
	x = out(n, &t, 0, SEC(1), NULL);
	assert_int_not_equal(x, SL_NAT_NONE);
	assert_int_equal(ext_port(n, x), 3006);
	t = tup(UDP, host2, 3001, rem1, 53); /* host1's block: not preserved */
	x = out(n, &t, 0, SEC(1), NULL);
	assert_int_not_equal(x, SL_NAT_NONE);
	assert_in_range(ext_port(n, x), 3004, 3007);
	/* host3: the port it uses lies in the lowest free block, 3008-3011 */
	t = tup(UDP, host3, 3009, rem1, 53);
	x = out(n, &t, 0, SEC(1), NULL);
	assert_int_not_equal(x, SL_NAT_NONE);
	assert_int_equal(ext_port(n, x), 3009);
	assert_int_equal(n->stats.blocks_allocated, 3);
	nat_free(n);
}

static void nat_port_block_takes_more_blocks_up_to_the_limit(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t;
	enum sl_drop_reason why;
	uint32_t x;

	(void)state;
	pool_add(n, pool0, 32, 3000, 3015);
	port_block(n, 4, 2);
	for (int i = 0; i < 8; i++) {
		t = tup(UDP, host1, (uint16_t)(100 + i), rem1, 53);
		x = out(n, &t, 0, SEC(1), NULL);
		assert_int_not_equal(x, SL_NAT_NONE);
		/* the first block, then the lowest free one */
		assert_in_range(ext_port(n, x), i < 4 ? 3000 : 3004, i < 4 ? 3003 : 3007);
	}
	t = tup(UDP, host1, 108, rem1, 53);
	assert_int_equal(out(n, &t, 0, SEC(1), &why), SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_PORT_EXHAUSTED);
	/* another host is not affected */
	t = tup(UDP, host2, 100, rem1, 53);
	x = out(n, &t, 0, SEC(1), NULL);
	assert_int_not_equal(x, SL_NAT_NONE);
	assert_in_range(ext_port(n, x), 3008, 3011);
	nat_free(n);
}

static void nat_port_block_returns_to_the_pool_after_cool_down(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t;
	enum sl_drop_reason why;
	uint32_t x;

	(void)state;
	pool_add(n, pool0, 32, 3000, 3003); /* one block */
	port_block(n, 4, 1);
	t = tup(UDP, host1, 100, rem1, 53);
	assert_int_not_equal(out(n, &t, 0, SEC(1), NULL), SL_NAT_NONE);
	/* idle after 300 s, its port cools down until 421 s: no block for host2 */
	t = tup(UDP, host2, 100, rem1, 53);
	assert_int_equal(out(n, &t, 0, SEC(2), &why), SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_PORT_EXHAUSTED);
	sl_nat_reap(n, SEC(400), 1u << 20);
	assert_int_equal(out(n, &t, 0, SEC(410), &why), SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_PORT_EXHAUSTED);
	/* after the cool-down the block is free and goes to host2 */
	x = out(n, &t, 0, SEC(430), NULL);
	assert_int_not_equal(x, SL_NAT_NONE);
	assert_in_range(ext_port(n, x), 3000, 3003);
	/* and host1 has none left */
	t = tup(UDP, host1, 101, rem1, 53);
	assert_int_equal(out(n, &t, 0, SEC(431), &why), SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_PORT_EXHAUSTED);
	nat_free(n);
}

/* A static forward's port in a block does not keep the block with a host;
 * once the forward is removed its port cools down like any other, and the
 * block stays its host's while a dynamic port or a cool-down is in it. */
static void nat_port_block_counts_a_removed_forwards_cool_down(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t;
	enum sl_drop_reason why;
	uint32_t x;

	(void)state;
	pool_add(n, pool0, 32, 3000, 3003); /* one block */
	port_block(n, 4, 1);
	assert_int_equal(forward(n, SL_CMD_NAT_FORWARD_ADD, UDP, pool0, 3000, host3, 53), 0);
	t = tup(UDP, host1, 100, rem1, 53);
	x = out(n, &t, 0, SEC(1), NULL);
	assert_int_not_equal(x, SL_NAT_NONE);
	assert_in_range(ext_port(n, x), 3001, 3003);
	/* the forward goes: its port cools down until 122 s */
	assert_int_equal(forward(n, SL_CMD_NAT_FORWARD_DEL, UDP, pool0, 3000, 0, 0), 0);
	/* at 200 s host1's session (UDP 300 s) still holds the block */
	sl_nat_reap(n, SEC(200), 1u << 20);
	t = tup(UDP, host2, 100, rem1, 53);
	assert_int_equal(out(n, &t, 0, SEC(200), &why), SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_PORT_EXHAUSTED);
	/* idle since 1 s: ended at 301 s, cooled down at 421 s; then the
	 * block (the old forward's port included) is free for host2 */
	sl_nat_reap(n, SEC(430), 1u << 20);
	x = out(n, &t, 0, SEC(430), NULL);
	assert_int_not_equal(x, SL_NAT_NONE);
	assert_in_range(ext_port(n, x), 3000, 3003);
	nat_free(n);
}

static void nat_port_block_change_refused_while_sessions_exist(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t;
	struct sl_cmd c = {.type = SL_CMD_NAT_PORT_BLOCK};
	char err[128] = "";

	(void)state;
	pool_add(n, pool0, 32, 3000, 3015);
	t = tup(UDP, host1, 100, rem1, 53);
	assert_int_not_equal(out(n, &t, 0, SEC(1), NULL), SL_NAT_NONE);
	c.nat.value = 4;
	c.nat.kind = 1;
	assert_int_equal(sl_nat_apply(n, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "port-block"));
	assert_int_equal(n->pb_size, 0);
	nat_free(n);
}

static void nat_limits_sessions_per_host(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t;
	enum sl_drop_reason why;

	(void)state;
	pool_add(n, pool0, 32, 1024, 65535);
	param(n, SL_CMD_NAT_LIMIT, 0, 3);
	for (int i = 0; i < 3; i++) {
		t = tup(UDP, host1, 5000, rem1, (uint16_t)(53 + i));
		assert_int_not_equal(out(n, &t, 0, SEC(1), NULL), SL_NAT_NONE);
	}
	t = tup(UDP, host1, 5001, rem1, 53);
	assert_int_equal(out(n, &t, 0, SEC(1), &why), SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_SESSION_LIMIT);
	/* existing sessions of that host still pass */
	t = tup(UDP, host1, 5000, rem1, 54);
	assert_int_not_equal(out(n, &t, 0, SEC(2), NULL), SL_NAT_NONE);
	/* other hosts are unaffected */
	t = tup(UDP, host2, 5000, rem1, 53);
	assert_int_not_equal(out(n, &t, 0, SEC(2), NULL), SL_NAT_NONE);
	assert_int_equal(n->n_sessions, 4);
	nat_free(n);
}

/* A session whose idle time has passed is no session: it does not count. */
static void nat_session_limit_ignores_expired_sessions(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t;
	enum sl_drop_reason why = SL_DROP_MAX;

	(void)state;
	pool_add(n, pool0, 32, 1024, 65535);
	param(n, SL_CMD_NAT_LIMIT, 0, 2);
	for (int i = 0; i < 2; i++) {
		t = tup(UDP, host1, 5000, rem1, (uint16_t)(53 + i));
		assert_int_not_equal(out(n, &t, 0, SEC(1), NULL), SL_NAT_NONE);
	}
	/* both idle for more than the UDP timeout (300 s) */
	t = tup(UDP, host1, 6000, rem2, 53);
	uint32_t x = out(n, &t, 0, SEC(1 + 301), &why);
	if (x == SL_NAT_NONE)
		print_error("new session refused (drop %d) although the host's sessions expired\n",
			why);
	assert_int_not_equal(x, SL_NAT_NONE);
	nat_free(n);
}

/* Hosts with no session left must not fill a table of hosts for ever. */
static void nat_accepts_new_hosts_after_old_ones_expire(void **state)
{
	struct sl_nat *n = nat_new(64);
	struct sl_nat_tuple t;
	enum sl_drop_reason why = SL_DROP_MAX;
	uint64_t now = SEC(1);

	(void)state;
	pool_add(n, pool0, 32, 1024, 65535);
	/* 200 hosts one after the other, each idle long before the next comes */
	for (int h = 0; h < 200; h++) {
		t = tup(UDP, ip4(10, 1, (uint8_t)(h >> 8), (uint8_t)h), 4000, rem1, 53);
		uint32_t x = out(n, &t, 0, now, &why);
		if (x == SL_NAT_NONE)
			print_error(
				"host %d refused (drop %d) with %u live sessions of at most 64\n",
				h, why, n->n_sessions);
		assert_int_not_equal(x, SL_NAT_NONE);
		now += SEC(400);
		sl_nat_reap(n, now, UINT32_MAX);
	}
	nat_free(n);
}

/* ---- filtering (sl_nat_inbound) --------------------------------------- */

/* host1:5000 talks to rem1:53; returns that session. */
static uint32_t filtering_setup(struct sl_nat *n, enum sl_nat_filtering mode)
{
	struct sl_nat_tuple t = tup(UDP, host1, 5000, rem1, 53);
	uint32_t a;

	pool_add(n, pool0, 32, 1024, 65535);
	param(n, SL_CMD_NAT_FILTERING, mode, 0);
	a = out(n, &t, 0, SEC(1), NULL);
	assert_int_not_equal(a, SL_NAT_NONE);
	assert_int_equal(ext_port(n, a), 5000);
	return a;
}

/* The reply tuple (inbound) of inside host1:5000 to @p r:@p rport. */
static void check_inbound_session(
	struct sl_nat *n, uint32_t idx, const struct sl_nat_tuple *pkt, uint16_t iport)
{
	struct sl_nat_tuple to;
	struct sl_nat_tuple back;

	assert_int_not_equal(idx, SL_NAT_NONE);
	assert_true(tup_eq(&n->sess[idx].t[0], pkt));
	/* translated to the inside endpoint */
	nat_target(&n->sess[idx], 0, &to);
	assert_int_equal(to.dst, host1);
	assert_int_equal(to.dport, rte_cpu_to_be_16(iport));
	assert_int_equal(to.src, pkt->src);
	assert_int_equal(to.sport, pkt->sport);
	/* and the inside host's answer finds the same session */
	back = tup(pkt->proto, host1, iport, pkt->src, rte_be_to_cpu_16(pkt->sport));
	assert_int_equal(sl_nat_find(n, &back, SEC(2)), idx << 1 | 1);
}

static void nat_filtering_endpoint_independent_accepts_any_remote(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple u;
	uint32_t x;

	(void)state;
	filtering_setup(n, SL_NAT_FILTER_EIF);
	u = tup(UDP, rem2, 9999, pool0, 5000);
	x = in(n, &u, 0, SEC(2), NULL);
	check_inbound_session(n, x, &u, 5000);
	u = tup(UDP, rem1, 1234, pool0, 5000);
	check_inbound_session(n, in(n, &u, 0, SEC(2), NULL), &u, 5000);
	/* no mapping at that port: nothing */
	enum sl_drop_reason why;
	u = tup(UDP, rem2, 9999, pool0, 5001);
	assert_int_equal(in(n, &u, 0, SEC(2), &why), SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_NO_SESSION);
	/* another protocol at the mapped port: nothing */
	u = tup(TCP, rem2, 9999, pool0, 5000);
	assert_int_equal(in(n, &u, TH_SYN, SEC(2), &why), SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_NO_SESSION);
	nat_free(n);
}

static void nat_filtering_address_dependent_needs_known_remote_address(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple u;
	enum sl_drop_reason why;

	(void)state;
	filtering_setup(n, SL_NAT_FILTER_ADF);
	/* rem1 from another port: accepted */
	u = tup(UDP, rem1, 7777, pool0, 5000);
	check_inbound_session(n, in(n, &u, 0, SEC(2), NULL), &u, 5000);
	/* rem2 never contacted: refused */
	u = tup(UDP, rem2, 53, pool0, 5000);
	assert_int_equal(in(n, &u, 0, SEC(2), &why), SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_NO_SESSION);
	nat_free(n);
}

static void nat_filtering_address_port_dependent_accepts_only_replies(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple u;
	enum sl_drop_reason why;
	uint32_t a;

	(void)state;
	a = filtering_setup(n, SL_NAT_FILTER_APDF);
	u = tup(UDP, rem1, 53, pool0, 5000);
	assert_int_equal(in(n, &u, 0, SEC(2), NULL), a);
	u = tup(UDP, rem1, 54, pool0, 5000);
	assert_int_equal(in(n, &u, 0, SEC(2), &why), SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_NO_SESSION);
	u = tup(UDP, rem2, 53, pool0, 5000);
	assert_int_equal(in(n, &u, 0, SEC(2), &why), SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_NO_SESSION);
	assert_int_equal(n->n_sessions, 1);
	nat_free(n);
}

/* A mapping whose sessions all expired is not live: EIF must not revive it. */
static void nat_filtering_refuses_inbound_to_expired_mapping(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple u;
	enum sl_drop_reason why = SL_DROP_MAX;
	uint32_t x;

	(void)state;
	filtering_setup(n, SL_NAT_FILTER_EIF); /* the session was last seen at 1 s */
	u = tup(UDP, rem2, 9999, pool0, 5000);
	x = in(n, &u, 0, SEC(1 + 301), &why);
	if (x != SL_NAT_NONE)
		print_error("inbound to a mapping idle for 301 s accepted (session %u)\n", x);
	assert_int_equal(x, SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_NO_SESSION);
	nat_free(n);
}

/* ---- static forwards --------------------------------------------------- */

static void nat_static_forward_reaches_inside_host(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple u, back, to;
	enum sl_drop_reason why;
	uint32_t x, y;

	(void)state;
	pool_add(n, pool0, 32, 1024, 65535);
	/* APDF (the default) does not matter to forwards */
	assert_int_equal(forward(n, SL_CMD_NAT_FORWARD_ADD, TCP, pool0, 8080, host2, 80), 0);
	u = tup(TCP, rem1, 50000, pool0, 8080);
	x = in(n, &u, TH_SYN, SEC(1), NULL);
	assert_int_not_equal(x, SL_NAT_NONE);
	nat_target(&n->sess[x], 0, &to);
	assert_int_equal(to.dst, host2);
	assert_int_equal(to.dport, rte_cpu_to_be_16(80));
	assert_int_equal(to.src, rem1);
	assert_int_equal(to.sport, rte_cpu_to_be_16(50000));
	/* the answer goes out from the forward's address and port */
	back = tup(TCP, host2, 80, rem1, 50000);
	assert_int_equal(sl_nat_find(n, &back, SEC(1)), x << 1 | 1);
	nat_target(&n->sess[x], 1, &to);
	assert_int_equal(to.src, pool0);
	assert_int_equal(to.sport, rte_cpu_to_be_16(8080));
	assert_int_equal(out(n, &back, TH_SYN | TH_ACK, SEC(1), NULL), x);
	/* a second client gets its own session */
	u = tup(TCP, rem2, 50000, pool0, 8080);
	y = in(n, &u, TH_SYN, SEC(1), NULL);
	assert_int_not_equal(y, SL_NAT_NONE);
	assert_int_not_equal(y, x);
	/* UDP at the same port is not forwarded */
	u = tup(UDP, rem1, 50000, pool0, 8080);
	assert_int_equal(in(n, &u, 0, SEC(1), &why), SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_NO_SESSION);
	/* the port is taken: not given to dynamic mappings, not forwarded twice */
	assert_int_not_equal(forward(n, SL_CMD_NAT_FORWARD_ADD, TCP, pool0, 8080, host3, 81), 0);
	u = tup(TCP, host3, 8080, rem1, 80);
	x = out(n, &u, TH_SYN, SEC(2), NULL);
	assert_int_not_equal(x, SL_NAT_NONE);
	assert_int_not_equal(ext_port(n, x), 8080);
	/* a forward to a non-pool address is refused */
	assert_int_not_equal(forward(n, SL_CMD_NAT_FORWARD_ADD, TCP, rem1, 8081, host3, 81), 0);
	/* deleting it removes its sessions and stops new ones */
	assert_int_equal(forward(n, SL_CMD_NAT_FORWARD_DEL, TCP, pool0, 8080, 0, 0), 0);
	assert_int_equal(sl_nat_find(n, &back, SEC(3)), SL_NAT_NONE);
	u = tup(TCP, rem1, 50001, pool0, 8080);
	assert_int_equal(in(n, &u, TH_SYN, SEC(3), &why), SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_NO_SESSION);
	assert_int_not_equal(forward(n, SL_CMD_NAT_FORWARD_DEL, TCP, pool0, 8080, 0, 0), 0);
	nat_free(n);
}

/* README: a TCP session created from a non-SYN segment counts as established. */
static void nat_inbound_session_from_non_syn_segment_counts_as_established(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple u;
	uint32_t x;

	(void)state;
	pool_add(n, pool0, 32, 1024, 65535);
	assert_int_equal(forward(n, SL_CMD_NAT_FORWARD_ADD, TCP, pool0, 8080, host2, 80), 0);
	u = tup(TCP, rem1, 50000, pool0, 8080);
	x = in(n, &u, TH_ACK, SEC(1), NULL);
	assert_int_not_equal(x, SL_NAT_NONE);
	assert_int_equal(sl_nat_timeout(n, &n->sess[x]), SEC(7440));
	/* the same holds outbound (for reference) */
	u = tup(TCP, host1, 1234, rem1, 80);
	x = out(n, &u, TH_ACK, SEC(1), NULL);
	assert_int_equal(sl_nat_timeout(n, &n->sess[x]), SEC(7440));
	nat_free(n);
}

/* ---- expiry ------------------------------------------------------------ */

static void nat_session_expires_after_idle_timeout(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t, r;
	enum sl_drop_reason why;
	uint32_t a, b;

	(void)state;
	pool_add(n, pool0, 32, 1024, 65535);
	t = tup(UDP, host1, 5000, rem1, 53);
	a = out(n, &t, 0, SEC(10), NULL);
	r = reply_of(n, a);
	/* refreshed at 100 s: alive until 400 s */
	assert_int_equal(in(n, &r, 0, SEC(100), NULL), a);
	assert_int_equal(sl_nat_find(n, &t, SEC(400)), a << 1);
	assert_int_equal(sl_nat_find(n, &r, SEC(400)), a << 1 | 1);
	/* a reply after the timeout is dropped */
	assert_int_equal(in(n, &r, 0, SEC(400) + 1, &why), SL_NAT_NONE);
	assert_int_equal(why, SL_DROP_NAT_NO_SESSION);
	assert_int_equal(sl_nat_find(n, &t, SEC(400) + 1), SL_NAT_NONE);
	assert_int_equal(n->n_sessions, 0);
	/* ICMP: 60 s */
	t = tup(ICMP, host1, 4099, rem1, 0);
	a = out(n, &t, 0, SEC(1000), NULL);
	r = reply_of(n, a);
	assert_int_equal(r.dport, rte_cpu_to_be_16(4099));
	assert_int_equal(r.sport, 0);
	assert_int_equal(sl_nat_find(n, &r, SEC(1060)), a << 1 | 1);
	assert_int_equal(sl_nat_find(n, &r, SEC(1060) + 1), SL_NAT_NONE);
	/* an outbound packet after the timeout makes a new session */
	t = tup(UDP, host1, 5000, rem1, 53);
	a = out(n, &t, 0, SEC(2000), NULL);
	b = out(n, &t, 0, SEC(2301), NULL);
	assert_int_not_equal(b, SL_NAT_NONE);
	assert_int_equal(n->sess[b].last_seen, SEC(2301)); /* new: created now */
	/* settable */
	param(n, SL_CMD_NAT_TIMEOUT, SL_NAT_TO_UDP, 30);
	r = reply_of(n, b);
	assert_int_equal(sl_nat_find(n, &r, SEC(2331)), b << 1 | 1);
	assert_int_equal(sl_nat_find(n, &r, SEC(2331) + 1), SL_NAT_NONE);
	nat_free(n);
}

static void nat_reap_expires_idle_sessions(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t;
	uint32_t s[10];

	(void)state;
	pool_add(n, pool0, 32, 1024, 65535);
	for (int i = 0; i < 10; i++) {
		t = tup(UDP, host1, (uint16_t)(5000 + i), rem1, 53);
		s[i] = out(n, &t, 0, SEC(1), NULL);
	}
	/* half refreshed later */
	for (int i = 0; i < 10; i += 2)
		touch(n, s[i], 0, 0, SEC(200));
	sl_nat_reap(n, SEC(301), UINT32_MAX);
	assert_int_equal(n->n_sessions, 10); /* none idle for more than 300 s yet */
	sl_nat_reap(n, SEC(301) + 1, UINT32_MAX);
	assert_int_equal(n->n_sessions, 5);
	for (int i = 0; i < 10; i++) {
		t = tup(UDP, host1, (uint16_t)(5000 + i), rem1, 53);
		uint32_t v = sl_nat_lookup(n, &t);
		if (i % 2) {
			assert_int_equal(
				v, SL_NAT_NONE); /* removed from the table, not just idle */
		} else {
			assert_int_equal(v, s[i] << 1);
		}
	}
	/* a small budget gets there in several calls */
	uint32_t calls = 0;
	while (n->n_sessions > 0 && calls < 1000) {
		sl_nat_reap(n, SEC(600), 7);
		calls++;
	}
	assert_int_equal(n->n_sessions, 0);
	assert_true(calls > 1);
	nat_free(n);
}

static void nat_expired_port_cools_down_for_120s(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t;
	uint32_t a;

	(void)state;
	pool_add(n, pool0, 32, 1024, 65535);
	t = tup(UDP, host1, 5000, rem1, 53);
	a = out(n, &t, 0, SEC(0), NULL);
	assert_int_equal(ext_port(n, a), 5000);
	/* the mapping ends at 300 s; expiry noticed at 310 s */
	sl_nat_reap(n, SEC(310), UINT32_MAX);
	assert_int_equal(n->n_sessions, 0);
	/* another inside endpoint wanting 5000 before 420 s gets another port */
	t = tup(UDP, host2, 5000, rem1, 53);
	a = out(n, &t, 0, SEC(419), NULL);
	assert_int_not_equal(a, SL_NAT_NONE);
	assert_int_not_equal(ext_port(n, a), 5000);
	/* after 420 s it is free again */
	t = tup(UDP, host3, 5000, rem1, 53);
	a = out(n, &t, 0, SEC(420) + MS(1), NULL);
	assert_int_equal(ext_port(n, a), 5000);
	nat_free(n);
}

/* The cool-down runs from the end of the mapping: its last session to go idle. */
static void nat_cool_down_counts_from_last_idle_session_of_mapping(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t1, t2, t;
	uint32_t a, b;

	(void)state;
	pool_add(n, pool0, 32, 1024, 65535);
	t1 = tup(UDP, host1, 5000, rem1, 53);
	t2 = tup(UDP, host1, 5000, rem2, 53);
	a = out(n, &t1, 0, SEC(0), NULL);   /* idle from 0 s: ends at 300 s */
	b = out(n, &t2, 0, SEC(200), NULL); /* idle from 200 s: ends at 500 s */
	assert_int_equal(ext_port(n, a), 5000);
	assert_int_equal(ext_port(n, b), 5000);
	/* the mapping lived until 500 s; noticed at 550 s, the later session first */
	assert_int_equal(sl_nat_find(n, &t2, SEC(550)), SL_NAT_NONE);
	assert_int_equal(sl_nat_find(n, &t1, SEC(550)), SL_NAT_NONE);
	/* so 5000 is not another endpoint's before 620 s */
	t = tup(UDP, host2, 5000, rem1, 53);
	a = out(n, &t, 0, SEC(560), NULL);
	assert_int_not_equal(a, SL_NAT_NONE);
	if (ext_port(n, a) == 5000)
		print_error("port 5000 given to another endpoint 60 s after its mapping ended\n");
	assert_int_not_equal(ext_port(n, a), 5000);
	nat_free(n);
}

static void nat_tcp_established_and_transitory_timeouts(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t, r;
	uint32_t a;

	(void)state;
	pool_add(n, pool0, 32, 1024, 65535);
	t = tup(TCP, host1, 40000, rem1, 443);
	/* SYN out: transitory until the SYN-ACK */
	a = out(n, &t, TH_SYN, SEC(0), NULL);
	assert_int_equal(n->sess[a].tcp, SL_NAT_SYN0);
	assert_int_equal(sl_nat_timeout(n, &n->sess[a]), SEC(240));
	r = reply_of(n, a);
	assert_int_equal(in(n, &r, TH_SYN | TH_ACK, SEC(1), NULL), a);
	assert_int_equal(sl_nat_timeout(n, &n->sess[a]), SEC(7440));
	/* established: alive after 7000 s idle, gone after 7440 s */
	assert_int_equal(sl_nat_find(n, &r, SEC(7001)), a << 1 | 1);
	assert_int_equal(out(n, &t, TH_ACK, SEC(7001), NULL), a);
	assert_int_equal(sl_nat_find(n, &t, SEC(7001 + 7440)), a << 1);
	/* one FIN (a half-close) keeps it established; FINs both ways end it */
	assert_int_equal(out(n, &t, TH_FIN | TH_ACK, SEC(7002), NULL), a);
	assert_int_equal(sl_nat_timeout(n, &n->sess[a]), SEC(7440));
	assert_int_equal(in(n, &r, TH_FIN | TH_ACK, SEC(7002), NULL), a);
	assert_int_equal(sl_nat_timeout(n, &n->sess[a]), SEC(240));
	assert_int_equal(sl_nat_find(n, &r, SEC(7002 + 240)), a << 1 | 1);
	assert_int_equal(sl_nat_find(n, &r, SEC(7002 + 240) + 1), SL_NAT_NONE);

	/* RST, too; but a segment after it other than a RST undoes it (RFC
	 * 7857 2.2), and a new SYN on the closed tuple starts again */
	t = tup(TCP, host1, 40001, rem1, 443);
	a = out(n, &t, TH_SYN, SEC(10000), NULL);
	r = reply_of(n, a);
	in(n, &r, TH_SYN | TH_ACK, SEC(10000), NULL);
	in(n, &r, TH_RST, SEC(10001), NULL);
	assert_int_equal(sl_nat_timeout(n, &n->sess[a]), SEC(240));
	assert_int_equal(out(n, &t, TH_ACK, SEC(10002), NULL), a);
	assert_int_equal(sl_nat_timeout(n, &n->sess[a]), SEC(7440));
	in(n, &r, TH_RST, SEC(10003), NULL);
	assert_int_equal(out(n, &t, TH_SYN, SEC(10004), NULL), a);
	assert_int_equal(n->sess[a].tcp, SL_NAT_SYN0);
	assert_int_equal(sl_nat_timeout(n, &n->sess[a]), SEC(240));
	assert_int_equal(in(n, &r, TH_SYN | TH_ACK, SEC(10004), NULL), a);
	assert_int_equal(sl_nat_timeout(n, &n->sess[a]), SEC(7440));
	/* a SYN seen one way only stays transitory */
	t = tup(TCP, host1, 40002, rem1, 443);
	a = out(n, &t, TH_SYN, SEC(10000), NULL);
	assert_int_equal(out(n, &t, TH_SYN, SEC(10100), NULL), a);
	assert_int_equal(sl_nat_find(n, &t, SEC(10100 + 241)), SL_NAT_NONE);
	/* settable */
	param(n, SL_CMD_NAT_TIMEOUT, SL_NAT_TO_TCP_EST, 100);
	param(n, SL_CMD_NAT_TIMEOUT, SL_NAT_TO_TCP_TRANS, 10);
	t = tup(TCP, host1, 40003, rem1, 443);
	a = out(n, &t, TH_ACK, SEC(20000), NULL); /* picked up mid-stream: established */
	assert_int_equal(n->sess[a].tcp, SL_NAT_PICKUP);
	assert_int_equal(sl_nat_timeout(n, &n->sess[a]), SEC(100));
	assert_int_equal(sl_nat_find(n, &t, SEC(20100)), a << 1);
	assert_int_equal(sl_nat_find(n, &t, SEC(20100) + 1), SL_NAT_NONE);
	nat_free(n);
}

static void nat_session_tuples_are_packet_and_reversed_translation(void **state)
{
	struct sl_nat *n = nat_new(1024);
	struct sl_nat_tuple t, want, to;
	uint32_t a;

	(void)state;
	pool_add(n, pool0, 32, 1024, 65535);
	t = tup(UDP, host1, 5000, rem1, 53);
	a = out(n, &t, 0, SEC(1), NULL);
	assert_true(tup_eq(&n->sess[a].t[0], &t));
	assert_int_equal(n->sess[a].inside_dir, 0);
	/* the packet leaves as pool0:5000 -> rem1:53; the reply is its reverse */
	nat_target(&n->sess[a], 0, &to);
	want = tup(UDP, pool0, 5000, rem1, 53);
	assert_true(tup_eq(&to, &want));
	want = rev(&want);
	assert_true(tup_eq(&n->sess[a].t[1], &want));
	/* the reply is rewritten to the reverse of the original packet */
	nat_target(&n->sess[a], 1, &to);
	want = rev(&t);
	assert_true(tup_eq(&to, &want));
	/* the key's last byte (the kind) is zero, so both tuples hash as the packet
	 * parser builds them; the rest of the padding, not part of the key, holds
	 * each direction's address checksum delta */
	assert_int_equal(n->sess[a].t[0].pad[0], 0);
	assert_int_equal(n->sess[a].t[1].pad[0], 0);
	for (unsigned int d = 0; d < 2; d++) {
		uint16_t da;
		memcpy(&da, &n->sess[a].t[d].pad[1], 2);
		assert_int_equal(da, nat_delta(&n->sess[a], d));
	}
	/* both keys find the session, with their direction */
	assert_int_equal(sl_nat_find(n, &n->sess[a].t[0], SEC(1)), a << 1);
	assert_int_equal(sl_nat_find(n, &n->sess[a].t[1], SEC(1)), a << 1 | 1);
	nat_free(n);
}

/*
 * A hit is rewritten from what the session keeps (nat_rewrite_sess: the
 * folded address delta of its tuple); the bytes must be those of the
 * general nat_rewrite, checksums included, for any addresses, ports and
 * checksum, the edge values 0x0000 / 0xffff among them.
 */
static void nat_hit_rewrite_equals_general_rewrite(void **state)
{
	static const uint16_t edge[] = {0x0000, 0xffff, 0x0001, 0xfffe};
	static const uint8_t protos[] = {6, 17, 1};

	(void)state;
	for (unsigned int it = 0; it < 200000; it++) {
		struct sl_nat_session s = {0};
		struct sl_nat_tuple to;
		uint8_t a[60], b[60];
		unsigned int dir = it & 1;
		uint8_t proto = protos[(it >> 1) % 3];
		uint64_t r = test_rand(&rng);

		for (int d = 0; d < 2; d++) {
			uint64_t x = test_rand(&rng), y = test_rand(&rng);
			s.t[d].src = (uint32_t)x;
			s.t[d].dst = (uint32_t)(x >> 32);
			s.t[d].sport = (uint16_t)y;
			s.t[d].dport = (uint16_t)(y >> 16);
			s.t[d].proto = proto;
			if ((y >> 32) % 8 == 0) /* extremes: the sums that fold to 0 or 0xffff */
				s.t[d].src = (y >> 36) & 1 ? 0xffffffff : 0;
			if ((y >> 40) % 8 == 0)
				s.t[d].dst = (y >> 44) & 1 ? 0xffffffff : 0;
			if ((y >> 48) % 8 == 0)
				s.t[d].sport = (y >> 52) & 1 ? 0xffff : 0;
			if ((y >> 56) % 8 == 0)
				s.t[d].dport = (y >> 60) & 1 ? 0xffff : 0;
		}
		if (r % 16 == 0) /* a delta congruent to zero */
			s.t[dir ^ 1].dst = s.t[dir].src, s.t[dir ^ 1].src = s.t[dir].dst;
		nat_delta_set(&s);
		memset(a, 0, sizeof(a));
		for (unsigned int i = 0; i < sizeof(a); i++)
			a[i] = (uint8_t)test_rand(&rng);
		a[0] = 0x45;
		wr16(a + 2, 60);
		a[6] = 0x40;
		a[7] = 0;
		a[9] = proto;
		memcpy(a + 12, &s.t[dir].src, 4);
		memcpy(a + 16, &s.t[dir].dst, 4);
		if (proto == 1) {
			a[20] = (r >> 8) & 1 ? 8 : 0;
			st16(a + 24, a[20] == 8 ? s.t[dir].sport : s.t[dir].dport);
		} else {
			st16(a + 20, s.t[dir].sport);
			st16(a + 22, s.t[dir].dport);
		}
		/* the checksums: random or an edge value */
		if ((r >> 12) % 3 == 0)
			st16(a + 10, edge[(r >> 16) % 4]);
		if ((r >> 20) % 3 == 0)
			st16(a + 20 + (proto == 6 ? 16 : proto == 17 ? 6 : 2), edge[(r >> 24) % 4]);
		memcpy(b, a, sizeof(a));
		nat_target(&s, dir, &to);
		nat_rewrite(a, &to);
		assert_int_equal(nat_rewrite_sess(b, &s, dir), to.dst);
		assert_memory_equal(a, b, sizeof(a));
	}
}

/* ---- randomised comparison against a reference model ------------------ */

/*
 * The reference follows the README literally, with linear scans over every
 * mapping and session ever made:
 * - a session is live while now - last_seen <= its timeout (by protocol and
 *   TCP flags seen);
 * - a mapping (inside endpoint -> outside address:port) is live while one
 *   of its sessions is; its end is the latest time one of them expired;
 * - an outside port is taken while a live mapping holds it, and for 120 s
 *   after its mapping's end for any other inside endpoint;
 * - hosts get pool addresses round-robin at their first new session;
 * - the inside port is kept when no mapping holds it or cools on it;
 *   otherwise any port in range not taken for this endpoint (the
 *   implementation's random draw cannot be predicted, only checked); an
 *   endpoint whose mapping just ended may get its last port back.
 */
#define M_HOSTS	     6
#define M_PORTS	     11
#define M_REMOTES    4
#define M_RPORTS     3
#define M_MAX_SESS   8192
#define M_MAX_MAPS   8192
#define M_LO	     1024
#define M_HI	     2047
#define M_COOL	     SEC(120)
#define M_OPS	     4000
#define M_LIMIT_HOST 5

struct m_map {
	int ep; /* endpoint index */
	uint8_t addr;
	uint16_t port; /* host order */
};

struct m_sess {
	int map;
	uint32_t rip;
	uint16_t rport; /* host order; 0 for ICMP */
	uint8_t inside_dir;
	uint8_t tcp;
	uint64_t last_seen;
	uint32_t impl;
};

struct model {
	struct sl_nat *n;
	struct rte_rcu_qsbr *qsv; /* NULL: single-threaded, slots freed at once (replay) */
	uint8_t filtering;
	uint32_t limit;
	uint64_t now;
	uint64_t to[SL_NAT_TO_MAX];
	int host_addr[M_HOSTS]; /* -1: not seen */
	unsigned int next_addr;
	struct m_map map[M_MAX_MAPS];
	int n_map;
	int last_map[M_HOSTS * M_PORTS * 3]; /* latest mapping of an endpoint, -1 */
	struct m_sess s[M_MAX_SESS];
	int n_s;
	int impl2m[M_MAX_SESS];
	uint64_t ops, created, refused;
};

static const uint8_t m_protos[3] = {UDP, TCP, ICMP};
static const uint16_t m_iports[M_PORTS] = {
	1024, 1025, 1026, 1027, 1028, 1029, 1030, 1031, 80, 5000, 40000};
static const uint16_t m_rports[M_RPORTS] = {53, 443, 8080};
static uint32_t m_pool[2];

static uint32_t m_host_ip(int h)
{
	return ip4(192, 168, 7, (uint8_t)(10 + h));
}

static uint32_t m_remote_ip(int r)
{
	return ip4(198, 51, 100, (uint8_t)(1 + r));
}

static int ep_index(int host, int port, int pc)
{
	return (pc * M_HOSTS + host) * M_PORTS + port;
}

static void ep_of(int ep, int *host, int *port, int *pc)
{
	*port = ep % M_PORTS;
	*host = (ep / M_PORTS) % M_HOSTS;
	*pc = ep / (M_PORTS * M_HOSTS);
}

static uint64_t m_timeout(const struct model *m, uint8_t proto, uint8_t tcp)
{
	if (proto == UDP)
		return m->to[SL_NAT_TO_UDP];
	if (proto == ICMP)
		return m->to[SL_NAT_TO_ICMP];
	/* RFC 7857 2.2: a RST or FINs both ways end it; one FIN does not */
	if ((tcp & SL_NAT_RST) || ((tcp & SL_NAT_FIN0) && (tcp & SL_NAT_FIN1)))
		return m->to[SL_NAT_TO_TCP_TRANS];
	if ((tcp & SL_NAT_PICKUP) || ((tcp & SL_NAT_SYN0) && (tcp & SL_NAT_SYN1)))
		return m->to[SL_NAT_TO_TCP_EST];
	return m->to[SL_NAT_TO_TCP_TRANS];
}

static uint8_t m_proto_of(const struct model *m, const struct m_sess *s)
{
	int h, p, pc;

	ep_of(m->map[s->map].ep, &h, &p, &pc);
	return m_protos[pc];
}

static bool m_live(const struct model *m, const struct m_sess *s)
{
	return m->now - s->last_seen <= m_timeout(m, m_proto_of(m, s), s->tcp);
}

static bool m_map_live(const struct model *m, int mi)
{
	for (int i = 0; i < m->n_s; i++)
		if (m->s[i].map == mi && m_live(m, &m->s[i]))
			return true;
	return false;
}

/* When mapping @p mi ended (it is not live): its last session's expiry. */
static uint64_t m_map_end(const struct model *m, int mi)
{
	uint64_t end = 0;

	for (int i = 0; i < m->n_s; i++)
		if (m->s[i].map == mi) {
			uint64_t e = m->s[i].last_seen +
				     m_timeout(m, m_proto_of(m, &m->s[i]), m->s[i].tcp);
			end = e > end ? e : end;
		}
	return end;
}

/* Port @p port of class @p pc on address @p addr: held or cooling for anyone
 * other than endpoint @p ep (ep -1: anyone at all). */
static bool m_port_taken(const struct model *m, uint8_t addr, int pc, uint16_t port, int ep)
{
	for (int mi = 0; mi < m->n_map; mi++) {
		const struct m_map *x = &m->map[mi];
		int h, p, c;

		ep_of(x->ep, &h, &p, &c);
		if (x->addr != addr || c != pc || x->port != port || x->ep == ep)
			continue;
		if (m_map_live(m, mi) || m->now < m_map_end(m, mi) + M_COOL)
			return true;
	}
	return false;
}

static int m_live_map_of(const struct model *m, int ep)
{
	int mi = m->last_map[ep];

	return mi >= 0 && m_map_live(m, mi) ? mi : -1;
}

static struct sl_nat_tuple m_tuple(const struct model *m, const struct m_sess *s, int d)
{
	const struct m_map *x = &m->map[s->map];
	int h, p, pc;
	struct sl_nat_tuple in, ext;

	ep_of(x->ep, &h, &p, &pc);
	/* inside endpoint <-> remote, and remote <-> outside endpoint */
	in = tup(m_protos[pc], m_host_ip(h), m_iports[p], s->rip, s->rport);
	ext = tup(m_protos[pc], s->rip, s->rport, m_pool[x->addr], x->port);
	/* ICMP echo: the identifier is the inside "port", the remote's is 0 */
	if (s->inside_dir == 0)
		return d == 0 ? in : ext;
	/* created inbound: t[0] the remote's packet, t[1] the inside host's answer */
	return d == 0 ? ext : in;
}

/* The live session with tuple @p t and its direction, or -1. */
static int m_find(const struct model *m, const struct sl_nat_tuple *t, int *dir)
{
	for (int i = 0; i < m->n_s; i++) {
		if (!m_live(m, &m->s[i]))
			continue;
		for (int d = 0; d < 2; d++) {
			struct sl_nat_tuple x = m_tuple(m, &m->s[i], d);
			if (tup_eq(&x, t)) {
				*dir = d;
				return i;
			}
		}
	}
	return -1;
}

static uint32_t m_host_sessions(const struct model *m, int host)
{
	uint32_t c = 0;

	for (int i = 0; i < m->n_s; i++) {
		int h, p, pc;
		ep_of(m->map[m->s[i].map].ep, &h, &p, &pc);
		if (h == host && m_live(m, &m->s[i]))
			c++;
	}
	return c;
}

static void m_track(uint8_t *tcp, int dir, uint8_t flags)
{
	bool closed = (*tcp & SL_NAT_RST) || ((*tcp & SL_NAT_FIN0) && (*tcp & SL_NAT_FIN1));

	if (flags & TH_RST) {
		*tcp |= SL_NAT_RST;
		return;
	}
	if (closed && (flags & TH_SYN) && !(flags & TH_ACK)) {
		*tcp = dir ? SL_NAT_SYN1 : SL_NAT_SYN0; /* a new connection */
		return;
	}
	*tcp &= (uint8_t)~SL_NAT_RST; /* anything after a RST: as before it */
	if (flags & TH_SYN)
		*tcp |= dir ? SL_NAT_SYN1 : SL_NAT_SYN0;
	if (flags & TH_FIN)
		*tcp |= dir ? SL_NAT_FIN1 : SL_NAT_FIN0;
	if (flags & TH_RST)
		*tcp |= SL_NAT_RST;
}

#define M_FAIL(m, ...)                                                                           \
	do {                                                                                     \
		print_error("op %" PRIu64 " at %" PRIu64 " ms: ", (m)->ops, (m)->now / 1000000); \
		print_error(__VA_ARGS__);                                                        \
		fail();                                                                          \
	} while (0)

static int m_add_session(struct model *m, int mi, uint32_t rip, uint16_t rport, uint8_t inside_dir,
	uint8_t tcp, uint32_t impl)
{
	struct m_sess *s;

	if (m->n_s == M_MAX_SESS)
		M_FAIL(m, "model session array full\n");
	if (impl >= M_MAX_SESS)
		M_FAIL(m, "session index %u out of range\n", impl);
	s = &m->s[m->n_s];
	*s = (struct m_sess){.map = mi,
		.rip = rip,
		.rport = rport,
		.inside_dir = inside_dir,
		.tcp = tcp,
		.last_seen = m->now,
		.impl = impl};
	m->created++;
	return m->n_s++;
}

/* The implementation answered @p idx to a packet the model matched to @p si. */
static void m_hit(
	struct model *m, const struct sl_nat_tuple *t, int si, int dir, uint32_t idx, uint8_t flags)
{
	struct m_sess *s = &m->s[si];

	if (idx != s->impl)
		M_FAIL(m, "packet of live session %u answered with %u\n", s->impl, idx);
	if (sl_nat_find(m->n, t, m->now) != (idx << 1 | (uint32_t)dir))
		M_FAIL(m, "session %u not found in direction %d\n", idx, dir);
	if (m_proto_of(m, s) == TCP)
		m_track(&s->tcp, dir, flags);
	s->last_seen = m->now;
	touch(m->n, idx, (unsigned int)dir, flags, m->now);
}

/* An outbound packet from inside endpoint (@p host, @p port, class @p pc) to @p rip:@p rport. */
static void m_outbound(
	struct model *m, int host, int port, int pc, uint32_t rip, uint16_t rport, uint8_t flags)
{
	uint8_t proto = m_protos[pc];
	struct sl_nat_tuple t = tup(proto, m_host_ip(host), m_iports[port], rip, rport);
	enum sl_drop_reason why = SL_DROP_MAX;
	int ep = ep_index(host, port, pc), dir, si, mi;
	uint32_t idx = sl_nat_outbound(m->n, &t, flags, m->now, &why);

	si = m_find(m, &t, &dir);
	if (si >= 0) {
		m_hit(m, &t, si, dir, idx, flags);
		return;
	}
	if (m->host_addr[host] < 0) {
		m->host_addr[host] = (int)m->next_addr;
		m->next_addr = (m->next_addr + 1) % 2;
	}
	if (m->limit && m_host_sessions(m, host) >= m->limit) {
		if (idx != SL_NAT_NONE || why != SL_DROP_NAT_SESSION_LIMIT)
			M_FAIL(m, "host %d at its limit: got session %u, drop %d\n", host, idx,
				why);
		m->refused++;
		return;
	}
	if (idx == SL_NAT_NONE)
		M_FAIL(m, "outbound host %d port %u proto %u refused (drop %d)\n", host,
			m_iports[port], proto, why);
	if (idx < M_MAX_SESS && m->impl2m[idx] >= 0 && m_live(m, &m->s[m->impl2m[idx]]))
		M_FAIL(m, "new session reuses live session %u's slot\n", idx);

	const struct sl_nat_session *ss = &m->n->sess[idx];
	uint32_t eip = ss->t[1].dst;
	uint16_t eport = rte_be_to_cpu_16(ss->t[1].dport);
	uint8_t addr = (uint8_t)m->host_addr[host];

	if (!tup_eq(&ss->t[0], &t))
		M_FAIL(m, "new session %u: t[0] is not the packet\n", idx);
	mi = m_live_map_of(m, ep);
	if (mi >= 0) {
		if (eip != m_pool[m->map[mi].addr] || eport != m->map[mi].port)
			M_FAIL(m, "endpoint %d: mapping %u changed to %u while live\n", ep,
				m->map[mi].port, eport);
	} else {
		int last = m->last_map[ep];
		uint16_t want = m_iports[port];
		bool back = last >= 0 && eport == m->map[last].port;

		if (eip != m_pool[addr])
			M_FAIL(m, "host %d: not its paired address\n", host);
		if (eport < M_LO || eport > M_HI)
			M_FAIL(m, "port %u out of range\n", eport);
		if (m_port_taken(m, addr, pc, eport, ep))
			M_FAIL(m, "endpoint %d given port %u held or cooling for another\n", ep,
				eport);
		if (want >= M_LO && want <= M_HI && !m_port_taken(m, addr, pc, want, -1) &&
			eport != want && !back)
			M_FAIL(m, "endpoint %d: free inside port %u not kept (got %u)\n", ep, want,
				eport);
		if (m->n_map == M_MAX_MAPS)
			M_FAIL(m, "model mapping array full\n");
		mi = m->n_map++;
		m->map[mi] = (struct m_map){.ep = ep, .addr = addr, .port = eport};
		m->last_map[ep] = mi;
	}
	si = m_add_session(
		m, mi, t.dst, rport, 0, proto == TCP && !(flags & TH_SYN) ? SL_NAT_PICKUP : 0, idx);
	m->impl2m[idx] = si;
	m_hit(m, &t, si, 0, idx, flags);
}

/* An inbound packet from remote @p r to outside address @p addr port @p eport. */
static void m_inbound(struct model *m, const struct sl_nat_tuple *t, uint8_t flags)
{
	enum sl_drop_reason why = SL_DROP_MAX;
	uint32_t idx = sl_nat_inbound(m->n, t, flags, m->now, &why);
	int dir, si, mi = -1, host, port, pc;
	bool ok = false;

	si = m_find(m, t, &dir);
	if (si >= 0) {
		m_hit(m, t, si, dir, idx, flags);
		return;
	}
	if (t->proto != ICMP)
		for (int x = 0; x < m->n_map && mi < 0; x++) {
			ep_of(m->map[x].ep, &host, &port, &pc);
			if (m_protos[pc] == t->proto && m_pool[m->map[x].addr] == t->dst &&
				rte_cpu_to_be_16(m->map[x].port) == t->dport && m_map_live(m, x))
				mi = x;
		}
	if (mi >= 0 && m->filtering == SL_NAT_FILTER_EIF)
		ok = true;
	if (mi >= 0 && m->filtering == SL_NAT_FILTER_ADF)
		for (int i = 0; i < m->n_s && !ok; i++)
			ok = m->s[i].map == mi && m_live(m, &m->s[i]) && m->s[i].rip == t->src;
	if (!ok) {
		if (idx != SL_NAT_NONE || why != SL_DROP_NAT_NO_SESSION)
			M_FAIL(m, "unsolicited inbound: got session %u, drop %d\n", idx, why);
		return;
	}
	ep_of(m->map[mi].ep, &host, &port, &pc);
	if (m->limit && m_host_sessions(m, host) >= m->limit) {
		if (idx != SL_NAT_NONE || why != SL_DROP_NAT_SESSION_LIMIT)
			M_FAIL(m, "host %d at its limit: got session %u, drop %d\n", host, idx,
				why);
		m->refused++;
		return;
	}
	if (idx == SL_NAT_NONE)
		M_FAIL(m, "accepted inbound refused (drop %d)\n", why);
	if (idx < M_MAX_SESS && m->impl2m[idx] >= 0 && m_live(m, &m->s[m->impl2m[idx]]))
		M_FAIL(m, "new session reuses live session %u's slot\n", idx);
	si = m_add_session(m, mi, t->src, rte_be_to_cpu_16(t->sport), 1,
		t->proto == TCP && !(flags & TH_SYN) ? SL_NAT_PICKUP : 0, idx);
	m->impl2m[idx] = si;
	m_hit(m, t, si, 0, idx, flags);
}

/* The table's own bookkeeping: every mapping's session list holds exactly its
 * sessions in use, the counters match. Bounded walks: a corrupt list fails, not hangs. */
static void m_check_lists(struct model *m)
{
	struct sl_nat *n = m->n;
	uint32_t in_use = 0, listed = 0;

	for (uint32_t i = 0; i < n->n_slots; i++) {
		in_use += n->sess[i].in_use == 1;
		if (n->sess[i].in_use == 1 && n->sess[i].mapping == SL_NAT_NONE)
			M_FAIL(m, "session %u without a mapping\n", i);
	}
	if (in_use != n->n_sessions)
		M_FAIL(m, "%u sessions in use, n_sessions %u\n", in_use, n->n_sessions);
	for (uint32_t mi = 0; mi < n->max_sessions; mi++) {
		const struct sl_nat_mapping *mp = &n->map[mi];
		uint32_t c = 0;

		if (mp->in_use != 1) /* free, or cooling down */
			continue;
		for (uint32_t s = mp->sessions; s != SL_NAT_NONE; s = n->sess[s].next) {
			if (s >= n->n_slots || ++c > n->max_sessions)
				M_FAIL(m, "mapping %u: session list runs away\n", mi);
			if (n->sess[s].in_use != 1 || n->sess[s].mapping != mi)
				M_FAIL(m, "mapping %u lists session %u (in_use %u, mapping %u)\n",
					mi, s, n->sess[s].in_use, n->sess[s].mapping);
		}
		if (c != mp->n_sessions)
			M_FAIL(m, "mapping %u: %u sessions listed, n_sessions %u\n", mi, c,
				mp->n_sessions);
		listed += c;
	}
	if (listed != n->n_sessions)
		M_FAIL(m, "%u sessions in mapping lists, n_sessions %u\n", listed, n->n_sessions);
}

static void m_check(struct model *m)
{
	struct sl_nat *n = m->n;
	uint32_t live = 0, impl_live = 0;
	static bool seen[M_MAX_SESS];

	m_check_lists(m);

	memset(seen, 0, sizeof(seen));
	for (int i = 0; i < m->n_s; i++) {
		const struct m_sess *s = &m->s[i];
		bool alive = m_live(m, s);

		for (int d = 0; d < 2; d++) {
			struct sl_nat_tuple t = m_tuple(m, s, d);
			uint32_t v;

			if (alive) {
				v = sl_nat_find(n, &t, m->now);
				if (v != (s->impl << 1 | (uint32_t)d))
					M_FAIL(m,
						"live session %u dir %d: lookup gives %#x (table: "
						"in_use %u last seen %" PRIu64
						" ms tcp %#x; model: "
						"last seen %" PRIu64 " ms tcp %#x)\n",
						s->impl, d, v, n->sess[s->impl].in_use,
						n->sess[s->impl].last_seen / 1000000,
						n->sess[s->impl].tcp, s->last_seen / 1000000,
						s->tcp);
				if (!tup_eq(&n->sess[s->impl].t[d], &t))
					M_FAIL(m, "session %u: tuple %d differs\n", s->impl, d);
			} else if (i >= m->n_s - 256 && (v = sl_nat_lookup(n, &t)) != SL_NAT_NONE) {
				/* a stale key may remain until reaped, never pointing elsewhere */
				if (!tup_eq(&n->sess[v >> 1].t[v & 1], &t))
					M_FAIL(m, "key of dead session maps to another tuple\n");
			}
		}
		if (alive) {
			if (seen[s->impl])
				M_FAIL(m, "two live sessions share slot %u\n", s->impl);
			seen[s->impl] = true;
			if (n->sess[s->impl].in_use != 1)
				M_FAIL(m, "live session %u not in use\n", s->impl);
			live++;
		}
	}
	for (uint32_t i = 0; i < n->n_slots; i++) {
		const struct sl_nat_session *s = &n->sess[i];
		if (s->in_use == 1 &&
			!(m->now > s->last_seen && m->now - s->last_seen > sl_nat_timeout(n, s))) {
			impl_live++;
			if (!seen[i])
				M_FAIL(m, "session %u live in the table, not in the model\n", i);
		}
	}
	if (live != impl_live)
		M_FAIL(m, "%u live sessions in the model, %u in the table\n", live, impl_live);
}

static void model_run(enum sl_nat_filtering filtering, uint32_t limit, bool rcu, uint64_t seed)
{
	struct model *m = calloc(1, sizeof(*m));
	struct test_rng r;

	assert_non_null(m);
	test_rng_init(&r, seed);
	if (rcu) {
		/* this thread is the one reader: slots come back one step later */
		m->qsv = rte_zmalloc("test_qsv", rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
		assert_non_null(m->qsv);
		assert_int_equal(rte_rcu_qsbr_init(m->qsv, 1), 0);
		assert_int_equal(rte_rcu_qsbr_thread_register(m->qsv, 0), 0);
		rte_rcu_qsbr_thread_online(m->qsv, 0);
		m->n = calloc(1, sizeof(*m->n));
		assert_non_null(m->n);
		assert_int_equal(sl_nat_create(m->n, M_MAX_SESS, m->qsv, 42), 0);
	} else {
		m->n = nat_new(M_MAX_SESS);
	}
	m->filtering = (uint8_t)filtering;
	m->limit = limit;
	m_pool[0] = ip4(203, 0, 113, 64);
	m_pool[1] = ip4(203, 0, 113, 65);
	pool_add(m->n, m_pool[0], 31, M_LO, M_HI);
	param(m->n, SL_CMD_NAT_FILTERING, filtering, 0);
	if (limit)
		param(m->n, SL_CMD_NAT_LIMIT, 0, limit);
	/* short timeouts: many expiries and cool-downs in a few thousand steps */
	m->to[SL_NAT_TO_UDP] = SEC(30);
	m->to[SL_NAT_TO_TCP_EST] = SEC(60);
	m->to[SL_NAT_TO_TCP_TRANS] = SEC(20);
	m->to[SL_NAT_TO_ICMP] = SEC(10);
	for (int k = 0; k < SL_NAT_TO_MAX; k++)
		param(m->n, SL_CMD_NAT_TIMEOUT, (uint32_t)k, (uint32_t)(m->to[k] / SEC(1)));
	for (int h = 0; h < M_HOSTS; h++)
		m->host_addr[h] = -1;
	for (size_t i = 0; i < sizeof(m->last_map) / sizeof(m->last_map[0]); i++)
		m->last_map[i] = -1;
	for (int i = 0; i < M_MAX_SESS; i++)
		m->impl2m[i] = -1;
	m->now = SEC(1000);

	for (m->ops = 0; m->ops < M_OPS; m->ops++) {
		uint32_t op = test_below(&r, 100);
		static const uint8_t fl[] = {
			TH_SYN, TH_SYN | TH_ACK, TH_ACK, TH_ACK, TH_FIN | TH_ACK, TH_RST};
		uint8_t flags = fl[test_below(&r, sizeof(fl))];

		if (op < 40) {
			int pc = (int)test_below(&r, 3);
			uint16_t rport = m_rports[test_below(&r, M_RPORTS)];
			m_outbound(m, (int)test_below(&r, M_HOSTS), (int)test_below(&r, M_PORTS),
				pc, m_remote_ip((int)test_below(&r, M_REMOTES)),
				m_protos[pc] == ICMP ? 0 : rport, flags);
		} else if (op < 60 && m->n_s > 0) {
			/* the other side of a recent session answers (perhaps too late) */
			int i = m->n_s - 1 - (int)test_below(&r, m->n_s < 64 ? m->n_s : 64);
			const struct m_sess *s = &m->s[i];
			struct sl_nat_tuple t = m_tuple(m, s, s->inside_dir ^ 1);
			int h, p, pc;
			ep_of(m->map[s->map].ep, &h, &p, &pc);
			if (s->inside_dir == 0)
				m_inbound(m, &t, flags);
			else
				m_outbound(m, h, p, pc, s->rip, s->rport, flags);
		} else if (op < 72 && m->n_map > 0) {
			/* unsolicited: a remote to a recent mapping's address and port */
			const struct m_map *x =
				&m->map[m->n_map - 1 -
					(int)test_below(
						&r, m->n_map < 32 ? (uint32_t)m->n_map : 32)];
			int h, p, pc, rr = (int)test_below(&r, M_REMOTES);
			ep_of(x->ep, &h, &p, &pc);
			struct sl_nat_tuple t = tup(m_protos[pc], m_remote_ip(rr),
				m_protos[pc] == ICMP ? 0 : m_rports[test_below(&r, M_RPORTS)],
				m_pool[x->addr], x->port);
			m_inbound(m, &t, flags);
		} else if (op < 92) {
			uint32_t k = test_below(&r, 10);
			m->now += k < 7 ? MS(test_below(&r, 3000)) : SEC(test_below(&r, 150));
		} else if (op < 97) {
			sl_nat_reap(m->n, m->now, 1 + test_below(&r, 256));
		} else {
			sl_nat_reap(m->n, m->now, UINT32_MAX);
		}
		m_check(m);
		if (m->qsv)
			rte_rcu_qsbr_quiescent(m->qsv, 0);
	}
	printf("# filtering %d limit %u rcu %d: %" PRIu64 " sessions made, %" PRIu64
	       " refused at the limit, %d mappings, %u live at the end\n",
		filtering, limit, rcu, m->created, m->refused, m->n_map, m->n->n_sessions);
	nat_free(m->n);
	if (m->qsv) {
		rte_rcu_qsbr_thread_offline(m->qsv, 0);
		rte_rcu_qsbr_thread_unregister(m->qsv, 0);
		rte_free(m->qsv);
	}
	free(m);
}

/* Each run draws its own seed from the binary's (printed) seed. */
static void nat_matches_reference_model_address_port_dependent(void **state)
{
	(void)state;
	model_run(SL_NAT_FILTER_APDF, 0, false, test_rand(&rng));
}

static void nat_matches_reference_model_address_dependent(void **state)
{
	(void)state;
	model_run(SL_NAT_FILTER_ADF, 0, false, test_rand(&rng));
}

static void nat_matches_reference_model_endpoint_independent_with_host_limit(void **state)
{
	(void)state;
	model_run(SL_NAT_FILTER_EIF, M_LIMIT_HOST, false, test_rand(&rng));
}

/* The same with deferred reclamation (live mode: slots return after a grace period). */
static void nat_matches_reference_model_with_rcu_reclamation(void **state)
{
	(void)state;
	model_run(SL_NAT_FILTER_APDF, 0, true, test_rand(&rng));
	model_run(SL_NAT_FILTER_ADF, 0, true, test_rand(&rng));
	model_run(SL_NAT_FILTER_EIF, M_LIMIT_HOST, true, test_rand(&rng));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nat_reuses_mapping_for_same_inside_endpoint_across_destinations),
		cmocka_unit_test(nat_keeps_inside_port_when_free),
		cmocka_unit_test(nat_gives_port_outside_range_one_inside_range),
		cmocka_unit_test(nat_gives_colliding_port_another_in_range),
		cmocka_unit_test(nat_pairs_hosts_with_pool_addresses_round_robin),
		cmocka_unit_test(nat_port_exhaustion_drops_and_keeps_other_sessions),
		cmocka_unit_test(nat_port_block_gives_each_host_its_own_block),
		cmocka_unit_test(nat_port_block_takes_more_blocks_up_to_the_limit),
		cmocka_unit_test(nat_port_block_returns_to_the_pool_after_cool_down),
		cmocka_unit_test(nat_port_block_counts_a_removed_forwards_cool_down),
		cmocka_unit_test(nat_port_block_change_refused_while_sessions_exist),
		cmocka_unit_test(nat_limits_sessions_per_host),
		cmocka_unit_test(nat_session_limit_ignores_expired_sessions),
		cmocka_unit_test(nat_accepts_new_hosts_after_old_ones_expire),
		cmocka_unit_test(nat_filtering_endpoint_independent_accepts_any_remote),
		cmocka_unit_test(nat_filtering_address_dependent_needs_known_remote_address),
		cmocka_unit_test(nat_filtering_address_port_dependent_accepts_only_replies),
		cmocka_unit_test(nat_filtering_refuses_inbound_to_expired_mapping),
		cmocka_unit_test(nat_static_forward_reaches_inside_host),
		cmocka_unit_test(nat_inbound_session_from_non_syn_segment_counts_as_established),
		cmocka_unit_test(nat_session_expires_after_idle_timeout),
		cmocka_unit_test(nat_reap_expires_idle_sessions),
		cmocka_unit_test(nat_expired_port_cools_down_for_120s),
		cmocka_unit_test(nat_cool_down_counts_from_last_idle_session_of_mapping),
		cmocka_unit_test(nat_tcp_established_and_transitory_timeouts),
		cmocka_unit_test(nat_session_tuples_are_packet_and_reversed_translation),
		cmocka_unit_test(nat_hit_rewrite_equals_general_rewrite),
		cmocka_unit_test(nat_matches_reference_model_address_port_dependent),
		cmocka_unit_test(nat_matches_reference_model_address_dependent),
		cmocka_unit_test(nat_matches_reference_model_endpoint_independent_with_host_limit),
		cmocka_unit_test(nat_matches_reference_model_with_rcu_reclamation),
	};

	if (test_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	test_rng_init(&rng, test_seed("nat", 1));
	pool0 = ip4(203, 0, 113, 2);
	host1 = ip4(192, 168, 1, 10);
	host2 = ip4(192, 168, 1, 11);
	host3 = ip4(192, 168, 1, 12);
	rem1 = ip4(198, 51, 100, 1);
	rem2 = ip4(198, 51, 100, 2);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
