/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <sluice/rng.h>

#include "loader.h"
#include "sluice_xdp.skel.h"

struct sl_xdp {
	struct sluice_xdp *skel;
	bool replay;
	unsigned int n_ifaces;
	char names[SL_XDP_IFACES_MAX][SL_NAME_MAX];
	uint32_t ifindex[SL_XDP_IFACES_MAX];
	unsigned int n_pool;
	int ncpu;
	uint16_t blk_size; /* the port-block size sl_nat_blk holds blocks of (0: none) */
	uint8_t blk_per_host;
};

__attribute__((format(printf, 3, 4))) static int fail(
	char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int failrc(char *err, size_t errlen, int rc, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, "%s: %s", what, strerror(-rc));
	return rc;
}

void sl_xdp_opts_default(struct sl_xdp_opts *o, const struct sl_cmd_list *cmds, bool replay)
{
	memset(o, 0, sizeof(*o));
	o->replay = replay;
	o->sessions_max = replay ? 65536 : 262144;
	for (unsigned int i = 0; cmds && i < cmds->n; i++)
		if (cmds->cmds[i].type == SL_CMD_NAT_SESSIONS_MAX)
			o->sessions_max = cmds->cmds[i].nat.value;
}

static int map_fd(const struct sl_xdp *x, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(x->skel->obj, name);

	return m ? bpf_map__fd(m) : -ENOENT;
}

int sl_xdp_map_fd(const struct sl_xdp *x, const char *name)
{
	return map_fd(x, name);
}

int sl_xdp_prog_fd(const struct sl_xdp *x)
{
	return bpf_program__fd(x->skel->progs.sluice_xdp);
}

static int config_get(const struct sl_xdp *x, struct sl_xdp_config *c)
{
	uint32_t zero = 0;

	return bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.sl_config), &zero, c) ? -errno : 0;
}

static int config_put(struct sl_xdp *x, const struct sl_xdp_config *c)
{
	uint32_t zero = 0;

	return bpf_map_update_elem(bpf_map__fd(x->skel->maps.sl_config), &zero, c, BPF_ANY) ? -errno
											    : 0;
}

/* Interfaces, routes or neighbours changed: the program's forwarding caches
 * (in NAT sessions) made before are void. */
static void fwd_changed(struct sl_xdp *x)
{
	__atomic_add_fetch(&x->skel->bss->sl_fwd_gen, 1, __ATOMIC_SEQ_CST);
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_WARN && getenv("SLUICE_XDP_DEBUG"))
		return vfprintf(stderr, fmt, ap);
	return 0;
}

/*
 * The kernel adds BPF_F_RDONLY_PROG to a DEVMAP's flags (and refuses it
 * when creating one): a pinned DEVMAP then differs from the object's
 * definition and libbpf would refuse to reuse it ("parameter mismatch").
 * Take that bit from the pinned map when there is one.
 */
static void pinned_flags(struct bpf_map *m, const char *path)
{
	struct bpf_map_info info = {0};
	uint32_t len = sizeof(info);
	int fd = bpf_obj_get(path);

	if (fd < 0)
		return;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.type == bpf_map__type(m))
		bpf_map__set_map_flags(
			m, bpf_map__map_flags(m) | (info.map_flags & BPF_F_RDONLY_PROG));
	close(fd);
}

/* Delete every entry of a hash or LPM map whose key @p keep does not want. */
static void map_clear(int fd, size_t ksize, bool (*keep)(const void *key))
{
	uint8_t k[64], nk[64], *keys = NULL;
	size_t n = 0, cap = 0;
	void *prev = NULL;

	if (fd < 0)
		return;
	/* collect first: deleting while walking may restart the walk */
	while (bpf_map_get_next_key(fd, prev, nk) == 0) {
		memcpy(k, nk, ksize);
		prev = k;
		if (keep && keep(k))
			continue;
		if (n == cap) {
			uint8_t *b = realloc(keys, (cap = cap ? cap * 2 : 256) * ksize);
			if (b == NULL)
				break;
			keys = b;
		}
		memcpy(keys + n++ * ksize, k, ksize);
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, keys + i * ksize);
	free(keys);
}

static bool dynamic_ep(const void *key)
{
	return (((const struct sl_xdp_nat_ep *)key)->proto & SL_XDP_PROTO_STATIC) == 0;
}

/*
 * Reused (pinned) maps hold an earlier run's configuration: empty what a
 * configuration writes (interfaces, routes, neighbours, pool, static
 * forwards; sl_config is reset by the caller) so that applying one again
 * starts from nothing, and keep the NAT state (sessions, dynamic mappings,
 * hosts, cool-downs, fragments) and the counters.
 */
