/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-bench-fib-load: bulk FIB load time and bulk lookup rate.
 *
 * Builds a full-table-like route set: by default 1,000,000 IPv4 routes with
 * a realistic length mix (mostly /24, as in the DFZ) and 200,000 IPv6 routes
 * (LIR /32s, sequentially assigned PI /48s from a few RIR pools, and more
 * specifics under the LIRs), loads them into sluice's FIB (struct sl_fib:
 * two rte_fib / rte_fib6 instances, left-right) with sl_fib_apply in batches
 * of --batch routes, and times it. Then times rte_fib_lookup_bulk /
 * rte_fib6_lookup_bulk on one core over addresses inside the installed
 * prefixes, in bursts of 64, and prints lookups per second.
 *
 * Capacity: the FIB is created for --max4 / --max6 routes; with 2-byte next
 * hops DPDK allows at most 32767 tbl8 groups (fib.h: num_tbl8 <= 32767),
 * which bounds the number of distinct /24s holding longer IPv4 prefixes and
 * the number of distinct IPv6 8-bit strides below /24 that hold longer
 * prefixes. A batch that does not fit fails whole (-ENOSPC); the bench then
 * reports how many routes did load. Measured (2 vCPU VM, no hugepages):
 * IPv4 1M routes load in 3.6-4.0 s, 76-114 M lookups/s/core; IPv6 with this
 * mix needs far more than 32767 tbl8 groups (the trie spends one group per
 * 8-bit stride below /24 per distinct parent): sluice's 2-byte IPv6 FIB
 * holds ~15-18k such routes; one rte_fib6 with 4-byte next hops and 800k
 * groups (800 MB per copy) holds all 200k, loaded in ~0.8 s.
 *
 * Usage: sluice-bench-fib-load [EAL args] -- [--v4 N] [--v6 N] [--batch N]
 *        [--lookups N] [--seed N]
 * e.g. sluice-bench-fib-load --no-pci --no-huge --no-shconf -m 3072 --
 * or with hugepages: --in-memory -m 3072.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_memory.h>

#include <sluice/fib.h>

static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* DFZ-like IPv4 length mix, percent x10 */
static const struct {
	uint8_t len;
	uint16_t permille;
} mix4[] = {
	{8, 1},
	{12, 1},
	{14, 1},
	{15, 2},
	{16, 15},
	{17, 15},
	{18, 20},
	{19, 30},
	{20, 40},
	{21, 50},
	{22, 120},
	{23, 120},
	{24, 578},
	{25, 2},
	{26, 2},
	{27, 1},
	{28, 1},
	{29, 1},
};

static uint8_t pick_len4(void)
{
	unsigned int r = (unsigned int)(rnd() % 1000), acc = 0;

	for (size_t i = 0; i < sizeof(mix4) / sizeof(mix4[0]); i++) {
		acc += mix4[i].permille;
		if (r < acc)
			return mix4[i].len;
	}
	return 24;
}

