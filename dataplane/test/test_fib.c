/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sl_fib (rte_fib DIR-24-8 + rte_fib6 trie, left-right) against a naive
 * linear-scan longest-prefix-match reference: random batches of adds and
 * deletes through sl_fib_apply, then random lookups through both instances,
 * sl_fib_lookup and sl_fib_get; failing batches must change nothing; next-hop
 * reference counts must balance; sl_fib_walk must visit exactly the routes.
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

#include <rte_fib.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_fib6.h>
#include <rte_rib.h>
#include <rte_rib6.h>

#include <sluice/fib.h>

#include "test_common.h"

static struct test_rng rng;

/* ---- the reference ---------------------------------------------------- */

struct pfx {
	uint8_t fam; /* SL_AF_INET / SL_AF_INET6 */
	uint8_t len;
	uint8_t a[16]; /* network order; IPv4 in a[0..3] */
};

struct ref_route {
	struct pfx p;
	int tmpl; /* index into nh_tmpl */
	uint8_t origin;
};

struct ref {
	struct ref_route *r;
	unsigned int n, cap;
};

#define N_TMPL 48
static struct sl_nexthop nh_tmpl[N_TMPL]; /* even: IPv4, odd: IPv6 */

static unsigned int nbytes(uint8_t fam)
{
	return fam == SL_AF_INET ? 4 : 16;
}

static void mask_bits(uint8_t *a, unsigned int len, unsigned int nb)
{
	for (unsigned int i = 0; i < nb; i++) {
		unsigned int keep = len >= 8 * (i + 1) ? 8 : len > 8 * i ? len - 8 * i : 0;
		a[i] &= (uint8_t)(0xff00u >> keep);
	}
}

static bool pfx_contains(const struct pfx *p, const uint8_t *addr)
{
	for (unsigned int bit = 0; bit < p->len; bit++) {
		unsigned int byte = bit / 8, sh = 7 - bit % 8;
		if (((p->a[byte] >> sh) & 1) != ((addr[byte] >> sh) & 1))
			return false;
	}
	return true;
}

static bool pfx_equal(const struct pfx *x, const struct pfx *y)
{
	return x->fam == y->fam && x->len == y->len && memcmp(x->a, y->a, nbytes(x->fam)) == 0;
}

static int ref_find(const struct ref *r, const struct pfx *p)
{
	for (unsigned int i = 0; i < r->n; i++)
		if (pfx_equal(&r->r[i].p, p))
			return (int)i;
	return -1;
}

static void ref_add(struct ref *r, const struct pfx *p, int tmpl, uint8_t origin)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 1024;
		r->r = realloc(r->r, r->cap * sizeof(*r->r));
		assert_non_null(r->r);
	}
	r->r[r->n++] = (struct ref_route){.p = *p, .tmpl = tmpl, .origin = origin};
}

static void ref_del(struct ref *r, int i)
{
	r->r[i] = r->r[--r->n];
}

/* Longest match by linear scan: the template index, or -1 for no route. */
static int ref_lpm(const struct ref *r, uint8_t fam, const uint8_t *addr)
{
	int best = -1, best_len = -1;

	for (unsigned int i = 0; i < r->n; i++) {
		const struct pfx *p = &r->r[i].p;
		if (p->fam == fam && p->len > best_len && pfx_contains(p, addr)) {
			best = r->r[i].tmpl;
			best_len = p->len;
		}
	}
	return best;
}

static unsigned int ref_count(const struct ref *r, uint8_t fam)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < r->n; i++)
		n += r->r[i].p.fam == fam;
	return n;
}

/* ---- random prefixes and addresses -------------------------------------- */

static uint8_t rand_len4(void)
{
	/* roughly a routing table's mix: mostly /24, then /16-/23, hosts, /8-/15 */
	uint32_t x = test_below(&rng, 100);
	if (x < 40)
		return 24;
	if (x < 65)
		return (uint8_t)(16 + test_below(&rng, 8));
	if (x < 80)
		return (uint8_t)(25 + test_below(&rng, 8));
	if (x < 92)
		return (uint8_t)(8 + test_below(&rng, 8));
	return (uint8_t)test_below(&rng, 33);
}

static uint8_t rand_len6(void)
{
	static const uint8_t common[] = {32, 48, 56, 64, 128};
	if (test_below(&rng, 2))
		return common[test_below(&rng, sizeof(common))];
	return (uint8_t)test_below(&rng, 129);
}

static void rand_addr(uint8_t fam, uint8_t *a)
{
	memset(a, 0, 16);
	test_fill(&rng, a, nbytes(fam));
	/* cluster half of them so that prefixes nest and share tbl8 groups */
	if (test_below(&rng, 2)) {
		if (fam == SL_AF_INET) {
			static const uint8_t firsts[] = {10, 172, 192, 100};
			a[0] = firsts[test_below(&rng, sizeof(firsts))];
			if (test_below(&rng, 2))
				a[1] = (uint8_t)test_below(&rng, 4);
		} else {
			a[0] = 0x20;
			a[1] = 0x01;
			a[2] = 0x0d;
			a[3] = 0xb8;
			if (test_below(&rng, 2))
				a[4] = a[5] = 0;
			if (test_below(&rng, 2))
				memset(a + 6, 0, 2);
		}
	}
}