static void config_maps_reset(struct sl_xdp *x)
{
	int fd = bpf_map__fd(x->skel->maps.sl_tx_ports);

	map_clear(bpf_map__fd(x->skel->maps.sl_ifaces), sizeof(struct sl_xdp_iface_key), NULL);
	for (uint32_t i = 0; i < SL_XDP_IFACES_MAX; i++) /* a DEVMAP: every slot */
		bpf_map_delete_elem(fd, &i);
	map_clear(bpf_map__fd(x->skel->maps.sl_fib4), sizeof(struct sl_xdp_fib4_key), NULL);
	map_clear(bpf_map__fd(x->skel->maps.sl_fib6), sizeof(struct sl_xdp_fib6_key), NULL);
	map_clear(bpf_map__fd(x->skel->maps.sl_neigh), sizeof(struct sl_xdp_neigh_key), NULL);
	map_clear(bpf_map__fd(x->skel->maps.sl_nat_pool_idx), sizeof(uint32_t), NULL);
	map_clear(
		bpf_map__fd(x->skel->maps.sl_nat_map_in), sizeof(struct sl_xdp_nat_ep), dynamic_ep);
	map_clear(bpf_map__fd(x->skel->maps.sl_nat_map_out), sizeof(struct sl_xdp_nat_ep),
		dynamic_ep);
	fd = bpf_map__fd(x->skel->maps.sl_iface_info);
	for (uint32_t i = 0; i < SL_XDP_IFACES_MAX; i++) {
		struct sl_xdp_iface v = {0};
		bpf_map_update_elem(fd, &i, &v, BPF_ANY);
	}
	fd = bpf_map__fd(x->skel->maps.sl_if_index);
	for (uint32_t i = 0; i < SL_XDP_IFINDEX_FAST; i++) {
		uint32_t v = 0;
		if (bpf_map_lookup_elem(fd, &i, &v) == 0 && v != 0) {
			v = 0;
			bpf_map_update_elem(fd, &i, &v, BPF_ANY);
		}
	}
}

/* ---------- the program's clock ---------- */

/* Run sl_clock_sample (over a dummy frame): jiffies and CLOCK_MONOTONIC_COARSE now, and HZ. */
static int clock_sample(const struct sl_xdp *x, struct sl_xdp_clock *c)
{
	static const uint8_t frame[64];
	LIBBPF_OPTS(
		bpf_test_run_opts, o, .data_in = frame, .data_size_in = sizeof(frame), .repeat = 1);

	if (bpf_prog_test_run_opts(bpf_program__fd(x->skel->progs.sl_clock_sample), &o))
		return -errno;
	*c = x->skel->bss->sl_clock;
	return 0;
}

/* Live: the program reads jiffies (one inlined load) instead of calling
 * bpf_ktime_get_coarse_ns(); offset so that its clock reads what
 * CLOCK_MONOTONIC_COARSE read at load, which keeps pinned sessions' times
 * (an earlier run's) meaningful across a restart. HZ unknown: the helper. */
static void clock_setup(struct sl_xdp *x)
{
	struct sl_xdp_clock c = {0};

	x->skel->bss->sl_ns_per_jiffy = 0;
	if (x->replay || clock_sample(x, &c) || c.hz == 0 || c.hz > 100000)
		return;
	x->skel->bss->sl_clock_off = c.coarse_ns - c.jiffies * (1000000000ull / c.hz);
	__atomic_store_n(&x->skel->bss->sl_ns_per_jiffy, 1000000000ull / c.hz, __ATOMIC_RELEASE);
}

