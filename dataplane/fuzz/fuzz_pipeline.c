/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the packet pipeline. Each input is one frame: the first
 * byte selects the ingress port (and how far the clock moves), the rest is
 * the frame. It goes through sl_pipeline_run() and, for SL_V_SLOW verdicts,
 * sl_slow_input(); neighbour timers run on an advancing virtual clock.
 * Transmitted packets are freed. After every input the accounting
 * invariant of stats.h must hold:
 *   rx == forwarded + local + sum(drops) + held
 * (SLUICE_FUZZ_SKIP_ACCOUNTING=1 turns that check off, to look for memory
 * errors only while a known accounting bug is open).
 *
 * Built two ways from this one file:
 *  - with clang -fsanitize=fuzzer: a libFuzzer target (LLVMFuzzerTestOneInput);
 *  - with -DSL_FUZZ_STANDALONE (any compiler): a runner that replays every
 *    file or directory named on the command line, then runs random and
 *    mutated inputs from a seeded PRNG (the CI 'fuzz-smoke' test).
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include <sluice/config.h>
#include <sluice/dp.h>
#include <sluice/pipeline.h>
#include <sluice/slowpath.h>

#define POOL_SIZE 4095
#define FRAME_MAX 2048

/* an inside LAN, an outside uplink and a guest VLAN with a smaller MTU */
static const char *const fuzz_config =
	"interface inside device fuzz-in address 192.168.1.1/24 address fd00:1::1/64 role inside "
	"mac 02:00:00:00:01:01\n"
	"interface outside device fuzz-out address 203.0.113.2/24 address 2001:db8:ffff::2/64 "
	"role outside mac 02:00:00:00:02:01\n"
	"interface guest device fuzz-in vlan 10 address 10.10.0.1/24 address fd00:10::1/64 "
	"role inside mac 02:00:00:00:0a:01 mtu 1400\n"
	"route add 0.0.0.0/0 via 203.0.113.1\n"
	"route add ::/0 via 2001:db8:ffff::1\n"
	"route add 198.51.100.0/24 via 192.168.1.254\n"
	"route add 2001:db8:5::/48 via fd00:1::fe\n"
	"neighbor add 203.0.113.1 lladdr 02:00:00:00:02:fe dev outside\n"
	"neighbor add 2001:db8:ffff::1 lladdr 02:00:00:00:02:fe dev outside\n"
	"neighbor add 192.168.1.254 lladdr 02:00:00:00:01:fe dev inside\n"
	"neighbor add fd00:1::fe lladdr 02:00:00:00:01:fe dev inside\n";

#define N_PORTS 3 /* fuzz-in, fuzz-out, and one port without interfaces */

static struct {
	bool ready;
	struct rte_mempool *pool;
	struct sl_dp *dp;
	struct sl_worker w;
	struct sl_slow s;
	uint64_t now;
	uint64_t sent;
	bool skip_accounting; /* SLUICE_FUZZ_SKIP_ACCOUNTING=1: hunt memory bugs only */
} G;

static void tx_free(void *ctx, uint16_t iface, struct rte_mbuf *m)
{
	(void)ctx;
	(void)iface;
	G.sent++;
	rte_pktmbuf_free(m);
}

