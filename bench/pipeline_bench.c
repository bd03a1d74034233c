/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-bench-pipeline: the packet pipeline's cost on one core, in memory.
 *
 * A gateway with two interfaces (lan, wan) and N routes via one gateway on
 * wan (static neighbour) forwards 64-byte UDP frames (60 bytes in the
 * buffer, 64 on the wire with the FCS) whose destinations are spread over
 * the installed prefixes.
 *
 * What is timed, per burst of 32: what a worker does between rx_burst and
 * tx_burst: the clock read, sl_pipeline_run(), the verdict dispatch of
 * worker.c (per-interface tx counters, appending to a per-port TX buffer,
 * slow-path / drop sorting) and the RCU quiescent report. Not timed: packet
 * I/O and the re-preparation of the frames between passes (the pipeline
 * rewrites them in place: TTL, checksum, MACs), which restores every header
 * from a template with the next destinations of a large pre-drawn pool, so
 * large FIBs see many distinct table lines. The frames are thus warm in the
 * cache, as after a PMD's receive; the FIB is not.
 *
 * Output: per FIB size, the median over several runs of Mpps and TSC
 * cycles per packet (rdtsc, rte_get_tsc_hz()).
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
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include <sluice/config.h>
#include <sluice/csum.h>
#include <sluice/dp.h>
#include <sluice/pipeline.h>

#include "bench_sink.h"

#include "boot.h"

#define FRAME4_LEN  60 /* Ethernet 14 + IPv4 20 + UDP 8 + 18 payload; 64 with FCS */
#define FRAME6_LEN  64 /* Ethernet 14 + IPv6 40 + UDP 8 + 2 payload; 68 with FCS */
#define DST_POOL    (1u << 20)
#define ROUTE_CHUNK 65536u