int sl_xdp_open(struct sl_xdp **out, const struct sl_xdp_opts *o, char *err, size_t errlen)
{
	struct sl_xdp_config cfg = {0};
	uint32_t smax = o->sessions_max ? o->sessions_max : (o->replay ? 65536 : 262144);
	struct bpf_map *m;
	struct sl_xdp *x;
	int rc;

	libbpf_set_print(silent);
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		return failrc(err, errlen, -ENOMEM, "sluice-xdp");
	x->replay = o->replay;
	x->ncpu = libbpf_num_possible_cpus();
	x->skel = sluice_xdp__open();
	if (x->skel == NULL) {
		rc = -errno;
		free(x);
		return failrc(err, errlen, rc, "cannot open the XDP program");
	}
	x->skel->rodata->sl_replay = o->replay;
	bpf_map__set_max_entries(x->skel->maps.sl_nat_sess, 2 * smax);
	/* mappings never outnumber sessions, plus static forwards: the session
	 * table is what limits (nat-session-limit) */
	bpf_map__set_max_entries(x->skel->maps.sl_nat_map_in, smax + 4096);
	bpf_map__set_max_entries(x->skel->maps.sl_nat_map_out, smax + 4096);
	bpf_map__set_max_entries(x->skel->maps.sl_nat_cool, smax);
	bpf_map__set_max_entries(x->skel->maps.sl_nat_adf, smax);
	bpf_map__set_max_entries(x->skel->maps.sl_nat_host, smax);
	bpf_map__set_max_entries(x->skel->maps.sl_nat_blk, smax > 65536 ? smax : 65536);
	if (o->replay) /* no devices: a DEVMAP is not needed, keep it minimal */
		bpf_map__set_max_entries(x->skel->maps.sl_tx_ports, SL_XDP_IFACES_MAX);
	if (o->pin_dir) {
		bpf_object__for_each_map(m, x->skel->obj)
		{
			char path[512];
			const char *name = bpf_map__name(m);
			if (strchr(name, '.'))
				continue; /* .bss/.rodata: per program instance */
			snprintf(path, sizeof(path), "%s/%s", o->pin_dir, name);
			bpf_map__set_pin_path(m, path);
			pinned_flags(m, path);
		}
	}
	rc = sluice_xdp__load(x->skel);
	if (rc) {
		rc = rc < 0 ? rc : -errno;
		sluice_xdp__destroy(x->skel);
		free(x);
		return failrc(err, errlen, rc,
			"cannot load the XDP program (root or CAP_BPF+CAP_NET_ADMIN needed; "
			"SLUICE_XDP_DEBUG=1 shows the verifier log)");
	}
	x->skel->bss->sl_rng = sl_rng_init(o->seed);
	{
		/* forwarding caches of reused sessions were made by an earlier
		 * program under smaller versions: start above them */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		x->skel->bss->sl_fwd_gen =
			(uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	}
	clock_setup(x);
	if (o->pin_dir)
		config_maps_reset(x);
	/* the defaults (reused maps: the earlier run's policy is gone; its port
	 * blocks stay while the config gives the same size) */
	config_get(x, &cfg);
	x->blk_size = cfg.pb_size;
	x->blk_per_host = cfg.pb_per_host;
	cfg.pb_size = 0;
	cfg.pb_per_host = 0;
	cfg.nat_enabled = 0;
	cfg.n_pool_addrs = 0;
	cfg.limit_per_host = 0;
	cfg.sessions_max = smax;
	for (int i = 0; i < SL_NAT_TO_MAX; i++)
		cfg.timeout_ns[i] = sl_nat_timeout_default[i] * 1000000000ull;
	cfg.filtering = SL_NAT_FILTER_APDF;
	rc = config_put(x, &cfg);
	if (rc) {
		sl_xdp_close(x);
		return failrc(err, errlen, rc, "sl_config");
	}
	*out = x;
	return 0;
}

void sl_xdp_close(struct sl_xdp *x)
{
	if (x == NULL)
		return;
	sluice_xdp__destroy(x->skel);
	free(x);
}

int sl_xdp_iface_slot(const struct sl_xdp *x, const char *name)
{
	for (unsigned int i = 0; i < x->n_ifaces; i++)
		if (strcmp(x->names[i], name) == 0)
			return (int)i;
	return -ENOENT;
}

void sl_xdp_fib_capacity(const struct sl_xdp *x, uint32_t cap[2])
{
	cap[0] = bpf_map__max_entries(x->skel->maps.sl_fib4);
	cap[1] = bpf_map__max_entries(x->skel->maps.sl_fib6);
}

unsigned int sl_xdp_iface_count(const struct sl_xdp *x)
{
	return x->n_ifaces;
}

const char *sl_xdp_iface_name(const struct sl_xdp *x, unsigned int slot)
{
	return slot < x->n_ifaces ? x->names[slot] : NULL;
}

uint32_t sl_xdp_iface_ifindex(const struct sl_xdp *x, unsigned int slot)
{
	return slot < x->n_ifaces ? x->ifindex[slot] : 0;
}

/* ---------- routes ---------- */

static int fib_put(struct sl_xdp *x, const struct sl_prefix *p, const struct sl_xdp_nexthop *nh)
{
	int rc;

	if (p->addr.family == SL_AF_INET) {
		struct sl_xdp_fib4_key k = {.prefixlen = p->len, .addr = p->addr.v4};
		rc = bpf_map_update_elem(bpf_map__fd(x->skel->maps.sl_fib4), &k, nh, BPF_ANY);
	} else {
		struct sl_xdp_fib6_key k = {.prefixlen = p->len};
		memcpy(k.addr, p->addr.v6, 16);
		rc = bpf_map_update_elem(bpf_map__fd(x->skel->maps.sl_fib6), &k, nh, BPF_ANY);
	}
	if (rc)
		return -errno;
	fwd_changed(x);
	return 0;
}

static int fib_del(struct sl_xdp *x, const struct sl_prefix *p)
{
	int rc;

	if (p->addr.family == SL_AF_INET) {
		struct sl_xdp_fib4_key k = {.prefixlen = p->len, .addr = p->addr.v4};
		rc = bpf_map_delete_elem(bpf_map__fd(x->skel->maps.sl_fib4), &k);
	} else {
		struct sl_xdp_fib6_key k = {.prefixlen = p->len};
		memcpy(k.addr, p->addr.v6, 16);
		rc = bpf_map_delete_elem(bpf_map__fd(x->skel->maps.sl_fib6), &k);
	}
	if (rc)
		return -errno;
	fwd_changed(x);
	return 0;
}

static int iface_routes(struct sl_xdp *x, unsigned int slot, const struct sl_cmd_interface *ifc)
{
	static const uint32_t nh_type[SL_ADDR_KINDS] = {[SL_ADDR_CONNECTED] = SL_XDP_NH_CONNECTED,
		[SL_ADDR_LOCAL] = SL_XDP_NH_LOCAL,
		[SL_ADDR_BROADCAST] = SL_XDP_NH_BROADCAST,
		/* {subnet, 0}: an obsolete broadcast, dropped as one */
		[SL_ADDR_NETWORK] = SL_XDP_NH_BROADCAST};

	for (unsigned int i = 0; i < ifc->n_addrs; i++) {
		struct sl_addr_route r[SL_ADDR_KINDS];
		unsigned int n = sl_addr_routes(&ifc->addrs[i], r);

		for (unsigned int j = 0; j < n; j++) {
			struct sl_xdp_nexthop nh = {.type = nh_type[r[j].kind], .slot = slot};
			int rc = fib_put(x, &r[j].prefix, &nh);
			if (rc)
				return rc;
			/* a subnet broadcast is a martian source; {subnet, 0}
			 * is not, so only the former is in sl_bcast4_bits (whose
			 * broadcasts end in two 1 bits, {subnet, 0} in two 0
			 * bits: never confused) */
			if (r[j].kind == SL_ADDR_BROADCAST) {
				uint32_t h = ntohl(r[j].prefix.addr.v4) & 0xffff;
				x->skel->bss->sl_bcast4_bits[h >> 6] |= 1ull << (h & 63);
			}
		}
	}
	return 0;
}

static int route_add(struct sl_xdp *x, const struct sl_cmd_route *r, char *err, size_t errlen)
{
	struct sl_xdp_nexthop nh = {0};
	int slot = sl_xdp_iface_slot(x, r->dev), rc;

	if (slot < 0)
		return fail(err, errlen, "route add: no interface '%s'", r->dev);
	nh.slot = (uint32_t)slot;
	nh.type = r->has_via ? SL_XDP_NH_GATEWAY : SL_XDP_NH_CONNECTED;
	if (r->has_via) {
		if (r->via.family == SL_AF_INET)
			memcpy(nh.gw, &r->via.v4, 4);
		else
			memcpy(nh.gw, r->via.v6, 16);
	}
	rc = fib_put(x, &r->prefix, &nh);
	return rc ? failrc(err, errlen, rc, "route add") : 0;
}

/* ---------- interfaces ---------- */

static void eui64_ll(const uint8_t mac[6], uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	out[8] = mac[0] ^ 0x02;
	out[9] = mac[1];
	out[10] = mac[2];
	out[11] = 0xff;
	out[12] = 0xfe;
	out[13] = mac[3];
	out[14] = mac[4];
	out[15] = mac[5];
}

static int iface_add(struct sl_xdp *x, const struct sl_cmd_interface *ifc,
	sl_xdp_resolve_fn resolve, void *arg, char *err, size_t errlen)
{
	struct sl_xdp_iface v = {0};
	struct sl_xdp_iface_key k = {0};
	uint32_t slot = x->n_ifaces, ifindex = 0;
	int rc;

	if (sl_xdp_iface_slot(x, ifc->name) >= 0)
		return fail(err, errlen, "interface %s: already configured", ifc->name);
	if (slot >= SL_XDP_IFACES_MAX)
		return fail(err, errlen, "interface %s: at most %d interfaces", ifc->name,
			SL_XDP_IFACES_MAX);
	if (ifc->has_mac)
		memcpy(v.mac, ifc->mac.b, 6);
	if (resolve == NULL)
		return fail(err, errlen, "interface %s: no device resolver", ifc->name);
	rc = resolve(arg, ifc, &ifindex, v.mac);
	if (rc)
		return failrc(err, errlen, rc, ifc->name);
	if (ifc->has_mac)
		memcpy(v.mac, ifc->mac.b, 6);
	v.vlan = ifc->vlan;
	v.mtu = ifc->mtu ? ifc->mtu : 1500;
	v.role = (uint8_t)ifc->role;
	v.in_use = 1;
	v.ifindex = ifindex;
	for (unsigned int i = 0; i < ifc->n_addrs; i++)
		if (ifc->addrs[i].addr.family == SL_AF_INET && v.v4 == 0)
			v.v4 = ifc->addrs[i].addr.v4;
	eui64_ll(v.mac, v.ll6);
	if (bpf_map_update_elem(bpf_map__fd(x->skel->maps.sl_iface_info), &slot, &v, BPF_ANY))
		return failrc(err, errlen, -errno, "sl_iface_info");
	k.ifindex = ifindex;
	k.vlan = ifc->vlan;
	if (bpf_map_update_elem(bpf_map__fd(x->skel->maps.sl_ifaces), &k, &slot, BPF_ANY))
		return failrc(err, errlen, -errno, "sl_ifaces");
	if (ifc->vlan == 0 && ifindex < SL_XDP_IFINDEX_FAST) {
		uint32_t v1 = slot + 1;
		if (bpf_map_update_elem(
			    bpf_map__fd(x->skel->maps.sl_if_index), &ifindex, &v1, BPF_ANY))
			return failrc(err, errlen, -errno, "sl_if_index");
	}
	if (!x->replay && bpf_map_update_elem(
				  bpf_map__fd(x->skel->maps.sl_tx_ports), &slot, &ifindex, BPF_ANY))
		return failrc(err, errlen, -errno, "sl_tx_ports (DEVMAP)");
	snprintf(x->names[slot], SL_NAME_MAX, "%s", ifc->name);
	x->ifindex[slot] = ifindex;
	x->n_ifaces++;
	fwd_changed(x);
	rc = iface_routes(x, slot, ifc);
	return rc ? failrc(err, errlen, rc, "connected routes") : 0;
}

/* ---------- neighbours ---------- */

static void neigh_key(struct sl_xdp_neigh_key *k, unsigned int slot, const struct sl_ip *ip)
{
	memset(k, 0, sizeof(*k));
	k->slot = slot;
	k->family = ip->family;
	if (ip->family == SL_AF_INET)
		memcpy(k->addr, &ip->v4, 4);
	else
		memcpy(k->addr, ip->v6, 16);
}

int sl_xdp_neigh_set(struct sl_xdp *x, unsigned int slot, const struct sl_ip *ip,
	const uint8_t mac[6], bool is_static)
{
	struct sl_xdp_neigh_key k;
	struct sl_xdp_neigh v = {.is_static = is_static}, old;
	int fd = bpf_map__fd(x->skel->maps.sl_neigh);

	neigh_key(&k, slot, ip);
	memcpy(v.mac, mac, 6);
	if (bpf_map_lookup_elem(fd, &k, &old) == 0 && memcmp(&old, &v, sizeof(v)) == 0)
		return 0; /* unchanged (the kernel reports state changes too) */
	if (bpf_map_update_elem(fd, &k, &v, BPF_ANY))
		return -errno;
	fwd_changed(x);
	return 0;
}

bool sl_xdp_neigh_exists(const struct sl_xdp *x, const char *dev, const struct sl_ip *ip)
{
	struct sl_xdp_neigh_key k;
	struct sl_xdp_neigh v;
	int slot = sl_xdp_iface_slot(x, dev);

	if (slot < 0)
		return false;
	neigh_key(&k, (unsigned int)slot, ip);
	return bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.sl_neigh), &k, &v) == 0;
}

