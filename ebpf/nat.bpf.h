/* SPDX-License-Identifier: BSD-3-Clause */
/* NAT44 session state for the XDP program: tuples, sessions, mappings,
 * hosts, port allocation and the packet rewrite. Behaviour as the DPDK
 * backend (README "NAT44 behaviour, exactly"); expiry and the counts'
 * reconciliation are done by user space (loader: sl_xdp_nat_expire). */
#ifndef SL_NAT_BPF_H
#define SL_NAT_BPF_H

#include "csum.bpf.h"
#include "parse.bpf.h"
#include "verdict.bpf.h"

enum nat_kind { NK_OK = 0, NK_OTHER, NK_FRAGMENT, NK_ICMP_ERR, NK_TRUNC };

/* The ICMP errors NAT translates, as the DPDK backend (nat_int.h):
 * destination unreachable, time exceeded, parameter problem. */
static __always_inline int icmp_is_error(__u8 type)
{
	return type == 3 || type == 11 || type == 12;
}

/* The NAT tuple of the validated IPv4 packet at ip. */
static __always_inline int nat_tuple(
	const __u8 *ip, const void *end, struct sl_xdp_nat_tuple *t, __u8 *tcpflags)
{
	__u32 ihl = (ip[0] & 0x0f) * 4u, l4len = rd16(ip + 2) - ihl;
	const __u8 *l4 = ip + ihl;

	t->proto = ip[9];
	t->src = ld32(ip + 12);
	t->dst = ld32(ip + 16);
	*tcpflags = 0;
	if ((rd16(ip + 6) & 0x1fff) != 0)
		return NK_FRAGMENT;
	switch (ip[9]) {
	case PROTO_TCP:
		if (l4len < 20 || (const void *)(l4 + 20) > end)
			return NK_TRUNC;
		*tcpflags = l4[13];
		/* fallthrough */
	case PROTO_UDP:
		if (l4len < 8 || (const void *)(l4 + 8) > end)
			return NK_TRUNC;
		t->sport = ld16(l4);
		t->dport = ld16(l4 + 2);
		return NK_OK;
	case PROTO_ICMP:
		if (l4len < 8 || (const void *)(l4 + 8) > end)
			return NK_TRUNC;
		if (l4[0] == 8)
			t->sport = ld16(l4 + 4);
		else if (l4[0] == 0)
			t->dport = ld16(l4 + 4);
		else
			return icmp_is_error(l4[0]) ? NK_ICMP_ERR : NK_OTHER;
		return NK_OK;
	default:
		return NK_OTHER;
	}
}

static __always_inline __u64 nat_timeout(const struct sl_xdp_config *cfg, __u8 proto, __u8 tcp)
{
	if (proto == PROTO_UDP)
		return cfg->timeout_ns[0];
	if (proto == PROTO_ICMP)
		return cfg->timeout_ns[3];
	if (sl_nat_tcp_established(tcp))
		return cfg->timeout_ns[1];
	return cfg->timeout_ns[2];
}

/*
 * The live session entry whose t[dir] is k (*ent: the same entry). Each of
 * a session's two entries keeps the last time a packet of its direction
 * was seen, and both the TCP state: a packet whose own direction was seen
 * within the timeout needs one lookup; otherwise the other entry decides
 * too (the session's idle time is that of its later direction).
 */
static __always_inline struct sl_xdp_nat_sess *sess_find(const struct sl_xdp_nat_tuple *k,
	const struct sl_xdp_config *cfg, __u64 now, __u32 *dir, struct sl_xdp_nat_sess **ent)
{
	struct sl_xdp_nat_sess *e = bpf_map_lookup_elem(&sl_nat_sess, k), *o;
	__u64 last;

	*ent = e;
	if (e == NULL)
		return NULL;
	last = e->last_seen;
	if (now > last && now - last > nat_timeout(cfg, e->t[0].proto, e->tcp)) {
		o = bpf_map_lookup_elem(&sl_nat_sess, &e->t[(e->dir ^ 1) & 1]);
		if (o == NULL)
			return NULL;
		if (o->last_seen > last)
			last = o->last_seen;
		if (now > last &&
			now - last > nat_timeout(cfg, e->t[0].proto, (__u8)(e->tcp | o->tcp)))
			return NULL; /* idle too long: as if there were none */
	}
	*dir = e->dir;
	return e;
}

