/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour table: get/find/set/invalidate semantics, and a randomised
 * comparison against a naive map of (iface, address) -> entry.
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

#include <sluice/neigh.h>

#include "test_common.h"

static struct test_rng rng;
static struct sl_neigh_table *cur;

static struct sl_neigh_table *table_new(uint32_t cap)
{
	struct sl_neigh_table *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_int_equal(sl_neigh_create(t, "tn", cap), 0);
	cur = t;
	return t;
}

static int teardown_table(void **state)
{
	(void)state;
	if (cur) {
		sl_neigh_destroy(cur);
		free(cur);
		cur = NULL;
	}
	return 0;
}

static struct sl_ip ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct sl_ip ip = {.family = SL_AF_INET};
	uint8_t x[4] = {a, b, c, d};

	memcpy(&ip.v4, x, 4);
	return ip;
}

static struct sl_ip ip6_from4(struct sl_ip v4)
{
	struct sl_ip ip = {.family = SL_AF_INET6};

	memcpy(ip.v6, &v4.v4, 4); /* same first bytes as the IPv4 address */
	return ip;
}

/* The MAC as the entry publishes it, or false when invalid. */
static bool entry_mac(const struct sl_neigh_table *t, uint32_t idx, uint8_t mac[6])
{
	uint64_t w;

	if (!sl_neigh_mac(&t->e[idx], &w))
		return false;
	memcpy(mac, &w, 6);
	return true;
}

static void get_creates_incomplete_entry_once(void **state)
{
	struct sl_neigh_table *t = table_new(64);
	struct sl_ip a = ip4(192, 168, 1, 10);
	uint8_t mac[6];
	int i1, i2;

	(void)state;
	assert_int_equal(sl_neigh_find(t, 0, &a), SL_NEIGH_NONE);
	i1 = sl_neigh_get(t, 0, &a);
	assert_true(i1 >= 0);
	assert_int_equal(t->e[i1].state, SL_NEIGH_INCOMPLETE);
	assert_int_equal(t->e[i1].iface, 0);
	assert_true(sl_ip_equal(&t->e[i1].ip, &a));
	assert_int_equal(t->e[i1].n_held, 0);
	assert_false(entry_mac(t, (uint32_t)i1, mac));
	i2 = sl_neigh_get(t, 0, &a);
	assert_int_equal(i1, i2);
	assert_int_equal(sl_neigh_find(t, 0, &a), (uint32_t)i1);
	assert_int_equal(t->n, 1);
}

static void same_address_on_other_interface_or_family_is_another_entry(void **state)
{
	struct sl_neigh_table *t = table_new(64);
	struct sl_ip a = ip4(10, 0, 0, 1), a6 = ip6_from4(a);
	int i0, i1, i6;

	(void)state;
	i0 = sl_neigh_get(t, 0, &a);
	i1 = sl_neigh_get(t, 1, &a);
	i6 = sl_neigh_get(t, 0, &a6);
	assert_true(i0 >= 0 && i1 >= 0 && i6 >= 0);
	assert_int_not_equal(i0, i1);
	assert_int_not_equal(i0, i6);
	assert_int_not_equal(i1, i6);
	assert_int_equal(sl_neigh_find(t, 2, &a), SL_NEIGH_NONE);
	assert_int_equal(t->n, 3);
}

