/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * include/sluice/csum.h against a naive RFC 1071 implementation: full sums
 * on random buffers, RFC 1624 incremental updates against recomputation,
 * and pseudo-header sums against hand-built pseudo headers and known
 * answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <sluice/csum.h>

#include "test_common.h"

static struct test_rng rng;

/* sl_csum's result, read as the two bytes it puts on the wire (host order value). */
static uint16_t as_host(uint16_t mem)
{
	uint8_t b[2];

	memcpy(b, &mem, 2);
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void csum_matches_rfc1071_on_random_buffers(void **state)
{
	uint8_t buf[2048 + 3];

	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = test_below(&rng, iter < 1000 ? 64 : 2048);
		/* odd offsets too: the helper must not assume alignment */
		size_t off = test_below(&rng, 4);
		uint8_t *p = buf + off;

		switch (test_below(&rng, 4)) {
		case 0:
			memset(p, 0xff, len);
			break;
		case 1:
			memset(p, 0, len);
			break;
		default:
			test_fill(&rng, p, len);
		}
		assert_int_equal(as_host(sl_csum(p, len)), naive_csum(p, len, 0));
	}
}

static void csum_add_chains_even_chunks(void **state)
{
	uint8_t buf[1500];

	(void)state;
	for (int iter = 0; iter < 5000; iter++) {
		size_t len = 1 + test_below(&rng, sizeof(buf));
		size_t cut = test_below(&rng, (uint32_t)len + 1) & ~(size_t)1; /* even split */
		uint32_t sum;

		test_fill(&rng, buf, len);
		sum = sl_csum_add(0, buf, cut);
		sum = sl_csum_add(sum, buf + cut, len - cut);
		assert_int_equal(as_host((uint16_t)~sl_csum_fold(sum)), naive_csum(buf, len, 0));
	}
}

static void csum_of_data_with_its_checksum_verifies_to_zero(void **state)
{
	uint8_t buf[64];

	(void)state;
	for (int iter = 0; iter < 5000; iter++) {
		size_t len = 2 * (2 + test_below(&rng, 30));
		uint16_t c;

		test_fill(&rng, buf, len);
		buf[2] = buf[3] = 0;
		c = sl_csum(buf, len);
		memcpy(buf + 2, &c, 2);
		assert_int_equal(sl_csum(buf, len), 0);
	}
}

/* A random IPv4-like header (version/IHL word never zero) with a valid checksum. */
static void random_header(uint8_t *h, size_t len, int flavour)
{
	switch (flavour) {
	case 0:
		memset(h, 0, len);
		break;
	case 1:
		memset(h, 0xff, len);
		break;
	default:
		test_fill(&rng, h, len);
	}
	h[0] = 0x45;
	h[10] = h[11] = 0;
	uint16_t c = naive_csum(h, len, 0);
	h[10] = (uint8_t)(c >> 8);
	h[11] = (uint8_t)c;
}

static uint16_t edge_or_random16(void)
{
	static const uint16_t edges[] = {0x0000, 0xffff, 0x0001, 0xfffe, 0x8000, 0x7fff};
	if (test_below(&rng, 3) == 0)
		return edges[test_below(&rng, 6)];
	return (uint16_t)test_rand(&rng);
}

static void update16_agrees_with_recomputation(void **state)
{
	uint8_t h[60];

	(void)state;
	for (int iter = 0; iter < 50000; iter++) {
		size_t len = 20 + 4 * test_below(&rng, 11);
		unsigned int w;
		uint16_t old, new, check, expect;

		random_header(h, len, (int)test_below(&rng, 4));
		do
			w = 2 * test_below(&rng, (uint32_t)len / 2);
		while (w == 0 || w == 10); /* not the version word, not the checksum */
		memcpy(&old, h + w, 2);
		new = edge_or_random16();
		memcpy(h + w, &new, 2);
		memcpy(&check, h + 10, 2);
		check = sl_csum_update16(check, old, new);

		h[10] = h[11] = 0;
		expect = naive_csum(h, len, 0);
		assert_int_equal(as_host(check), expect);
		/* and the header verifies with it */
		memcpy(h + 10, &check, 2);
		assert_int_equal(naive_csum(h, len, 0), 0);
	}
}

