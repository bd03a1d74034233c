/* SPDX-License-Identifier: BSD-3-Clause */
/* Internet checksum arithmetic for the XDP program (RFC 1071, RFC 1624).
 * Values are 16-bit words as loaded from the packet (network order in
 * memory): one's-complement sums do not depend on byte order as long as
 * every word is loaded the same way. */
#ifndef SL_CSUM_BPF_H
#define SL_CSUM_BPF_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>

static __always_inline __u16 csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)s;
}

/* RFC 1624 eqn. 3 in parts: the sum of ~old + new of a change ... */
static __always_inline __u32 delta16(__u16 o, __u16 n)
{
	return (__u32)(__u16)~o + n;
}

static __always_inline __u32 delta32(__u32 o, __u32 n)
{
	return (__u32)(__u16) ~(o >> 16) + (__u16) ~(o & 0xffff) + (n >> 16) + (n & 0xffff);
}

/* ... and its application to a checksum. */
static __always_inline __u16 csum_apply(__u16 c, __u32 delta)
{
	return (__u16)~csum_fold((__u32)(__u16)~c + delta);
}

/* Sum of the IPv4 header at ip (ihl bytes, checked against end): 0 when valid. */
static __always_inline __u16 ip4_hdr_csum(const __u8 *ip, const void *end, __u32 ihl)
{
	const __u16 *w = (const __u16 *)ip;
	__u32 s = 0;

	if (ihl == 20 && (const void *)(ip + 20) <= end) /* no options: the usual case */
		return (__u16)~csum_fold(
			(__u32)w[0] + w[1] + w[2] + w[3] + w[4] + w[5] + w[6] + w[7] + w[8] + w[9]);
	for (__u32 i = 0; i < 30; i++) {
		const __u16 *w = (const __u16 *)(ip + i * 2);
		if (i * 2 >= ihl)
			break;
		if ((const void *)(w + 1) > end)
			return 1;
		s += *w;
	}
	return (__u16)~csum_fold(s);
}

struct csum_walk {
	struct xdp_md *ctx;
	__u32 off, n; /* from the frame's start; bytes left */
	__u64 s;
	int bad;
};

/* bpf_loop() step: the next 32 bytes (or what is left, zero-padded to a
 * whole word) into the sum. */
static long csum_block(__u32 i, struct csum_walk *w)
{
	__u8 b[32] = {0};
	__u32 len = w->n < 32 ? w->n : 32, sz;

	(void)i;
	if (len == 0)
		return 1;
	if (bpf_xdp_load_bytes(w->ctx, w->off, b, len)) {
		w->bad = 1;
		return 1;
	}
	sz = (len + 3) & ~3u;
	if (sz > sizeof(b)) /* (never: for the verifier, which cannot tell) */
		sz = sizeof(b);
	w->s += (__u32)bpf_csum_diff(NULL, 0, (__be32 *)b, sz, 0);
	w->off += len;
	w->n -= len;
	return 0;
}

/* Sum of the n bytes at offset off of the frame (odd n padded with a zero
 * byte): 0 when they hold a valid Internet checksum; 1 too when they run
 * past the frame or beyond 9600 bytes. The blocks go through bpf_loop():
 * a loop the verifier would walk block by block is too long, and its
 * callback is verified once. */
static __always_inline __u16 csum_region(struct xdp_md *ctx, __u32 off, __u32 n)
{
	struct csum_walk w = {.ctx = ctx, .off = off, .n = n};

	bpf_loop(300, csum_block, &w, 0);
	if (w.bad || w.n)
		return 1;
	w.s = (w.s & 0xffffffff) + (w.s >> 32);
	w.s = (w.s & 0xffffffff) + (w.s >> 32);
	return (__u16)~csum_fold((__u32)w.s);
}

#endif
