/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_hash.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include <sluice/neigh.h>

int sl_neigh_create(struct sl_neigh_table *t, const char *name, uint32_t cap)
{
	char n[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.entries = cap + cap / 8 + 8, /* cuckoo hashing cannot always fill every slot */
		.key_len = sizeof(struct sl_neigh_key),
		.hash_func = rte_jhash,
		.socket_id = SOCKET_ID_ANY,
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF,
	};

	memset(t, 0, sizeof(*t));
	snprintf(n, sizeof(n), "%s_neigh", name);
	hp.name = n;
	t->h = rte_hash_create(&hp);
	if (t->h == NULL)
		return -ENOMEM;
	t->e = rte_zmalloc(n, sizeof(*t->e) * cap, RTE_CACHE_LINE_SIZE);
	if (t->e == NULL) {
		rte_hash_free(t->h);
		t->h = NULL;
		return -ENOMEM;
	}
	t->cap = cap;
	return 0;
}

void sl_neigh_destroy(struct sl_neigh_table *t)
{
	rte_hash_free(t->h);
	rte_free(t->e);
	t->h = NULL;
	t->e = NULL;
}

uint32_t sl_neigh_find(const struct sl_neigh_table *t, uint16_t iface, const struct sl_ip *ip)
{
	struct sl_neigh_key k;
	void *data;

	sl_neigh_key_make(&k, iface, ip);
	if (rte_hash_lookup_data(t->h, &k, &data) < 0)
		return SL_NEIGH_NONE;
	return (uint32_t)(uintptr_t)data;
}

int sl_neigh_get(struct sl_neigh_table *t, uint16_t iface, const struct sl_ip *ip)
{
	struct sl_neigh_key k;
	struct sl_neigh_entry *e;
	uint32_t idx = sl_neigh_find(t, iface, ip);

	if (idx != SL_NEIGH_NONE)
		return (int)idx;
	if (t->n >= t->cap)
		return -ENOSPC;
	idx = t->n;
	e = &t->e[idx];
	memset(e, 0, sizeof(*e));
	e->state = SL_NEIGH_INCOMPLETE;
	e->iface = iface;
	e->ip = *ip;
	sl_neigh_key_make(&k, iface, ip);
	/* the entry is written before the key that leads to it is published */
	if (rte_hash_add_key_data(t->h, &k, (void *)(uintptr_t)idx) < 0)
		return -ENOSPC;
	t->n++;
	return (int)idx;
}

void sl_neigh_set(struct sl_neigh_table *t, uint32_t idx, const uint8_t mac[6],
	enum sl_neigh_state st, uint64_t now)
{
	struct sl_neigh_entry *e = &t->e[idx];
	uint64_t w = SL_NEIGH_VALID;

	memcpy(&w, mac, 6); /* low 6 bytes in memory order (little-endian host) */
	w |= SL_NEIGH_VALID;
	e->state = st;
	e->probes = 0;
	e->confirmed = now;
	e->next_event = now + SL_NEIGH_REACHABLE_NS;
	__atomic_store_n(&e->mac_word, w, __ATOMIC_RELEASE);
}

void sl_neigh_invalidate(struct sl_neigh_table *t, uint32_t idx, enum sl_neigh_state st)
{
	struct sl_neigh_entry *e = &t->e[idx];

	e->state = st;
	e->probes = 0;
	__atomic_store_n(&e->mac_word, 0, __ATOMIC_RELEASE);
}

const char *sl_neigh_state_name(unsigned int st)
{
	static const char *const names[] = {
		[SL_NEIGH_INCOMPLETE] = "incomplete",
		[SL_NEIGH_REACHABLE] = "reachable",
		[SL_NEIGH_STALE] = "stale",
		[SL_NEIGH_PROBE] = "probe",
		[SL_NEIGH_FAILED] = "failed",
		[SL_NEIGH_PERMANENT] = "permanent",
	};
	return st < RTE_DIM(names) && names[st] ? names[st] : "?";
}
