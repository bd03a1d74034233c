/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NAT session table under concurrency, as the workers and the slow path
 * use it: writer threads create (or find) sessions with sl_nat_outbound for
 * tuples some of which they share, refreshing last-seen as the pipeline
 * does; reader threads look tuples up without a lock (sl_nat_lookup, as
 * the pipeline's bulk lookup) and check that the session a key
 * leads to carries exactly that key, i.e. never a slot reclaimed and reused
 * while they could still hold it; a reaper thread advances the virtual clock
 * and expires idle sessions with sl_nat_reap. Every thread that touches a
 * session outside the NAT lock is an RCU QSBR reader reporting quiescent
 * state after each batch.
 *
 * At the end (single-threaded): no lost session (every tuple a writer got a
 * session for is still found unless it could have expired), no duplicate
 * (no two sessions share a tuple; one mapping per inside endpoint; no
 * outside endpoint shared by two inside ones), counters and free lists
 * consistent. Run under ASan/UBSan too (meson -Db_sanitize=address,undefined).
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
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <sluice/nat.h>

#include "test_common.h"

#define N_WRITERS    3
#define N_READERS    2
#define N_THREADS    (N_WRITERS + N_READERS) /* RCU readers */
#define N_SHARED     192		     /* tuples every writer uses */
#define N_OWN	     384		     /* tuples one writer alone uses */
#define N_GROUPS     4
#define GROUP_NS     1500000000ull /* virtual time a group of own tuples stays busy */
#define N_TUPLES     (N_SHARED + N_WRITERS * N_OWN)
#define MAX_SESSIONS 4096 /* `nat sessions max`; the slots are this + SL_NAT_DEFER_SLOTS */
#define BATCH	     32
#define RUN_NS	     2000000000ull /* wall clock */
#define TIMEOUT_S    1		   /* UDP idle timeout, virtual seconds */
#define TIMEOUT	     ((uint64_t)TIMEOUT_S * 1000000000ull)
#define CLOCK_STEP   5000000ull /* virtual ns per reaper round */

static struct test_rng rng;

struct shared {
	struct sl_nat *n;
	struct rte_rcu_qsbr *qsv;
	struct sl_nat_tuple tuples[N_TUPLES];
	uint64_t clock; /* virtual ns, advanced by the reaper */
	bool stop;
};

struct writer {
	pthread_t th;
	unsigned int id;
	struct shared *sh;
	uint64_t seed;
	/* per tuple: the session's last-seen when this writer last got it, or 0 */
	uint64_t got[N_TUPLES];
	uint64_t hits, calls, refused, bad;
	enum sl_drop_reason why;
};

struct reader {
	pthread_t th;
	unsigned int id;
	struct shared *sh;
	uint64_t seed;
	uint64_t lookups, hits, wrong, freed;
};

struct reaper {
	pthread_t th;
	struct shared *sh;
	uint64_t rounds;
};

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool tup_eq(const struct sl_nat_tuple *a, const struct sl_nat_tuple *b)
{
	return a->src == b->src && a->dst == b->dst && a->sport == b->sport &&
	       a->dport == b->dport && a->proto == b->proto;
}

static uint32_t ip4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t x[4] = {a, b, c, d};
	uint32_t v;

	memcpy(&v, x, 4);
	return v;
}

/*
 * Tuple @p i: shared ones first, then each writer's own. Three remotes per
 * inside endpoint (one mapping for the three), eight source ports over many
 * hosts (preservation collides, random ports follow).
 */
static struct sl_nat_tuple make_tuple(unsigned int i)
{
	unsigned int e = i / 3;

	return (struct sl_nat_tuple){.src = ip4(10, 0, (uint8_t)(e / 64), (uint8_t)(e % 64)),
		.dst = ip4(198, 51, 100, (uint8_t)(1 + i % 3)),
		.sport = rte_cpu_to_be_16((uint16_t)(20000 + e % 8)),
		.dport = rte_cpu_to_be_16(53),
		.proto = 17};
}

/*
 * Shared tuples stay busy; a writer's own tuples come in groups, one group
 * busy at a time as the virtual clock runs, so the others go idle, expire
 * and are reaped while the readers look them up.
 */