int sl_xdp_neigh_del(struct sl_xdp *x, unsigned int slot, const struct sl_ip *ip)
{
	struct sl_xdp_neigh_key k;

	neigh_key(&k, slot, ip);
	if (bpf_map_delete_elem(bpf_map__fd(x->skel->maps.sl_neigh), &k))
		return -errno;
	fwd_changed(x);
	return 0;
}

/* ---------- NAT ---------- */

static int pool_add(struct sl_xdp *x, const struct sl_cmd_nat_pool *p, char *err, size_t errlen)
{
	uint32_t base = ntohl(p->prefix.addr.v4), count = 1u << (32 - p->prefix.len);
	struct sl_xdp_config cfg;
	int rc = config_get(x, &cfg);

	if (rc)
		return failrc(err, errlen, rc, "sl_config");
	if (x->n_pool + count > SL_XDP_POOL_ADDRS_MAX)
		return fail(err, errlen, "nat pool add: at most %d pool addresses in all",
			SL_XDP_POOL_ADDRS_MAX);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t ip = htonl(base + i), idx;
		if (bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.sl_nat_pool_idx), &ip, &idx) ==
			0) {
			char b1[64];
			sl_prefix_fmt(&p->prefix, b1, sizeof(b1));
			return fail(err, errlen, "nat pool add %s: overlaps another pool", b1);
		}
	}
	for (uint32_t i = 0; i < count; i++) {
		struct sl_xdp_pool_addr a = {
			.ip = htonl(base + i), .lo = p->port_lo, .hi = p->port_hi};
		uint32_t idx = x->n_pool;
		if (bpf_map_update_elem(
			    bpf_map__fd(x->skel->maps.sl_nat_pool), &idx, &a, BPF_ANY) ||
			bpf_map_update_elem(bpf_map__fd(x->skel->maps.sl_nat_pool_idx), &a.ip, &idx,
				BPF_NOEXIST))
			return fail(err, errlen, "nat pool add: %s", strerror(errno));
		x->n_pool++;
	}
	cfg.n_pool_addrs = (uint16_t)x->n_pool;
	cfg.nat_enabled = 1;
	return config_put(x, &cfg);
}

