/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fragments held by the XDP program (sl_nat_held): an XDP program cannot
 * keep a packet, so the one that came before its first fragment is copied
 * into the map and dropped; this runs it through the program again when
 * its first fragment has come (the program then gives it that fragment's
 * fate) or when its datagram's record runs out (then it is dropped as
 * nat-fragment-unmatched), as sluice-dp's hold queue releases or drops it.
 * The agent calls it live (woken by sl_held_wake), the replay after the
 * packet that released some and before the first packet at or past an
 * until.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "loader.h"

static int key_cmp(const void *a, const void *b)
{
	const struct sl_xdp_held_key *x = a, *y = b;
	int c = memcmp(&x->fk, &y->fk, sizeof(x->fk));

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Due: released (its first fragment came), its record gone, or past until. */
static bool held_due(int frag_fd, const struct sl_xdp_held_key *k, const struct sl_xdp_held *h,
	uint64_t now, bool all)
{
	struct sl_xdp_frag f;

	if (all || h->until <= now)
		return true;
	if (bpf_map_lookup_elem(frag_fd, &k->fk, &f))
		return true;
	return f.have_first || f.until <= now;
}

int sl_xdp_held_due(
	struct sl_xdp *x, uint64_t now, bool all, sl_xdp_held_fn fn, void *arg, uint64_t *next)
{
	int fd = sl_xdp_map_fd(x, "sl_nat_held"), frag_fd = sl_xdp_map_fd(x, "sl_nat_frag");
	struct sl_xdp_held_key keys[SL_XDP_FRAGS_HELD_MAX], *prev = NULL, k;
	unsigned int n = 0;
	struct sl_xdp_held *h = NULL;
	uint8_t *out = NULL;
	int run = 0, rc = 0;

	*next = UINT64_MAX;
	if (fd < 0 || frag_fd < 0)
		return fd < 0 ? fd : frag_fd;
	while (n < SL_XDP_FRAGS_HELD_MAX && bpf_map_get_next_key(fd, prev, &k) == 0) {
		keys[n] = k;
		prev = &keys[n++];
	}
	if (n == 0)
		return 0;
	qsort(keys, n, sizeof(keys[0]), key_cmp);
	h = malloc(sizeof(*h));
	out = malloc(SL_XDP_HELD_BYTES + 8);
	if (h == NULL || out == NULL) {
		rc = -ENOMEM;
		goto done;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct sl_xdp_verdict v;
		uint32_t out_len = 0;

		if (bpf_map_lookup_elem(fd, &keys[i], h))
			continue; /* gone meanwhile */
		if (!held_due(frag_fd, &keys[i], h, now, all)) {
			if (h->until < *next)
				*next = h->until;
			continue;
		}
		rc = sl_xdp_run_held(x, h, out, SL_XDP_HELD_BYTES + 8, &out_len, &v);
		bpf_map_delete_elem(fd, &keys[i]);
		if (rc < 0)
			goto done;
		run++;
		if (fn)
			fn(arg, h, &v, out, out_len);
	}
done:
	free(h);
	free(out);
	return rc < 0 ? rc : run;
}