static void rand_pfx(uint8_t fam, struct pfx *p)
{
	p->fam = fam;
	p->len = fam == SL_AF_INET ? rand_len4() : rand_len6();
	rand_addr(fam, p->a);
	mask_bits(p->a, p->len, nbytes(fam));
}

static void rand_inside(const struct pfx *p, uint8_t *a)
{
	uint8_t r[16];

	memset(a, 0, 16);
	test_fill(&rng, r, 16);
	for (unsigned int i = 0; i < nbytes(p->fam); i++) {
		unsigned int keep = p->len >= 8 * (i + 1) ? 8 : p->len > 8 * i ? p->len - 8 * i : 0;
		uint8_t m = (uint8_t)(0xff00u >> keep);
		a[i] = (uint8_t)((p->a[i] & m) | (r[i] & ~m));
	}
}

static void to_sl(const struct pfx *p, struct sl_prefix *out)
{
	memset(out, 0, sizeof(*out));
	out->addr.family = p->fam;
	out->len = p->len;
	if (p->fam == SL_AF_INET)
		memcpy(&out->addr.v4, p->a, 4);
	else
		memcpy(out->addr.v6, p->a, 16);
}

static void from_sl(const struct sl_prefix *s, struct pfx *p)
{
	memset(p, 0, sizeof(*p));
	p->fam = s->addr.family;
	p->len = s->len;
	if (p->fam == SL_AF_INET)
		memcpy(p->a, &s->addr.v4, 4);
	else
		memcpy(p->a, s->addr.v6, 16);
}

static void init_templates(void)
{
	for (int i = 0; i < N_TMPL; i++) {
		struct sl_nexthop *nh = &nh_tmpl[i];
		memset(nh, 0, sizeof(*nh));
		nh->family = i % 2 ? SL_AF_INET6 : SL_AF_INET;
		nh->iface = (uint16_t)i; /* every template a distinct next hop */
		nh->neigh = UINT32_MAX;
		switch (i % 8) {
		case 0:
		case 1:
			nh->type = SL_NH_CONNECTED;
			break;
		case 2:
		case 3:
			nh->type = SL_NH_LOCAL;
			break;
		case 4:
			nh->type = SL_NH_BROADCAST;
			break;
		default:
			nh->type = SL_NH_GATEWAY;
		}
		nh->gw.family = nh->family;
		if (nh->type == SL_NH_GATEWAY) {
			if (nh->family == SL_AF_INET) {
				uint8_t g[4] = {10, 99, (uint8_t)i, 1};
				memcpy(&nh->gw.v4, g, 4);
			} else {
				nh->gw.v6[0] = 0xfe;
				nh->gw.v6[1] = 0x80;
				nh->gw.v6[15] = (uint8_t)i;
			}
		}
	}
}

static int rand_tmpl(uint8_t fam)
{
	int t = 2 * (int)test_below(&rng, N_TMPL / 2);
	return fam == SL_AF_INET ? t : t + 1;
}

static bool nh_is(const struct sl_nexthop *nh, int tmpl)
{
	const struct sl_nexthop *t = &nh_tmpl[tmpl];

	if (nh->type != t->type || nh->family != t->family || nh->iface != t->iface)
		return false;
	if (t->type != SL_NH_GATEWAY)
		return true;
	return t->family == SL_AF_INET ? nh->gw.v4 == t->gw.v4
				       : memcmp(nh->gw.v6, t->gw.v6, 16) == 0;
}

/* ---- checks ----------------------------------------------------------- */

/* The test's FIB, released by the teardown even when an assertion fails. */
static struct sl_fib *cur_fib;

static struct sl_fib *fib_new(const char *name, uint32_t max4, uint32_t max6)
{
	struct sl_fib *f = calloc(1, sizeof(*f));
	static struct rte_rcu_qsbr *qsv;