static int forward_cmd(struct sl_xdp *x, const struct sl_cmd *c, char *err, size_t errlen)
{
	const struct sl_cmd_nat_forward *f = &c->nat_fwd;
	struct sl_xdp_nat_ep ko = {.ip = f->ext_ip,
		.port = htons(f->ext_port),
		.proto = f->proto | SL_XDP_PROTO_STATIC};
	struct sl_xdp_nat_ep ki = {.ip = f->int_ip,
		.port = htons(f->int_port),
		.proto = f->proto | SL_XDP_PROTO_STATIC};
	struct sl_xdp_nat_map m = {.int_ip = f->int_ip,
		.ext_ip = f->ext_ip,
		.int_port = htons(f->int_port),
		.ext_port = htons(f->ext_port)};
	int in = bpf_map__fd(x->skel->maps.sl_nat_map_in);
	int out = bpf_map__fd(x->skel->maps.sl_nat_map_out);
	struct sl_xdp_nat_map old;
	uint32_t idx;
	int rc;

	if (c->type == SL_CMD_NAT_FORWARD_DEL) {
		if (bpf_map_lookup_elem(out, &ko, &old))
			return fail(err, errlen, "nat forward del: no such forward");
		ki.ip = old.int_ip;
		ki.port = old.int_port;
		bpf_map_delete_elem(out, &ko);
		bpf_map_delete_elem(in, &ki);
		/* its sessions end with it (as in the DPDK backend) */
		rc = sl_xdp_nat_sessions_del_ep(x, &ko);
		return rc < 0 ? failrc(err, errlen, rc, "nat forward del") : 0;
	}
	if (bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.sl_nat_pool_idx), &f->ext_ip, &idx))
		return fail(err, errlen, "nat forward add: outside address is not a pool address");
	if (bpf_map_lookup_elem(out, &ko, &old) == 0 && old.int_ip == m.int_ip &&
		old.int_port == m.int_port)
		return 0; /* the same forward again: a no-op, as on sluice-dp */
	if (bpf_map_update_elem(out, &ko, &m, BPF_NOEXIST))
		return fail(err, errlen, "nat forward add: outside port %u already in use",
			f->ext_port);
	if (bpf_map_update_elem(in, &ki, &m, BPF_NOEXIST)) {
		bpf_map_delete_elem(out, &ko);
		return fail(err, errlen, "nat forward add: inside endpoint already forwarded");
	}
	return 0;
}