static void set_publishes_mac_and_state(void **state)
{
	struct sl_neigh_table *t = table_new(64);
	struct sl_ip a = ip4(10, 0, 0, 2);
	const uint8_t m[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
	uint8_t got[6];
	uint64_t now = 5000000000ull;
	int i;

	(void)state;
	i = sl_neigh_get(t, 3, &a);
	assert_true(i >= 0);
	t->e[i].probes = 2;
	sl_neigh_set(t, (uint32_t)i, m, SL_NEIGH_REACHABLE, now);
	assert_true(entry_mac(t, (uint32_t)i, got));
	assert_memory_equal(got, m, 6);
	assert_true(t->e[i].mac_word & SL_NEIGH_VALID);
	assert_int_equal(t->e[i].state, SL_NEIGH_REACHABLE);
	assert_int_equal(t->e[i].probes, 0);
	assert_int_equal(t->e[i].confirmed, now);
	assert_int_equal(t->e[i].next_event, now + SL_NEIGH_REACHABLE_NS);
	/* a new MAC replaces the old one */
	const uint8_t m2[6] = {0x0a, 0, 0, 0, 0, 0xff};
	sl_neigh_set(t, (uint32_t)i, m2, SL_NEIGH_PERMANENT, now + 1);
	assert_true(entry_mac(t, (uint32_t)i, got));
	assert_memory_equal(got, m2, 6);
	assert_int_equal(t->e[i].state, SL_NEIGH_PERMANENT);
}

static void invalidate_hides_mac_but_keeps_entry_index(void **state)
{
	struct sl_neigh_table *t = table_new(64);
	struct sl_ip a = ip4(10, 0, 0, 3);
	const uint8_t m[6] = {0x02, 1, 2, 3, 4, 5};
	uint8_t got[6];
	int i;

	(void)state;
	i = sl_neigh_get(t, 0, &a);
	sl_neigh_set(t, (uint32_t)i, m, SL_NEIGH_REACHABLE, 1);
	sl_neigh_invalidate(t, (uint32_t)i, SL_NEIGH_FAILED);
	assert_false(entry_mac(t, (uint32_t)i, got));
	assert_int_equal(t->e[i].state, SL_NEIGH_FAILED);
	/* workers may still hold the index: the same key leads to the same entry */
	assert_int_equal(sl_neigh_find(t, 0, &a), (uint32_t)i);
	assert_int_equal(sl_neigh_get(t, 0, &a), i);
	assert_int_equal(t->n, 1);
	sl_neigh_set(t, (uint32_t)i, m, SL_NEIGH_STALE, 2);
	assert_true(entry_mac(t, (uint32_t)i, got));
	assert_memory_equal(got, m, 6);
}

static void full_table_refuses_new_keys_but_finds_old_ones(void **state)
{
	const uint32_t cap = 1024;
	struct sl_neigh_table *t = table_new(cap);
	struct sl_ip a;
	uint32_t k;

	(void)state;
	/* the table promises room for exactly cap entries */
	for (k = 0; k < cap; k++) {
		a = ip4(10, 1, (uint8_t)(k >> 8), (uint8_t)k);
		int i = sl_neigh_get(t, (uint16_t)(k % 3), &a);
		if (i < 0) {
			print_error(
				"sl_neigh_get failed with %d after %u of %u entries\n", i, k, cap);
			fail();
		}
		assert_int_equal(i, (int)k);
	}
	a = ip4(10, 2, 0, 1);
	assert_int_equal(sl_neigh_get(t, 0, &a), -ENOSPC);
	assert_int_equal(sl_neigh_find(t, 0, &a), SL_NEIGH_NONE);
	for (k = 0; k < cap; k++) {
		a = ip4(10, 1, (uint8_t)(k >> 8), (uint8_t)k);
		assert_int_equal(sl_neigh_find(t, (uint16_t)(k % 3), &a), k);
		assert_int_equal(sl_neigh_get(t, (uint16_t)(k % 3), &a), (int)k);
	}
	assert_int_equal(t->n, cap);
}

/* ---- randomised against a naive map ------------------------------------ */

struct naive {
	uint16_t iface;
	struct sl_ip ip;
	uint32_t idx;
	uint8_t state;
	bool valid;
	uint8_t mac[6];
};

static struct sl_ip pool_ip(unsigned int k)
{
	struct sl_ip ip = ip4(172, 16, (uint8_t)(k / 7), (uint8_t)(k * 13));

	if (k % 3 == 0)
		ip = ip6_from4(ip); /* collides with an IPv4 key in its first bytes */
	if (k % 5 == 0) {
		ip.family = SL_AF_INET6;
		ip.v6[0] = 0xfe;
		ip.v6[1] = 0x80;
		ip.v6[15] = (uint8_t)k;
	}
	return ip;
}

static int naive_find(const struct naive *m, unsigned int n, uint16_t iface, const struct sl_ip *ip)
{
	for (unsigned int i = 0; i < n; i++)
		if (m[i].iface == iface && sl_ip_equal(&m[i].ip, ip))
			return (int)i;
	return -1;
}

static void random_operations_match_naive_map(void **state)
{
	/* 1200 possible keys: room to spare, so only the semantics are compared
	 * here (filling the table is full_table_refuses_new_keys_but_finds_old_ones) */
	const uint32_t cap = 2048;
	struct sl_neigh_table *t = table_new(cap);
	struct naive *m = calloc(cap + 1, sizeof(*m));
	unsigned int n = 0;
	uint64_t now = 1;

	(void)state;
	assert_non_null(m);
	for (int iter = 0; iter < 200000; iter++) {
		uint16_t iface = (uint16_t)test_below(&rng, 4);
		struct sl_ip ip = pool_ip(test_below(&rng, 300));
		int ni = naive_find(m, n, iface, &ip);
		uint8_t mac[6];

		now += test_below(&rng, 1000000);
		switch (test_below(&rng, 6)) {
		case 0:
		case 1: { /* get */
			int r = sl_neigh_get(t, iface, &ip);
			if (ni >= 0) {
				assert_int_equal(r, (int)m[ni].idx);
			} else if (n == cap) {
				assert_int_equal(r, -ENOSPC);
			} else {
				assert_true(r >= 0);
				for (unsigned int j = 0; j < n; j++)
					assert_int_not_equal(m[j].idx, (uint32_t)r);
				m[n] = (struct naive){.iface = iface,
					.ip = ip,
					.idx = (uint32_t)r,
					.state = SL_NEIGH_INCOMPLETE};
				n++;
			}
			break;
		}
		case 2: /* find */
			assert_int_equal(
				sl_neigh_find(t, iface, &ip), ni >= 0 ? m[ni].idx : SL_NEIGH_NONE);
			break;
		case 3:
		case 4: /* set */
			if (ni < 0)
				break;
			test_fill(&rng, mac, 6);
			mac[0] &= 0xfe;
			uint8_t st = test_below(&rng, 2) ? SL_NEIGH_REACHABLE : SL_NEIGH_PERMANENT;
			sl_neigh_set(t, m[ni].idx, mac, st, now);
			m[ni].valid = true;
			m[ni].state = st;
			memcpy(m[ni].mac, mac, 6);
			break;
		default: /* invalidate */
			if (ni < 0)
				break;
			sl_neigh_invalidate(t, m[ni].idx, SL_NEIGH_FAILED);
			m[ni].valid = false;
			m[ni].state = SL_NEIGH_FAILED;
		}
		/* spot-check one entry each round, everything now and then */
		for (unsigned int j = iter % 1000 ? (n ? test_below(&rng, n) : 0) : 0; j < n;
			j = iter % 1000 ? n : j + 1) {
			uint8_t got[6];
			assert_int_equal(sl_neigh_find(t, m[j].iface, &m[j].ip), m[j].idx);
			assert_int_equal(t->e[m[j].idx].state, m[j].state);
			assert_int_equal(t->e[m[j].idx].iface, m[j].iface);
			assert_true(sl_ip_equal(&t->e[m[j].idx].ip, &m[j].ip));
			assert_int_equal(entry_mac(t, m[j].idx, got), m[j].valid);
			if (m[j].valid)
				assert_memory_equal(got, m[j].mac, 6);
		}
	}
	assert_int_equal(t->n, n);
	printf("# %u entries after 200000 operations\n", n);
	free(m);
}

static void state_names(void **state)
{
	(void)state;
	assert_string_equal(sl_neigh_state_name(SL_NEIGH_INCOMPLETE), "incomplete");
	assert_string_equal(sl_neigh_state_name(SL_NEIGH_REACHABLE), "reachable");
	assert_string_equal(sl_neigh_state_name(SL_NEIGH_STALE), "stale");
	assert_string_equal(sl_neigh_state_name(SL_NEIGH_PROBE), "probe");
	assert_string_equal(sl_neigh_state_name(SL_NEIGH_FAILED), "failed");
	assert_string_equal(sl_neigh_state_name(SL_NEIGH_PERMANENT), "permanent");
	assert_string_equal(sl_neigh_state_name(0), "?");
	assert_string_equal(sl_neigh_state_name(99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(get_creates_incomplete_entry_once, teardown_table),
		cmocka_unit_test_teardown(
			same_address_on_other_interface_or_family_is_another_entry, teardown_table),
		cmocka_unit_test_teardown(set_publishes_mac_and_state, teardown_table),
		cmocka_unit_test_teardown(
			invalidate_hides_mac_but_keeps_entry_index, teardown_table),
		cmocka_unit_test_teardown(
			full_table_refuses_new_keys_but_finds_old_ones, teardown_table),
		cmocka_unit_test_teardown(random_operations_match_naive_map, teardown_table),
		cmocka_unit_test(state_names),
	};

	if (test_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	test_rng_init(&rng, test_seed("neigh", 42));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