static unsigned int writer_tuple(struct writer *w, struct test_rng *r, uint64_t now)
{
	unsigned int g = (unsigned int)(now / GROUP_NS);

	if (test_below(r, 3) == 0) /* shared: two groups, taken up again by every writer */
		return (g % 2) * (N_SHARED / 2) + test_below(r, N_SHARED / 2);
	g %= N_GROUPS;
	return N_SHARED + w->id * N_OWN + g * (N_OWN / N_GROUPS) + test_below(r, N_OWN / N_GROUPS);
}

/* The pipeline's refresh, made monotonic: a slower thread never moves it back. */
static void refresh(struct sl_nat_session *s, uint64_t now)
{
	uint64_t cur = __atomic_load_n(&s->last_seen, __ATOMIC_RELAXED);

	while (cur < now && !__atomic_compare_exchange_n(&s->last_seen, &cur, now, true,
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct shared *sh = w->sh;
	struct test_rng r;

	test_rng_init(&r, w->seed);
	rte_rcu_qsbr_thread_register(sh->qsv, w->id);
	rte_rcu_qsbr_thread_online(sh->qsv, w->id);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		for (int b = 0; b < BATCH; b++) {
			uint64_t now = __atomic_load_n(&sh->clock, __ATOMIC_ACQUIRE), seen = 0;
			unsigned int i = writer_tuple(w, &r, now);
			const struct sl_nat_tuple *t = &sh->tuples[i];
			uint32_t idx = SL_NAT_NONE;
			uint8_t in_use = 0;
			struct sl_nat_session *s;
			uint32_t v;

			/* the pipeline's fast path: a lock-free hit on a live session (now
			 * and then the locked path instead, to race sl_nat_outbound's find) */
			if (test_below(&r, 64) != 0 &&
				(v = sl_nat_lookup(sh->n, t)) != SL_NAT_NONE) {
				if ((v >> 1) >= sh->n->n_slots) {
					w->bad++;
					continue;
				}
				s = &sh->n->sess[v >> 1];
				if (!tup_eq(&s->t[v & 1], t))
					w->bad++;
				in_use = __atomic_load_n(&s->in_use, __ATOMIC_ACQUIRE);
				seen = __atomic_load_n(&s->last_seen, __ATOMIC_ACQUIRE);
				now = __atomic_load_n(&sh->clock, __ATOMIC_ACQUIRE);
				if (in_use == 1 && !(now > seen && now - seen > TIMEOUT))
					idx = v >> 1;
			}
			/* else the slow path: find or create under the lock */
			if (idx == SL_NAT_NONE) {
				enum sl_drop_reason why = SL_DROP_MAX;
				w->calls++;
				idx = sl_nat_outbound(sh->n, t, 0, now, &why);
				if (idx == SL_NAT_NONE) {
					w->refused++;
					w->why = why;
					continue;
				}
				if (idx >= sh->n->n_slots) {
					w->bad++;
					continue;
				}
				/* held until our next quiescent report: the slot cannot be reused
				 */
				s = &sh->n->sess[idx];
				if (!tup_eq(&s->t[0], t) && !tup_eq(&s->t[1], t))
					w->bad++;
				in_use = __atomic_load_n(&s->in_use, __ATOMIC_ACQUIRE);
				seen = __atomic_load_n(&s->last_seen, __ATOMIC_ACQUIRE);
			}
			w->hits++;
			/* when it was last seen before this packet bounds when it may expire
			 * (unless the reaper took it meanwhile: then no promise) */
			if (in_use == 1) {
				w->got[i] = seen < now ? seen : now;
				if (w->got[i] == 0)
					w->got[i] = 1;
			}
			refresh(s, now);
		}
		rte_rcu_qsbr_quiescent(sh->qsv, w->id);
	}
	rte_rcu_qsbr_thread_offline(sh->qsv, w->id);
	rte_rcu_qsbr_thread_unregister(sh->qsv, w->id);
	return NULL;
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	struct shared *sh = rd->sh;
	struct test_rng r;

	test_rng_init(&r, rd->seed);
	rte_rcu_qsbr_thread_register(sh->qsv, rd->id);
	rte_rcu_qsbr_thread_online(sh->qsv, rd->id);
	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		for (int b = 0; b < BATCH; b++) {
			struct sl_nat_tuple key = sh->tuples[test_below(&r, N_TUPLES)];
			const struct sl_nat_session *s;

			for (int hop = 0; hop < 2; hop++) {
				rd->lookups++;
				uint32_t v = sl_nat_lookup(sh->n, &key);
				if (v == SL_NAT_NONE)
					break;
				if ((v >> 1) >= sh->n->n_slots) {
					rd->wrong++;
					break;
				}
				rd->hits++;
				s = &sh->n->sess[v >> 1];
				/* deleted (2) is fine until the grace period; free (0) is not */
				if (__atomic_load_n(&s->in_use, __ATOMIC_RELAXED) == 0)
					rd->freed++;
				if (!tup_eq(&s->t[v & 1], &key)) {
					rd->wrong++;
					break;
				}
				/* and the other direction's key, read from the session */
				key = s->t[(v & 1) ^ 1];
			}
		}
		rte_rcu_qsbr_quiescent(sh->qsv, rd->id);
	}
	rte_rcu_qsbr_thread_offline(sh->qsv, rd->id);
	rte_rcu_qsbr_thread_unregister(sh->qsv, rd->id);
	return NULL;
}