static void fuzz_init(void)
{
	char *argv[] = {"sluice-fuzz", "--no-huge", "--no-pci", "--no-shconf", "-m", "256", "-l",
		"0", "--log-level=*:error", "--no-telemetry", NULL};
	struct sl_dp_params p;
	struct sl_cmd_list l;
	char err[512];

	if (G.ready)
		return;
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		fprintf(stderr, "fuzz: EAL init failed\n");
		abort();
	}
	G.pool = rte_pktmbuf_pool_create("fuzz_pool", POOL_SIZE, 0,
		RTE_ALIGN(sizeof(struct sl_meta), RTE_MBUF_PRIV_ALIGN), RTE_MBUF_DEFAULT_BUF_SIZE,
		SOCKET_ID_ANY);
	G.dp = calloc(1, sizeof(*G.dp));
	if (G.pool == NULL || G.dp == NULL) {
		fprintf(stderr, "fuzz: no memory\n");
		abort();
	}
	sl_dp_params_default(&p);
	p.max_routes4 = 256;
	p.max_routes6 = 256;
	p.max_neighbours = 4096;
	if (sl_dp_create(G.dp, &p, G.pool) < 0 ||
		sl_cmd_list_parse("fuzz.conf", fuzz_config, &l, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz: gateway: %s\n", err);
		abort();
	}
	G.now = 1000000000ull;
	if (sl_dp_apply_list(G.dp, &l, G.now, err, sizeof(err)) < 0) {
		fprintf(stderr, "fuzz: config: %s\n", err);
		abort();
	}
	sl_cmd_list_free(&l);
	G.w.dp = G.dp;
	sl_slow_init(&G.s, G.dp, tx_free, NULL);
	G.skip_accounting = getenv("SLUICE_FUZZ_SKIP_ACCOUNTING") != NULL;
	G.ready = true;
}

static void check_accounting(const uint8_t *data, size_t size)
{
	struct sl_stats t;
	uint64_t out;

	memset(&t, 0, sizeof(t));
	sl_stats_add(&t, &G.w.stats);
	sl_stats_add(&t, &G.s.stats);
	out = t.forwarded + t.local + sl_stats_dropped(&t) + G.s.held;
	if (t.rx == out || G.skip_accounting)
		return;
	fprintf(stderr,
		"fuzz: accounting broken: rx %" PRIu64 " != forwarded %" PRIu64 " + local %" PRIu64
		" + dropped %" PRIu64 " + held %" PRIu64 "\nlast input (%zu bytes):",
		t.rx, t.forwarded, t.local, sl_stats_dropped(&t), G.s.held, size);
	for (size_t i = 0; i < size; i++)
		fprintf(stderr, "%s%02x", i % 32 ? "" : "\n  ", data[i]);
	fprintf(stderr, "\n");
#ifdef SL_FUZZ_STANDALONE
	/* libFuzzer saves the input itself; the runner leaves it for replay */
	FILE *f = size ? fopen("fuzz-pipeline-failure.bin", "wb") : NULL;
	if (f) {
		fwrite(data, 1, size, f);
		fclose(f);
		fprintf(stderr, "saved as fuzz-pipeline-failure.bin (replay: %s FILE)\n",
			"fuzz_pipeline_standalone -n 0");
	}
#endif
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Mutators rarely produce a valid IPv4 header checksum, which hides all
 * that lies behind it (fragmentation, options, TTL). So mutated inputs get
 * their IPv4 header checksum recomputed half of the time.
 */
static void fix_ip4_checksum(uint8_t *data, size_t size)
{
	uint8_t *f = data + 1, *ip;
	size_t len = size - 1, l2 = 14, ihl;
	uint32_t sum = 0;

	if (size < 1 + 14 + 20)
		return;
	if (f[12] == 0x81 && f[13] == 0x00)
		l2 = 18;
	if (len < l2 + 20 || f[l2 - 2] != 0x08 || f[l2 - 1] != 0x00)
		return;
	ip = f + l2;
	ihl = (ip[0] & 0x0f) * 4u;
	if ((ip[0] >> 4) != 4 || ihl < 20 || l2 + ihl > len)
		return;
	ip[10] = ip[11] = 0;
	for (size_t i = 0; i < ihl; i += 2)
		sum += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	ip[10] = (uint8_t)(~sum >> 8);
	ip[11] = (uint8_t)~sum;
}

#ifndef SL_FUZZ_STANDALONE
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	size = LLVMFuzzerMutate(data, size, max_size);
	if (seed & 1)
		fix_ip4_checksum(data, size);
	return size;
}
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *m;
	uint16_t port, v;
	size_t len;
	char *p;

	fuzz_init();
	if (size < 1)
		return 0;
	port = (uint16_t)(data[0] % N_PORTS);
	len = size - 1 > FRAME_MAX ? FRAME_MAX : size - 1;
	m = rte_pktmbuf_alloc(G.pool);
	if (m == NULL) {
		/* held packets may fill the pool; anything else is a leak */
		sl_slow_flush(&G.s, SL_DROP_SHUTDOWN);
		m = rte_pktmbuf_alloc(G.pool);
		if (m == NULL) {
			fprintf(stderr, "fuzz: mbuf pool empty with nothing held: a leak\n");
			abort();
		}
	}
	p = rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL)
		abort();
	memcpy(p, data + 1, len);

	/* the clock moves 0..3.15 s per input, so timers fire and retries time out */
	G.now += (uint64_t)(data[0] >> 2) * 50000000ull;
	sl_pipeline_run(&G.w, &m, 1, port, G.now, &v);
	if (v == SL_V_SLOW)
		sl_slow_input(&G.s, m, G.now);
	else if (v < SL_IFACE_MAX)
		tx_free(NULL, v, m);
	else if (v == SL_V_DROP)
		rte_pktmbuf_free(m);
	else
		abort();
	sl_slow_timers(&G.s, G.now);
	check_accounting(data, size);
	return 0;
}

