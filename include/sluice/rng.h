/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file rng.h
 * The generator behind NAT port allocation, shared by both backends (the
 * DPDK NAT and the XDP program): xorshift64*, seeded the same way, so that
 * one `--seed` gives the same draws, and the same ports, on either. Plain C
 * that the BPF program compiles too. Live, each backend seeds it from the
 * kernel's random source (RFC 6056: ports hard to guess); replay from
 * `--seed N` (deterministic outputs).
 */
#ifndef SLUICE_RNG_H
#define SLUICE_RNG_H

/** The generator state for seed @p seed (never 0, xorshift's fixed point). */
static inline unsigned long long sl_rng_init(unsigned long long seed)
{
	unsigned long long x = seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;

	return x ? x : 1;
}

/** A seed from the kernel's random source (live runs); the time if that
 * fails. Not for BPF. */
#ifndef __bpf__
#include <sys/random.h>
#include <time.h>

static inline unsigned long long sl_rng_live_seed(void)
{
	unsigned long long s = 0;
	struct timespec ts;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s))
		return s;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}
#endif

/** The next draw; advances the state at @p x. */
static inline unsigned long long sl_rng_next(unsigned long long *x)
{
	unsigned long long v = *x;

	v ^= v >> 12;
	v ^= v << 25;
	v ^= v >> 27;
	*x = v;
	return v * 0x2545f4914f6cdd1dull;
}

#endif
