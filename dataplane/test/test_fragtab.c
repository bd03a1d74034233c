/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The slow path's fragment table (sluice/fragtab.h): find / add / oldest /
 * pop semantics, the ring's expiry order, and a randomised comparison
 * against a naive list in order of making, with keys drawn from a small
 * space so that the index's probe chains collide and wrap.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sluice/fragtab.h>

#include "test_common.h"

static struct test_rng rng;
static struct sl_fragtab tab;

struct key {
	uint32_t src, dst;
	uint16_t id;
	uint8_t proto;
};

static struct sl_frag *find(const struct key *k)
{
	return sl_fragtab_find(&tab, k->src, k->dst, k->id, k->proto);
}

static void add_finds_and_pop_forgets_oldest_first(void **state)
{
	struct sl_frag *a, *b;

	(void)state;
	sl_fragtab_init(&tab);
	assert_null(sl_fragtab_oldest(&tab));
	a = sl_fragtab_add(&tab, 1, 2, 7, 17, 100);
	b = sl_fragtab_add(&tab, 1, 2, 8, 17, 200);
	assert_ptr_equal(sl_fragtab_find(&tab, 1, 2, 7, 17), a);
	assert_ptr_equal(sl_fragtab_find(&tab, 1, 2, 8, 17), b);
	assert_null(sl_fragtab_find(&tab, 1, 2, 7, 6)); /* another protocol */
	assert_null(sl_fragtab_find(&tab, 2, 1, 7, 17));
	assert_int_equal(a->id, 7);
	assert_int_equal(a->n_held, 0);
	assert_false(a->have_first);
	assert_ptr_equal(sl_fragtab_oldest(&tab), a);
	sl_fragtab_pop(&tab);
	assert_null(sl_fragtab_find(&tab, 1, 2, 7, 17));
	assert_ptr_equal(sl_fragtab_find(&tab, 1, 2, 8, 17), b);
	assert_ptr_equal(sl_fragtab_oldest(&tab), b);
	sl_fragtab_pop(&tab);
	assert_null(sl_fragtab_oldest(&tab));
	sl_fragtab_pop(&tab); /* empty: nothing */
	assert_int_equal(tab.n, 0);
}

static void expiry_never_earlier_than_the_newest(void **state)
{
	(void)state;
	sl_fragtab_init(&tab);
	assert_int_equal(sl_fragtab_add(&tab, 1, 2, 1, 17, 500)->expires, 500);
	/* a clock that stepped back: clamped, the ring stays in expiry order */
	assert_int_equal(sl_fragtab_add(&tab, 1, 2, 2, 17, 400)->expires, 500);
	assert_int_equal(sl_fragtab_add(&tab, 1, 2, 3, 17, 600)->expires, 600);
}

static void fills_to_max_and_wraps_the_ring(void **state)
{
	(void)state;
	sl_fragtab_init(&tab);
	for (uint32_t i = 0; i < SL_FRAGTAB_MAX; i++)
		sl_fragtab_add(&tab, 10, 20, (uint16_t)i, 17, i);
	assert_true(sl_fragtab_full(&tab));
	for (uint32_t round = 0; round < 3 * SL_FRAGTAB_MAX; round++) {
		uint32_t id = SL_FRAGTAB_MAX + round;
		assert_int_equal(sl_fragtab_oldest(&tab)->id, (uint16_t)(id - SL_FRAGTAB_MAX));
		sl_fragtab_pop(&tab);
		sl_fragtab_add(&tab, 10, 20, (uint16_t)id, 17, id);
		assert_non_null(sl_fragtab_find(&tab, 10, 20, (uint16_t)id, 17));
		assert_null(sl_fragtab_find(&tab, 10, 20, (uint16_t)(id - SL_FRAGTAB_MAX), 17));
	}
	for (uint32_t i = 2 * SL_FRAGTAB_MAX; i < 4 * SL_FRAGTAB_MAX; i++)
		assert_true((sl_fragtab_find(&tab, 10, 20, (uint16_t)i, 17) != NULL) ==
			    (i >= 3 * SL_FRAGTAB_MAX));
}

#define KEYS 6000 /* more than SL_FRAGTAB_MAX, fewer than the index slots */

static void random_operations_match_naive_list(void **state)
{
	static struct key keys[KEYS];
	static uint32_t live[SL_FRAGTAB_MAX]; /* key numbers, oldest first */
	static bool in[KEYS];
	uint32_t n = 0, t = 0;

	(void)state;
	sl_fragtab_init(&tab);
	for (uint32_t i = 0; i < KEYS; i++) {
		/* few distinct fields: many keys differ in one field only */
		keys[i] = (struct key){.src = test_below(&rng, 4),
			.dst = test_below(&rng, 4),
			.id = (uint16_t)test_below(&rng, 2000),
			.proto = test_below(&rng, 2) ? 17 : 6};
		for (uint32_t j = 0; j < i; j++)
			if (memcmp(&keys[j], &keys[i], sizeof(keys[i])) == 0) {
				i--; /* a duplicate key: draw again */
				break;
			}
	}
	for (uint32_t step = 0; step < 200000; step++) {
		uint32_t op = test_below(&rng, 10), k = test_below(&rng, KEYS);

		if (op < 5 && !in[k]) {
			struct sl_frag *f;
			if (n == SL_FRAGTAB_MAX) {
				in[live[0]] = false;
				memmove(live, live + 1, (n - 1) * sizeof(live[0]));
				n--;
				sl_fragtab_pop(&tab);
			}
			f = sl_fragtab_add(
				&tab, keys[k].src, keys[k].dst, keys[k].id, keys[k].proto, ++t);
			f->nsrc = k; /* the reference's key number, to check finds */
			live[n++] = k;
			in[k] = true;
		} else if (op < 7 && n) {
			assert_int_equal(sl_fragtab_oldest(&tab)->nsrc, live[0]);
			in[live[0]] = false;
			memmove(live, live + 1, (n - 1) * sizeof(live[0]));
			n--;
			sl_fragtab_pop(&tab);
		} else {
			struct sl_frag *f = find(&keys[k]);
			if (in[k]) {
				assert_non_null(f);
				assert_int_equal(f->nsrc, k);
			} else {
				assert_null(f);
			}
		}
		assert_int_equal(tab.n, n);
	}
	/* at the end every key is found or not as the reference says */
	for (uint32_t k = 0; k < KEYS; k++)
		if (in[k])
			assert_int_equal(find(&keys[k])->nsrc, k);
		else
			assert_null(find(&keys[k]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(add_finds_and_pop_forgets_oldest_first),
		cmocka_unit_test(expiry_never_earlier_than_the_newest),
		cmocka_unit_test(fills_to_max_and_wraps_the_ring),
		cmocka_unit_test(random_operations_match_naive_list),
	};

	test_rng_init(&rng, test_seed("fragtab", 42));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