/* The tuple a packet matching s->t[dir] is rewritten to. */
static __always_inline void nat_target(
	const struct sl_xdp_nat_sess *s, __u32 dir, struct sl_xdp_nat_tuple *to)
{
	const struct sl_xdp_nat_tuple *o = &s->t[(dir ^ 1) & 1];

	to->src = o->dst;
	to->dst = o->src;
	to->sport = o->dport;
	to->dport = o->sport;
	to->proto = o->proto;
}

/* Rewrite the IPv4 packet at ip to tuple to: addresses and (unless a
 * non-first fragment) ports / echo id, every checksum incrementally. */
static __always_inline void nat_rewrite(
	__u8 *ip, const void *end, const struct sl_xdp_nat_tuple *to)
{
	__u32 ihl = (ip[0] & 0x0f) * 4u, da, dp;
	__u8 *l4 = ip + ihl;
	__u16 c;

	da = delta32(ld32(ip + 12), to->src) + delta32(ld32(ip + 16), to->dst);
	st16(ip + 10, csum_apply(ld16(ip + 10), da));
	st32(ip + 12, to->src);
	st32(ip + 16, to->dst);
	if ((rd16(ip + 6) & 0x1fff) != 0)
		return;
	switch (ip[9]) {
	case PROTO_TCP:
		if ((void *)(l4 + 20) > end)
			return;
		dp = delta16(ld16(l4), to->sport) + delta16(ld16(l4 + 2), to->dport);
		st16(l4 + 16, csum_apply(ld16(l4 + 16), da + dp));
		st16(l4, to->sport);
		st16(l4 + 2, to->dport);
		break;
	case PROTO_UDP:
		if ((void *)(l4 + 8) > end)
			return;
		if (ld16(l4 + 6) != 0) {
			dp = delta16(ld16(l4), to->sport) + delta16(ld16(l4 + 2), to->dport);
			c = csum_apply(ld16(l4 + 6), da + dp);
			st16(l4 + 6, c ? c : 0xffff);
		}
		st16(l4, to->sport);
		st16(l4 + 2, to->dport);
		break;
	case PROTO_ICMP: {
		__u16 id;
		if ((void *)(l4 + 8) > end)
			return;
		id = l4[0] == 8 ? to->sport : to->dport;
		st16(l4 + 2, csum_apply(ld16(l4 + 2), delta16(ld16(l4 + 4), id)));
		st16(l4 + 4, id);
		break;
	}
	default:
		break;
	}
}

/* A TCP segment of direction dir: the session's next state (sluice/nat_tcp.h). */
static __always_inline void nat_tcp_track(struct sl_xdp_nat_sess *s, __u32 dir, __u8 flags)
{
	__u8 n = sl_nat_tcp_next(s->tcp, dir, flags);

	if (n != s->tcp) {
		/* both entries carry the state (rare: SYN, FIN, RST) */
		struct sl_xdp_nat_sess *o =
			bpf_map_lookup_elem(&sl_nat_sess, &s->t[(s->dir ^ 1) & 1]);
		s->tcp = n;
		if (o)
			o->tcp = n;
		__sync_fetch_and_add(&sl_nat_gen, 1);
	}
}

static __always_inline int nat_is_pool_addr(__u32 ip)
{
	return bpf_map_lookup_elem(&sl_nat_pool_idx, &ip) != NULL;
}

static __always_inline __u64 nat_rnd(void)
{
	return sl_rng_next(&sl_rng); /* as the DPDK NAT draws */
}