static int nat_param(struct sl_xdp *x, const struct sl_cmd *c, char *err, size_t errlen)
{
	struct sl_xdp_config cfg;
	int rc = config_get(x, &cfg);

	if (rc)
		return failrc(err, errlen, rc, "sl_config");
	switch (c->type) {
	case SL_CMD_NAT_FILTERING:
		cfg.filtering = (uint8_t)c->nat.kind;
		break;
	case SL_CMD_NAT_TIMEOUT:
		if (c->nat.kind >= SL_NAT_TO_MAX)
			return fail(err, errlen, "nat timeout: unknown kind");
		cfg.timeout_ns[c->nat.kind] = (uint64_t)c->nat.value * 1000000000ull;
		break;
	case SL_CMD_NAT_LIMIT:
		cfg.limit_per_host = c->nat.value;
		break;
	default:
		return 0;
	}
	return config_put(x, &cfg);
}

static int mss_clamp(struct sl_xdp *x, const struct sl_cmd_nat_param *p, char *err, size_t errlen)
{
	int slot = sl_xdp_iface_slot(x, p->dev);
	int fd = bpf_map__fd(x->skel->maps.sl_iface_info);
	struct sl_xdp_iface v;
	uint32_t s;

	if (slot < 0)
		return fail(err, errlen, "tcp mss-clamp: no interface '%s'", p->dev);
	s = (uint32_t)slot;
	if (bpf_map_lookup_elem(fd, &s, &v))
		return failrc(err, errlen, -errno, "sl_iface_info");
	v.mss_clamp = (uint16_t)p->value;
	if (bpf_map_update_elem(fd, &s, &v, BPF_ANY))
		return failrc(err, errlen, -errno, "mss");
	fwd_changed(x);
	return 0;
}

/* Every block assignment goes: hosts hold none. */
static void blocks_clear(struct sl_xdp *x)
{
	int fh = bpf_map__fd(x->skel->maps.sl_nat_host);
	uint32_t k, nk, *keys = NULL;
	size_t n = 0, cap = 0;
	void *prev = NULL;

	map_clear(bpf_map__fd(x->skel->maps.sl_nat_blk), sizeof(struct sl_xdp_nat_blk_key), NULL);
	while (bpf_map_get_next_key(fh, prev, &nk) == 0) {
		k = nk;
		prev = &k;
		if (n == cap) {
			uint32_t *b = realloc(keys, (cap = cap ? cap * 2 : 64) * sizeof(*keys));
			if (b == NULL)
				break;
			keys = b;
		}
		keys[n++] = k;
	}
	for (size_t i = 0; i < n; i++) {
		struct sl_xdp_nat_host h;
		if (bpf_map_lookup_elem(fh, &keys[i], &h) == 0 && h.n_blk) {
			h.n_blk = 0;
			bpf_map_update_elem(fh, &keys[i], &h, BPF_EXIST);
		}
	}
	free(keys);
}

/* nat port-block size N blocks-per-host M | off */
static int port_block(struct sl_xdp *x, const struct sl_cmd_nat_param *p, char *err, size_t errlen)
{
	struct sl_xdp_config cfg;
	int rc = config_get(x, &cfg);

	if (rc)
		return failrc(err, errlen, rc, "sl_config");
	if (p->kind > SL_XDP_PB_HOST_MAX)
		return fail(err, errlen, "nat port-block: at most %d blocks per host",
			SL_XDP_PB_HOST_MAX);
	cfg.pb_size = (uint16_t)p->value;
	cfg.pb_per_host = (uint8_t)p->kind;
	if (p->value && (p->value != x->blk_size || p->kind != x->blk_per_host)) {
		/* blocks of another size (an earlier run's): gone */
		blocks_clear(x);
		x->blk_size = (uint16_t)p->value;
		x->blk_per_host = (uint8_t)p->kind;
	}
	return config_put(x, &cfg);
}