static const uint8_t LAN_MAC[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t WAN_MAC[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t GW_MAC[6] = {0x02, 0, 0, 0, 0x01, 0x02};
static const uint8_t HOST_MAC[6] = {0x02, 0, 0, 0, 0x01, 0x01};

static const char BASE_CONFIG[] =
	"interface lan device bench0 address 10.0.0.1/24 address fd00::1/64 mac 02:00:00:00:00:01\n"
	"interface wan device bench1 address 10.1.0.1/24 address fd00:1::1/64 mac "
	"02:00:00:00:00:02\n"
	"neighbor add 10.1.0.2 lladdr 02:00:00:00:01:02 dev wan\n"
	"neighbor add fd00:1::2 lladdr 02:00:00:00:01:02 dev wan\n";

struct opts {
	bool huge;
	unsigned int runs;
	unsigned int ms;
	unsigned int pkts; /* frames per pass (a multiple of SL_BURST) */
	unsigned int lcore;
	unsigned int mem_mb;
	unsigned int n_sizes;
	uint32_t sizes[16];
	uint32_t v6;
	uint64_t seed;
};

struct result {
	double mpps;
	double cpp;	 /* TSC cycles per packet */
	double best_cpp; /* the least disturbed run */
	uint64_t pkts;
};

/* ---- random numbers and prefix generation ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Set of 64-bit fingerprints (0 = empty): rejects duplicate prefixes. */
struct fpset {
	uint64_t *slot;
	uint64_t mask;
};

static int fpset_init(struct fpset *s, uint32_t n)
{
	uint64_t cap = 1024;

	while (cap < (uint64_t)n * 2)
		cap <<= 1;
	s->slot = calloc(cap, sizeof(*s->slot));
	s->mask = cap - 1;
	return s->slot ? 0 : -ENOMEM;
}

/* true when @p fp was not in the set (and is now) */
static bool fpset_add(struct fpset *s, uint64_t fp)
{
	uint64_t i;

	fp |= 1;
	for (i = fp * 0x9e3779b97f4a7c15ull; s->slot[i & s->mask]; i++)
		if (s->slot[i & s->mask] == fp)
			return false;
	s->slot[i & s->mask] = fp;
	return true;
}

static uint64_t fp_of(const struct sl_prefix *p)
{
	uint64_t h = 1469598103934665603ull;
	const uint8_t *b = p->addr.family == SL_AF_INET ? (const uint8_t *)&p->addr.v4 : p->addr.v6;
	unsigned int len = p->addr.family == SL_AF_INET ? 4 : 16;

	for (unsigned int i = 0; i < len; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	h = (h ^ p->len) * 1099511628211ull;
	return (h ^ p->addr.family) * 1099511628211ull;
}

static uint8_t len4(void)
{
	unsigned int r = (unsigned int)(rnd() % 100);

	if (r < 88)
		return 24;
	if (r < 97)
		return (uint8_t)(16 + rnd() % 8); /* /16../23 */
	return (uint8_t)(25 + rnd() % 8);	  /* /25../32 */
}

static uint8_t len6(void)
{
	unsigned int r = (unsigned int)(rnd() % 100);

	if (r < 80)
		return 48;
	if (r < 90)
		return (uint8_t)(32 + rnd() % 16); /* /32../47 */
	if (r < 98)
		return (uint8_t)(49 + rnd() % 16); /* /49../64 */
	return 128;
}

static void mask_bytes(uint8_t *b, unsigned int nbytes, unsigned int len)
{
	for (unsigned int i = 0; i < nbytes; i++) {
		unsigned int bits = len > i * 8 ? len - i * 8 : 0;
		b[i] &= bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
	}
}

/* A random routable prefix that avoids the interfaces' 10/8 and fd00::/8. */
static void gen_prefix(int family, struct sl_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->addr.family = (uint8_t)family;
	if (family == SL_AF_INET) {
		uint8_t b[4];
		uint64_t r = rnd();
		do
			b[0] = (uint8_t)(1 + rnd() % 223); /* 1..223 */
		while (b[0] == 10 || b[0] == 127);
		b[1] = (uint8_t)r;
		b[2] = (uint8_t)(r >> 8);
		b[3] = (uint8_t)(r >> 16);
		p->len = len4();
		mask_bytes(b, 4, p->len);
		memcpy(&p->addr.v4, b, 4);
	} else {
		uint64_t r1 = rnd(), r2 = rnd();
		memcpy(p->addr.v6, &r1, 8);
		memcpy(p->addr.v6 + 8, &r2, 8);
		p->addr.v6[0] = (uint8_t)(0x20 | (p->addr.v6[0] & 0x1f)); /* 2000::/3 */
		p->len = len6();
		mask_bytes(p->addr.v6, 16, p->len);
	}
}

/* A random host inside @p p. */
static void host_in(const struct sl_prefix *p, uint8_t *out)
{
	unsigned int nb = p->addr.family == SL_AF_INET ? 4 : 16;
	const uint8_t *a = nb == 4 ? (const uint8_t *)&p->addr.v4 : p->addr.v6;

	for (unsigned int i = 0; i < nb; i++) {
		unsigned int bits = p->len > i * 8 ? p->len - i * 8 : 0;
		uint8_t m = bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));
		out[i] = (uint8_t)((a[i] & m) | ((uint8_t)rnd() & (uint8_t)~m));
	}
}

/* ---- the gateway ---- */

struct gw {
	struct sl_dp dp;
	struct sl_worker w;
	uint16_t lan, wan; /* interface ids */
	uint16_t lan_port; /* sluice port index of lan */
	struct sl_prefix *pfx;
	uint32_t n_pfx;
};

static int gw_build(struct gw *g, int family, uint32_t n, struct rte_mempool *pool)
{
	struct sl_dp_params p;
	struct sl_cmd_list l = {0};
	char err[SL_ERR_MAX * 2];
	struct sl_route_change *rc = NULL;
	struct sl_ip gw_ip = {.family = (uint8_t)family};
	struct fpset set = {0};
	uint32_t neigh;
	int r;

	memset(g, 0, sizeof(*g));
	sl_dp_params_default(&p);
	p.max_routes4 = (family == SL_AF_INET ? n : 0) + 1024;
	/* the FIB sizes its IPv6 tbl8 pool from max_routes6 (/2): random /48s share
	 * no upper levels and need ~3.5 groups each, so ask for more routes */
	p.max_routes6 = (family == SL_AF_INET6 ? n * 8 : 0) + 4096;
	p.n_workers = 1;
	r = sl_dp_create(&g->dp, &p, pool);
	if (r < 0) {
		fprintf(stderr,
			"bench: sl_dp_create: %s (a FIB this size unsupported by fib.c, or more "
			"memory needed: --mem / hugepages)\n",
			strerror(-r));
		return r;
	}
	r = sl_cmd_list_parse("bench-config", BASE_CONFIG, &l, err, sizeof(err));
	if (r == 0)
		r = sl_dp_apply_list(&g->dp, &l, 0, err, sizeof(err));
	sl_cmd_list_free(&l);
	if (r < 0) {
		fprintf(stderr, "bench: config: %s\n", err);
		goto fail;
	}
	g->lan = sl_iface_by_name(&g->dp.ifs, "lan")->id;
	g->wan = sl_iface_by_name(&g->dp.ifs, "wan")->id;
	g->lan_port = g->dp.ifs.ifaces[g->lan].port;
	if (sl_ip_parse(family == SL_AF_INET ? "10.1.0.2" : "fd00:1::2", &gw_ip) < 0)
		abort();
	neigh = sl_neigh_find(&g->dp.neigh, g->wan, &gw_ip);
	if (neigh == SL_NEIGH_NONE) {
		fprintf(stderr, "bench: static neighbour missing\n");
		r = -ENOENT;
		goto fail;
	}

	g->pfx = calloc(n, sizeof(*g->pfx));
	rc = calloc(ROUTE_CHUNK, sizeof(*rc));
	r = -ENOMEM;
	if (g->pfx == NULL || rc == NULL || fpset_init(&set, n) < 0)
		goto fail;
	while (g->n_pfx < n) {
		struct sl_prefix *x = &g->pfx[g->n_pfx];
		/* N = 1: one /24 */
		do {
			gen_prefix(family, x);
			if (n == 1 && family == SL_AF_INET) {
				x->len = 24;
				mask_bytes((uint8_t *)&x->addr.v4, 4, 24);
			}
		} while (!fpset_add(&set, fp_of(x)));
		g->n_pfx++;
	}
	for (uint32_t i = 0; i < n; i += ROUTE_CHUNK) {
		uint32_t k = RTE_MIN(ROUTE_CHUNK, n - i);
		unsigned int bad = 0;
		for (uint32_t j = 0; j < k; j++)
			rc[j] = (struct sl_route_change){
				.prefix = g->pfx[i + j],
				.nh = {.type = SL_NH_GATEWAY,
					.family = (uint8_t)family,
					.iface = g->wan,
					.neigh = neigh,
					.gw = gw_ip},
				.origin = SL_ROUTE_STATIC,
			};
		r = sl_fib_apply(&g->dp.fib, rc, k, &bad);
		if (r < 0) {
			char b[64];
			fprintf(stderr, "bench: route %s (%u of %u): %s\n",
				sl_prefix_fmt(&rc[bad].prefix, b, sizeof(b)), i + bad, n,
				strerror(-r));
			goto fail;
		}
	}
	free(rc);
	free(set.slot);
	g->w.dp = &g->dp;
	g->w.id = 0;
	rte_rcu_qsbr_thread_register(g->dp.qsv, 0);
	rte_rcu_qsbr_thread_online(g->dp.qsv, 0);
	return 0;
fail:
	free(rc);
	free(set.slot);
	free(g->pfx);
	sl_dp_destroy(&g->dp);
	return r;
}

static void gw_free(struct gw *g)
{
	rte_rcu_qsbr_thread_offline(g->dp.qsv, 0);
	rte_rcu_qsbr_thread_unregister(g->dp.qsv, 0);
	free(g->pfx);
	sl_dp_destroy(&g->dp);
}

/* ---- frames ---- */

struct frames {
	int family;
	uint16_t len;
	uint8_t tmpl[FRAME6_LEN];
	uint8_t *dst; /* DST_POOL destinations, 4 or 16 bytes each */
	uint32_t next;
	struct rte_mbuf **m;
	unsigned int n;
};

static inline void st16_(void *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

static uint16_t csum_fin(uint32_t s)
{
	return (uint16_t)~sl_csum_fold(s);
}

static void frames_template(struct frames *f)
{
	uint8_t *p = f->tmpl;

	memset(p, 0, sizeof(f->tmpl));
	memcpy(p, LAN_MAC, 6);
	memcpy(p + 6, HOST_MAC, 6);
	if (f->family == SL_AF_INET) {
		static const uint8_t ip[20] = {
			0x45, 0, 0, 46, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 2, 0, 0, 0, 0};
		f->len = FRAME4_LEN;
		p[12] = 0x08;
		p[13] = 0x00;
		memcpy(p + 14, ip, 20);
		p[34] = 0x30; /* UDP 12345 -> 5001, length 26, checksum 0 (none) */
		p[35] = 0x39;
		p[36] = 0x13;
		p[37] = 0x89;
		p[39] = 26;
	} else {
		static const uint8_t src[16] = {0xfd, 0, [15] = 2};
		f->len = FRAME6_LEN;
		p[12] = 0x86;
		p[13] = 0xdd;
		p[14] = 0x60;
		p[19] = 10; /* payload length: UDP 8 + 2 */
		p[20] = 17;
		p[21] = 64;
		memcpy(p + 22, src, 16);
		p[54] = 0x30;
		p[55] = 0x39;
		p[56] = 0x13;
		p[57] = 0x89;
		p[59] = 10;
	}
}

/* Restore every frame from the template with the next pool destinations. */
static void frames_prepare(struct frames *f)
{
	unsigned int alen = f->family == SL_AF_INET ? 4 : 16;

	for (unsigned int i = 0; i < f->n; i++) {
		struct rte_mbuf *m = f->m[i];
		uint8_t *p;
		const uint8_t *d = f->dst + (size_t)f->next * alen;

		if (++f->next == DST_POOL)
			f->next = 0;
		m->data_off = RTE_PKTMBUF_HEADROOM;
		m->data_len = m->pkt_len = f->len;
		p = rte_pktmbuf_mtod(m, uint8_t *);
		memcpy(p, f->tmpl, f->len);
		if (f->family == SL_AF_INET) {
			memcpy(p + 30, d, 4);
			st16_(p + 24, csum_fin(sl_csum_add(0, p + 14, 20)));
		} else {
			uint32_t s;
			memcpy(p + 38, d, 16);
			/* UDP checksum over the pseudo-header (addresses, length, proto) */
			s = sl_csum_add(0, p + 22, 32);
			s = sl_csum_add(s, p + 18, 2);
			s += rte_cpu_to_be_16(17);
			s = sl_csum_add(s, p + 54, 10);
			uint16_t c = csum_fin(s);
			st16_(p + 60, c ? c : 0xffff);
		}
	}
}

static int frames_init(
	struct frames *f, int family, const struct gw *g, struct rte_mempool *pool, unsigned int n)
{
	unsigned int alen = family == SL_AF_INET ? 4 : 16;

	memset(f, 0, sizeof(*f));
	f->family = family;
	f->n = n;
	frames_template(f);
	f->dst = malloc((size_t)DST_POOL * alen);
	f->m = calloc(n, sizeof(*f->m));
	if (f->dst == NULL || f->m == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < DST_POOL; i++)
		host_in(&g->pfx[rnd() % g->n_pfx], f->dst + (size_t)i * alen);
	if (rte_pktmbuf_alloc_bulk(pool, f->m, n) < 0)
		return -ENOMEM;
	return 0;
}

static void frames_free(struct frames *f)
{
	if (f->m && f->m[0])
		rte_pktmbuf_free_bulk(f->m, f->n);
	free(f->m);
	free(f->dst);
}

/* ---- the timed loop ---- */

static uint64_t run_pass(struct gw *g, struct frames *f, struct sink *s, uint64_t *ntx)
{
	struct sl_dp *dp = &g->dp;
	uint16_t verdict[SL_BURST];
	uint64_t t0, t1, tx = 0;

	t0 = rte_rdtsc_precise();
	for (unsigned int i = 0; i < f->n; i += SL_BURST) {
		uint64_t now = boot_now_ns();
		tx += sl_pipeline_run(&g->w, f->m + i, SL_BURST, g->lan_port, now, verdict);
		dispatch(&g->w, &dp->ifs, f->m + i, SL_BURST, verdict, s);
		rte_rcu_qsbr_quiescent(dp->qsv, 0);
	}
	t1 = rte_rdtsc_precise();
	*ntx += tx;
	return t1 - t0;
}

static int check_first_pass(struct gw *g, struct frames *f)
{
	struct sink s = {0};
	uint64_t ntx = 0;
	const uint8_t *p;

	frames_prepare(f);
	run_pass(g, f, &s, &ntx);
	if (ntx != f->n || s.slow || s.dropped) {
		fprintf(stderr,
			"bench: sanity check failed: %" PRIu64 " of %u forwarded, %" PRIu64
			" slow, %" PRIu64 " dropped\n",
			ntx, f->n, s.slow, s.dropped);
		return -1;
	}
	p = rte_pktmbuf_mtod(f->m[0], const uint8_t *);
	if (memcmp(p, GW_MAC, 6) != 0 || memcmp(p + 6, WAN_MAC, 6) != 0 ||
		p[f->family == SL_AF_INET ? 22 : 21] != 63 ||
		(f->family == SL_AF_INET && sl_csum(p + 14, 20) != 0)) {
		fprintf(stderr, "bench: sanity check failed: frame not rewritten as expected\n");
		return -1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int measure(struct gw *g, struct frames *f, const struct opts *o, struct result *res)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t budget = hz / 1000 * o->ms;
	double mpps[64], cpp[64];
	struct sink s = {0};
	unsigned int runs = RTE_MIN(o->runs, 64u);

	if (check_first_pass(g, f) < 0)
		return -1;
	/* warm-up: a tenth of a run */
	for (uint64_t c = 0, ntx = 0; c < budget / 10 + 1;) {
		frames_prepare(f);
		c += run_pass(g, f, &s, &ntx);
	}
	res->pkts = 0;
	for (unsigned int r = 0; r < runs; r++) {
		uint64_t cycles = 0, pkts = 0, ntx = 0;
		while (cycles < budget) {
			frames_prepare(f); /* not timed */
			cycles += run_pass(g, f, &s, &ntx);
			pkts += f->n;
		}
		if (ntx != pkts) {
			fprintf(stderr, "bench: %" PRIu64 " of %" PRIu64 " forwarded\n", ntx, pkts);
			return -1;
		}
		cpp[r] = (double)cycles / (double)pkts;
		mpps[r] = (double)pkts / ((double)cycles / (double)hz) / 1e6;
		res->pkts += pkts;
	}
	qsort(mpps, runs, sizeof(double), cmp_double);
	qsort(cpp, runs, sizeof(double), cmp_double);
	res->mpps = mpps[runs / 2];
	res->cpp = cpp[runs / 2];
	res->best_cpp = cpp[0];
	return 0;
}

static int bench_one(
	const char *label, int family, uint32_t n, struct rte_mempool *pool, const struct opts *o)
{
	struct gw g;
	struct frames f;
	struct result res;
	uint64_t t0 = rte_rdtsc();
	int rc;

	rc = gw_build(&g, family, n, pool);
	if (rc < 0) {
		printf("%-5s %9" PRIu32 " %9s %10s %10s   (could not build this FIB: see above)\n",
			label, n, "n/a", "n/a", "n/a");
		fflush(stdout);
		return rc;
	}
	double build_s = (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz();
	rc = frames_init(&f, family, &g, pool, o->pkts);
	if (rc < 0) {
		fprintf(stderr, "bench: frames: %s\n", strerror(-rc));
	} else {
		rc = measure(&g, &f, o, &res);
		if (rc == 0)
			printf("%-5s %9" PRIu32 " %9.2f %10.1f %10.1f   %5.1f s  %u x %u ms\n",
				label, n, res.mpps, res.cpp, res.best_cpp, build_s, o->runs, o->ms);
		fflush(stdout);
	}
	frames_free(&f);
	gw_free(&g);
	return rc;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: sluice-bench-pipeline [--huge] [--runs N] [--ms MS] [--sizes N,N,...]\n"
		"                             [--v6 N] [--pkts N] [--lcore N] [--mem MB] [--seed "
		"N]\n"
		"Times sl_pipeline_run + verdict dispatch over bursts of 32 64-byte UDP frames on\n"
		"one core, per IPv4 FIB size (default 1,1000,1000000) and one IPv6 FIB (--v6,\n"
		"default 1000; 0 skips). Prints the median over --runs (7) runs of --ms (1000) "
		"ms.\n"
		"EAL runs with --no-huge (-m --mem, default 2048) or, with --huge, hugepages and\n"
		"--in-memory (reserve ~1.5 GB of hugepages for 1M routes).\n");
}

static int parse_sizes(const char *s, struct opts *o)
{
	char *end;

	o->n_sizes = 0;
	while (*s && o->n_sizes < 16) {
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v == 0 || v > 16000000)
			return -EINVAL;
		o->sizes[o->n_sizes++] = (uint32_t)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -EINVAL;
	}
	return o->n_sizes ? 0 : -EINVAL;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"huge", no_argument, NULL, 'H'},
		{"runs", required_argument, NULL, 'r'},
		{"ms", required_argument, NULL, 't'},
		{"sizes", required_argument, NULL, 's'},
		{"v6", required_argument, NULL, '6'},
		{"pkts", required_argument, NULL, 'p'},
		{"lcore", required_argument, NULL, 'l'},
		{"mem", required_argument, NULL, 'm'},
		{"seed", required_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'H':
			o->huge = true;
			break;
		case 'r':
			o->runs = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 't':
			o->ms = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 's':
			if (parse_sizes(optarg, o) < 0) {
				fprintf(stderr, "bench: bad --sizes '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case '6':
			o->v6 = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			o->pkts = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'l':
			o->lcore = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'm':
			o->mem_mb = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'S':
			o->seed = strtoull(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc || o->runs == 0 || o->runs > 64 || o->ms == 0 || o->pkts < SL_BURST ||
		o->pkts % SL_BURST) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = {.runs = 7,
		.ms = 1000,
		.pkts = 4096,
		.mem_mb = 2048,
		.n_sizes = 3,
		.sizes = {1, 1000, 1000000},
		.v6 = 1000,
		.seed = 1};
	char lcores[16], mem[16], *eal[16];
	struct rte_mempool *pool;
	int n = 0, rc = 0;

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	snprintf(lcores, sizeof(lcores), "%u", o.lcore);
	snprintf(mem, sizeof(mem), "%u", o.mem_mb);
	eal[n++] = argv[0];
	eal[n++] = "--no-pci";
	eal[n++] = "-l";
	eal[n++] = lcores;
	eal[n++] = "--log-level=error";
	if (o.huge) {
		eal[n++] = "--in-memory";
	} else {
		eal[n++] = "--no-huge";
		eal[n++] = "--no-shconf";
		eal[n++] = "-m";
		eal[n++] = mem;
	}
	eal[n] = NULL;
	if (rte_eal_init(n, eal) < 0) {
		fprintf(stderr, "bench: EAL init failed%s\n",
			o.huge ? " (--huge: reserve hugepages first, see --help)" : "");
		return 1;
	}
	rng_state = o.seed;
	pool = boot_pool("bench", RTE_MAX(o.pkts * 2, 8192u) - 1, 1500);
	if (pool == NULL) {
		fprintf(stderr, "bench: cannot create the mbuf pool\n");
		rc = 1;
		goto out;
	}
	printf("sluice pipeline bench: lcore %u, %s, TSC %.3f GHz, burst %u, %u frames/pass\n",
		o.lcore, o.huge ? "hugepages" : "no-huge", (double)rte_get_tsc_hz() / 1e9, SL_BURST,
		o.pkts);
	printf("timed per burst: clock read + sl_pipeline_run + verdict dispatch + RCU "
	       "quiescent\n");
	printf("Mpps and cyc/pkt: medians over the runs; best: the fewest cycles/packet of a "
	       "run\n");
	printf("%-5s %9s %9s %10s %10s   %s\n", "fib", "prefixes", "Mpps", "cyc/pkt", "best",
		"(route load, runs)");
	/* a size that fails is reported and the others still run */
	for (unsigned int i = 0; i < o.n_sizes; i++)
		rc |= bench_one("ipv4", SL_AF_INET, o.sizes[i], pool, &o);
	if (o.v6)
		rc |= bench_one("ipv6", SL_AF_INET6, o.v6, pool, &o);
	rte_mempool_free(pool);
out:
	rte_eal_cleanup();
	return rc == 0 ? 0 : 1;
}