	/* a QSBR variable without readers: the left-right path, no waiting */
	if (qsv == NULL) {
		qsv = rte_zmalloc("test_qsv", rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
		assert_non_null(qsv);
		rte_rcu_qsbr_init(qsv, 1);
	}
	assert_non_null(f);
	assert_int_equal(sl_fib_create(f, name, max4, max6, qsv), 0);
	cur_fib = f;
	return f;
}

static void fib_free(struct sl_fib *f)
{
	sl_fib_destroy(f);
	free(f);
	cur_fib = NULL;
}

static int teardown_fib(void **state)
{
	(void)state;
	if (cur_fib)
		fib_free(cur_fib);
	return 0;
}

static unsigned long n_checked;
static const struct ref *cur_ref;

/* On a mismatch: every reference route covering the address, and the FIB's view. */
static void dump_matches(uint8_t fam, const uint8_t *addr)
{
	char b[64];

	if (fam == SL_AF_INET6 && cur_fib) {
		for (int inst = 0; inst < 2; inst++) {
			uint8_t a6[1][16];
			uint64_t nh = 0, rnh = 0;
			memcpy(a6[0], addr, 16);
			rte_fib6_lookup_bulk(cur_fib->v6[inst], a6, &nh, 1);
			struct rte_rib6_node *n =
				rte_rib6_lookup(rte_fib6_get_rib(cur_fib->v6[inst]), addr);
			uint8_t d = 255;
			if (n) {
				rte_rib6_get_nh(n, &rnh);
				rte_rib6_get_depth(n, &d);
			}
			print_error("  instance %d: fib6 nh %u, rib6 lpm depth %u nh %u\n", inst,
				(unsigned)nh, d, (unsigned)rnh);
		}
	}

	for (unsigned int i = 0; cur_ref && i < cur_ref->n; i++) {
		const struct ref_route *rr = &cur_ref->r[i];
		struct sl_prefix sp;
		if (rr->p.fam != fam || !pfx_contains(&rr->p, addr))
			continue;
		to_sl(&rr->p, &sp);
		print_error("  covering route %s template %d, sl_fib_get gives nh %u\n",
			sl_prefix_fmt(&sp, b, sizeof(b)), rr->tmpl,
			(unsigned int)sl_fib_get(cur_fib, &sp, NULL));
	}
}

static void check_result(const struct sl_fib *f, int expect, uint64_t got, const char *what,
	const uint8_t *addr, uint8_t fam)
{
	bool ok = expect < 0 ? got == SL_NH_NONE
			     : got != SL_NH_NONE && got < SL_NH_MAX && nh_is(&f->nh[got], expect);
	if (!ok) {
		char buf[64] = "";
		for (unsigned int i = 0; i < nbytes(fam); i++)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%02x", addr[i]);
		print_error("%s: lookup of %s gave nh %u, reference says template %d\n", what, buf,
			(unsigned int)got, expect);
		dump_matches(fam, addr);
		fail();
	}
	n_checked++;
}

/* @p n lookups through both instances in bulk and through sl_fib_lookup. */
static void check_lookups(const struct sl_fib *f, const struct ref *r, unsigned int n)
{
	cur_ref = r;
	enum { B = 64 };
	uint8_t a4[B][16], a6[B][RTE_FIB6_IPV6_ADDR_SIZE];
	uint32_t ip4[B];
	uint64_t nh[B];
	int exp4[B], exp6[B];

	for (unsigned int done = 0; done < n; done += B) {
		for (unsigned int i = 0; i < B; i++) {
			const struct ref_route *rr = NULL;
			/* uniformly, or inside a random route of that family */
			if (r->n && test_below(&rng, 3)) {
				rr = &r->r[test_below(&rng, r->n)];
				if (rr->p.fam != SL_AF_INET)
					rr = NULL;
			}
			if (rr)
				rand_inside(&rr->p, a4[i]);
			else
				rand_addr(SL_AF_INET, a4[i]);
			ip4[i] = (uint32_t)a4[i][0] << 24 | (uint32_t)a4[i][1] << 16 |
				 (uint32_t)a4[i][2] << 8 | a4[i][3];
			exp4[i] = ref_lpm(r, SL_AF_INET, a4[i]);

			rr = NULL;
			if (r->n && test_below(&rng, 3)) {
				rr = &r->r[test_below(&rng, r->n)];
				if (rr->p.fam != SL_AF_INET6)
					rr = NULL;
			}
			if (rr)
				rand_inside(&rr->p, a6[i]);
			else
				rand_addr(SL_AF_INET6, a6[i]);
			exp6[i] = ref_lpm(r, SL_AF_INET6, a6[i]);
		}
		for (int inst = 0; inst < 2; inst++) {
			assert_int_equal(rte_fib_lookup_bulk(f->v4[inst], ip4, nh, B), 0);
			for (unsigned int i = 0; i < B; i++)
				check_result(f, exp4[i], nh[i], inst ? "v4[1]" : "v4[0]", a4[i],
					SL_AF_INET);
			assert_int_equal(rte_fib6_lookup_bulk(f->v6[inst], a6, nh, B), 0);
			for (unsigned int i = 0; i < B; i++)
				check_result(f, exp6[i], nh[i], inst ? "v6[1]" : "v6[0]", a6[i],
					SL_AF_INET6);
		}
		/* the active instance through the public accessors */
		assert_int_equal(rte_fib_lookup_bulk(sl_fib_v4(f), ip4, nh, B), 0);
		for (unsigned int i = 0; i < B; i++)
			check_result(f, exp4[i], nh[i], "sl_fib_v4", a4[i], SL_AF_INET);
		for (unsigned int i = 0; i < 8; i++) {
			struct sl_ip ip = {.family = SL_AF_INET};
			memcpy(&ip.v4, a4[i], 4);
			check_result(f, exp4[i], sl_fib_lookup(f, &ip), "sl_fib_lookup4", a4[i],
				SL_AF_INET);
			ip.family = SL_AF_INET6;
			memcpy(ip.v6, a6[i], 16);
			check_result(f, exp6[i], sl_fib_lookup(f, &ip), "sl_fib_lookup6", a6[i],
				SL_AF_INET6);
		}
	}
}

/* Route counts, exact matches with their origin, and next-hop reference counts. */
static void check_table(const struct sl_fib *f, const struct ref *r)
{
	unsigned int uses[N_TMPL] = {0}, seen[N_TMPL] = {0};

	assert_int_equal(f->n_routes4, ref_count(r, SL_AF_INET));
	assert_int_equal(f->n_routes6, ref_count(r, SL_AF_INET6));
	for (unsigned int i = 0; i < r->n; i++) {
		struct sl_prefix sp;
		enum sl_route_origin o = 99;
		uint32_t id;

		to_sl(&r->r[i].p, &sp);
		id = sl_fib_get(f, &sp, &o);
		assert_int_not_equal(id, SL_NH_NONE);
		assert_true(nh_is(&f->nh[id], r->r[i].tmpl));
		assert_int_equal(o, r->r[i].origin);
		uses[r->r[i].tmpl]++;
	}
	for (uint32_t id = 1; id < SL_NH_MAX; id++) {
		const struct sl_nexthop *nh = &f->nh[id];
		int t = -1;

		if (nh->type == SL_NH_UNUSED)
			continue;
		for (int k = 0; k < N_TMPL && t < 0; k++)
			if (nh_is(nh, k))
				t = k;
		assert_true(t >= 0);
		seen[t]++;
		if (nh->refcnt != uses[t]) {
			print_error("next hop %u (template %d): refcnt %u, routes using it %u\n",
				id, t, nh->refcnt, uses[t]);
			fail();
		}
	}
	for (int k = 0; k < N_TMPL; k++)
		assert_int_equal(seen[k], uses[k] ? 1 : 0);
	assert_int_equal(f->nh[0].type, SL_NH_UNUSED);
}

static struct sl_route_change change_add(const struct pfx *p, int tmpl, uint8_t origin)
{
	struct sl_route_change c = {.del = false, .nh = nh_tmpl[tmpl], .origin = origin};