/* A mapping (dynamic, else static) reached at an outside endpoint. */
static __always_inline struct sl_xdp_nat_map *mapping_at(
	__u8 proto, __u32 ip, __u16 port, int *is_static)
{
	struct sl_xdp_nat_ep k = {.ip = ip, .port = port, .proto = proto};
	struct sl_xdp_nat_map *m = bpf_map_lookup_elem(&sl_nat_map_out, &k);

	*is_static = 0;
	if (m)
		return m;
	k.proto = proto | SL_XDP_PROTO_STATIC;
	*is_static = 1;
	return bpf_map_lookup_elem(&sl_nat_map_out, &k);
}

/* ---------- port allocation ---------- */

struct port_search {
	struct sl_xdp_nat_map m; /* the mapping to insert (ext_port set on success) */
	__u64 now;
	__u32 ext_ip;
	__u16 lo;
	__u32 range, start;
	__u8 proto;
	__u8 found;
	/* port blocks (nat port-block) */
	__u32 bsize;	/* ports per block */
	__u32 bbase;	/* first port of the block searched */
	__u32 baddr;	/* pool address index */
	__u32 bfrom;	/* the free-block search starts here */
	__u32 bclaimed; /* the block claimed for the host, or SL_XDP_SLOT_NONE */
	__u32 bhost;	/* the host (inside address) */
};

/* Per-CPU scratch space: keeps big temporaries off the 512-byte stack. */
struct nat_scratch {
	struct sl_xdp_nat_sess s;
	struct port_search ps;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nat_scratch);
} sl_scratch SEC(".maps");

static __always_inline struct nat_scratch *scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&sl_scratch, &zero);
}

/* Take outside port (host order) if it is free: no mapping, no static
 * forward, not cooling down. The insert is BPF_NOEXIST: two CPUs never
 * get the same port. */
static __always_inline int port_take(struct port_search *s, __u16 port)
{
	struct sl_xdp_nat_ep k = {.ip = s->ext_ip, .port = bpf_htons(port), .proto = s->proto};
	__u64 *until;

	k.proto = s->proto | SL_XDP_PROTO_STATIC;
	if (bpf_map_lookup_elem(&sl_nat_map_out, &k))
		return 0;
	k.proto = s->proto;
	until = bpf_map_lookup_elem(&sl_nat_cool, &k);
	if (until) {
		if (*until > s->now)
			return 0;
		bpf_map_delete_elem(&sl_nat_cool, &k);
	}
	s->m.ext_port = k.port;
	if (bpf_map_update_elem(&sl_nat_map_out, &k, &s->m, BPF_NOEXIST) != 0)
		return 0;
	s->found = 1;
	return 1;
}

static long port_random_cb(__u32 i, void *ctx)
{
	struct nat_scratch *sc = scratch();
	struct port_search *s;

	if (sc == NULL)
		return 1;
	s = &sc->ps;
	if (s->range == 0)
		return 1;
	return port_take(s, (__u16)(s->lo + nat_rnd() % s->range));
}

static long port_linear_cb(__u32 i, void *ctx)
{
	struct nat_scratch *sc = scratch();
	struct port_search *s;

	if (sc == NULL)
		return 1;
	s = &sc->ps;
	if (s->range == 0)
		return 1;
	return port_take(s, (__u16)(s->lo + (s->start + i) % s->range));
}

/* ---------- port blocks (nat port-block size N blocks-per-host M) ---------- */

static long port_block_cb(__u32 i, void *ctx)
{
	struct nat_scratch *sc = scratch();
	struct port_search *s;

	if (sc == NULL)
		return 1;
	s = &sc->ps;
	if (s->bsize == 0)
		return 1;
	return port_take(s, (__u16)(s->bbase + (s->start + i) % s->bsize));
}

/* A free port of block b, from a random start. */
static __always_inline int blk_pick(struct port_search *ps, __u32 b)
{
	ps->bbase = ps->lo + b * ps->bsize;
	ps->start = (__u32)(nat_rnd() % ps->bsize);
	bpf_loop(ps->bsize, port_block_cb, NULL, 0);
	return ps->found;
}