static void update32_agrees_with_recomputation(void **state)
{
	uint8_t h[20];

	(void)state;
	for (int iter = 0; iter < 50000; iter++) {
		unsigned int w = test_below(&rng, 2) ? 12 : 16; /* source or destination address */
		uint32_t old, new, v;
		uint16_t check, expect;

		random_header(h, sizeof(h), (int)test_below(&rng, 4));
		memcpy(&old, h + w, 4);
		switch (test_below(&rng, 4)) {
		case 0:
			new = 0;
			break;
		case 1:
			new = 0xffffffff;
			break;
		case 2:
			v = (uint32_t)edge_or_random16() << 16 | edge_or_random16();
			new = v;
			break;
		default:
			new = (uint32_t)test_rand(&rng);
		}
		memcpy(h + w, &new, 4);
		memcpy(&check, h + 10, 2);
		check = sl_csum_update32(check, old, new);

		h[10] = h[11] = 0;
		expect = naive_csum(h, sizeof(h), 0);
		assert_int_equal(as_host(check), expect);
	}
}

static void ttl_decrement_chain_keeps_checksum_valid(void **state)
{
	uint8_t h[20];

	(void)state;
	for (int iter = 0; iter < 2000; iter++) {
		random_header(h, sizeof(h), (int)test_below(&rng, 4));
		h[8] = 255;
		h[10] = h[11] = 0;
		uint16_t c = naive_csum(h, 20, 0);
		h[10] = (uint8_t)(c >> 8);
		h[11] = (uint8_t)c;
		/* what a forwarding path does 254 times in a row */
		while (h[8] > 1) {
			uint16_t old, new, check;
			memcpy(&old, h + 8, 2);
			h[8]--;
			memcpy(&new, h + 8, 2);
			memcpy(&check, h + 10, 2);
			check = sl_csum_update16(check, old, new);
			memcpy(h + 10, &check, 2);
			assert_int_equal(naive_csum(h, 20, 0), 0);
		}
	}
}