	to_sl(p, &c.prefix);
	return c;
}

static struct sl_route_change change_del(const struct pfx *p)
{
	struct sl_route_change c = {.del = true};

	to_sl(p, &c.prefix);
	return c;
}

static bool in_batch(const struct sl_route_change *c, unsigned int n, const struct pfx *p)
{
	for (unsigned int i = 0; i < n; i++) {
		struct pfx q;
		from_sl(&c[i].prefix, &q);
		if (pfx_equal(&q, p))
			return true;
	}
	return false;
}

/* A prefix in neither the reference nor the first @p n changes of @p c. */
static void fresh_pfx(const struct ref *r, const struct sl_route_change *c, unsigned int n,
	uint8_t fam, struct pfx *p)
{
	do
		rand_pfx(fam, p);
	while (ref_find(r, p) >= 0 || in_batch(c, n, p));
}

static uint8_t rand_origin(void)
{
	return (uint8_t)test_below(&rng, 4);
}

/* Random valid batch of up to @p max changes; the reference follows it. */
static unsigned int valid_batch(
	struct ref *r, struct sl_route_change *c, unsigned int max, unsigned int target)
{
	unsigned int n = 1 + test_below(&rng, max), k = 0;

	while (k < n) {
		bool add = r->n < 8 || test_below(&rng, 100) < (r->n < target ? 70 : 45);
		if (add) {
			struct pfx p;
			uint8_t fam = test_below(&rng, 3) ? SL_AF_INET : SL_AF_INET6;
			int t = rand_tmpl(fam);
			uint8_t o = rand_origin();
			fresh_pfx(r, c, k, fam, &p);
			c[k++] = change_add(&p, t, o);
			ref_add(r, &p, t, o);
		} else {
			int i = (int)test_below(&rng, r->n);
			if (in_batch(c, k, &r->r[i].p))
				continue;
			c[k++] = change_del(&r->r[i].p);
			ref_del(r, i);
		}
	}
	return n;
}

static void fib_matches_linear_scan_reference_under_random_batches(void **state)
{
	struct sl_fib *f = fib_new("rnd", 16384, 32768);
	struct ref r = {0};
	struct sl_route_change c[64];
	struct pfx dflt4 = {.fam = SL_AF_INET}, dflt6 = {.fam = SL_AF_INET6};
	unsigned int bad = 12345;

	(void)state;
	/* the default routes first, so that "no route" is rare in some phases */
	c[0] = change_add(&dflt4, 0, SL_ROUTE_STATIC);
	c[1] = change_add(&dflt6, 1, SL_ROUTE_KERNEL);
	ref_add(&r, &dflt4, 0, SL_ROUTE_STATIC);
	ref_add(&r, &dflt6, 1, SL_ROUTE_KERNEL);
	assert_int_equal(sl_fib_apply(f, c, 2, &bad), 0);
	check_lookups(f, &r, 256);

	for (unsigned int round = 0; round < 400; round++) {
		unsigned int n = valid_batch(&r, c, 64, 3000);
		int rc = sl_fib_apply(f, c, n, &bad);
		if (rc != 0) {
			print_error(
				"round %u: batch of %u failed with %d at %u\n", round, n, rc, bad);
			fail();
		}
		if (round % 20 == 19) {
			check_lookups(f, &r, 1024);
			check_table(f, &r);
		}
	}
	check_table(f, &r);
	check_lookups(f, &r, 30000);
	printf("# %u routes (%u v4, %u v6), %lu lookups compared\n", r.n, f->n_routes4,
		f->n_routes6, n_checked);

	/* drain in random batches: every next hop must be released */
	while (r.n) {
		unsigned int n = 0, want = 1 + test_below(&rng, 64);
		while (n < want && r.n) {
			int i = (int)test_below(&rng, r.n);
			c[n++] = change_del(&r.r[i].p);
			ref_del(&r, i);
		}
		assert_int_equal(sl_fib_apply(f, c, n, &bad), 0);
	}
	check_table(f, &r);
	for (uint32_t id = 0; id < SL_NH_MAX; id++)
		assert_int_equal(f->nh[id].type, SL_NH_UNUSED);
	check_lookups(f, &r, 512);
	free(r.r);
	fib_free(f);
}

/* Exact presence of @p p in both instances' RIBs. */
static bool in_rib(const struct sl_fib *f, int inst, const struct pfx *p)
{
	if (p->fam == SL_AF_INET) {
		uint32_t ip = (uint32_t)p->a[0] << 24 | (uint32_t)p->a[1] << 16 |
			      (uint32_t)p->a[2] << 8 | p->a[3];
		return rte_rib_lookup_exact(rte_fib_get_rib(f->v4[inst]), ip, p->len) != NULL;
	}
	return rte_rib6_lookup_exact(rte_fib6_get_rib(f->v6[inst]), p->a, p->len) != NULL;
}

struct walk_acc {
	struct ref seen;
	unsigned int stop_after;
};

static int walk_cb(void *arg, const struct sl_prefix *p, uint32_t nh, enum sl_route_origin o)
{
	struct walk_acc *w = arg;
	struct pfx q;

	from_sl(p, &q);
	ref_add(&w->seen, &q, (int)nh, (uint8_t)o);
	if (w->stop_after && w->seen.n == w->stop_after)
		return 7;
	return 0;
}

static int cmp_route(const void *x, const void *y)
{
	const struct ref_route *a = x, *b = y;

	if (a->p.fam != b->p.fam)
		return a->p.fam - b->p.fam;
	int c = memcmp(a->p.a, b->p.a, 16);
	if (c)
		return c;
	return a->p.len - b->p.len;
}

/* The walk's routes, sorted; tmpl holds the next-hop id. */
static struct ref walk_all(const struct sl_fib *f)
{
	struct walk_acc w = {0};

