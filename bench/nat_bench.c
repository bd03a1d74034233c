/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-bench-nat: NAT44 cost on one core, in memory, next to forwarding.
 *
 * A gateway with an inside interface (lan, via an inside router 10.0.0.2 to
 * the inside hosts in 100.64.0.0/10) and an outside one (wan, default route
 * via 10.1.0.2) translates 64-byte UDP frames (60 bytes in the buffer, with
 * a real UDP checksum) to `nat pool add 198.18.0.0/P ports 1024-65535`.
 *
 * Flows: flow i belongs to inside host i % H (H = N / 64, paired to a pool
 * address round-robin), with a per-host distinct inside port (so every flow
 * is a new mapping too, and hosts sharing a pool address collide on ports:
 * port preservation and the random fallback both run), to a random remote
 * 20.x.y.z port 443 or 53.
 *
 * In one run it prints:
 *  1. forwarding: the same outbound frames through interfaces without NAT
 *     roles (no pool): the baseline;
 *  2. per session count N (--sessions): the table is created with
 *     `nat sessions max N` and filled by sending one outbound packet per flow
 *     through the pipeline (timed: the fill rate up to a full table); then
 *     established-session Mpps for outbound packets of random existing
 *     sessions ("out") and for bursts alternating outbound packets and inbound
 *     replies ("mixed"), each with its ratio to the baseline (target 0.7);
 *  3. new sessions per second: every packet a new flow, into fresh tables
 *     of 2 x --new sessions, the pipeline (with session creation) timed;
 *  4. memory: the DPDK heap bytes allocated by `nat sessions max N` + pool
 *     + filling (rte_malloc_get_socket_stats), per session, and the 16 M
 *     extrapolation against the 2 GiB target.
 *
 * What is timed is what pipeline_bench.c times: per burst of 32, the clock
 * read, sl_pipeline_run(), the worker's verdict dispatch and the RCU
 * quiescent report. Frame preparation between passes is not timed; the
 * frames take their tuples from a pre-drawn pool of 2^20 random sessions
 * (copied once, so preparing a frame does not warm its session's lines).
 * Results are medians over --runs runs of --ms ms each.
 *
 * A session count whose tables would not fit (estimated from the previous
 * size's bytes/session, the EAL heap and MemAvailable) is skipped with a
 * message, as is one whose creation fails.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memory.h>
#include <rte_rcu_qsbr.h>

#include <sluice/config.h>
#include <sluice/csum.h>
#include <sluice/dp.h>
#include <sluice/nat.h>
#include <sluice/pipeline.h>

#include "bench_sink.h"

#include "boot.h"

#define FRAME_LEN      60 /* Ethernet 14 + IPv4 20 + UDP 8 + 18 payload; 64 with FCS */
#define FLOW_POOL      (1u << 20)
#define INSIDE_BASE    0x64400000u /* 100.64.0.0/10: the inside hosts */
#define POOL_BASE      0xc6120000u /* 198.18.0.0: the NAT pool */
#define PORT_LO	       1024u
#define PORT_N	       64512u /* 1024-65535 */
#define FLOWS_PER_HOST 64u
#define MAX_SIZES      16
#define MAX_SESSIONS   16777216u

static const uint8_t LAN_MAC[6] = {0x02, 0, 0, 0, 0, 0x01};
static const uint8_t WAN_MAC[6] = {0x02, 0, 0, 0, 0, 0x02};
static const uint8_t IN_GW_MAC[6] = {0x02, 0, 0, 0, 0x01, 0x01};
static const uint8_t OUT_GW_MAC[6] = {0x02, 0, 0, 0, 0x01, 0x02};

static const char IFACES_NAT[] =
	"interface lan device bench0 address 10.0.0.1/24 mac 02:00:00:00:00:01 role inside\n"
	"interface wan device bench1 address 10.1.0.1/24 mac 02:00:00:00:00:02 role outside\n";
static const char IFACES_PLAIN[] =
	"interface lan device bench0 address 10.0.0.1/24 mac 02:00:00:00:00:01\n"
	"interface wan device bench1 address 10.1.0.1/24 mac 02:00:00:00:00:02\n";
static const char ROUTES[] = "neighbor add 10.0.0.2 lladdr 02:00:00:00:01:01 dev lan\n"
			     "neighbor add 10.1.0.2 lladdr 02:00:00:00:01:02 dev wan\n"
			     "route add 100.64.0.0/10 via 10.0.0.2 dev lan\n"
			     "route add 0.0.0.0/0 via 10.1.0.2 dev wan\n";

struct opts {
	bool huge;
	unsigned int runs;
	unsigned int ms;
	unsigned int pkts; /* frames per pass (a multiple of SL_BURST) */
	unsigned int lcore;
	unsigned int mem_mb; /* 0: from the largest size */
	unsigned int n_sizes;
	uint32_t sizes[MAX_SIZES];
	uint32_t new_n;
	uint64_t seed;
	bool no_baseline;    /* for profiling one phase */
	unsigned int passes; /* > 0: each run is this many passes, not --ms (callgrind) */
};

struct result {
	double mpps;
	double cpp;	 /* TSC cycles per packet */
	double best_cpp; /* the least disturbed run */
};

static uint64_t mix64(uint64_t z)
{
	/* splitmix64's finaliser */
	z += 0x9e3779b97f4a7c15ull;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	return mix64(rng_state++);
}

/* ---- flows ---- */

struct flowgen {
	uint32_t hosts;
	uint64_t salt;
};

static void flowgen_init(struct flowgen *fg, uint32_t n, uint64_t salt)
{
	fg->hosts = n / FLOWS_PER_HOST ? n / FLOWS_PER_HOST : 1;
	fg->salt = salt;
}

/* Flow @p i (unique while i / hosts < PORT_N) as its outbound tuple. */
static void flow_tuple(const struct flowgen *fg, uint32_t i, struct sl_nat_tuple *t)
{
	uint32_t h = i % fg->hosts, k = i / fg->hosts;
	uint64_t x = mix64(fg->salt ^ i);

	memset(t, 0, sizeof(*t));
	t->src = rte_cpu_to_be_32(INSIDE_BASE + 1 + h);
	t->dst = rte_cpu_to_be_32(0x14000000u | (uint32_t)(x & 0xffffff)); /* 20/8 */
	t->sport = rte_cpu_to_be_16((uint16_t)(PORT_LO + (k * 7919u + h * 131u) % PORT_N));
	t->dport = rte_cpu_to_be_16((x >> 32) & 1 ? 443 : 53);
	t->proto = 17;
}

/* Pool addresses for @p n sessions: at most half of each address's ports. */
static unsigned int pool_addrs(uint32_t n)
{
	unsigned int a = 1;

	while ((uint64_t)a * PORT_N / 2 < n && a < SL_NAT_ADDRS_MAX)
		a <<= 1;
	return a;
}

/* ---- memory ---- */

static uint64_t heap_allocated(uint64_t *heap_free)
{
	uint64_t alloc = 0, fr = 0;

	for (unsigned int i = 0; i < rte_socket_count(); i++) {
		struct rte_malloc_socket_stats st;
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0) {
			alloc += st.heap_allocsz_bytes;
			fr += st.heap_freesz_bytes;
		}
	}
	if (heap_free)
		*heap_free = fr;
	return alloc;
}

static uint64_t meminfo_kb(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	uint64_t v = 0;
	size_t kl = strlen(key);

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = strtoull(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* Bytes the EAL can still give the NAT tables. */
static uint64_t mem_available(bool huge)
{
	uint64_t heap_free, sys;

	heap_allocated(&heap_free);
	if (huge) /* --in-memory grows the heap from free hugepages */
		return heap_free + meminfo_kb("HugePages_Free") * meminfo_kb("Hugepagesize") * 1024;
	/* --no-huge: the heap is -m, its pages faulted in from RAM on use */
	sys = meminfo_kb("MemAvailable") * 1024;
	sys = sys > (1ull << 30) ? sys - (1ull << 30) : 0;
	return heap_free < sys ? heap_free : sys;
}

/* ---- the gateway ---- */

struct gw {
	struct sl_dp dp;
	struct sl_worker w;
	uint16_t lan, wan; /* interface ids */
	uint16_t lan_port, wan_port;
	uint64_t heap0;	    /* heap allocated before the NAT commands */
	uint64_t nat_bytes; /* heap allocated by them */
};

static int apply_text(struct sl_dp *dp, const char *text)
{
	struct sl_cmd_list l = {0};
	char err[SL_ERR_MAX * 2];
	int r;

	r = sl_cmd_list_parse("bench-config", text, &l, err, sizeof(err));
	if (r == 0)
		r = sl_dp_apply_list(dp, &l, 0, err, sizeof(err));
	sl_cmd_list_free(&l);
	if (r < 0)
		fprintf(stderr, "bench: config: %s\n", err);
	return r;
}

/* @p max_sessions 0: plain forwarding, interfaces without roles. */
static int gw_build(struct gw *g, uint32_t max_sessions, struct rte_mempool *pool)
{
	struct sl_dp_params p;
	char text[1024];
	int r;

	memset(g, 0, sizeof(*g));
	sl_dp_params_default(&p);
	p.max_routes4 = 1024;
	p.max_routes6 = 1024;
	p.n_workers = 1;
	r = sl_dp_create(&g->dp, &p, pool);
	if (r < 0) {
		fprintf(stderr, "bench: sl_dp_create: %s\n", strerror(-r));
		return r;
	}
	snprintf(text, sizeof(text), "%s%s", max_sessions ? IFACES_NAT : IFACES_PLAIN, ROUTES);
	r = apply_text(&g->dp, text);
	if (r < 0)
		goto fail;
	g->heap0 = heap_allocated(NULL);
	if (max_sessions) {
		unsigned int a = pool_addrs(max_sessions), len = 32;
		while ((1u << (32 - len)) < a)
			len--;
		snprintf(text, sizeof(text),
			"nat sessions max %" PRIu32 "\n"
			"nat pool add 198.18.0.0/%u ports 1024-65535\n"
			"nat timeout udp 3600\n",
			max_sessions, len);
		r = apply_text(&g->dp, text);
		if (r < 0)
			goto fail;
		g->nat_bytes = heap_allocated(NULL) - g->heap0;
	}
	g->lan = sl_iface_by_name(&g->dp.ifs, "lan")->id;
	g->wan = sl_iface_by_name(&g->dp.ifs, "wan")->id;
	g->lan_port = g->dp.ifs.ifaces[g->lan].port;
	g->wan_port = g->dp.ifs.ifaces[g->wan].port;
	g->w.dp = &g->dp;
	g->w.id = 0;
	rte_rcu_qsbr_thread_register(g->dp.qsv, 0);
	rte_rcu_qsbr_thread_online(g->dp.qsv, 0);
	return 0;
fail:
	sl_dp_destroy(&g->dp);
	return r;
}

/*
 * The forwarding baseline runs on the NAT gateway itself with NAT switched
 * off: both interfaces without roles and no pool in use, so the pipeline
 * takes its plain routing path (two sl_dp cannot coexist: the neighbour
 * table's name is fixed). Nothing runs concurrently while this is flipped.
 */
static void gw_set_nat(struct gw *g, bool on)
{
	g->dp.ifs.ifaces[g->lan].role = on ? SL_ROLE_INSIDE : SL_ROLE_NONE;
	g->dp.ifs.ifaces[g->wan].role = on ? SL_ROLE_OUTSIDE : SL_ROLE_NONE;
	g->dp.nat.enabled = on;
}

static void gw_free(struct gw *g)
{
	rte_rcu_qsbr_thread_offline(g->dp.qsv, 0);
	rte_rcu_qsbr_thread_unregister(g->dp.qsv, 0);
	sl_dp_destroy(&g->dp);
}

/* ---- frames ---- */

enum mode { M_OUT, M_MIXED, M_NEW };

struct frames {
	enum mode mode;
	struct sl_nat_tuple *out; /* FLOW_POOL outbound tuples (M_OUT, M_MIXED) */
	struct sl_nat_tuple *in;  /* FLOW_POOL inbound tuples (M_MIXED) */
	const struct flowgen *fg; /* M_NEW: flows fg[next...] */
	uint32_t next;
	struct rte_mbuf **m;
	unsigned int n;	   /* frames allocated */
	unsigned int used; /* frames in this pass */
};

static inline void st16_(void *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

/* A 60-byte UDP frame for tuple @p t, arriving from the inside or outside. */
static void write_frame(uint8_t *p, const struct sl_nat_tuple *t, bool inbound)
{
	static const uint8_t ip[12] = {0x45, 0, 0, 46, 0, 1, 0x40, 0, 64, 17, 0, 0};
	uint32_t s;
	uint16_t c;

	memcpy(p, inbound ? WAN_MAC : LAN_MAC, 6);
	memcpy(p + 6, inbound ? OUT_GW_MAC : IN_GW_MAC, 6);
	p[12] = 0x08;
	p[13] = 0x00;
	memcpy(p + 14, ip, 12);
	memcpy(p + 26, &t->src, 4);
	memcpy(p + 30, &t->dst, 4);
	st16_(p + 24, (uint16_t)~sl_csum_fold(sl_csum_add(0, p + 14, 20)));
	memcpy(p + 34, &t->sport, 2);
	memcpy(p + 36, &t->dport, 2);
	p[38] = 0;
	p[39] = 26;
	memset(p + 40, 0, 20);
	p[42] = 0x5a; /* some payload */
	/* UDP checksum: pseudo-header (addresses, protocol, length) + datagram */
	s = sl_csum_add(0, p + 26, 8);
	s += rte_cpu_to_be_16(17);
	s += rte_cpu_to_be_16(26);
	s = sl_csum_add(s, p + 34, 26);
	c = (uint16_t)~sl_csum_fold(s);
	st16_(p + 40, c ? c : 0xffff);
}

static inline bool burst_inbound(const struct frames *f, unsigned int i)
{
	return f->mode == M_MIXED && ((i / SL_BURST) & 1);
}

/* Restore every frame of the next pass (@p count frames, <= f->n). */
static void frames_prepare(struct frames *f, unsigned int count)
{
	f->used = count;
	for (unsigned int i = 0; i < count; i++) {
		struct rte_mbuf *m = f->m[i];
		struct sl_nat_tuple t;
		bool in = burst_inbound(f, i);

		if (f->mode == M_NEW) {
			flow_tuple(f->fg, f->next++, &t);
		} else {
			t = in ? f->in[f->next] : f->out[f->next];
			if (++f->next == FLOW_POOL)
				f->next = 0;
		}
		m->data_off = RTE_PKTMBUF_HEADROOM;
		m->data_len = m->pkt_len = FRAME_LEN;
		write_frame(rte_pktmbuf_mtod(m, uint8_t *), &t, in);
	}
}

static int frames_init(struct frames *f, enum mode mode, struct rte_mempool *pool, unsigned int n)
{
	memset(f, 0, sizeof(*f));
	f->mode = mode;
	f->n = n;
	f->m = calloc(n, sizeof(*f->m));
	if (f->m == NULL)
		return -ENOMEM;
	if (mode != M_NEW) {
		f->out = malloc(sizeof(*f->out) * FLOW_POOL);
		f->in = malloc(sizeof(*f->in) * FLOW_POOL);
		if (f->out == NULL || f->in == NULL)
			return -ENOMEM;
	}
	if (rte_pktmbuf_alloc_bulk(pool, f->m, n) < 0)
		return -ENOMEM;
	return 0;
}

/* The pool: random live sessions of @p nat (their tuples copied). */
static int frames_from_sessions(struct frames *f, const struct sl_nat *nat)
{
	uint32_t live = 0;

	for (uint32_t i = 0; i < nat->max_sessions; i++)
		live += nat->sess[i].in_use == 1;
	if (live == 0)
		return -ENOENT;
	for (uint32_t i = 0; i < FLOW_POOL; i++) {
		const struct sl_nat_session *s;
		do
			s = &nat->sess[rnd() % nat->max_sessions];
		while (s->in_use != 1);
		f->out[i] = s->t[0];
		f->in[i] = s->t[1];
	}
	f->next = 0;
	return 0;
}

static void frames_free(struct frames *f)
{
	if (f->m && f->m[0])
		rte_pktmbuf_free_bulk(f->m, f->n);
	free(f->m);
	free(f->out);
	free(f->in);
}

/* ---- the timed loop ---- */

static uint64_t run_pass(struct gw *g, struct frames *f, struct sink *s, uint64_t *ntx)
{
	struct sl_dp *dp = &g->dp;
	uint16_t verdict[SL_BURST];
	uint64_t t0, t1, tx = 0;

	t0 = rte_rdtsc_precise();
	for (unsigned int i = 0; i < f->used; i += SL_BURST) {
		uint16_t k = (uint16_t)RTE_MIN(f->used - i, (unsigned int)SL_BURST);
		uint16_t port = burst_inbound(f, i) ? g->wan_port : g->lan_port;
		uint64_t now = boot_now_ns();
		tx += sl_pipeline_run(&g->w, f->m + i, k, port, now, verdict);
		dispatch(&g->w, &dp->ifs, f->m + i, k, verdict, s);
		rte_rcu_qsbr_quiescent(dp->qsv, 0);
	}
	t1 = rte_rdtsc_precise();
	*ntx += tx;
	return t1 - t0;
}

static bool is_pool_src(const uint8_t *p)
{
	uint32_t src;

	memcpy(&src, p + 26, 4);
	return (rte_be_to_cpu_32(src) & 0xfffffc00u) == POOL_BASE;
}

static int check_first_pass(struct gw *g, struct frames *f, bool nat)
{
	struct sink s = {0};
	uint64_t ntx = 0;

	frames_prepare(f, f->n);
	run_pass(g, f, &s, &ntx);
	if (ntx != f->n || s.slow || s.dropped) {
		fprintf(stderr,
			"bench: sanity check failed: %" PRIu64 " of %u forwarded, %" PRIu64
			" slow, %" PRIu64 " dropped\n",
			ntx, f->n, s.slow, s.dropped);
		return -1;
	}
	for (unsigned int i = 0; i < f->n; i += SL_BURST) {
		const uint8_t *p = rte_pktmbuf_mtod(f->m[i], const uint8_t *);
		bool in = burst_inbound(f, i);
		uint32_t dst;
		memcpy(&dst, p + 30, 4);
		if (memcmp(p, in ? IN_GW_MAC : OUT_GW_MAC, 6) != 0 || p[22] != 63 ||
			sl_csum(p + 14, 20) != 0 || (nat && !in && !is_pool_src(p)) ||
			(nat && in && (rte_be_to_cpu_32(dst) & 0xffc00000u) != INSIDE_BASE)) {
			fprintf(stderr,
				"bench: sanity check failed: frame %u not rewritten as "
				"expected\n",
				i);
			return -1;
		}
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One thing to time: a gateway and its frames. */
struct job {
	struct gw *g;
	struct frames *f;
	bool nat;
	uint64_t created; /* sessions created before: must not change */
	double mpps[64], cpp[64];
	struct result res;
	double ratio; /* median over the runs of mpps / the first job's mpps */
};

/*
 * Time the jobs interleaved: run r of every job before run r + 1 of any, so
 * a change in the machine's load hits all of them alike; the ratios are
 * taken run by run against jobs[0].
 */
static int measure(struct job *jobs, unsigned int nj, const struct opts *o)
{
	uint64_t hz = rte_get_tsc_hz();
	uint64_t budget = hz / 1000 * o->ms;
	unsigned int runs = RTE_MIN(o->runs, 64u);
	struct sink s = {0};

	for (unsigned int k = 0; k < nj; k++) {
		struct job *j = &jobs[k];
		j->created = j->g->dp.nat.stats.created;
		gw_set_nat(j->g, j->nat);
		if (check_first_pass(j->g, j->f, j->nat) < 0)
			return -1;
		/* warm-up: a tenth of a run */
		for (uint64_t c = 0, ntx = 0, p = 0; o->passes ? p < 1 : c < budget / 10 + 1; p++) {
			frames_prepare(j->f, j->f->n);
			c += run_pass(j->g, j->f, &s, &ntx);
		}
	}
	for (unsigned int r = 0; r < runs; r++)
		for (unsigned int k = 0; k < nj; k++) {
			struct job *j = &jobs[k];
			uint64_t cycles = 0, pkts = 0, ntx = 0;
			gw_set_nat(j->g, j->nat);
			for (unsigned int p = 0; o->passes ? p < o->passes : cycles < budget; p++) {
				frames_prepare(j->f, j->f->n); /* not timed */
				cycles += run_pass(j->g, j->f, &s, &ntx);
				pkts += j->f->n;
			}
			if (ntx != pkts) {
				fprintf(stderr, "bench: %" PRIu64 " of %" PRIu64 " forwarded\n",
					ntx, pkts);
				return -1;
			}
			j->cpp[r] = (double)cycles / (double)pkts;
			j->mpps[r] = (double)pkts / ((double)cycles / (double)hz) / 1e6;
		}
	for (unsigned int k = 0; k < nj; k++) {
		struct job *j = &jobs[k];
		double ratio[64];
		if (j->g->dp.nat.stats.created != j->created) {
			fprintf(stderr,
				"bench: %" PRIu64
				" sessions created while replaying established ones\n",
				j->g->dp.nat.stats.created - j->created);
			return -1;
		}
		for (unsigned int r = 0; r < runs; r++)
			ratio[r] = j->mpps[r] / jobs[0].mpps[r];
		qsort(ratio, runs, sizeof(double), cmp_double);
		j->ratio = ratio[runs / 2];
	}
	for (unsigned int k = 0; k < nj; k++) {
		struct job *j = &jobs[k];
		qsort(j->mpps, runs, sizeof(double), cmp_double);
		qsort(j->cpp, runs, sizeof(double), cmp_double);
		j->res.mpps = j->mpps[runs / 2];
		j->res.cpp = j->cpp[runs / 2];
		j->res.best_cpp = j->cpp[0];
	}
	return 0;
}

/*
 * Send flows [0, @p n) of @p fg once each through the pipeline (new
 * sessions). @return the cycles spent in the timed part; @p ok gets the
 * packets forwarded (= sessions created).
 */
static uint64_t fill(
	struct gw *g, struct frames *f, const struct flowgen *fg, uint32_t n, uint64_t *ok)
{
	struct sink s = {0};
	uint64_t cycles = 0;

	f->fg = fg;
	f->next = 0;
	*ok = 0;
	while (f->next < n) {
		frames_prepare(f, RTE_MIN(f->n, n - f->next)); /* not timed */
		cycles += run_pass(g, f, &s, ok);
	}
	return cycles;
}

/* ---- the benchmarks ---- */

static double measured_bps; /* bytes per session of the last size that ran */

static uint64_t estimate_bytes(uint32_t n)
{
	struct sl_nat tmp;

	if (measured_bps > 0)
		return (uint64_t)(measured_bps * n * 1.05) + (64ull << 20);
	/* before any measurement: the NAT's own estimate, with margin */
	memset(&tmp, 0, sizeof(tmp));
	tmp.max_sessions = n;
	tmp.max_hosts = n < (1u << 20) ? n : (1u << 20);
	return sl_nat_memory(&tmp) * 3 / 2 + (64ull << 20);
}

static int bench_size(uint32_t n, struct rte_mempool *pool, const struct opts *o)
{
	struct gw g;
	struct frames fnew, fout, fmix;
	struct flowgen fg;
	struct result out, mix, fwd = {.mpps = NAN};
	double r_out = NAN, r_mix = NAN;
	uint64_t need = estimate_bytes(n), avail = mem_available(o->huge);
	uint64_t ok = 0, cyc, hz = rte_get_tsc_hz();
	double bps;
	int rc;

	if (need > avail) {
		printf("%9" PRIu32 "  skipped: needs ~%.0f MiB, %.0f MiB available (%s)\n", n,
			(double)need / 1048576, (double)avail / 1048576,
			o->huge ? "reserve more hugepages" : "raise --mem, or free RAM");
		fflush(stdout);
		return 0;
	}
	rc = gw_build(&g, n, pool);
	if (rc < 0) {
		printf("%9" PRIu32 "  failed: the NAT tables could not be created (%s)\n", n,
			strerror(-rc));
		fflush(stdout);
		return rc;
	}
	memset(&fout, 0, sizeof(fout));
	memset(&fmix, 0, sizeof(fmix));
	rc = frames_init(&fnew, M_NEW, pool, o->pkts);
	if (rc < 0) {
		frames_free(&fnew);
		goto out;
	}
	flowgen_init(&fg, n, o->seed);
	cyc = fill(&g, &fnew, &fg, n, &ok);
	frames_free(&fnew);
	bps = (double)(heap_allocated(NULL) - g.heap0) / n;
	measured_bps = bps;
	rc = frames_init(&fout, M_OUT, pool, o->pkts);
	if (rc == 0)
		rc = frames_init(&fmix, M_MIXED, pool, o->pkts);
	if (rc == 0)
		rc = frames_from_sessions(&fout, &g.dp.nat);
	if (rc == 0) {
		memcpy(fmix.out, fout.out, sizeof(*fout.out) * FLOW_POOL);
		memcpy(fmix.in, fout.in, sizeof(*fout.in) * FLOW_POOL);
		/* mixed: other sessions than the outbound-only run's first ones */
		fmix.next = FLOW_POOL / 2;
	}
	if (rc < 0)
		fprintf(stderr, "bench: frames: %s\n", strerror(-rc));
	if (rc == 0) {
		/* the baseline forwards the outbound-only run's frames */
		struct job jobs[3] = {
			{.g = &g, .f = &fout, .nat = false},
			{.g = &g, .f = &fout, .nat = true},
			{.g = &g, .f = &fmix, .nat = true},
		};
		bool b = !o->no_baseline;
		rc = measure(jobs + !b, 3 - !b, o);
		fwd = jobs[0].res;
		out = jobs[1].res;
		mix = jobs[2].res;
		r_out = b ? jobs[1].ratio : NAN;
		r_mix = b ? jobs[2].ratio : NAN;
	}
	if (rc == 0) {
		printf("%9" PRIu32 " %9" PRIu64
		       " %7.2f %7.2f %7.2f %6.2fx %7.2f %6.2fx %6.1f %6.1f "
		       "%6.0f %7.1f\n",
			n, ok, (double)ok / ((double)cyc / (double)hz) / 1e6, fwd.mpps, out.mpps,
			r_out, mix.mpps, r_mix, out.cpp, mix.cpp, bps,
			(double)(heap_allocated(NULL) - g.heap0) / 1048576);
		if (ok != n)
			printf("          (%" PRIu64 " of %" PRIu32
			       " flows got no session: the table is that full)\n",
				n - ok, n);
	} else {
		printf("%9" PRIu32 "  failed: see above\n", n);
	}
	fflush(stdout);
out:
	frames_free(&fout);
	frames_free(&fmix);
	gw_free(&g);
	return rc;
}

/* New sessions/s: fresh tables of 2 N, N new flows each run. */
static int bench_new(uint32_t n, struct rte_mempool *pool, const struct opts *o)
{
	unsigned int runs = RTE_MIN(o->runs, 64u);
	uint64_t hz = rte_get_tsc_hz();
	double rate[64], cps[64];
	struct flowgen fg;
	int rc = 0;

	if (estimate_bytes(2 * n) > mem_available(o->huge)) {
		printf("new sessions: skipped, not enough memory for %" PRIu32 " sessions\n",
			2 * n);
		return 0;
	}
	flowgen_init(&fg, n, o->seed ^ 0x5eed);
	for (unsigned int r = 0; r < runs; r++) {
		struct gw g;
		struct frames f;
		uint64_t ok = 0, cyc;

		rc = gw_build(&g, 2 * n, pool);
		if (rc < 0)
			return rc;
		rc = frames_init(&f, M_NEW, pool, o->pkts);
		if (rc == 0) {
			cyc = fill(&g, &f, &fg, n, &ok);
			if (ok != n) {
				fprintf(stderr,
					"bench: %" PRIu64 " of %" PRIu32 " new flows forwarded\n",
					ok, n);
				rc = -1;
			}
			rate[r] = (double)ok / ((double)cyc / (double)hz);
			cps[r] = (double)cyc / (double)n;
		}
		frames_free(&f);
		gw_free(&g);
		if (rc < 0)
			return rc;
	}
	qsort(rate, runs, sizeof(double), cmp_double);
	qsort(cps, runs, sizeof(double), cmp_double);
	printf("new sessions: %.2f M/s on one core (%.0f cyc/session; best run %.2f M/s) "
	       "[target >= 3 M/s]\n",
		rate[runs / 2] / 1e6, cps[runs / 2], rate[runs - 1] / 1e6);
	printf("              %" PRIu32 " new flows per run into a table of %" PRIu32
	       " (`nat sessions max`), %u runs, each packet a new session + mapping\n",
		n, 2 * n, runs);
	fflush(stdout);
	return 0;
}

/* ---- options ---- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: sluice-bench-nat [--huge] [--runs N] [--ms MS] [--sessions N,N,...]\n"
		"                        [--new N] [--pkts N] [--lcore N] [--mem MB] [--seed N]\n"
		"                        [--no-baseline] [--passes N]\n"
		"NAT44 on one core, in memory: forwarding Mpps (baseline), established-session\n"
		"Mpps (outbound, and mixed outbound / inbound replies) per session count\n"
		"(--sessions, default 1000,100000,1000000,16000000; none skips), new sessions/s\n"
		"(--new N new flows into tables of 2N, default 1000000; 0 skips) and bytes per\n"
		"session. --no-baseline skips the forwarding run (for profiling one phase);\n"
		"--passes N makes each run N passes of --pkts frames instead of --ms ms (for\n"
		"instruction counts under callgrind: the same packets in every run).\n"
		"Medians over --runs (7) runs of --ms (1000) ms. EAL runs with --no-huge\n"
		"(-m --mem, default sized for the largest count) or, with --huge, hugepages and\n"
		"--in-memory (16M sessions need ~2.5 GB of them). A count that does not fit is\n"
		"skipped with a message.\n");
}

static int parse_sizes(const char *s, struct opts *o)
{
	char *end;

	o->n_sizes = 0;
	if (strcmp(s, "none") == 0)
		return 0;
	while (*s && o->n_sizes < MAX_SIZES) {
		unsigned long v = strtoul(s, &end, 10);
		if (end == s || v == 0 || v > MAX_SESSIONS)
			return -EINVAL;
		o->sizes[o->n_sizes++] = (uint32_t)v;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',')
			return -EINVAL;
	}
	return o->n_sizes && !*s ? 0 : -EINVAL;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"huge", no_argument, NULL, 'H'},
		{"runs", required_argument, NULL, 'r'},
		{"ms", required_argument, NULL, 't'},
		{"sessions", required_argument, NULL, 's'},
		{"new", required_argument, NULL, 'n'},
		{"pkts", required_argument, NULL, 'p'},
		{"lcore", required_argument, NULL, 'l'},
		{"mem", required_argument, NULL, 'm'},
		{"seed", required_argument, NULL, 'S'},
		{"no-baseline", no_argument, NULL, 'B'},
		{"passes", required_argument, NULL, 'P'},
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
				fprintf(stderr, "bench: bad --sessions '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case 'n':
			o->new_n = (uint32_t)strtoul(optarg, NULL, 10);
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
		case 'B':
			o->no_baseline = true;
			break;
		case 'P':
			o->passes = (unsigned int)strtoul(optarg, NULL, 10);
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
		o->pkts % SL_BURST || o->new_n > MAX_SESSIONS / 2) {
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
		.n_sizes = 4,
		.sizes = {1000, 100000, 1000000, 16000000},
		.new_n = 1000000,
		.seed = 1};
	char lcores[16], mem[16], *eal[16];
	struct rte_mempool *pool;
	uint32_t largest;
	int n = 0, rc = 0;

	if (parse_opts(argc, argv, &o) < 0)
		return 2;
	largest = 2 * o.new_n;
	for (unsigned int i = 0; i < o.n_sizes; i++)
		largest = RTE_MAX(largest, o.sizes[i]);
	if (o.mem_mb == 0) /* ~130-160 B/session measured, + 2 gateways' FIBs, mbufs */
		o.mem_mb = (unsigned int)(1024 + (uint64_t)largest * 200 / 1048576);
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
	pool = boot_pool("bench", RTE_MAX(o.pkts * 3, 8192u) + 1023, 1500);
	if (pool == NULL) {
		fprintf(stderr, "bench: cannot create the mbuf pool\n");
		rc = 1;
		goto out;
	}
	printf("sluice NAT bench: lcore %u, %s, TSC %.3f GHz, burst %u, %u frames/pass, %u x %u "
	       "ms runs\n",
		o.lcore, o.huge ? "hugepages" : "no-huge", (double)rte_get_tsc_hz() / 1e9, SL_BURST,
		o.pkts, o.runs, o.ms);
	printf("timed per burst: clock read + sl_pipeline_run + verdict dispatch + RCU "
	       "quiescent; 64-byte UDP\n");
	printf("fwd: forwarding baseline, the same outbound frames with NAT off (no roles), timed "
	       "interleaved\n     with the NAT runs run by run; ratios: medians of the per-run "
	       "ratios%s\n",
		o.no_baseline ? " (--no-baseline: not timed)" : "");
	printf("%9s %9s %7s %7s %7s %7s %7s %7s %6s %6s %6s %7s\n", "sessions", "created", "fill",
		"fwd", "out", "ratio", "mixed", "ratio", "cyc/p", "cyc/p", "B/", "NAT");
	printf("%9s %9s %7s %7s %7s %7s %7s %7s %6s %6s %6s %7s\n", "(max)", "", "Msess/s", "Mpps",
		"Mpps", "", "Mpps", "", "out", "mixed", "sess", "MiB");
	for (unsigned int i = 0; i < o.n_sizes; i++)
		rc |= bench_size(o.sizes[i], pool, &o);
	printf("ratios: NAT Mpps / forwarding Mpps [target >= 0.70]; fill: rate while "
	       "filling the table to its max\n");
	if (measured_bps > 0)
		printf("memory: %.0f bytes/session (heap allocated by the NAT tables, filled) -> "
		       "16M sessions: %.2f GiB [target <= 2 GiB]\n",
			measured_bps, measured_bps * 16e6 / (1u << 30));
	printf("\n");
	if (o.new_n)
		rc |= bench_new(o.new_n, pool, &o);
	rte_mempool_free(pool);
out:
	rte_eal_cleanup();
	return rc == 0 ? 0 : 1;
}