int sl_xdp_apply(struct sl_xdp *x, const struct sl_cmd *c, sl_xdp_resolve_fn resolve, void *arg,
	char *err, size_t errlen)
{
	int slot, rc;

	switch (c->type) {
	case SL_CMD_NONE:
	case SL_CMD_SHOW:
	case SL_CMD_NAT_SESSIONS_MAX:
		return 0;
	case SL_CMD_INTERFACE:
		return iface_add(x, &c->iface, resolve, arg, err, errlen);
	case SL_CMD_ROUTE_ADD:
		return route_add(x, &c->route, err, errlen);
	case SL_CMD_ROUTE_DEL:
		rc = fib_del(x, &c->route.prefix);
		return rc ? failrc(err, errlen, rc, "route del") : 0;
	case SL_CMD_NEIGH_ADD:
	case SL_CMD_NEIGH_DEL:
		slot = sl_xdp_iface_slot(x, c->neigh.dev);
		if (slot < 0)
			return fail(err, errlen, "neighbor: no interface '%s'", c->neigh.dev);
		rc = c->type == SL_CMD_NEIGH_ADD
			     ? sl_xdp_neigh_set(
				       x, (unsigned int)slot, &c->neigh.ip, c->neigh.mac.b, true)
			     : sl_xdp_neigh_del(x, (unsigned int)slot, &c->neigh.ip);
		return rc ? failrc(err, errlen, rc, "neighbor") : 0;
	case SL_CMD_NAT_POOL_ADD:
		return pool_add(x, &c->nat_pool, err, errlen);
	case SL_CMD_NAT_POOL_DEL:
		return fail(err, errlen, "nat pool del: removing a pool needs a restart");
	case SL_CMD_NAT_FORWARD_ADD:
	case SL_CMD_NAT_FORWARD_DEL:
		return forward_cmd(x, c, err, errlen);
	case SL_CMD_NAT_FILTERING:
	case SL_CMD_NAT_TIMEOUT:
	case SL_CMD_NAT_LIMIT:
		return nat_param(x, c, err, errlen);
	case SL_CMD_MSS_CLAMP:
		return mss_clamp(x, &c->nat, err, errlen);
	case SL_CMD_NAT_PORT_BLOCK:
		return port_block(x, &c->nat, err, errlen);
	default:
		return fail(err, errlen, "command type %d not supported", (int)c->type);
	}
}

int sl_xdp_apply_config(struct sl_xdp *x, const struct sl_cmd_list *cmds, sl_xdp_resolve_fn resolve,
	void *arg, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < cmds->n; i++) {
		char e[SL_ERR_MAX];
		int rc = sl_xdp_apply(x, &cmds->cmds[i], resolve, arg, e, sizeof(e));
		if (rc) {
			if (err && errlen)
				snprintf(err, errlen, "line %u: %s",
					cmds->lines ? cmds->lines[i] : i + 1, e);
			return rc;
		}
	}
	return 0;
}

/* ---------- counters ---------- */

int sl_xdp_read_stats(const struct sl_xdp *x, struct sl_xdp_stats *out)
{
	struct sl_xdp_counters *pc = calloc((size_t)x->ncpu, sizeof(*pc));
	uint64_t *pd = calloc((size_t)x->ncpu, sizeof(uint64_t));
	uint32_t zero = 0;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (pc == NULL || pd == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.sl_counters), &zero, pc)) {
		rc = -errno;
		goto out;
	}
	for (int c = 0; c < x->ncpu; c++) {
		out->c.rx += pc[c].rx;
		out->c.forwarded += pc[c].forwarded;
		out->c.local += pc[c].local;
		out->c.held += pc[c].held;
		out->c.nat_created += pc[c].nat_created;
		for (int i = 0; i < SL_XDP_IFACES_MAX; i++) {
			out->c.if_rx[i] += pc[c].if_rx[i];
			out->c.if_tx[i] += pc[c].if_tx[i];
			out->c.if_rx_bytes[i] += pc[c].if_rx_bytes[i];
			out->c.if_tx_bytes[i] += pc[c].if_tx_bytes[i];
		}
	}
	for (uint32_t r = 0; r < SL_DROP_MAX; r++) {
		if (bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.sl_drops), &r, pd)) {
			rc = -errno;
			goto out;
		}
		for (int c = 0; c < x->ncpu; c++)
			out->drop[r] += pd[c];
	}
out:
	free(pc);
	free(pd);
	return rc;
}

