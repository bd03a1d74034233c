/* SPDX-License-Identifier: BSD-3-Clause */
/* NAT session expiry and iteration from user space: the XDP program only
 * creates sessions and counts them; deletion, the counts' reconciliation
 * and port cool-downs happen here (sl_xdp_nat_expire). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "loader.h"

struct entry {
	struct sl_xdp_nat_tuple k;
	struct sl_xdp_nat_sess v;
};

/* Every session (its dir-0 entry, with the session's last-seen time and TCP state). */
static int load_sessions(const struct sl_xdp *x, struct entry **out, size_t *n)
{
	int fd = sl_xdp_map_fd(x, "sl_nat_sess");
	struct sl_xdp_nat_tuple k, next;
	struct entry *a = NULL;
	size_t cap = 0, cnt = 0;
	void *prev = NULL;

	if (fd < 0)
		return fd;
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		k = next;
		prev = &k;
		if (cnt == cap) {
			struct entry *b = realloc(a, (cap = cap ? cap * 2 : 256) * sizeof(*a));
			if (b == NULL) {
				free(a);
				return -ENOMEM;
			}
			a = b;
		}
		if (bpf_map_lookup_elem(fd, &k, &a[cnt].v) != 0 || a[cnt].v.dir != 0)
			continue;
		a[cnt].k = k;
		cnt++;
	}
	/* each entry has its direction's last packet time (the program's
	 * sess_find): the session's is the later one */
	for (size_t i = 0; i < cnt; i++) {
		struct sl_xdp_nat_sess o;
		if (bpf_map_lookup_elem(fd, &a[i].v.t[1], &o) != 0)
			continue;
		if (o.last_seen > a[i].v.last_seen)
			a[i].v.last_seen = o.last_seen;
		a[i].v.tcp |= o.tcp;
	}
	*out = a;
	*n = cnt;
	return 0;
}

/* Every key of the hash map @p fd (*keys: malloc'ed array of n keys of ksize bytes). */
static int collect_keys(int fd, size_t ksize, void **keys, size_t *n)
{
	uint8_t k[64], nk[64];
	void *prev = NULL;
	uint8_t *a = NULL;
	size_t cap = 0, cnt = 0;

	while (bpf_map_get_next_key(fd, prev, nk) == 0) {
		memcpy(k, nk, ksize);
		prev = k;
		if (cnt == cap) {
			uint8_t *b = realloc(a, (cap = cap ? cap * 2 : 64) * ksize);
			if (b == NULL) {
				free(a);
				return -ENOMEM;
			}
			a = b;
		}
		memcpy(a + cnt++ * ksize, k, ksize);
	}
	*keys = a;
	*n = cnt;
	return 0;
}

uint64_t sl_xdp_session_timeout(const struct sl_xdp *x, const struct sl_xdp_nat_sess *s)
{
	struct sl_xdp_config cfg = {0};
	uint32_t zero = 0;
	uint8_t t = s->tcp;

	bpf_map_lookup_elem(sl_xdp_map_fd(x, "sl_config"), &zero, &cfg);
	if (s->t[0].proto == 17)
		return cfg.timeout_ns[SL_NAT_TO_UDP];
	if (s->t[0].proto == 1)
		return cfg.timeout_ns[SL_NAT_TO_ICMP];
	if (sl_nat_tcp_established(t))
		return cfg.timeout_ns[SL_NAT_TO_TCP_EST];
	return cfg.timeout_ns[SL_NAT_TO_TCP_TRANS];
}

int sl_xdp_sessions_foreach(
	const struct sl_xdp *x, int (*fn)(void *arg, const struct sl_xdp_nat_sess *s), void *arg)
{
	struct entry *a = NULL;
	size_t n = 0;
	int rc = load_sessions(x, &a, &n);

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = fn(arg, &a[i].v);
	free(a);
	return rc;
}

/* The outside endpoint of a session's mapping, its remote and inside host. */
static void sess_ends(const struct sl_xdp_nat_sess *s, struct sl_xdp_nat_ep *ext, uint32_t *remote,
	uint32_t *host)
{
	const struct sl_xdp_nat_tuple *t0 = &s->t[0], *t1 = &s->t[1];

	memset(ext, 0, sizeof(*ext));
	ext->proto = t0->proto;
	if (s->inside_dir == 0) {
		ext->ip = t1->dst;
		ext->port = t1->dport;
		*remote = t1->src;
		*host = t0->src;
	} else {
		ext->ip = t0->dst;
		ext->port = t0->dport;
		*remote = t0->src;
		*host = t1->src;
	}
}

