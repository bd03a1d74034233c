/* SPDX-License-Identifier: BSD-3-Clause */
/* The slow path's table of fragmented datagrams (sluice/fragtab.h). */
#include <string.h>

#include <rte_jhash.h>

#include <sluice/fragtab.h>

#define MASK (SL_FRAGTAB_INDEX - 1)

_Static_assert((SL_FRAGTAB_INDEX & MASK) == 0, "the index size is a power of two");
_Static_assert(SL_FRAGTAB_MAX < 65535, "positions + 1 fit the 16-bit index");

static uint32_t home_slot(uint32_t src, uint32_t dst, uint16_t id, uint8_t proto)
{
	return rte_jhash_3words(src, dst, (uint32_t)id << 8 | proto, 0x5f1c3a2b) & MASK;
}

void sl_fragtab_init(struct sl_fragtab *t)
{
	memset(t, 0, sizeof(*t));
}

struct sl_frag *sl_fragtab_find(
	const struct sl_fragtab *t, uint32_t src, uint32_t dst, uint16_t id, uint8_t proto)
{
	for (uint32_t i = home_slot(src, dst, id, proto); t->index[i]; i = (i + 1) & MASK) {
		const struct sl_frag *f = &t->f[t->index[i] - 1];
		if (f->src == src && f->dst == dst && f->id == id && f->proto == proto)
			return (struct sl_frag *)f;
	}
	return NULL;
}

struct sl_frag *sl_fragtab_add(struct sl_fragtab *t, uint32_t src, uint32_t dst, uint16_t id,
	uint8_t proto, uint64_t expires)
{
	uint32_t pos = (t->head + t->n) % SL_FRAGTAB_MAX, i;
	struct sl_frag *f = &t->f[pos];

	if (t->n) {
		const struct sl_frag *newest = &t->f[(t->head + t->n - 1) % SL_FRAGTAB_MAX];
		if (newest->expires > expires)
			expires = newest->expires;
	}
	memset(f, 0, sizeof(*f));
	f->src = src;
	f->dst = dst;
	f->id = id;
	f->proto = proto;
	f->expires = expires;
	f->home = home_slot(src, dst, id, proto);
	for (i = f->home; t->index[i]; i = (i + 1) & MASK)
		;
	t->index[i] = (uint16_t)(pos + 1);
	t->n++;
	return f;
}

struct sl_frag *sl_fragtab_oldest(struct sl_fragtab *t)
{
	return t->n ? &t->f[t->head] : NULL;
}

void sl_fragtab_pop(struct sl_fragtab *t)
{
	uint32_t pos = t->head, i, j;

	if (t->n == 0)
		return;
	for (i = t->f[pos].home; t->index[i] != pos + 1; i = (i + 1) & MASK)
		;
	/* backward shift: an entry after the hole moves into it unless its
	 * home lies cyclically in (hole, entry] */
	for (j = (i + 1) & MASK; t->index[j]; j = (j + 1) & MASK) {
		uint32_t k = t->f[t->index[j] - 1].home;
		if (i <= j ? (k <= i || k > j) : (k <= i && k > j)) {
			t->index[i] = t->index[j];
			i = j;
		}
	}
	t->index[i] = 0;
	t->head = (pos + 1) % SL_FRAGTAB_MAX;
	t->n--;
}
