/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Left-right FIB under route churn: one writer applies thousands of add/del
 * batches on "churn" prefixes while reader threads (RCU QSBR readers, the
 * FIB's qsv) look up addresses inside "stable" prefixes that never change.
 * A reader must never see a wrong next hop for a stable address.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <sluice/fib.h>

#include "test_common.h"

#define N_STABLE4   256
#define N_STABLE6   128
#define N_CHURN4    (2 * N_STABLE4)
#define N_CHURN6    (3 * N_STABLE6)
#define N_COVER6    N_STABLE6
#define N_PROBE	    1024 /* addresses the readers cycle through */
#define RUN_NS	    3000000000ull
#define MIN_BATCHES 200
#define MAX_BATCHES 1000000
/* rte_fib6 in DPDK 22.11 leaks tbl8 reservations on churn: stay below its budget */
#define MAX_V6_ADDS 8000

static struct test_rng rng;

struct probe {
	uint32_t ip4[N_PROBE];
	uint32_t exp4[N_PROBE];
	uint8_t ip6[N_PROBE][RTE_FIB6_IPV6_ADDR_SIZE];
	uint32_t exp6[N_PROBE];
};

struct reader {
	pthread_t th;
	unsigned int id;
	struct sl_fib *f;
	struct rte_rcu_qsbr *qsv;
	const struct probe *pr;
	volatile bool *stop;
	uint64_t lookups, wrong, bursts;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	const struct probe *pr = r->pr;
	unsigned int pos = 0;
	uint64_t nh[32];

	rte_rcu_qsbr_thread_register(r->qsv, r->id);
	rte_rcu_qsbr_thread_online(r->qsv, r->id);
	while (!__atomic_load_n(r->stop, __ATOMIC_ACQUIRE)) {
		uint32_t ip4[32];
		uint8_t ip6[32][RTE_FIB6_IPV6_ADDR_SIZE];
		unsigned int i;

		/* one burst, as a worker does it: the active instance, bulk lookups */
		for (i = 0; i < 32; i++) {
			ip4[i] = pr->ip4[(pos + i) % N_PROBE];
			memcpy(ip6[i], pr->ip6[(pos + i) % N_PROBE], 16);
		}
		rte_fib_lookup_bulk(sl_fib_v4(r->f), ip4, nh, 32);
		for (i = 0; i < 32; i++)
			r->wrong += nh[i] != pr->exp4[(pos + i) % N_PROBE];
		rte_fib6_lookup_bulk(sl_fib_v6(r->f), ip6, nh, 32);
		for (i = 0; i < 32; i++)
			r->wrong += nh[i] != pr->exp6[(pos + i) % N_PROBE];
		r->lookups += 64;
		r->bursts++;
		pos = (pos + 32) % N_PROBE;
		rte_rcu_qsbr_quiescent(r->qsv, r->id);
	}
	rte_rcu_qsbr_thread_offline(r->qsv, r->id);
	rte_rcu_qsbr_thread_unregister(r->qsv, r->id);
	return NULL;
}

static struct sl_nexthop gw_nh(uint8_t fam, unsigned int k)
{
	struct sl_nexthop nh = {.type = SL_NH_GATEWAY,
		.family = fam,
		.iface = (uint16_t)(k % 4),
		.neigh = UINT32_MAX};

	nh.gw.family = fam;
	if (fam == SL_AF_INET) {
		uint8_t g[4] = {100, 64, (uint8_t)(k >> 8), (uint8_t)k};
		memcpy(&nh.gw.v4, g, 4);
	} else {
		nh.gw.v6[0] = 0xfe;
		nh.gw.v6[1] = 0x80;
		nh.gw.v6[14] = (uint8_t)(k >> 8);
		nh.gw.v6[15] = (uint8_t)k;
	}
	return nh;
}

/*
 * Layout. Each stable route is a /24 (IPv4; for odd i a /26 at the start
 * of one) or a /48 (IPv6). Churn routes sit in the upper half of the
 * same /24s and /48s; readers probe only the lower half. So a churn add
 * turns a stable /24 into a tbl8 group and the matching delete frees that
 * group for reuse while readers may still be walking it: exactly the
 * recycled-tbl8 race the left-right scheme must hide. IPv6 host routes
 * churn under stable 2001:db8:X:f000::/120 covers in the upper half, so
 * that churn stays clear of DPDK 22.11's rte_fib6 tbl8 reservation leak
 * (test_fib.c covers that on its own).
 */
static void stable4(unsigned int i, struct sl_prefix *p)
{
	uint8_t a[4] = {10, (uint8_t)(i % 16), (uint8_t)(i / 16), 0};

	memset(p, 0, sizeof(*p));
	p->addr.family = SL_AF_INET;
	p->len = i % 2 ? 26 : 24;
	memcpy(&p->addr.v4, a, 4);
}

static void churn4(unsigned int i, struct sl_prefix *p)
{
	unsigned int j = i % N_STABLE4, k = i / N_STABLE4;
	uint8_t a[4] = {10, (uint8_t)(j % 16), (uint8_t)(j / 16), 128};

	memset(p, 0, sizeof(*p));
	p->addr.family = SL_AF_INET;
	if (k) {
		p->len = (uint8_t)(27 + j % 6);
		a[3] = (uint8_t)(160 + (j * 8) % 32) & (uint8_t)(0xff << (32 - p->len));
	} else {
		p->len = 25;
	}
	memcpy(&p->addr.v4, a, 4);
}

static void base6(unsigned int j, struct sl_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->addr.family = SL_AF_INET6;
	p->addr.v6[0] = 0x20;
	p->addr.v6[1] = 0x01;
	p->addr.v6[2] = 0x0d;
	p->addr.v6[3] = 0xb8;
	p->addr.v6[5] = (uint8_t)j;
}

static void stable6(unsigned int i, struct sl_prefix *p)
{
	base6(i, p);
	p->len = 48;
}

static void cover6(unsigned int i, struct sl_prefix *p)
{
	base6(i, p);
	p->addr.v6[6] = 0xf0;
	p->len = 120;
}

static void churn6(unsigned int i, struct sl_prefix *p)
{
	unsigned int j = i % N_STABLE6, k = i / N_STABLE6;

	base6(j, p);
	switch (k) {
	case 0:
		p->addr.v6[6] = 0x80;
		p->len = 56;
		break;
	case 1:
		p->addr.v6[6] = 0x90;
		p->addr.v6[7] = (uint8_t)j;
		p->len = 64;
		break;
	default:
		p->addr.v6[6] = 0xf0;
		p->addr.v6[15] = (uint8_t)(j + 1);
		p->len = 128;
	}
}

/* A random address inside a stable prefix (never inside a churn prefix by construction). */
static void inside(const struct sl_prefix *p, uint8_t *out, unsigned int nb)
{
	uint8_t r[16];
	const uint8_t *a = p->addr.family == SL_AF_INET ? (const uint8_t *)&p->addr.v4 : p->addr.v6;

	test_fill(&rng, r, 16);
	for (unsigned int i = 0; i < nb; i++) {
		unsigned int keep = p->len >= 8 * (i + 1) ? 8 : p->len > 8 * i ? p->len - 8 * i : 0;
		uint8_t m = (uint8_t)(0xff00u >> keep);
		out[i] = (uint8_t)((a[i] & m) | (r[i] & ~m));
	}
}

static void readers_never_see_wrong_next_hop_for_stable_prefixes(void **state)
{
	unsigned int n_readers = sysconf(_SC_NPROCESSORS_ONLN) >= 3 ? 2 : 1;
	size_t sz = rte_rcu_qsbr_get_memsize(n_readers);
	struct rte_rcu_qsbr *qsv = rte_zmalloc("test_qsv", sz, RTE_CACHE_LINE_SIZE);
	struct sl_fib *f = calloc(1, sizeof(*f));
	struct probe *pr = calloc(1, sizeof(*pr));
	struct sl_route_change *c = calloc(64, sizeof(*c));
	bool churn_in4[N_CHURN4] = {0}, churn_in6[N_CHURN6] = {0};
	struct reader rd[2];
	volatile bool stop = false;
	unsigned int i, batches = 0, changes = 0, v6_adds = 0, bad;
	uint64_t t0, wrong = 0, lookups = 0;
	struct sl_prefix sp4[N_STABLE4], sp6[N_STABLE6];
	uint32_t id4[N_STABLE4], id6[N_STABLE6];

	(void)state;
	assert_non_null(qsv);
	assert_non_null(f);
	assert_non_null(pr);
	assert_non_null(c);
	assert_int_equal(rte_rcu_qsbr_init(qsv, n_readers), 0);
	assert_int_equal(sl_fib_create(f, "conc", 8192, 32768, qsv), 0);

	/* the stable routes, one batch each family */
	for (i = 0; i < N_STABLE4; i++) {
		stable4(i, &sp4[i]);
		c[i % 64] = (struct sl_route_change){.prefix = sp4[i], .nh = gw_nh(SL_AF_INET, i)};
		if (i % 64 == 63)
			assert_int_equal(sl_fib_apply(f, c, 64, &bad), 0);
	}
	for (i = 0; i < N_STABLE6; i++) {
		stable6(i, &sp6[i]);
		c[i % 64] = (struct sl_route_change){.prefix = sp6[i], .nh = gw_nh(SL_AF_INET6, i)};
		if (i % 64 == 63)
			assert_int_equal(sl_fib_apply(f, c, 64, &bad), 0);
	}
	for (i = 0; i < N_COVER6; i++) {
		c[i % 64] = (struct sl_route_change){.nh = gw_nh(SL_AF_INET6, 2000 + i)};
		cover6(i, &c[i % 64].prefix);
		if (i % 64 == 63)
			assert_int_equal(sl_fib_apply(f, c, 64, &bad), 0);
	}
	for (i = 0; i < N_STABLE4; i++) {
		id4[i] = sl_fib_get(f, &sp4[i], NULL);
		assert_int_not_equal(id4[i], SL_NH_NONE);
	}
	for (i = 0; i < N_STABLE6; i++) {
		id6[i] = sl_fib_get(f, &sp6[i], NULL);
		assert_int_not_equal(id6[i], SL_NH_NONE);
	}
	for (i = 0; i < N_PROBE; i++) {
		unsigned int k = test_below(&rng, N_STABLE4);
		uint8_t a[16];
		inside(&sp4[k], a, 4);
		a[3] &= 0x7f; /* lower half: never under a churn route */
		pr->ip4[i] =
			(uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
		pr->exp4[i] = id4[k];
		k = test_below(&rng, N_STABLE6);
		inside(&sp6[k], pr->ip6[i], 16);
		pr->ip6[i][6] &= 0x7f;
		pr->exp6[i] = id6[k];
	}
	/* the expectations hold before any churn (single-threaded sanity) */
	for (i = 0; i < N_PROBE; i++) {
		struct sl_ip ip = {.family = SL_AF_INET, .v4 = rte_cpu_to_be_32(pr->ip4[i])};
		assert_int_equal(sl_fib_lookup(f, &ip), pr->exp4[i]);
		ip.family = SL_AF_INET6;
		memcpy(ip.v6, pr->ip6[i], 16);
		assert_int_equal(sl_fib_lookup(f, &ip), pr->exp6[i]);
	}

	/* the EAL pinned this thread to lcore 0; readers may run anywhere else */
	pthread_attr_t attr;
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	for (int cpu = 0; cpu < CPU_SETSIZE && cpu < sysconf(_SC_NPROCESSORS_ONLN); cpu++)
		CPU_SET(cpu, &cpus);
	if (CPU_COUNT(&cpus) > 1)
		CPU_CLR(0, &cpus);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	for (i = 0; i < n_readers; i++) {
		rd[i] = (struct reader){.id = i, .f = f, .qsv = qsv, .pr = pr, .stop = &stop};
		assert_int_equal(pthread_create(&rd[i].th, &attr, reader_main, &rd[i]), 0);
	}

	t0 = now_ns();
	while (batches < MAX_BATCHES && now_ns() - t0 < RUN_NS) {
		unsigned int n = 1 + test_below(&rng, 32), k = 0;
		bool touched4[N_CHURN4] = {0}, touched6[N_CHURN6] = {0};

		while (k < n) {
			bool v4 = v6_adds >= MAX_V6_ADDS || test_below(&rng, 4) != 0;
			unsigned int j = test_below(&rng, v4 ? N_CHURN4 : N_CHURN6);
			bool *in = v4 ? &churn_in4[j] : &churn_in6[j];
			bool *t = v4 ? &touched4[j] : &touched6[j];
			if (*t)
				continue;
			*t = true;
			c[k] = (struct sl_route_change){.del = *in};
			if (v4)
				churn4(j, &c[k].prefix);
			else
				churn6(j, &c[k].prefix);
			if (!v4 && !*in)
				v6_adds++;
			if (!*in)
				c[k].nh =
					gw_nh(c[k].prefix.addr.family, 1000 + test_below(&rng, 64));
			*in = !*in;
			k++;
		}
		int rc = sl_fib_apply(f, c, n, &bad);
		if (rc != 0) {
			print_error("batch %u failed: %d at %u\n", batches, rc, bad);
			__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
			for (i = 0; i < n_readers; i++)
				pthread_join(rd[i].th, NULL);
			fail();
		}
		batches++;
		changes += n;
	}
	__atomic_store_n(&stop, true, __ATOMIC_RELEASE);
	pthread_attr_destroy(&attr);
	for (i = 0; i < n_readers; i++) {
		pthread_join(rd[i].th, NULL);
		wrong += rd[i].wrong;
		lookups += rd[i].lookups;
	}
	printf("# %u readers, %u batches (%u changes) in %.2f s, %" PRIu64 " lookups, %" PRIu64
	       " wrong\n",
		n_readers, batches, changes, (double)(now_ns() - t0) / 1e9, lookups, wrong);
	assert_true(batches >= MIN_BATCHES);
	assert_true(lookups > 0);
	assert_int_equal(wrong, 0);

	/* and single-threaded afterwards */
	for (i = 0; i < N_PROBE; i++) {
		struct sl_ip ip = {.family = SL_AF_INET, .v4 = rte_cpu_to_be_32(pr->ip4[i])};
		assert_int_equal(sl_fib_lookup(f, &ip), pr->exp4[i]);
	}
	sl_fib_destroy(f);
	free(f);
	free(pr);
	free(c);
	rte_free(qsv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(readers_never_see_wrong_next_hop_for_stable_prefixes),
	};

	if (test_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	test_rng_init(&rng, test_seed("fib-concurrent", 7));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