static void *reaper_main(void *arg)
{
	struct reaper *rp = arg;
	struct shared *sh = rp->sh;

	while (!__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE)) {
		uint64_t now = __atomic_add_fetch(&sh->clock, CLOCK_STEP, __ATOMIC_RELEASE);
		sl_nat_reap(sh->n, now, 64);
		rp->rounds++;
		if (rp->rounds % 16 == 0)
			sched_yield();
	}
	return NULL;
}

/* One thread, after the run: the table's structures agree with each other. */
static void check_table(struct sl_nat *n)
{
	uint32_t in_use = 0, deleted = 0, listed = 0, free_len = 0;
	uint8_t *on_free = calloc(n->n_slots, 1);

	assert_non_null(on_free);
	for (uint32_t i = 0; i < n->n_slots; i++) {
		in_use += n->sess[i].in_use == 1;
		deleted += n->sess[i].in_use == 2;
	}
	assert_int_equal(in_use, n->n_sessions);
	assert_int_equal(n->stats.created - n->stats.expired, n->n_sessions);
	/* mapping lists: exactly the sessions in use, each in its own mapping's */
	for (uint32_t m = 0; m < n->max_sessions; m++) {
		const struct sl_nat_mapping *mp = &n->map[m];
		uint32_t c = 0;
		if (mp->in_use != 1) /* free, or cooling down */
			continue;
		for (uint32_t s = mp->sessions; s != SL_NAT_NONE; s = n->sess[s].next) {
			assert_true(s < n->n_slots);
			assert_true(++c <= n->max_sessions);
			assert_int_equal(n->sess[s].in_use, 1);
			assert_int_equal(n->sess[s].mapping, m);
		}
		assert_int_equal(c, mp->n_sessions);
		listed += c;
	}
	assert_int_equal(listed, n->n_sessions);
	/* the free list: free slots only, each once; the rest wait for their grace period */
	for (uint32_t s = n->free_sess; s != SL_NAT_NONE; s = n->sess[s].next) {
		assert_true(s < n->n_slots);
		assert_int_equal(on_free[s], 0);
		on_free[s] = 1;
		assert_int_equal(n->sess[s].in_use, 0);
		free_len++;
	}
	assert_int_equal(free_len + in_use + deleted, n->n_slots);
	free(on_free);
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct sl_nat_tuple));
}

