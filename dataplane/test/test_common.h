/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Shared by the dataplane unit tests: EAL start-up (once per binary), a
 * seeded PRNG whose seed is printed and can be overridden with
 * SLUICE_TEST_SEED, and a naive RFC 1071 checksum for computing expected
 * values independently of include/sluice/csum.h.
 */
#ifndef SL_TEST_COMMON_H
#define SL_TEST_COMMON_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_eal.h>

/* Start the EAL without hugepages, PCI or shared config (tests may run in parallel). */
static inline int test_eal_init(void)
{
	static int done;
	char *argv[] = {"sluice-test", "--no-huge", "--no-pci", "--no-shconf", "-m", "512", "-l",
		"0", "--log-level=*:error", "--no-telemetry", NULL};

	if (done)
		return 0;
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		return -1;
	done = 1;
	return 0;
}

/* The run's seed: SLUICE_TEST_SEED if set, else @p def; printed so a failure reproduces. */
static inline uint64_t test_seed(const char *what, uint64_t def)
{
	const char *s = getenv("SLUICE_TEST_SEED");
	uint64_t seed = s && *s ? strtoull(s, NULL, 0) : def;

	printf("# %s: seed %" PRIu64 " (override with SLUICE_TEST_SEED=N)\n", what, seed);
	fflush(stdout);
	return seed;
}

/* xoshiro256** seeded through splitmix64. */
struct test_rng {
	uint64_t s[4];
};

static inline uint64_t test_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void test_rng_init(struct test_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = test_splitmix(&seed);
}

static inline uint64_t test_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t test_rand(struct test_rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = test_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = test_rotl(s[3], 45);
	return res;
}

/* Uniform in [0, n), n > 0. */
static inline uint32_t test_below(struct test_rng *r, uint32_t n)
{
	return (uint32_t)(((test_rand(r) >> 32) * (uint64_t)n) >> 32);
}

static inline void test_fill(struct test_rng *r, void *buf, size_t len)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)test_rand(r);
}

/*
 * RFC 1071 the slow way: big-endian 16-bit words, odd byte padded with zero,
 * end-around carry, complement. The result is a host-order value: its high
 * byte goes first on the wire.
 */
static inline uint16_t naive_csum(const uint8_t *p, size_t len, uint32_t initial)
{
	uint64_t sum = initial;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* A host-order checksum as it appears in memory (high byte first). */
static inline uint16_t wire16(uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	uint16_t r;

	__builtin_memcpy(&r, b, 2);
	return r;
}

#endif