struct count {
	struct sl_xdp_nat_ep ep;
	uint32_t n;
	uint64_t end; /* latest idle end of an expired session */
};

static struct count *count_find(struct count *c, size_t n, const struct sl_xdp_nat_ep *ep)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(&c[i].ep, ep, sizeof(*ep)) == 0)
			return &c[i];
	return NULL;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* (pool address index << 32 | block) of outside endpoint @p ep, or
 * UINT64_MAX when it is in no block. */
static uint64_t ep_block(int fidx, const struct sl_xdp_config *cfg,
	const struct sl_xdp_pool_addr *pa, const struct sl_xdp_nat_ep *ep)
{
	uint32_t ai;
	uint16_t port = ntohs(ep->port);

	if (bpf_map_lookup_elem(fidx, &ep->ip, &ai) || ai >= SL_XDP_POOL_ADDRS_MAX ||
		port < pa[ai].lo)
		return UINT64_MAX;
	return (uint64_t)ai << 32 | (uint32_t)((port - pa[ai].lo) / cfg->pb_size);
}

/*
 * Port blocks none of whose ports is in use (a dynamic mapping) or cooling
 * down go back to the free blocks and leave their host. A block assigned
 * less than a second ago is left alone: the program may be about to take
 * its first port.
 */
static void blocks_release(struct sl_xdp *x, uint64_t now)
{
	int fb = sl_xdp_map_fd(x, "sl_nat_blk"), fh = sl_xdp_map_fd(x, "sl_nat_host");
	int fidx = sl_xdp_map_fd(x, "sl_nat_pool_idx"), fp = sl_xdp_map_fd(x, "sl_nat_pool");
	struct sl_xdp_nat_blk_key *bk = NULL;
	struct sl_xdp_nat_ep *mk = NULL, *ck = NULL;
	struct sl_xdp_pool_addr *pa = NULL;
	struct sl_xdp_config cfg = {0};
	size_t nb = 0, nm = 0, nc = 0, nu = 0;
	uint64_t *used = NULL;
	uint32_t zero = 0;

	if (bpf_map_lookup_elem(sl_xdp_map_fd(x, "sl_config"), &zero, &cfg) || cfg.pb_size == 0)
		return;
	if (collect_keys(fb, sizeof(*bk), (void **)&bk, &nb) || nb == 0)
		goto out;
	pa = calloc(SL_XDP_POOL_ADDRS_MAX, sizeof(*pa));
	if (pa == NULL)
		goto out;
	for (uint32_t i = 0; i < cfg.n_pool_addrs && i < SL_XDP_POOL_ADDRS_MAX; i++)
		bpf_map_lookup_elem(fp, &i, &pa[i]);
	if (collect_keys(sl_xdp_map_fd(x, "sl_nat_map_out"), sizeof(*mk), (void **)&mk, &nm) ||
		collect_keys(sl_xdp_map_fd(x, "sl_nat_cool"), sizeof(*ck), (void **)&ck, &nc))
		goto out;
	used = calloc(nm + nc + 1, sizeof(*used));
	if (used == NULL)
		goto out;
	for (size_t i = 0; i < nm; i++)
		if (!(mk[i].proto & SL_XDP_PROTO_STATIC))
			used[nu++] = ep_block(fidx, &cfg, pa, &mk[i]);
	for (size_t i = 0; i < nc; i++)
		used[nu++] = ep_block(fidx, &cfg, pa, &ck[i]);
	qsort(used, nu, sizeof(*used), u64_cmp);
	for (size_t i = 0; i < nb; i++) {
		uint64_t key = (uint64_t)bk[i].addr << 32 | bk[i].blk;
		struct sl_xdp_nat_blk v;
		struct sl_xdp_nat_host h;
		if (bsearch(&key, used, nu, sizeof(*used), u64_cmp) ||
			bpf_map_lookup_elem(fb, &bk[i], &v) || v.since + 1000000000ull > now)
			continue;
		bpf_map_delete_elem(fb, &bk[i]);
		if (bpf_map_lookup_elem(fh, &v.host, &h))
			continue;
		for (unsigned int j = 0; j < h.n_blk && j < SL_XDP_PB_HOST_MAX; j++)
			if (h.blk[j] == bk[i].blk) {
				h.blk[j] = h.blk[--h.n_blk];
				bpf_map_update_elem(fh, &v.host, &h, BPF_EXIST);
				break;
			}
	}
out:
	free(bk);
	free(mk);
	free(ck);
	free(pa);
	free(used);
}