#ifdef SL_FUZZ_STANDALONE

/* ---- a small runner for compilers without libFuzzer ------------------- */

struct input {
	uint8_t *b;
	size_t len;
};

static struct input *corpus;
static size_t n_corpus, cap_corpus;
static uint64_t rs;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rs += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

static void corpus_add(const uint8_t *b, size_t len)
{
	if (n_corpus == cap_corpus) {
		cap_corpus = cap_corpus ? 2 * cap_corpus : 64;
		corpus = realloc(corpus, cap_corpus * sizeof(*corpus));
		if (corpus == NULL)
			abort();
	}
	corpus[n_corpus].b = malloc(len ? len : 1);
	if (corpus[n_corpus].b == NULL)
		abort();
	memcpy(corpus[n_corpus].b, b, len);
	corpus[n_corpus++].len = len;
}

static int run_file(const char *path)
{
	uint8_t buf[FRAME_MAX + 1];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	corpus_add(buf, n);
	return 0;
}

static int run_path(const char *path)
{
	struct stat st;
	struct dirent **names;
	int n, rc = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0) {
		perror(path);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char full[4096];
		if (names[i]->d_name[0] != '.') {
			snprintf(full, sizeof(full), "%s/%s", path, names[i]->d_name);
			if (run_file(full) < 0)
				rc = -1;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

/* One mutated input: start from a corpus entry (or nothing), apply a few edits. */
static size_t mutate(uint8_t *out)
{
	size_t len = 0;

	if (n_corpus && below(10) != 0) {
		const struct input *in = &corpus[below(n_corpus)];
		len = in->len;
		memcpy(out, in->b, len);
	} else {
		len = below(128);
		for (size_t i = 0; i < len; i++)
			out[i] = (uint8_t)rnd();
	}
	for (size_t k = 1 + below(4); k > 0; k--) {
		switch (below(8)) {
		case 0: /* flip a bit */
			if (len)
				out[below(len)] ^= (uint8_t)(1u << below(8));
			break;
		case 1: /* set a byte to an interesting value */
			if (len) {
				static const uint8_t v[] = {0, 1, 0x7f, 0x80, 0xff, 0x40, 0x45,
					0x60, 0x08, 0x06, 0x81, 0x86, 0xdd, 0x88, 0xa8, 0x11, 0x3a};
				out[below(len)] = v[below(sizeof(v))];
			}
			break;
		case 2: /* a random byte in the headers */
			if (len)
				out[below(len < 80 ? len : 80)] = (uint8_t)rnd();
			break;
		case 3: /* truncate */
			len = below(len + 1);
			break;
		case 4: /* extend */
			if (len < FRAME_MAX) {
				size_t add = below(FRAME_MAX + 1 - len);
				add = add > 1600 ? 1600 : add;
				for (size_t i = 0; i < add; i++)
					out[len + i] = (uint8_t)rnd();
				len += add;
			}
			break;
		case 5: /* splice the tail of another entry */
			if (n_corpus && len) {
				const struct input *in = &corpus[below(n_corpus)];
				size_t at = below(len), from = below(in->len + 1);
				size_t n = in->len - from;
				if (at + n > FRAME_MAX + 1)
					n = FRAME_MAX + 1 - at;
				memcpy(out + at, in->b + from, n);
				len = at + n;
			}
			break;
		case 6: /* another port / clock step */
			if (len)
				out[0] = (uint8_t)rnd();
			break;
		default: /* a 16-bit field (lengths, ethertypes) */
			if (len >= 2) {
				size_t at = below(len - 1);
				uint16_t v = (uint16_t)rnd();
				out[at] = (uint8_t)(v >> 8);
				out[at + 1] = (uint8_t)v;
			}
		}
	}
	if (below(2))
		fix_ip4_checksum(out, len);
	return len;
}

static double elapsed(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"Usage: %s [-n RUNS] [-t SECONDS] [-s SEED] [FILE|DIR]...\n"
		"Replays every FILE (or file in DIR) as one input, then runs RUNS random\n"
		"and mutated inputs (default 100000), stopping early after SECONDS.\n",
		prog);
}

int main(int argc, char **argv)
{
	unsigned long long runs = 100000, i;
	double limit = 0;
	uint64_t seed = 1;
	uint8_t buf[FRAME_MAX + 1];
	struct timespec t0;
	int a, rc = 0;

	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		if (a + 1 >= argc) {
			usage(argv[0]);
			return 2;
		}
		if (strcmp(argv[a], "-n") == 0)
			runs = strtoull(argv[++a], NULL, 0);
		else if (strcmp(argv[a], "-t") == 0)
			limit = strtod(argv[++a], NULL);
		else if (strcmp(argv[a], "-s") == 0)
			seed = strtoull(argv[++a], NULL, 0);
		else {
			usage(argv[0]);
			return 2;
		}
	}
	fuzz_init();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (; a < argc; a++)
		if (run_path(argv[a]) < 0)
			rc = 1;
	printf("fuzz: %zu corpus inputs replayed; seed %" PRIu64 "\n", n_corpus, seed);
	rs = seed;
	for (i = 0; i < runs; i++) {
		size_t len = mutate(buf);
		LLVMFuzzerTestOneInput(buf, len);
		if (limit > 0 && i % 256 == 0 && elapsed(&t0) > limit)
			break;
	}
	/* every buffer comes back once held packets are flushed */
	sl_slow_flush(&G.s, SL_DROP_SHUTDOWN);
	check_accounting(NULL, 0);
	if (rte_mempool_avail_count(G.pool) != POOL_SIZE) {
		fprintf(stderr, "fuzz: mbuf leak: %u of %u buffers in the pool\n",
			rte_mempool_avail_count(G.pool), POOL_SIZE);
		rc = 1;
	}
	printf("fuzz: %llu random inputs in %.1f s, rx %" PRIu64 ", forwarded %" PRIu64
	       ", local %" PRIu64 ", packets sent %" PRIu64 "\n",
		i, elapsed(&t0), G.w.stats.rx, G.w.stats.forwarded + G.s.stats.forwarded,
		G.s.stats.local, G.sent);
	for (size_t k = 0; k < n_corpus; k++)
		free(corpus[k].b);
	free(corpus);
	return rc;
}

#endif /* SL_FUZZ_STANDALONE */