/* No tuple in two sessions; one outside endpoint per inside one and back. */
static void check_no_duplicates(struct sl_nat *n)
{
	struct sl_nat_tuple *keys = calloc(2 * (size_t)n->n_slots, sizeof(*keys));
	struct {
		uint32_t ip, ext_ip;
		uint16_t port, ext_port;
	} *ep = calloc(n->n_slots, sizeof(*ep));
	uint32_t nk = 0, ne = 0;

	assert_non_null(keys);
	assert_non_null(ep);
	for (uint32_t i = 0; i < n->n_slots; i++) {
		const struct sl_nat_session *s = &n->sess[i];
		if (s->in_use != 1)
			continue;
		keys[nk++] = s->t[0];
		keys[nk++] = s->t[1];
		/* the key without what a session keeps beside it (pad[1..2]) */
		memset(&keys[nk - 2].pad[1], 0, 2);
		memset(&keys[nk - 1].pad[1], 0, 2);
		ep[ne].ip = s->t[0].src;
		ep[ne].port = s->t[0].sport;
		ep[ne].ext_ip = s->t[1].dst;
		ep[ne].ext_port = s->t[1].dport;
		ne++;
	}
	qsort(keys, nk, sizeof(*keys), key_cmp);
	for (uint32_t i = 1; i < nk; i++)
		if (key_cmp(&keys[i - 1], &keys[i]) == 0)
			fail_msg("tuple in two sessions");
	for (uint32_t i = 0; i < ne; i++)
		for (uint32_t j = i + 1; j < ne; j++) {
			bool same_in = ep[i].ip == ep[j].ip && ep[i].port == ep[j].port;
			bool same_out =
				ep[i].ext_ip == ep[j].ext_ip && ep[i].ext_port == ep[j].ext_port;
			if (same_in != same_out)
				fail_msg("inside %08x:%u -> %08x:%u, inside %08x:%u -> %08x:%u",
					ep[i].ip, rte_be_to_cpu_16(ep[i].port), ep[i].ext_ip,
					rte_be_to_cpu_16(ep[i].ext_port), ep[j].ip,
					rte_be_to_cpu_16(ep[j].port), ep[j].ext_ip,
					rte_be_to_cpu_16(ep[j].ext_port));
		}
	free(keys);
	free(ep);
}