int sl_xdp_nat_expire(struct sl_xdp *x, uint64_t now, uint64_t *next)
{
	int fs = sl_xdp_map_fd(x, "sl_nat_sess"), fin = sl_xdp_map_fd(x, "sl_nat_map_in");
	int fout = sl_xdp_map_fd(x, "sl_nat_map_out"), fh = sl_xdp_map_fd(x, "sl_nat_host");
	int fc = sl_xdp_map_fd(x, "sl_nat_cool"), fa = sl_xdp_map_fd(x, "sl_nat_adf");
	struct entry *a = NULL;
	struct count *cm = NULL;
	size_t n = 0, ncm = 0;
	uint64_t nx = UINT64_MAX;
	int rc, expired = 0;

	rc = load_sessions(x, &a, &n);
	if (rc)
		return rc;
	cm = calloc(n + 1, sizeof(*cm));
	if (cm == NULL) {
		free(a);
		return -ENOMEM;
	}
	/* 1. expire; count what is left per mapping outside endpoint */
	for (size_t i = 0; i < n; i++) {
		struct sl_xdp_nat_sess *s = &a[i].v;
		uint64_t to = sl_xdp_session_timeout(x, s), end = s->last_seen + to;
		struct sl_xdp_nat_ep ep;
		uint32_t remote, host;
		struct count *c;

		sess_ends(s, &ep, &remote, &host);
		c = count_find(cm, ncm, &ep);
		if (c == NULL) {
			c = &cm[ncm++];
			c->ep = ep;
		}
		if (now > s->last_seen && now - s->last_seen > to) {
			bpf_map_delete_elem(fs, &s->t[1]);
			bpf_map_delete_elem(fs, &s->t[0]);
			if (end > c->end)
				c->end = end;
			s->dir = 0xff; /* gone */
			expired++;
			continue;
		}
		c->n++;
		if (end + 1 < nx)
			nx = end + 1;
	}
	/* 2. mappings: counts, and those without sessions die. Keys are
	 * collected before any update: an update moves an element of a hash
	 * and would restart a walk over it. */
	{
		struct sl_xdp_nat_ep *keys = NULL;
		size_t nk = 0;

		rc = collect_keys(fout, sizeof(struct sl_xdp_nat_ep), (void **)&keys, &nk);
		for (size_t i = 0; rc == 0 && i < nk; i++) {
			struct sl_xdp_nat_ep k = keys[i], ep = k;
			struct sl_xdp_nat_map m;
			struct count *c;
			if (bpf_map_lookup_elem(fout, &k, &m))
				continue;
			ep.proto &= 0x7f;
			c = count_find(cm, ncm, &ep);
			m.n_sessions = c ? c->n : 0;
			struct sl_xdp_nat_ep ki = {
				.ip = m.int_ip, .port = m.int_port, .proto = k.proto};
			if (m.n_sessions == 0 && !(k.proto & SL_XDP_PROTO_STATIC)) {
				uint64_t until = (c && c->end ? c->end : now) + SL_XDP_COOLDOWN_NS;
				bpf_map_delete_elem(fin, &ki);
				bpf_map_delete_elem(fout, &k);
				bpf_map_update_elem(fc, &k, &until, BPF_ANY);
				continue;
			}
			bpf_map_update_elem(fout, &k, &m, BPF_EXIST);
			bpf_map_update_elem(fin, &ki, &m, BPF_EXIST);
		}
		free(keys);
	}
	/* 3. hosts and address-dependent filtering: recount from scratch */
	{
		uint32_t *hk = NULL;
		struct sl_xdp_nat_adf_key *ak = NULL;
		size_t nh = 0, na = 0;

		if (collect_keys(fh, sizeof(uint32_t), (void **)&hk, &nh) == 0)
			for (size_t j = 0; j < nh; j++) {
				struct sl_xdp_nat_host h;
				if (bpf_map_lookup_elem(fh, &hk[j], &h))
					continue;
				h.n_sessions = 0;
				for (size_t i = 0; i < n; i++) {
					struct sl_xdp_nat_ep ep;
					uint32_t remote, host;
					if (a[i].v.dir == 0xff)
						continue;
					sess_ends(&a[i].v, &ep, &remote, &host);
					h.n_sessions += host == hk[j];
				}
				bpf_map_update_elem(fh, &hk[j], &h, BPF_EXIST);
			}
		if (collect_keys(fa, sizeof(*ak), (void **)&ak, &na) == 0)
			for (size_t j = 0; j < na; j++) {
				uint32_t cnt = 0;
				for (size_t i = 0; i < n; i++) {
					struct sl_xdp_nat_ep ep;
					uint32_t remote, host;
					if (a[i].v.dir == 0xff)
						continue;
					sess_ends(&a[i].v, &ep, &remote, &host);
					cnt += memcmp(&ep, &ak[j].ep, sizeof(ep)) == 0 &&
					       remote == ak[j].remote;
				}
				if (cnt)
					bpf_map_update_elem(fa, &ak[j], &cnt, BPF_EXIST);
				else
					bpf_map_delete_elem(fa, &ak[j]);
			}
		free(hk);
		free(ak);
	}
	/* 4. cool-downs that are over (collected first: deleting while
	 * walking a hash restarts the walk) */
	{
		struct sl_xdp_nat_ep k, nk, *over = NULL;
		size_t nover = 0, cap = 0;
		void *prev = NULL;
		while (bpf_map_get_next_key(fc, prev, &nk) == 0) {
			uint64_t until;
			k = nk;
			prev = &k;
			if (bpf_map_lookup_elem(fc, &k, &until))
				continue;
			if (until > now) {
				/* its end may free a port block: come back then */
				if (until + 1 < nx)
					nx = until + 1;
				continue;
			}
			if (nover == cap) {
				struct sl_xdp_nat_ep *o =
					realloc(over, (cap = cap ? cap * 2 : 64) * sizeof(*o));
				if (o == NULL)
					break;
				over = o;
			}
			over[nover++] = k;
		}
		for (size_t i = 0; i < nover; i++)
			bpf_map_delete_elem(fc, &over[i]);
		free(over);
	}
	blocks_release(x, now);
	free(cm);
	free(a);
	if (next)
		*next = nx;
	return expired;
}