/* The lowest block from bfrom on that no host holds: claimed for bhost
 * (BPF_NOEXIST: two CPUs never claim one block). */
static long free_block_cb(__u32 i, void *ctx)
{
	struct nat_scratch *sc = scratch();
	struct sl_xdp_nat_blk_key k = {0};
	struct sl_xdp_nat_blk v = {0};
	struct port_search *s;

	if (sc == NULL)
		return 1;
	s = &sc->ps;
	k.addr = s->baddr;
	k.blk = s->bfrom + i;
	if (bpf_map_lookup_elem(&sl_nat_blk, &k))
		return 0;
	v.host = s->bhost;
	v.since = s->now;
	if (bpf_map_update_elem(&sl_nat_blk, &k, &v, BPF_NOEXIST) != 0)
		return 0;
	s->bclaimed = k.blk;
	return 1;
}

/*
 * Port block allocation, as the DPDK backend: the inside port if it lies in
 * one of the host's blocks and is free, else a random free port of its
 * blocks, else (while it holds fewer than blocks-per-host) the lowest free
 * block of the address becomes the host's and the port comes from it (the
 * inside port if it lies there, else a random one). @return 1 on success.
 */
static __always_inline int pb_alloc(const struct sl_xdp_config *cfg, struct port_search *ps,
	struct sl_xdp_nat_host *h, __u32 ai, __u32 host, __u16 want)
{
	__u32 size = cfg->pb_size, nb = ps->range / size, n = h->n_blk, wb = SL_XDP_SLOT_NONE;

	if (nb == 0)
		return 0;
	if (n > SL_XDP_PB_HOST_MAX)
		n = SL_XDP_PB_HOST_MAX;
	ps->bsize = size;
	if (want >= ps->lo && (__u32)(want - ps->lo) < nb * size)
		wb = (__u32)(want - ps->lo) / size;
	for (int i = 0; i < SL_XDP_PB_HOST_MAX; i++) {
		if (i >= n)
			break;
		if (h->blk[i] == wb) {
			if (port_take(ps, want))
				return 1;
			break;
		}
	}
	for (int i = 0; i < SL_XDP_PB_HOST_MAX; i++) {
		if (i >= n)
			break;
		if (blk_pick(ps, h->blk[i]))
			return 1;
	}
	if (n >= cfg->pb_per_host || n >= SL_XDP_PB_HOST_MAX)
		return 0;
	ps->baddr = ai;
	ps->bhost = host;
	ps->bfrom = 0;
	/* a free block has none of its ports taken or cooling; one that is
	 * only static forwards gives nothing: back, and the next one */
	for (int tries = 0; tries < 4 && ps->bfrom < nb; tries++) {
		struct sl_xdp_nat_blk_key k = {.addr = ai};
		ps->bclaimed = SL_XDP_SLOT_NONE;
		bpf_loop(nb - ps->bfrom, free_block_cb, NULL, 0);
		if (ps->bclaimed == SL_XDP_SLOT_NONE)
			return 0;
		if (!(ps->bclaimed == wb && port_take(ps, want)))
			blk_pick(ps, ps->bclaimed);
		if (ps->found) {
			h->blk[n & (SL_XDP_PB_HOST_MAX - 1)] = (__u16)ps->bclaimed;
			h->n_blk = n + 1;
			return 1;
		}
		k.blk = ps->bclaimed;
		bpf_map_delete_elem(&sl_nat_blk, &k);
		ps->bfrom = ps->bclaimed + 1;
	}
	return 0;
}

/* ---------- hosts, mappings, sessions ---------- */

static __always_inline struct sl_xdp_nat_host *host_get(const struct sl_xdp_config *cfg, __u32 ip)
{
	struct sl_xdp_nat_host *h = bpf_map_lookup_elem(&sl_nat_host, &ip), nh = {0};

	if (h || cfg->n_pool_addrs == 0)
		return h;
	nh.addr = sl_next_addr % cfg->n_pool_addrs;
	if (bpf_map_update_elem(&sl_nat_host, &ip, &nh, BPF_NOEXIST) == 0)
		sl_next_addr = (nh.addr + 1) % cfg->n_pool_addrs;
	return bpf_map_lookup_elem(&sl_nat_host, &ip);
}