	assert_int_equal(sl_fib_walk(f, walk_cb, &w), 0);
	if (w.seen.n)
		qsort(w.seen.r, w.seen.n, sizeof(*w.seen.r), cmp_route);
	return w.seen;
}

static void walk_equals_reference(const struct sl_fib *f, const struct ref *r)
{
	struct ref sorted = {0}, seen = walk_all(f);
	unsigned int i, j;
	char b[64];
	bool ok = true;

	for (i = 0; i < r->n; i++)
		ref_add(&sorted, &r->r[i].p, r->r[i].tmpl, r->r[i].origin);
	if (sorted.n)
		qsort(sorted.r, sorted.n, sizeof(*sorted.r), cmp_route);
	/* report every difference before failing */
	for (i = 0, j = 0; i < sorted.n || j < seen.n;) {
		int c = i == sorted.n ? 1 : j == seen.n ? -1 : cmp_route(&sorted.r[i], &seen.r[j]);
		struct sl_prefix sp;
		if (c < 0) {
			to_sl(&sorted.r[i].p, &sp);
			print_error("walk missed route %s\n", sl_prefix_fmt(&sp, b, sizeof(b)));
			ok = false;
			i++;
		} else if (c > 0) {
			to_sl(&seen.r[j].p, &sp);
			print_error("walk visited unknown route %s\n",
				sl_prefix_fmt(&sp, b, sizeof(b)));
			ok = false;
			j++;
		} else {
			uint32_t id = (uint32_t)seen.r[j].tmpl;
			if (id == SL_NH_NONE || id >= SL_NH_MAX ||
				!nh_is(&f->nh[id], sorted.r[i].tmpl) ||
				seen.r[j].origin != sorted.r[i].origin) {
				to_sl(&sorted.r[i].p, &sp);
				print_error("walk: route %s with wrong next hop or origin\n",
					sl_prefix_fmt(&sp, b, sizeof(b)));
				ok = false;
			}
			i++;
			j++;
		}
	}
	free(sorted.r);
	free(seen.r);
	assert_true(ok);
}

static void failing_batch_leaves_fib_unchanged(void **state)
{
	struct sl_fib *f = fib_new("bad", 8192, 32768);
	struct ref r = {0};
	struct sl_route_change c[80];
	unsigned int bad;

	(void)state;
	/* a populated table to start from */
	for (int i = 0; i < 30; i++) {
		unsigned int n = valid_batch(&r, c, 64, 1500);
		assert_int_equal(sl_fib_apply(f, c, n, NULL), 0);
	}
	check_table(f, &r);

	for (int iter = 0; iter < 300; iter++) {
		struct ref tmp = {0};
		struct ref before = walk_all(f);
		unsigned int k = test_below(&rng, 40), n, i, kind = test_below(&rng, 4);
		int expect_rc;
		struct pfx p;
		uint8_t fam = test_below(&rng, 2) ? SL_AF_INET : SL_AF_INET6;

		/* k valid changes, tracked in a scratch copy of the reference */
		for (i = 0; i < r.n; i++)
			ref_add(&tmp, &r.r[i].p, r.r[i].tmpl, r.r[i].origin);
		n = k ? valid_batch(&tmp, c, k, 1500) : 0;
		switch (kind) {
		case 0: /* add of a prefix that exists */
			if (tmp.n == 0)
				continue;
			i = test_below(&rng, tmp.n);
			c[n] = change_add(&tmp.r[i].p, rand_tmpl(tmp.r[i].p.fam), rand_origin());
			expect_rc = -EEXIST;
			break;
		case 1: /* delete of a prefix that does not */
			fresh_pfx(&tmp, c, n, fam, &p);
			c[n] = change_del(&p);
			expect_rc = -ENOENT;
			break;
		case 2: /* the same new prefix added twice in the batch */
			fresh_pfx(&tmp, c, n, fam, &p);
			c[n++] = change_add(&p, rand_tmpl(fam), rand_origin());
			c[n] = change_add(&p, rand_tmpl(fam), rand_origin());
			expect_rc = -EEXIST;
			break;
		default: /* an existing prefix deleted twice in the batch */
			if (tmp.n == 0)
				continue;
			i = test_below(&rng, tmp.n);
			p = tmp.r[i].p;
			c[n++] = change_del(&p);
			c[n] = change_del(&p);
			expect_rc = -ENOENT;
		}
		unsigned int bad_at = n++;
		/* and valid-looking changes after the bad one */
		for (unsigned int extra = test_below(&rng, 5); extra > 0; extra--) {
			fresh_pfx(&tmp, c, n, fam, &p);
			c[n++] = change_add(&p, rand_tmpl(fam), rand_origin());
		}
		free(tmp.r);

		bad = 9999;
		assert_int_equal(sl_fib_apply(f, c, n, &bad), expect_rc);
		assert_int_equal(bad, bad_at);

		/* nothing changed: counts, refcounts, exact routes in both instances,
		 * lookups around every prefix the batch touched, the walk */
		check_table(f, &r);
		for (i = 0; i < n; i++) {
			struct pfx q;
			uint8_t a[16];
			from_sl(&c[i].prefix, &q);
			bool present = ref_find(&r, &q) >= 0;
			assert_int_equal(in_rib(f, 0, &q), present);
			assert_int_equal(in_rib(f, 1, &q), present);
			for (int j = 0; j < 4; j++) {
				uint64_t got;
				rand_inside(&q, a);
				int e = ref_lpm(&r, q.fam, a);
				for (int inst = 0; inst < 2; inst++) {
					if (q.fam == SL_AF_INET) {
						uint32_t ip = (uint32_t)a[0] << 24 |
							      (uint32_t)a[1] << 16 |
							      (uint32_t)a[2] << 8 | a[3];
						rte_fib_lookup_bulk(f->v4[inst], &ip, &got, 1);
					} else {
						uint8_t a6[1][16];
						memcpy(a6[0], a, 16);
						rte_fib6_lookup_bulk(f->v6[inst], a6, &got, 1);
					}
					check_result(f, e, got, "after failed batch", a, q.fam);
				}
			}
		}
		struct ref after = walk_all(f);
		assert_int_equal(after.n, before.n);
		for (i = 0; i < after.n; i++) {
			assert_true(pfx_equal(&after.r[i].p, &before.r[i].p));
			assert_int_equal(after.r[i].tmpl, before.r[i].tmpl);
			assert_int_equal(after.r[i].origin, before.r[i].origin);
		}
		free(after.r);
		free(before.r);

		/* and a valid batch still works afterwards */
		n = valid_batch(&r, c, 16, 1500);
		assert_int_equal(sl_fib_apply(f, c, n, NULL), 0);
	}
	check_table(f, &r);
	check_lookups(f, &r, 4096);

	/* empty the table: every next hop released */
	while (r.n) {
		c[0] = change_del(&r.r[r.n - 1].p);
		r.n--;
		assert_int_equal(sl_fib_apply(f, c, 1, NULL), 0);
	}
	for (uint32_t id = 0; id < SL_NH_MAX; id++)
		assert_int_equal(f->nh[id].type, SL_NH_UNUSED);
	assert_int_equal(f->n_routes4, 0);
	assert_int_equal(f->n_routes6, 0);
	free(r.r);
	fib_free(f);
}

static void add_and_delete_in_one_batch_leave_nothing(void **state)
{
	struct sl_fib *f = fib_new("adddel", 1024, 1024);
	struct ref r = {0};
	struct sl_route_change c[4];
	struct pfx p4 = {.fam = SL_AF_INET, .len = 24, .a = {198, 51, 100}};
	struct pfx p6 = {.fam = SL_AF_INET6, .len = 64, .a = {0x20, 0x01, 0x0d, 0xb8, 0, 7}};

	(void)state;
	c[0] = change_add(&p4, 6, SL_ROUTE_STATIC);
	c[1] = change_add(&p6, 7, SL_ROUTE_STATIC);
	c[2] = change_del(&p4);
	c[3] = change_del(&p6);
	assert_int_equal(sl_fib_apply(f, c, 4, NULL), 0);
	check_table(f, &r);
	assert_false(in_rib(f, 0, &p4) || in_rib(f, 1, &p4));
	assert_false(in_rib(f, 0, &p6) || in_rib(f, 1, &p6));
	for (uint32_t id = 0; id < SL_NH_MAX; id++)
		assert_int_equal(f->nh[id].type, SL_NH_UNUSED);
	fib_free(f);
}

/*
 * Routes that reach the top of the address space with no gap before it
 * (224.0.0.0/4 + 240.0.0.0/4 blackholes; ::/1 + 8000::/1 as VPN clients
 * install), then a default route added and deleted again: the more
 * specific routes must still win, and stay after the delete.
 */
static void default_route_add_and_delete_keep_more_specifics(void **state)
{
	struct sl_fib *f = fib_new("halves", 1024, 1024);
	struct ref r = {0};
	struct sl_route_change c[3];
	struct pfx p10 = {.fam = SL_AF_INET, .len = 8, .a = {10}};
	struct pfx mc4 = {.fam = SL_AF_INET, .len = 4, .a = {224}};
	struct pfx rsv4 = {.fam = SL_AF_INET, .len = 4, .a = {240}};
	struct pfx lo6 = {.fam = SL_AF_INET6, .len = 1},
		   hi6 = {.fam = SL_AF_INET6, .len = 1, .a = {0x80}};
	struct pfx d4 = {.fam = SL_AF_INET}, d6 = {.fam = SL_AF_INET6};

	(void)state;
	c[0] = change_add(&p10, 0, SL_ROUTE_STATIC);
	c[1] = change_add(&mc4, 2, SL_ROUTE_STATIC);
	c[2] = change_add(&rsv4, 4, SL_ROUTE_STATIC);
	ref_add(&r, &p10, 0, SL_ROUTE_STATIC);
	ref_add(&r, &mc4, 2, SL_ROUTE_STATIC);
	ref_add(&r, &rsv4, 4, SL_ROUTE_STATIC);
	assert_int_equal(sl_fib_apply(f, c, 3, NULL), 0);
	c[0] = change_add(&lo6, 1, SL_ROUTE_STATIC);
	c[1] = change_add(&hi6, 3, SL_ROUTE_STATIC);
	ref_add(&r, &lo6, 1, SL_ROUTE_STATIC);
	ref_add(&r, &hi6, 3, SL_ROUTE_STATIC);
	assert_int_equal(sl_fib_apply(f, c, 2, NULL), 0);
	check_lookups(f, &r, 256);

	/* add the default routes: 10.0.0.1 must still use 10.0.0.0/8, 2001:db8::1 ::/1 */
	c[0] = change_add(&d4, 6, SL_ROUTE_STATIC);
	c[1] = change_add(&d6, 7, SL_ROUTE_STATIC);
	ref_add(&r, &d4, 6, SL_ROUTE_STATIC);
	ref_add(&r, &d6, 7, SL_ROUTE_STATIC);
	assert_int_equal(sl_fib_apply(f, c, 2, NULL), 0);
	check_lookups(f, &r, 1024);

	/* and delete them: the specifics must not turn into "no route" */
	c[0] = change_del(&d4);
	c[1] = change_del(&d6);
	r.n -= 2;
	assert_int_equal(sl_fib_apply(f, c, 2, NULL), 0);
	check_lookups(f, &r, 1024);
	free(r.r);
	fib_free(f);
}

/*
 * Route churn: the same route added and deleted over and over must never
 * run the table out of space (a routing daemon or netlink sync does this
 * all day). Table sized for 1024 routes; one route at a time in it.
 */
static void route_churn_does_not_exhaust_the_table(void **state)
{
	struct sl_fib *f = fib_new("churn", 1024, 1024);
	struct pfx p4 = {.fam = SL_AF_INET, .len = 28, .a = {10, 1, 2, 16}};
	struct pfx p6[3] = {
		{.fam = SL_AF_INET6, .len = 64, .a = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2}},
		{.fam = SL_AF_INET6, .len = 48, .a = {0x20, 0x01, 0x0d, 0xb8, 0, 3}},
		{.fam = SL_AF_INET6, .len = 128, .a = {0x20, 0x01, 0x0d, 0xb8, 0, 4, [15] = 1}},
	};
	struct sl_route_change c;
	char b[64];