int sl_xdp_nat_sessions_del_ep(struct sl_xdp *x, const struct sl_xdp_nat_ep *ext)
{
	int fs = sl_xdp_map_fd(x, "sl_nat_sess"), fh = sl_xdp_map_fd(x, "sl_nat_host");
	int fa = sl_xdp_map_fd(x, "sl_nat_adf");
	struct sl_xdp_nat_ep want = *ext;
	struct entry *a = NULL;
	size_t n = 0;
	int rc, deleted = 0;

	want.proto &= 0x7f;
	want.pad = 0;
	rc = load_sessions(x, &a, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct sl_xdp_nat_sess *s = &a[i].v;
		struct sl_xdp_nat_adf_key ak = {0};
		struct sl_xdp_nat_host h;
		struct sl_xdp_nat_ep ep;
		uint32_t remote, host, cnt;

		sess_ends(s, &ep, &remote, &host);
		if (memcmp(&ep, &want, sizeof(ep)) != 0)
			continue;
		bpf_map_delete_elem(fs, &s->t[1]);
		bpf_map_delete_elem(fs, &s->t[0]);
		deleted++;
		/* the counts the program keeps for the limits and filtering */
		if (bpf_map_lookup_elem(fh, &host, &h) == 0 && h.n_sessions > 0) {
			h.n_sessions--;
			bpf_map_update_elem(fh, &host, &h, BPF_EXIST);
		}
		ak.ep = ep;
		ak.remote = remote;
		if (bpf_map_lookup_elem(fa, &ak, &cnt) == 0) {
			if (cnt > 1) {
				cnt--;
				bpf_map_update_elem(fa, &ak, &cnt, BPF_EXIST);
			} else {
				bpf_map_delete_elem(fa, &ak);
			}
		}
	}
	free(a);
	return deleted;
}