int sl_xdp_clear_stats(struct sl_xdp *x)
{
	struct sl_xdp_counters *pc = calloc((size_t)x->ncpu, sizeof(*pc));
	uint64_t *pd = calloc((size_t)x->ncpu, sizeof(uint64_t));
	uint32_t zero = 0;
	int rc = 0;

	if (pc == NULL || pd == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	if (bpf_map_update_elem(bpf_map__fd(x->skel->maps.sl_counters), &zero, pc, BPF_ANY))
		rc = -errno;
	for (uint32_t r = 0; r < SL_DROP_MAX && rc == 0; r++)
		if (bpf_map_update_elem(bpf_map__fd(x->skel->maps.sl_drops), &r, pd, BPF_ANY))
			rc = -errno;
out:
	free(pc);
	free(pd);
	return rc;
}

uint64_t sl_xdp_nat_generation(const struct sl_xdp *x)
{
	return __atomic_load_n(&x->skel->bss->sl_nat_gen, __ATOMIC_RELAXED);
}

uint64_t sl_xdp_nat_min_timeout(const struct sl_xdp *x)
{
	struct sl_xdp_config cfg;
	uint64_t m = UINT64_MAX;

	if (config_get(x, &cfg))
		return 0;
	for (int i = 0; i < SL_NAT_TO_MAX; i++)
		if (cfg.timeout_ns[i] < m)
			m = cfg.timeout_ns[i];
	return m;
}

/* ---------- the program's clock, for the agent ---------- */

uint64_t sl_xdp_clock(const struct sl_xdp *x)
{
	struct sl_xdp_clock c = {0};
	struct timespec ts;

	if (x->replay)
		return x->skel->bss->sl_now;
	if (clock_sample(x, &c) == 0)
		return c.now;			    /* as the program reads it */
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts); /* = bpf_ktime_get_coarse_ns() */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---------- offline runs ---------- */

void sl_xdp_set_now(struct sl_xdp *x, uint64_t now)
{
	x->skel->bss->sl_now = now;
}

/* One test run of frame (with meta_len bytes of metadata before it). */
static int run_frame(struct sl_xdp *x, uint32_t ifindex, const void *frame, uint32_t len,
	uint32_t meta_len, void *out, uint32_t cap, uint32_t *out_len, struct sl_xdp_verdict *v)
{
	struct xdp_md md = {.data = meta_len, .data_end = meta_len + len};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame, .data_size_in = meta_len + len,
		.data_out = out, .data_size_out = cap, .repeat = 1);
	int rc;

	if (meta_len) {
		o.ctx_in = &md;
		o.ctx_size_in = sizeof(md);
	}
	x->skel->bss->sl_replay_ifindex = ifindex;
	memset(&x->skel->bss->sl_verdict, 0, sizeof(x->skel->bss->sl_verdict));
	x->skel->bss->sl_verdict.action = XDP_ABORTED;
	x->skel->bss->sl_verdict.out_slot = SL_XDP_SLOT_NONE;
	rc = bpf_prog_test_run_opts(sl_xdp_prog_fd(x), &o);
	if (rc)
		return -errno;
	*v = x->skel->bss->sl_verdict;
	v->action = o.retval;
	/* the output starts with the metadata */
	if (o.data_size_out < meta_len)
		return -EPROTO;
	*out_len = o.data_size_out - meta_len;
	if (meta_len)
		memmove(out, (uint8_t *)out + meta_len, *out_len);
	return 0;
}

int sl_xdp_run(struct sl_xdp *x, uint32_t ifindex, const void *frame, uint32_t len, void *out,
	uint32_t cap, uint32_t *out_len, struct sl_xdp_verdict *v)
{
	return run_frame(x, ifindex, frame, len, 0, out, cap, out_len, v);
}

void sl_xdp_set_tag(struct sl_xdp *x, uint64_t tag)
{
	x->skel->bss->sl_replay_tag = tag;
}

int sl_xdp_run_held(struct sl_xdp *x, const struct sl_xdp_held *h, void *out, uint32_t cap,
	uint32_t *out_len, struct sl_xdp_verdict *v)
{
	uint8_t buf[8 + SL_XDP_HELD_BYTES];
	uint32_t magic = SL_XDP_HELD_MAGIC;

	if (h->len == 0 || h->len > SL_XDP_HELD_BYTES)
		return -EINVAL;
	memset(buf, 0, 8);
	memcpy(buf, &magic, sizeof(magic));
	memcpy(buf + 8, h->data, h->len);
	if (x->replay)
		return run_frame(x, h->ifindex, buf, h->len, 8, out, cap, out_len, v);
	{
		/* live: the program's verdict is carried out (a redirect is sent) */
		struct xdp_md md = {
			.data = 8, .data_end = 8 + h->len, .ingress_ifindex = h->ifindex};
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = buf, .data_size_in = 8 + h->len,
			.ctx_in = &md, .ctx_size_in = sizeof(md), .repeat = 1,
			.flags = BPF_F_TEST_XDP_LIVE_FRAMES);
		if (bpf_prog_test_run_opts(sl_xdp_prog_fd(x), &o))
			return -errno;
		memset(v, 0, sizeof(*v));
		*out_len = 0;
		return 0;
	}
}