/* The mapping of inside endpoint (proto, ip, port), created if needed. */
static __always_inline struct sl_xdp_nat_map *mapping_for(
	struct pkt *p, __u8 proto, __u32 ip, __u16 port, struct sl_xdp_nat_host *h, __u32 *why)
{
	struct sl_xdp_nat_ep k = {.ip = ip, .port = port, .proto = proto};
	struct sl_xdp_nat_map *m = bpf_map_lookup_elem(&sl_nat_map_in, &k);
	struct sl_xdp_pool_addr *a;
	struct nat_scratch *sc = scratch();
	struct port_search *ps;
	__u32 ai = h->addr;
	__u16 want = bpf_ntohs(port);

	if (m)
		return m;
	k.proto = proto | SL_XDP_PROTO_STATIC;
	m = bpf_map_lookup_elem(&sl_nat_map_in, &k);
	if (m)
		return m;
	k.proto = proto;
	a = bpf_map_lookup_elem(&sl_nat_pool, &ai);
	if (sc == NULL || a == NULL || a->hi < a->lo) {
		*why = SL_DROP_NAT_PORT_EXHAUSTED;
		return NULL;
	}
	ps = &sc->ps;
	__builtin_memset(ps, 0, sizeof(*ps));
	ps->m.int_ip = ip;
	ps->m.int_port = port;
	ps->m.ext_ip = a->ip;
	ps->now = p->now;
	ps->ext_ip = a->ip;
	ps->lo = a->lo;
	ps->range = (__u32)a->hi - a->lo + 1;
	ps->proto = proto;
	if (p->cfg->pb_size) {
		pb_alloc(p->cfg, ps, h, ai, ip, want);
	} else if (!(want >= a->lo && want <= a->hi && port_take(ps, want))) {
		bpf_loop(32, port_random_cb, NULL, 0);
		if (!ps->found) {
			ps->start = (__u32)(nat_rnd() % ps->range);
			bpf_loop(ps->range, port_linear_cb, NULL, 0);
		}
	}
	if (!ps->found) {
		*why = SL_DROP_NAT_PORT_EXHAUSTED;
		return NULL;
	}
	if (bpf_map_update_elem(&sl_nat_map_in, &k, &ps->m, BPF_NOEXIST) != 0) {
		struct sl_xdp_nat_ep ko = {
			.ip = ps->ext_ip, .port = ps->m.ext_port, .proto = proto};
		bpf_map_delete_elem(&sl_nat_map_out, &ko);
		*why = SL_DROP_NAT_SESSION_LIMIT;
		return NULL;
	}
	return bpf_map_lookup_elem(&sl_nat_map_in, &k);
}

/* Count a new session on its mapping (both copies), host and ADF entry. */
static __always_inline void sess_count(const struct sl_xdp_nat_map *m, __u8 proto, int is_static,
	__u32 remote, struct sl_xdp_nat_host *h)
{
	struct sl_xdp_nat_ep ki = {.ip = m->int_ip, .port = m->int_port, .proto = proto};
	struct sl_xdp_nat_ep ko = {.ip = m->ext_ip, .port = m->ext_port, .proto = proto};
	struct sl_xdp_nat_adf_key ak = {0};
	struct sl_xdp_nat_map *x;
	__u32 one = 1, *n;

	if (is_static) {
		ki.proto |= SL_XDP_PROTO_STATIC;
		ko.proto |= SL_XDP_PROTO_STATIC;
	}
	x = bpf_map_lookup_elem(&sl_nat_map_in, &ki);
	if (x)
		__sync_fetch_and_add(&x->n_sessions, 1);
	x = bpf_map_lookup_elem(&sl_nat_map_out, &ko);
	if (x)
		__sync_fetch_and_add(&x->n_sessions, 1);
	if (h)
		__sync_fetch_and_add(&h->n_sessions, 1);
	ak.ep.ip = m->ext_ip;
	ak.ep.port = m->ext_port;
	ak.ep.proto = proto;
	ak.remote = remote;
	n = bpf_map_lookup_elem(&sl_nat_adf, &ak);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&sl_nat_adf, &ak, &one, BPF_NOEXIST);
}