	(void)state;
	for (int i = 0; i < 20000; i++) {
		const struct pfx *p = i % 4 == 0 ? &p4 : &p6[i % 4 - 1];
		int rc;

		c = change_add(p, p->fam == SL_AF_INET ? 0 : 1, SL_ROUTE_KERNEL);
		rc = sl_fib_apply(f, &c, 1, NULL);
		if (rc != 0) {
			to_sl(p, &c.prefix);
			print_error("add of %s failed with %d after %d add/delete cycles "
				    "(table otherwise empty)\n",
				sl_prefix_fmt(&c.prefix, b, sizeof(b)), rc, i);
			fail();
		}
		c = change_del(p);
		assert_int_equal(sl_fib_apply(f, &c, 1, NULL), 0);
	}
	for (uint32_t id = 0; id < SL_NH_MAX; id++)
		assert_int_equal(f->nh[id].type, SL_NH_UNUSED);
	fib_free(f);
}

static void walk_visits_exactly_the_inserted_routes(void **state)
{
	struct sl_fib *f = fib_new("walk", 8192, 32768);
	struct ref r = {0};
	struct sl_route_change c[64];
	struct pfx dflt4 = {.fam = SL_AF_INET}, dflt6 = {.fam = SL_AF_INET6};

	(void)state;
	c[0] = change_add(&dflt4, 2, SL_ROUTE_STATIC);
	c[1] = change_add(&dflt6, 3, SL_ROUTE_STATIC);
	ref_add(&r, &dflt4, 2, SL_ROUTE_STATIC);
	ref_add(&r, &dflt6, 3, SL_ROUTE_STATIC);
	assert_int_equal(sl_fib_apply(f, c, 2, NULL), 0);
	for (int i = 0; i < 40; i++) {
		unsigned int n = valid_batch(&r, c, 64, 1000);
		assert_int_equal(sl_fib_apply(f, c, n, NULL), 0);
	}
	/* keep the default routes in (valid_batch may have deleted them) */
	if (ref_find(&r, &dflt4) < 0) {
		c[0] = change_add(&dflt4, 2, SL_ROUTE_STATIC);
		ref_add(&r, &dflt4, 2, SL_ROUTE_STATIC);
		assert_int_equal(sl_fib_apply(f, c, 1, NULL), 0);
	}
	if (ref_find(&r, &dflt6) < 0) {
		c[0] = change_add(&dflt6, 3, SL_ROUTE_STATIC);
		ref_add(&r, &dflt6, 3, SL_ROUTE_STATIC);
		assert_int_equal(sl_fib_apply(f, c, 1, NULL), 0);
	}
	walk_equals_reference(f, &r);
	free(r.r);
	fib_free(f);
}