static const uint8_t udp4_src[4] = {192, 0, 2, 1}, udp4_dst[4] = {198, 51, 100, 2};
static const uint8_t udp6_src[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t udp6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
/* UDP 1234 -> 53, length 13, checksum zeroed, payload "hello" */
static const uint8_t udp_hello[13] = {
	0x04, 0xd2, 0x00, 0x35, 0x00, 0x0d, 0x00, 0x00, 'h', 'e', 'l', 'l', 'o'};

static void pseudo4_udp_checksum_matches_hand_computation(void **state)
{
	uint8_t pseudo[12 + sizeof(udp_hello)];
	uint32_t src, dst, sum;
	uint16_t c;

	(void)state;
	/* RFC 768: src, dst, zero, protocol, UDP length, then the datagram */
	memcpy(pseudo, udp4_src, 4);
	memcpy(pseudo + 4, udp4_dst, 4);
	pseudo[8] = 0;
	pseudo[9] = 17;
	pseudo[10] = 0;
	pseudo[11] = sizeof(udp_hello);
	memcpy(pseudo + 12, udp_hello, sizeof(udp_hello));

	memcpy(&src, udp4_src, 4);
	memcpy(&dst, udp4_dst, 4);
	sum = sl_csum_pseudo4(src, dst, 17, sizeof(udp_hello));
	c = (uint16_t)~sl_csum_fold(sl_csum_add(sum, udp_hello, sizeof(udp_hello)));
	assert_int_equal(as_host(c), naive_csum(pseudo, sizeof(pseudo), 0));
	/* known answer (scapy: IP(src=192.0.2.1,dst=198.51.100.2)/UDP(1234,53)/"hello") */
	assert_int_equal(as_host(c), 0xcac3);
}

static void pseudo6_udp_checksum_matches_hand_computation(void **state)
{
	uint8_t pseudo[40 + sizeof(udp_hello)];
	uint32_t sum;
	uint16_t c;

	(void)state;
	/* RFC 8200 8.1: src, dst, 32-bit length, 3 zero bytes, next header */
	memset(pseudo, 0, sizeof(pseudo));
	memcpy(pseudo, udp6_src, 16);
	memcpy(pseudo + 16, udp6_dst, 16);
	pseudo[35] = sizeof(udp_hello);
	pseudo[39] = 17;
	memcpy(pseudo + 40, udp_hello, sizeof(udp_hello));

	sum = sl_csum_pseudo6(udp6_src, udp6_dst, 17, sizeof(udp_hello));
	c = (uint16_t)~sl_csum_fold(sl_csum_add(sum, udp_hello, sizeof(udp_hello)));
	assert_int_equal(as_host(c), naive_csum(pseudo, sizeof(pseudo), 0));
	assert_int_equal(as_host(c), 0x5b86);
}

static void l4_checksums_give_known_answers_and_verify_to_zero(void **state)
{
	uint8_t ip4[20 + sizeof(udp_hello)] = {0}, ip6[40 + sizeof(udp_hello)] = {0};
	uint16_t c;

	(void)state;
	memcpy(ip4 + 12, udp4_src, 4);
	memcpy(ip4 + 16, udp4_dst, 4);
	memcpy(ip4 + 20, udp_hello, sizeof(udp_hello));
	c = sl_csum_l4_4(ip4, 17, ip4 + 20, sizeof(udp_hello));
	assert_int_equal(as_host(c), 0xcac3);
	memcpy(ip4 + 26, &c, 2);
	assert_int_equal(sl_csum_l4_4(ip4, 17, ip4 + 20, sizeof(udp_hello)), 0);

	memcpy(ip6 + 8, udp6_src, 16);
	memcpy(ip6 + 24, udp6_dst, 16);
	memcpy(ip6 + 40, udp_hello, sizeof(udp_hello));
	c = sl_csum_l4_6(ip6, 17, ip6 + 40, sizeof(udp_hello));
	assert_int_equal(as_host(c), 0x5b86);
	memcpy(ip6 + 46, &c, 2);
	assert_int_equal(sl_csum_l4_6(ip6, 17, ip6 + 40, sizeof(udp_hello)), 0);
}

static void pseudo_sums_match_hand_built_headers_on_random_input(void **state)
{
	uint8_t pkt[40 + 1500];

	(void)state;
	for (int iter = 0; iter < 5000; iter++) {
		uint32_t l4len = 8 + test_below(&rng, 1500 - 8 + 1);
		uint8_t proto = test_below(&rng, 2) ? 17 : 6;
		uint8_t s6[16], d6[16];
		uint32_t s4, d4;

		test_fill(&rng, s6, 16);
		test_fill(&rng, d6, 16);
		test_fill(&rng, pkt + 40, l4len);

		/* IPv4 */
		memcpy(&s4, s6, 4);
		memcpy(&d4, d6, 4);
		memcpy(pkt + 28, s6, 4);
		memcpy(pkt + 32, d6, 4);
		pkt[36] = 0;
		pkt[37] = proto;
		pkt[38] = (uint8_t)(l4len >> 8);
		pkt[39] = (uint8_t)l4len;
		uint16_t c4 = (uint16_t)~sl_csum_fold(sl_csum_add(
			sl_csum_pseudo4(s4, d4, proto, (uint16_t)l4len), pkt + 40, l4len));
		assert_int_equal(as_host(c4), naive_csum(pkt + 28, 12 + l4len, 0));

		/* IPv6 */
		memcpy(pkt, s6, 16);
		memcpy(pkt + 16, d6, 16);
		pkt[32] = 0;
		pkt[33] = 0;
		pkt[34] = (uint8_t)(l4len >> 8);
		pkt[35] = (uint8_t)l4len;
		pkt[36] = pkt[37] = pkt[38] = 0;
		pkt[39] = proto;
		uint16_t c6 = (uint16_t)~sl_csum_fold(
			sl_csum_add(sl_csum_pseudo6(s6, d6, proto, l4len), pkt + 40, l4len));
		assert_int_equal(as_host(c6), naive_csum(pkt, 40 + l4len, 0));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(csum_matches_rfc1071_on_random_buffers),
		cmocka_unit_test(csum_add_chains_even_chunks),
		cmocka_unit_test(csum_of_data_with_its_checksum_verifies_to_zero),
		cmocka_unit_test(update16_agrees_with_recomputation),
		cmocka_unit_test(update32_agrees_with_recomputation),
		cmocka_unit_test(ttl_decrement_chain_keeps_checksum_valid),
		cmocka_unit_test(pseudo4_udp_checksum_matches_hand_computation),
		cmocka_unit_test(pseudo6_udp_checksum_matches_hand_computation),
		cmocka_unit_test(l4_checksums_give_known_answers_and_verify_to_zero),
		cmocka_unit_test(pseudo_sums_match_hand_built_headers_on_random_input),
	};

	test_rng_init(&rng, test_seed("csum", 20261122));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