static void sessions_survive_concurrent_writers_readers_and_reaper(void **state)
{
	size_t sz = rte_rcu_qsbr_get_memsize(N_THREADS);
	struct shared *sh = calloc(1, sizeof(*sh));
	struct writer *w = calloc(N_WRITERS, sizeof(*w));
	struct reader rd[N_READERS];
	struct reaper rp = {0};
	char err[128];
	struct sl_cmd c = {.type = SL_CMD_NAT_POOL_ADD};
	uint64_t t0, lookups = 0, hits = 0, wrong = 0, freed = 0, calls = 0, refused = 0, bad = 0;
	uint64_t packets = 0;
	uint32_t expected = 0, lost = 0;

	(void)state;
	assert_non_null(sh);
	assert_non_null(w);
	sh->qsv = rte_zmalloc("test_qsv", sz, RTE_CACHE_LINE_SIZE);
	sh->n = calloc(1, sizeof(*sh->n));
	assert_non_null(sh->qsv);
	assert_non_null(sh->n);
	assert_int_equal(rte_rcu_qsbr_init(sh->qsv, N_THREADS), 0);
	assert_int_equal(sl_nat_create(sh->n, MAX_SESSIONS, sh->qsv, 7), 0);
	/* one address; ports cool 120 s (virtual) after use: enough for the run */
	c.nat_pool.prefix.addr.family = SL_AF_INET;
	c.nat_pool.prefix.addr.v4 = ip4(203, 0, 113, 9);
	c.nat_pool.prefix.len = 32;
	c.nat_pool.port_lo = 1024;
	c.nat_pool.port_hi = 65535;
	assert_int_equal(sl_nat_apply(sh->n, &c, err, sizeof(err)), 0);
	c = (struct sl_cmd){.type = SL_CMD_NAT_TIMEOUT};
	c.nat.kind = SL_NAT_TO_UDP;
	c.nat.value = TIMEOUT_S;
	assert_int_equal(sl_nat_apply(sh->n, &c, err, sizeof(err)), 0);
	for (unsigned int i = 0; i < N_TUPLES; i++)
		sh->tuples[i] = make_tuple(i);
	sh->clock = 1000000000ull;

	/* the EAL pinned this thread to lcore 0; the others may run anywhere */
	pthread_attr_t attr;
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	for (int cpu = 0; cpu < CPU_SETSIZE && cpu < sysconf(_SC_NPROCESSORS_ONLN); cpu++)
		CPU_SET(cpu, &cpus);
	pthread_attr_init(&attr);
	pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	for (unsigned int i = 0; i < N_WRITERS; i++) {
		w[i].id = i;
		w[i].sh = sh;
		w[i].seed = test_rand(&rng);
		assert_int_equal(pthread_create(&w[i].th, &attr, writer_main, &w[i]), 0);
	}
	for (unsigned int i = 0; i < N_READERS; i++) {
		rd[i] = (struct reader){.id = N_WRITERS + i, .sh = sh, .seed = test_rand(&rng)};
		assert_int_equal(pthread_create(&rd[i].th, &attr, reader_main, &rd[i]), 0);
	}
	rp.sh = sh;
	assert_int_equal(pthread_create(&rp.th, &attr, reaper_main, &rp), 0);
	t0 = wall_ns();
	while (wall_ns() - t0 < RUN_NS)
		usleep(10000);
	__atomic_store_n(&sh->stop, true, __ATOMIC_RELEASE);
	for (unsigned int i = 0; i < N_WRITERS; i++) {
		pthread_join(w[i].th, NULL);
		calls += w[i].calls;
		packets += w[i].hits;
		refused += w[i].refused;
		bad += w[i].bad;
		if (w[i].refused)
			print_error("writer %u: %" PRIu64 " refused, last drop %d\n", i,
				w[i].refused, w[i].why);
	}
	for (unsigned int i = 0; i < N_READERS; i++) {
		pthread_join(rd[i].th, NULL);
		lookups += rd[i].lookups;
		hits += rd[i].hits;
		wrong += rd[i].wrong;
		freed += rd[i].freed;
	}
	pthread_join(rp.th, NULL);
	pthread_attr_destroy(&attr);

	uint64_t now = sh->clock;
	printf("# %u writers: %" PRIu64 " packets, %" PRIu64 " outbound calls; %u readers: %" PRIu64
	       " lookups, %" PRIu64 " hits; reaper: %" PRIu64 " rounds, virtual %.1f s; %" PRIu64
	       " created, %" PRIu64 " expired, %u live\n",
		N_WRITERS, packets, calls, N_READERS, lookups, hits, rp.rounds, (double)now / 1e9,
		sh->n->stats.created, sh->n->stats.expired, sh->n->n_sessions);
	assert_int_equal(refused, 0);
	assert_int_equal(bad, 0);
	assert_int_equal(wrong, 0);
	assert_int_equal(freed, 0);
	assert_true(hits > 0);
	assert_true(sh->n->stats.expired > 0); /* the reaper had work */

	/* structure first (a corrupt list would make sl_nat_find walk it) */
	check_table(sh->n);
	check_no_duplicates(sh->n);
	/* no lost session: anything a writer got that cannot have expired is there */
	for (unsigned int i = 0; i < N_TUPLES; i++) {
		uint64_t seen = 0;
		for (unsigned int k = 0; k < N_WRITERS; k++)
			seen = w[k].got[i] > seen ? w[k].got[i] : seen;
		if (seen == 0 || now - seen > TIMEOUT)
			continue;
		expected++;
		uint32_t v = sl_nat_find(sh->n, &sh->tuples[i], now);
		if (v == SL_NAT_NONE || !tup_eq(&sh->n->sess[v >> 1].t[v & 1], &sh->tuples[i]))
			lost++;
	}
	printf("# %u sessions expected alive at the end, %u lost\n", expected, lost);
	assert_int_equal(lost, 0);
	check_table(sh->n);

	/* everything expires; the table empties and every slot is accounted for */
	sl_nat_reap(sh->n, now + 10 * TIMEOUT, UINT32_MAX);
	assert_int_equal(sh->n->n_sessions, 0);
	check_table(sh->n);

	sl_nat_destroy(sh->n);
	free(sh->n);
	rte_free(sh->qsv);
	free(w);
	free(sh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sessions_survive_concurrent_writers_readers_and_reaper),
	};

	if (test_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	test_rng_init(&rng, test_seed("nat-concurrent", 11));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