static void walk_visits_default_routes(void **state)
{
	struct sl_fib *f = fib_new("walkdef", 1024, 1024);
	struct ref r = {0};
	struct sl_route_change c[4];
	struct pfx d4 = {.fam = SL_AF_INET}, d6 = {.fam = SL_AF_INET6};
	struct pfx p4 = {.fam = SL_AF_INET, .len = 8, .a = {10}};
	struct pfx p6 = {.fam = SL_AF_INET6, .len = 32, .a = {0x20, 0x01, 0x0d, 0xb8}};

	(void)state;
	c[0] = change_add(&d4, 6, SL_ROUTE_STATIC);
	c[1] = change_add(&d6, 7, SL_ROUTE_STATIC);
	c[2] = change_add(&p4, 0, SL_ROUTE_CONNECTED);
	c[3] = change_add(&p6, 1, SL_ROUTE_CONNECTED);
	ref_add(&r, &d4, 6, SL_ROUTE_STATIC);
	ref_add(&r, &d6, 7, SL_ROUTE_STATIC);
	ref_add(&r, &p4, 0, SL_ROUTE_CONNECTED);
	ref_add(&r, &p6, 1, SL_ROUTE_CONNECTED);
	assert_int_equal(sl_fib_apply(f, c, 4, NULL), 0);
	walk_equals_reference(f, &r);

	/* only the default routes */
	c[0] = change_del(&p4);
	c[1] = change_del(&p6);
	r.n = 2;
	assert_int_equal(sl_fib_apply(f, c, 2, NULL), 0);
	walk_equals_reference(f, &r);
	free(r.r);
	fib_free(f);
}

