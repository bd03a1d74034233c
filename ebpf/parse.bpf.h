/* SPDX-License-Identifier: BSD-3-Clause */
/* Bounds-checked packet access for the XDP program: every read goes
 * through a check against the end of the frame that the verifier can see. */
#ifndef SL_PARSE_BPF_H
#define SL_PARSE_BPF_H

#include <linux/types.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETYPE_IPV4     0x0800
#define ETYPE_ARP      0x0806
#define ETYPE_VLAN     0x8100
#define ETYPE_QINQ     0x88a8
#define ETYPE_QINQ_OLD 0x9100
#define ETYPE_IPV6     0x86dd

#define PROTO_ICMP   1
#define PROTO_TCP    6
#define PROTO_UDP    17
#define PROTO_ICMPV6 58

/* A cursor over [pos, end) of the frame. */
struct cursor {
	void *pos;
	void *end;
};

/* Pointer to n bytes at cursor + off, or NULL when the frame is shorter. */
static __always_inline void *cur_at(const struct cursor *c, __u32 off, __u32 n)
{
	void *p = c->pos + off;

	if (p + n > c->end)
		return NULL;
	return p;
}

/* Pointer to n bytes at p, or NULL past end. */
#define PKT_PTR(p, n, end) ((void *)(p) + (n) > (end) ? NULL : (void *)(p))

static __always_inline __u16 rd16(const void *p)
{
	return bpf_ntohs(*(const __u16 *)p);
}

static __always_inline __u16 ld16(const void *p)
{
	return *(const __u16 *)p;
}

static __always_inline void st16(void *p, __u16 v)
{
	*(__u16 *)p = v;
}

static __always_inline __u32 ld32(const void *p)
{
	return *(const __u32 *)p;
}

static __always_inline void st32(void *p, __u32 v)
{
	*(__u32 *)p = v;
}

static __always_inline int mac_eq(const __u8 *a, const __u8 *b)
{
	return ld16(a) == ld16(b) && ld32(a + 2) == ld32(b + 2);
}

static __always_inline int ip6_eq(const __u8 *a, const __u8 *b)
{
	const __u32 *x = (const __u32 *)a, *y = (const __u32 *)b;

	return x[0] == y[0] && x[1] == y[1] && x[2] == y[2] && x[3] == y[3];
}

static __always_inline int ip6_is_unspec(const __u8 *a)
{
	const __u32 *x = (const __u32 *)a;

	return (x[0] | x[1] | x[2] | x[3]) == 0;
}

static __always_inline int ip6_is_loopback(const __u8 *a)
{
	const __u32 *x = (const __u32 *)a;

	return (x[0] | x[1] | x[2]) == 0 && x[3] == bpf_htonl(1);
}

/* ::ffff:0:0/96 (RFC 4291 2.5.5.2: never on the wire) */
static __always_inline int ip6_is_v4mapped(const __u8 *a)
{
	const __u32 *x = (const __u32 *)a;

	return (x[0] | x[1]) == 0 && x[2] == bpf_htonl(0xffff);
}

static __always_inline int ip6_is_linklocal(const __u8 *a)
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

/* ff02::1:ffXX:XXXX (solicited-node), ff02::1 (all nodes), ff02::2 (all routers) */
static __always_inline int ip6_solicited_or_allnodes(const __u8 *d)
{
	const __u32 *x = (const __u32 *)d;

	if (x[0] != bpf_htonl(0xff020000) || x[1] != 0)
		return 0;
	if (x[2] == bpf_htonl(1) && d[12] == 0xff)
		return 1;
	return x[2] == 0 && (x[3] == bpf_htonl(1) || x[3] == bpf_htonl(2));
}

#endif