/* Insert a session under both tuples. @return the dir-0 entry or NULL. */
static __always_inline struct sl_xdp_nat_sess *sess_new(struct pkt *p,
	const struct sl_xdp_nat_tuple *t0, const struct sl_xdp_nat_tuple *t1, __u8 inside_dir,
	__u8 tcp, __u8 is_static)
{
	struct nat_scratch *sc = scratch();
	struct sl_xdp_nat_sess *s;

	if (sc == NULL)
		return NULL;
	s = &sc->s;
	__builtin_memset(s, 0, sizeof(*s));
	s->t[0] = *t0;
	s->t[1] = *t1;
	s->last_seen = p->now;
	s->created = p->now;
	s->tcp = tcp;
	s->inside_dir = inside_dir;
	s->is_static = is_static;
	/* a stale (expired, not yet reaped) session under these keys is replaced */
	if (bpf_map_update_elem(&sl_nat_sess, t0, s, BPF_ANY) != 0)
		return NULL;
	/* an inside host to its own static forward from the forward's inside
	 * endpoint: both tuples are one key, whose entry stays the dir-0 one
	 * (user space finds a session by it: expiry, counts, show) */
	if (((const __u64 *)t0)[0] == ((const __u64 *)t1)[0] &&
		((const __u64 *)t0)[1] == ((const __u64 *)t1)[1])
		goto done;
	s->dir = 1;
	if (bpf_map_update_elem(&sl_nat_sess, t1, s, BPF_ANY) != 0) {
		bpf_map_delete_elem(&sl_nat_sess, t0);
		return NULL;
	}
done:
	p->cnt->nat_created++;
	__sync_fetch_and_add(&sl_nat_gen, 1);
	return bpf_map_lookup_elem(&sl_nat_sess, t0);
}

/* Outbound packet (inside host t->src) without a session. */
static __always_inline struct sl_xdp_nat_sess *nat_outbound(
	struct pkt *p, const struct sl_xdp_nat_tuple *t, __u8 tcpflags, __u32 *why)
{
	const struct sl_xdp_config *cfg = p->cfg;
	struct sl_xdp_nat_tuple r = {0};
	struct sl_xdp_nat_map *m, *target = NULL, mc;
	struct sl_xdp_nat_host *h;
	struct sl_xdp_nat_sess *s;
	int tstatic = 0, mstatic = 0;
	__u8 tcp = 0;

	*why = SL_DROP_NAT_SESSION_LIMIT;
	h = host_get(cfg, t->src);
	if (h == NULL)
		return NULL;
	if (cfg->limit_per_host && h->n_sessions >= cfg->limit_per_host)
		return NULL;
	/* hairpin: the destination is another inside endpoint's mapping */
	if (t->proto != PROTO_ICMP && nat_is_pool_addr(t->dst)) {
		target = mapping_at(t->proto, t->dst, t->dport, &tstatic);
		if (target == NULL || (!tstatic && target->n_sessions == 0)) {
			*why = SL_DROP_NAT_NO_SESSION;
			return NULL;
		}
		r.src = target->int_ip;
		r.sport = target->int_port;
	} else {
		r.src = t->dst;
		r.sport = t->dport;
	}
	m = mapping_for(p, t->proto, t->src, t->sport, h, why);
	if (m == NULL)
		return NULL;
	mc = *m;
	{
		struct sl_xdp_nat_ep k = {.ip = t->src, .port = t->sport, .proto = t->proto};
		mstatic = bpf_map_lookup_elem(&sl_nat_map_in, &k) == NULL;
	}
	r.dst = mc.ext_ip;
	r.dport = mc.ext_port;
	r.proto = t->proto;
	if (t->proto == PROTO_TCP)
		tcp = (tcpflags & 0x02) ? 0 : SL_NAT_PICKUP;
	s = sess_new(p, t, &r, 0, tcp, 0);
	if (s == NULL) {
		*why = SL_DROP_NAT_SESSION_LIMIT;
		if (!mstatic && mc.n_sessions == 0) {
			struct sl_xdp_nat_ep ki = {
				.ip = t->src, .port = t->sport, .proto = t->proto};
			struct sl_xdp_nat_ep ko = {
				.ip = mc.ext_ip, .port = mc.ext_port, .proto = t->proto};
			bpf_map_delete_elem(&sl_nat_map_in, &ki);
			bpf_map_delete_elem(&sl_nat_map_out, &ko);
		}
		return NULL;
	}
	sess_count(&mc, t->proto, mstatic, r.src, h);
	return s;
}