/* A unicast-looking IPv4 prefix (1.0.0.0 - 223.255.255.255, not 10/127). */
static uint32_t pick_addr4(void)
{
	uint32_t a;

	do
		a = (uint32_t)rnd();
	while ((a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 || (a >> 24) >= 224);
	return a;
}

/* An open-addressing set of prefixes, to keep routes distinct. */
struct pset {
	uint64_t *k;
	uint64_t *k2;
	uint32_t mask;
};

static bool pset_add(struct pset *s, uint64_t a, uint64_t b)
{
	uint64_t h = (a * 0x9e3779b97f4a7c15ull) ^ (b * 0xc2b2ae3d27d4eb4full);

	for (uint32_t i = (uint32_t)(h >> 20) & s->mask;; i = (i + 1) & s->mask) {
		if (s->k[i] == 0 && s->k2[i] == 0) {
			s->k[i] = a;
			s->k2[i] = b;
			return true;
		}
		if (s->k[i] == a && s->k2[i] == b)
			return false;
	}
}

static void gen_v4(struct sl_route_change *c, unsigned int n, uint32_t nh_iface)
{
	struct pset s = {calloc(1u << 22, 8), calloc(1u << 22, 8), (1u << 22) - 1};

	for (unsigned int i = 0; i < n;) {
		uint8_t len = pick_len4();
		uint32_t a = pick_addr4() & (len ? ~0u << (32 - len) : 0);
		if (!pset_add(&s, ((uint64_t)len << 32) | a, 1))
			continue;
		memset(&c[i], 0, sizeof(c[i]));
		c[i].prefix.addr.family = SL_AF_INET;
		c[i].prefix.addr.v4 = rte_cpu_to_be_32(a);
		c[i].prefix.len = len;
		c[i].nh.type = SL_NH_CONNECTED;
		c[i].nh.family = SL_AF_INET;
		c[i].nh.iface = (uint16_t)(nh_iface + i % 4);
		c[i].nh.neigh = UINT32_MAX;
		i++;
	}
	free(s.k);
	free(s.k2);
}

static void put_v6(struct sl_route_change *c, const uint8_t a[16], uint8_t len, unsigned int i)
{
	memset(c, 0, sizeof(*c));
	c->prefix.addr.family = SL_AF_INET6;
	memcpy(c->prefix.addr.v6, a, 16);
	c->prefix.len = len;
	sl_prefix_mask(&c->prefix);
	c->nh.type = SL_NH_CONNECTED;
	c->nh.family = SL_AF_INET6;
	c->nh.iface = (uint16_t)(i % 4);
	c->nh.neigh = UINT32_MAX;
}

/*
 * IPv6: 10% LIR /32s, 65% PI /48s assigned in sequence from 16 RIR pools,
 * 25% more specifics (/36, /40, /44, /47, /56) under random LIRs.
 */
static void gen_v6(struct sl_route_change *c, unsigned int n)
{
	unsigned int n_lir = n / 10 ? n / 10 : 1, i = 0;
	uint32_t *lir = malloc(n_lir * sizeof(*lir));
	uint32_t pool_next[16] = {0};
	struct pset s = {calloc(1u << 22, 8), calloc(1u << 22, 8), (1u << 22) - 1};
	uint8_t a[16];

	for (unsigned int k = 0; k < n_lir; k++) {
		/* 2001::/16, 2400::/12, 2600::/12, 2a00::/12, 2c00::/12 */
		static const uint32_t base[] = {
			0x20010000, 0x24000000, 0x26000000, 0x2a000000, 0x2c000000};
		uint32_t b = base[rnd() % 5];
		lir[k] = b | (uint32_t)(rnd() & (b == 0x20010000 ? 0xffff : 0xfffff));
	}
	while (i < n) {
		unsigned int kind = (unsigned int)(rnd() % 100);
		uint8_t len;

		memset(a, 0, 16);
		if (kind < 10 || i < n_lir / 2) {
			uint32_t l = rte_cpu_to_be_32(lir[rnd() % n_lir]);
			memcpy(a, &l, 4);
			len = 32;
		} else if (kind < 75) {
			unsigned int p = (unsigned int)(rnd() % 16);
			uint32_t hi =
				rte_cpu_to_be_32(0x2a0e0000u + p * 8); /* 2a0e:00XX::/29 pools */
			uint32_t seq = pool_next[p]++;
			memcpy(a, &hi, 4);
			a[3] = (uint8_t)(a[3] + (seq >> 16));
			a[4] = (uint8_t)(seq >> 8);
			a[5] = (uint8_t)seq;
			len = 48;
		} else {
			uint32_t l = rte_cpu_to_be_32(lir[rnd() % n_lir]);
			uint64_t r = rnd();
			memcpy(a, &l, 4);
			memcpy(a + 4, &r, 4);
			/* more specifics are mostly nibble-aligned: /36, /40, /44; some /56 */
			static const uint8_t lens[] = {36, 40, 40, 44, 47, 56};
			len = lens[rnd() % 6];
		}
		put_v6(&c[i], a, len, i);
		if (!pset_add(&s,
			    ((uint64_t)len << 56) ^ ((uint64_t)c[i].prefix.addr.v6[0] << 48) ^
				    ((uint64_t)c[i].prefix.addr.v6[1] << 40) ^
				    ((uint64_t)c[i].prefix.addr.v6[2] << 32) ^
				    ((uint64_t)c[i].prefix.addr.v6[3] << 24) ^
				    ((uint64_t)c[i].prefix.addr.v6[4] << 16) ^
				    ((uint64_t)c[i].prefix.addr.v6[5] << 8) ^
				    c[i].prefix.addr.v6[6],
			    ((uint64_t)c[i].prefix.addr.v6[7] << 56) ^
				    ((uint64_t)c[i].prefix.addr.v6[8] << 48) ^ 1))
			continue;
		i++;
	}
	free(lir);
	free(s.k);
	free(s.k2);
}

static double now_s(void)
{
	return (double)rte_rdtsc() / (double)rte_get_tsc_hz();
}

/* Apply in batches; returns routes loaded (stops at the first failing batch). */
static unsigned int load(struct sl_fib *f, struct sl_route_change *c, unsigned int n,
	unsigned int batch, const char *what, double *secs)
{
	double t0 = now_s();
	unsigned int done = 0;

	while (done < n) {
		unsigned int k = n - done < batch ? n - done : batch, bad = 0;
		int rc = sl_fib_apply(f, c + done, k, &bad);
		if (rc < 0) {
			char b[64];
			sl_prefix_fmt(&c[done + bad].prefix, b, sizeof(b));
			printf("  %s: batch at route %u failed: %s (at %s)\n", what, done,
				strerror(-rc), b);
			break;
		}
		done += k;
	}
	*secs = now_s() - t0;
	return done;
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {{"v4", required_argument, NULL, '4'},
		{"v6", required_argument, NULL, '6'}, {"batch", required_argument, NULL, 'b'},
		{"lookups", required_argument, NULL, 'l'}, {"seed", required_argument, NULL, 's'},
		{NULL, 0, NULL, 0}};
	unsigned int n4 = 1000000, n6 = 200000, batch = 100000, lookups = 64u << 20;
	struct sl_route_change *c4, *c6;
	struct sl_fib fib;
	double t4, t6, t;
	unsigned int got4, got6;
	int n, opt;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	argc -= n;
	argv += n;
	while ((opt = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		unsigned long v = strtoul(optarg, NULL, 10);
		switch (opt) {
		case '4':
			n4 = (unsigned int)v;
			break;
		case '6':
			n6 = (unsigned int)v;
			break;
		case 'b':
			batch = v ? (unsigned int)v : 1;
			break;
		case 'l':
			lookups = (unsigned int)v;
			break;
		case 's':
			rng = v ? v : 1;
			break;
		default:
			fprintf(stderr, "usage: sluice-bench-fib-load [EAL] -- [--v4 N] [--v6 N] "
					"[--batch N] [--lookups N] [--seed N]\n");
			return 2;
		}
	}
	c4 = calloc(n4 ? n4 : 1, sizeof(*c4));
	c6 = calloc(n6 ? n6 : 1, sizeof(*c6));
	gen_v4(c4, n4, 1);
	gen_v6(c6, n6);
	if (sl_fib_create(&fib, "bench", n4 + 1024, n6 + 1024, NULL) < 0) {
		fprintf(stderr, "cannot create the FIB (more memory: -m)\n");
		return 1;
	}
	printf("FIB: max_routes4 %u, max_routes6 %u, 2-byte next hops, num_tbl8 <= 32767, "
	       "batches of %u\n",
		n4 + 1024, n6 + 1024, batch);
	got4 = load(&fib, c4, n4, batch, "IPv4", &t4);
	printf("IPv4 load: %u of %u routes in %.3f s (%.0f routes/s)\n", got4, n4, t4, got4 / t4);
	got6 = load(&fib, c6, n6, batch, "IPv6", &t6);
	printf("IPv6 load: %u of %u routes in %.3f s (%.0f routes/s)\n", got6, n6, t6, got6 / t6);
	printf("total load: %.3f s\n", t4 + t6);

	/* lookups: addresses inside loaded prefixes, bursts of 64 */
	if (got4) {
		enum { B = 64, POOL = 1 << 20 };
		uint32_t *pool = malloc(POOL * sizeof(*pool));
		uint64_t nh[B], sum = 0, c0;
		struct rte_fib *v4 = sl_fib_v4(&fib);
		for (unsigned int i = 0; i < POOL; i++) {
			const struct sl_route_change *r = &c4[rnd() % got4];
			uint32_t host =
				(uint32_t)rnd() & (r->prefix.len < 32 ? ~0u >> r->prefix.len : 0);
			pool[i] = rte_be_to_cpu_32(r->prefix.addr.v4) | host;
		}
		c0 = rte_rdtsc();
		t = now_s();
		for (unsigned int i = 0; i < lookups; i += B) {
			rte_fib_lookup_bulk(v4, pool + (i & (POOL - 1)), nh, B);
			sum += nh[i % B];
		}
		t = now_s() - t;
		printf("IPv4 bulk lookup: %u lookups in %.3f s = %.1f M lookups/s/core, %.1f "
		       "cycles/lookup (check %" PRIu64 ")\n",
			lookups, t, lookups / t / 1e6, (double)(rte_rdtsc() - c0) / lookups,
			sum & 1);
		free(pool);
	}
	if (got6) {
		enum { B = 64, POOL = 1 << 18 };
		uint8_t(*pool)[16] = malloc(POOL * 16);
		uint64_t nh[B], sum = 0, c0;
		unsigned int n6l = lookups / 4;
		struct rte_fib6 *v6 = sl_fib_v6(&fib);
		for (unsigned int i = 0; i < POOL; i++) {
			const struct sl_route_change *r = &c6[rnd() % got6];
			memcpy(pool[i], r->prefix.addr.v6, 16);
			for (unsigned int b = r->prefix.len; b < 128; b++)
				if (rnd() & 1)
					pool[i][b / 8] |= (uint8_t)(0x80 >> (b % 8));
		}
		c0 = rte_rdtsc();
		t = now_s();
		for (unsigned int i = 0; i < n6l; i += B) {
			rte_fib6_lookup_bulk(v6, &pool[i & (POOL - 1)], nh, B);
			sum += nh[i % B];
		}
		t = now_s() - t;
		printf("IPv6 bulk lookup: %u lookups in %.3f s = %.1f M lookups/s/core, %.1f "
		       "cycles/lookup (check %" PRIu64 ")\n",
			n6l, t, n6l / t / 1e6, (double)(rte_rdtsc() - c0) / n6l, sum & 1);
		free(pool);
	}
	sl_fib_destroy(&fib);

	/*
	 * The same IPv6 set in one rte_fib6 with 4-byte next hops, whose tbl8
	 * count is not bound by 32767: what a full IPv6 table needs.
	 */
	if (n6) {
		struct rte_fib6_conf cf = {
			.type = RTE_FIB6_TRIE,
			.default_nh = 0,
			.max_routes = (int)n6 * 2 + 1024,
			.trie = {.nh_sz = RTE_FIB6_TRIE_4B, .num_tbl8 = n6 * 4},
		};
		struct rte_fib6 *f6 = rte_fib6_create("bench6_4b", SOCKET_ID_ANY, &cf);
		unsigned int ok6 = 0;
		if (f6 == NULL) {
			printf("IPv6 (4-byte next hops): cannot create (more memory: -m)\n");
		} else {
			t = now_s();
			for (unsigned int i = 0; i < n6; i++)
				ok6 += rte_fib6_add(f6, c6[i].prefix.addr.v6, c6[i].prefix.len,
					       1 + i % 4) == 0;
			t = now_s() - t;
			printf("IPv6 load, one rte_fib6 with 4-byte next hops and num_tbl8 %u: %u "
			       "of "
			       "%u routes in %.3f s (x2 for left-right)\n",
				n6 * 4, ok6, n6, t);
			if (ok6 == n6) {
				enum { B = 64, POOL = 1 << 18 };
				uint8_t(*pool)[16] = malloc(POOL * 16);
				uint64_t nh[B], sum = 0;
				unsigned int n6l = lookups / 4;
				for (unsigned int i = 0; i < POOL; i++) {
					const struct sl_route_change *r = &c6[rnd() % n6];
					memcpy(pool[i], r->prefix.addr.v6, 16);
					for (unsigned int b = r->prefix.len; b < 128; b++)
						if (rnd() & 1)
							pool[i][b / 8] |=
								(uint8_t)(0x80 >> (b % 8));
				}
				t = now_s();
				for (unsigned int i = 0; i < n6l; i += B) {
					rte_fib6_lookup_bulk(f6, &pool[i & (POOL - 1)], nh, B);
					sum += nh[i % B];
				}
				t = now_s() - t;
				printf("IPv6 bulk lookup (4-byte next hops, %u routes): %.1f M "
				       "lookups/s/core (check %" PRIu64 ")\n",
					n6, n6l / t / 1e6, sum & 1);
				free(pool);
			}
			rte_fib6_free(f6);
		}
	}
	free(c4);
	free(c6);
	rte_eal_cleanup();
	return got4 == n4 && got6 == n6 ? 0 : 1;
}
