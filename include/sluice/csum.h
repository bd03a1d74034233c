/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file csum.h
 * Internet checksum helpers (RFC 1071) and incremental update (RFC 1624).
 * Plain C, no DPDK: shared by the DPDK pipeline, the tests and the XDP
 * program. All 16/32-bit values are taken exactly as they sit in the
 * packet (network byte order); the one's complement sum does not care.
 */
#ifndef SLUICE_CSUM_H
#define SLUICE_CSUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/** Fold a 32-bit accumulator into 16 bits (no complement). */
static inline uint16_t sl_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/**
 * Add @p len bytes at @p buf to the running sum @p sum. An odd trailing
 * byte is padded with zero, so only the last call may have an odd length.
 */
static inline uint32_t sl_csum_add(uint32_t sum, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t acc = sum;

	while (len >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		acc += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		acc += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint16_t w = 0;
		memcpy(&w, p, 1);
		acc += w;
	}
	acc = (acc & 0xffffffff) + (acc >> 32);
	acc = (acc & 0xffffffff) + (acc >> 32);
	return (uint32_t)acc;
}

/** Complete checksum of a buffer: the value to store in a checksum field. */
static inline uint16_t sl_csum(const void *buf, size_t len)
{
	return (uint16_t)~sl_csum_fold(sl_csum_add(0, buf, len));
}

/**
 * RFC 1624 eqn. 3: checksum field @p check after a 16-bit word of the
 * covered data changed from @p old to @p new: HC' = ~(~HC + ~m + m').
 */
static inline uint16_t sl_csum_update16(uint16_t check, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~check;
	sum += (uint16_t)~old;
	sum += new;
	return (uint16_t)~sl_csum_fold(sum);
}

/** As sl_csum_update16 for a 32-bit word (an IPv4 address). */
static inline uint16_t sl_csum_update32(uint16_t check, uint32_t old, uint32_t new)
{
	uint32_t sum = (uint16_t)~check;
	sum += (uint16_t) ~(old >> 16);
	sum += (uint16_t) ~(old & 0xffff);
	sum += new >> 16;
	sum += new & 0xffff;
	return (uint16_t)~sl_csum_fold(sum);
}

/** Pseudo-header sum for IPv4 (addresses as in the packet). */
static inline uint32_t sl_csum_pseudo4(uint32_t src, uint32_t dst, uint8_t proto, uint16_t l4len)
{
	uint32_t sum = 0;
	sum += src >> 16;
	sum += src & 0xffff;
	sum += dst >> 16;
	sum += dst & 0xffff;
	/* proto and length as big-endian 16-bit words, in host order here */
	uint16_t w[2];
	uint8_t b[4] = {0, proto, (uint8_t)(l4len >> 8), (uint8_t)l4len};
	memcpy(w, b, 4);
	sum += w[0];
	sum += w[1];
	return sum;
}

/** Pseudo-header sum for IPv6 (RFC 8200 §8.1). */
static inline uint32_t sl_csum_pseudo6(
	const uint8_t src[16], const uint8_t dst[16], uint8_t proto, uint32_t l4len)
{
	uint32_t sum = sl_csum_add(0, src, 16);
	uint8_t b[8] = {(uint8_t)(l4len >> 24), (uint8_t)(l4len >> 16), (uint8_t)(l4len >> 8),
		(uint8_t)l4len, 0, 0, 0, proto};
	sum = sl_csum_add(sum, dst, 16);
	return sl_csum_add(sum, b, 8);
}

/**
 * Checksum of the upper-layer message at @p l4 (@p len bytes, protocol
 * @p proto) of the IPv4 packet at @p ip4, pseudo-header included: the value
 * to store (checksum field zero), or 0 when verifying a correct message.
 */
static inline uint16_t sl_csum_l4_4(const uint8_t *ip4, uint8_t proto, const void *l4, uint16_t len)
{
	uint32_t src, dst;

	memcpy(&src, ip4 + 12, 4);
	memcpy(&dst, ip4 + 16, 4);
	return (uint16_t)~sl_csum_fold(sl_csum_add(sl_csum_pseudo4(src, dst, proto, len), l4, len));
}

/** As sl_csum_l4_4 for the IPv6 packet at @p ip6 (RFC 8200 8.1). */
static inline uint16_t sl_csum_l4_6(const uint8_t *ip6, uint8_t proto, const void *l4, uint32_t len)
{
	return (uint16_t)~sl_csum_fold(
		sl_csum_add(sl_csum_pseudo6(ip6 + 8, ip6 + 24, proto, len), l4, len));
}

#endif