static void walk_stops_when_callback_returns_nonzero(void **state)
{
	struct sl_fib *f = fib_new("walkstop", 1024, 1024);
	struct ref r = {0};
	struct sl_route_change c[64];
	struct walk_acc w = {.stop_after = 5};
	unsigned int n = 0;

	(void)state;
	while (n < 20)
		n += valid_batch(&r, c + n, 1, 1000);
	assert_int_equal(sl_fib_apply(f, c, n, NULL), 0);
	assert_int_equal(sl_fib_walk(f, walk_cb, &w), 7);
	assert_int_equal(w.seen.n, 5);
	free(w.seen.r);
	free(r.r);
	fib_free(f);
}

static void next_hops_are_shared_and_freed_at_zero(void **state)
{
	struct sl_fib *f = fib_new("nh", 1024, 1024);
	int a, b, d;

	(void)state;
	a = sl_fib_nh_get(f, &nh_tmpl[5]);
	b = sl_fib_nh_get(f, &nh_tmpl[5]);
	d = sl_fib_nh_get(f, &nh_tmpl[7]);
	assert_true(a > 0);
	assert_int_equal(a, b);
	assert_true(d > 0 && d != a);
	assert_int_equal(f->nh[a].refcnt, 2);
	sl_fib_nh_put(f, (uint32_t)a);
	assert_int_equal(f->nh[a].refcnt, 1);
	assert_true(nh_is(&f->nh[a], 5));
	sl_fib_nh_put(f, (uint32_t)a);
	assert_int_equal(f->nh[a].type, SL_NH_UNUSED);
	sl_fib_nh_put(f, (uint32_t)d);
	assert_int_equal(f->nh[d].type, SL_NH_UNUSED);
	/* a freed next hop can be created again */
	b = sl_fib_nh_get(f, &nh_tmpl[5]);
	assert_true(b > 0);
	assert_int_equal(f->nh[b].refcnt, 1);
	sl_fib_nh_put(f, (uint32_t)b);
	fib_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(
			fib_matches_linear_scan_reference_under_random_batches, teardown_fib),
		cmocka_unit_test_teardown(failing_batch_leaves_fib_unchanged, teardown_fib),
		cmocka_unit_test_teardown(add_and_delete_in_one_batch_leave_nothing, teardown_fib),
		cmocka_unit_test_teardown(next_hops_are_shared_and_freed_at_zero, teardown_fib),
		cmocka_unit_test_teardown(
			default_route_add_and_delete_keep_more_specifics, teardown_fib),
		cmocka_unit_test_teardown(route_churn_does_not_exhaust_the_table, teardown_fib),
		cmocka_unit_test_teardown(walk_visits_exactly_the_inserted_routes, teardown_fib),
		cmocka_unit_test_teardown(walk_visits_default_routes, teardown_fib),
		cmocka_unit_test_teardown(walk_stops_when_callback_returns_nonzero, teardown_fib),
	};

	if (test_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	test_rng_init(&rng, test_seed("fib", 1122));
	init_templates();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