/* Inbound packet (to a pool address) without a session. */
static __always_inline struct sl_xdp_nat_sess *nat_inbound(
	struct pkt *p, const struct sl_xdp_nat_tuple *t, __u8 tcpflags, __u32 *why)
{
	const struct sl_xdp_config *cfg = p->cfg;
	struct sl_xdp_nat_tuple r = {0};
	struct sl_xdp_nat_map *m, mc;
	struct sl_xdp_nat_host *h;
	struct sl_xdp_nat_sess *s;
	int is_static = 0, ok = 0;

	*why = SL_DROP_NAT_NO_SESSION;
	if (t->proto == PROTO_ICMP)
		return NULL;
	m = mapping_at(t->proto, t->dst, t->dport, &is_static);
	if (m == NULL)
		return NULL;
	mc = *m;
	if (is_static) {
		ok = 1;
	} else if (cfg->filtering == 2) { /* endpoint-independent */
		ok = mc.n_sessions > 0;
	} else if (cfg->filtering == 1) { /* address-dependent */
		struct sl_xdp_nat_adf_key ak = {0};
		__u32 *n;
		ak.ep.ip = t->dst;
		ak.ep.port = t->dport;
		ak.ep.proto = t->proto;
		ak.remote = t->src;
		n = bpf_map_lookup_elem(&sl_nat_adf, &ak);
		ok = n && *n > 0;
	}
	if (!ok)
		return NULL;
	h = host_get(cfg, mc.int_ip);
	if (h && cfg->limit_per_host && h->n_sessions >= cfg->limit_per_host) {
		*why = SL_DROP_NAT_SESSION_LIMIT;
		return NULL;
	}
	r.src = mc.int_ip;
	r.dst = t->src;
	r.sport = mc.int_port;
	r.dport = t->sport;
	r.proto = t->proto;
	s = sess_new(p, t, &r, 1, t->proto == PROTO_TCP && !(tcpflags & 0x02) ? SL_NAT_PICKUP : 0,
		is_static);
	if (s == NULL) {
		*why = SL_DROP_NAT_SESSION_LIMIT;
		return NULL;
	}
	sess_count(&mc, t->proto, is_static, t->src, h);
	return s;
}

/* Translate the packet with session s (matched as t[dir]) and refresh it.
 * @return the new destination address. */
static __always_inline __u32 nat_apply(
	struct pkt *p, __u8 *ip, const void *end, struct sl_xdp_nat_sess *s, __u32 dir, __u8 flags)
{
	struct sl_xdp_nat_tuple to = {0};

	nat_target(s, dir, &to);
	nat_rewrite(ip, end, &to);
	if (ip[9] == PROTO_TCP && sl_nat_tcp_moves(s->tcp, flags))
		nat_tcp_track(s, dir, flags);
	if (p->now - s->last_seen > 1000000)
		s->last_seen = p->now;
	p->translated = 1;
	p->nsrc = to.src;
	p->ndst = to.dst;
	return to.dst;
}

#endif
