/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-xdp live mode. The order matters for a restart that keeps NAT
 * sessions: the pinned maps are reused (sessions, mappings, counters stay),
 * the configuration maps are emptied and written again from --config, the
 * kernel neighbour table is copied in, and only then is the program
 * attached (replacing nothing, or the program a crashed run left).
 * Kernel side (README "XDP backend"): the config's addresses go on the
 * kernel devices (tagged, removed at exit), pool addresses too (the kernel
 * answers ARP for them), an nftables table stops the kernel from ever
 * forwarding between the devices (also while the agent is stopped), and
 * IPv4 forwarding is on only while the agent runs (so the kernel sends the
 * ICMP errors the program leaves to it).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <sluice/rng.h>

#include "agent.h"
#include "agent_kernel.h"
#include "agent_miss.h"
#include "backend_xdp.h"

/* `sluicectl check` refuses larger pools by this number */
_Static_assert(SL_XDP_POOL_ADDRS_MAX == SL_NAT_POOL_ADDRS_MAX, "pool address limit");

#define PIN_DIR_DEFAULT "/sys/fs/bpf/sluice"
#define MISS_TABLE	256

struct slot_link {
	char name[SL_NAME_MAX];	 /* interface */
	struct sl_kern_link dev; /* device the program is attached to */
	struct sl_kern_link l3;	 /* kernel device with the addresses: dev or its vlan device */
	bool vlan_created;
	int miss_fd;
};

struct agent {
	const char *config, *ctl, *ctl_group, *pin_dir;
	bool json, skb_mode, no_kernel, fresh;
	FILE *say; /* progress lines: stdout, stderr with --json (stdout: the JSON alone) */
	struct sl_cmd_list cmds;
	struct sl_xdp *x;
	struct xdp_backend be;
	struct sl_kern *k;
	struct sl_ctl_server *srv;
	struct slot_link links[SL_XDP_IFACES_MAX];
	unsigned int n_links;
	uint32_t attached[SL_XDP_IFACES_MAX]; /* device ifindexes with our program */
	unsigned int n_attached;
	bool nft_ok;
	int lock_fd;
	struct {
		unsigned int slot;
		struct sl_ip ip;
		uint64_t at;
	} miss[MISS_TABLE];
	uint64_t n_resolve;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-xdp --config FILE [--ctl SOCKET] [--ctl-group GROUP] [--pin-dir "
		"DIR]\n"
		"                  [--fresh] [--skb-mode] [--no-kernel-setup] [--json]\n"
		"       sluice-xdp replay --config FILE --in IFACE=FILE.pcap ... --out-dir DIR "
		"[--seed N] [--json]\n"
		"\n"
		"Attaches the sluice XDP program (native mode) to the kernel devices named by the\n"
		"config's `interface NAME device IFNAME [vlan N]` and serves the control protocol\n"
		"on SOCKET (default " SL_CTL_SOCKET_DEFAULT ", mode 0600; GROUP members too with\n"
		"--ctl-group). Maps are pinned under DIR (default " PIN_DIR_DEFAULT
		"; bpffs is mounted\n"
		"on /sys/fs/bpf if needed) and reused by the next start: NAT sessions survive a\n"
		"restart. --fresh removes the pinned maps first. The kernel handles what the\n"
		"program passes (ARP/ND, the gateway's own addresses, ICMP errors): the agent "
		"adds\n"
		"the config's addresses and NAT pool addresses to the devices (removed at exit),\n"
		"installs nftables table inet " SL_KERN_NFT_TABLE
		" (the kernel never forwards between\n"
		"them, kept at exit) and copies the kernel's neighbour table into the program;\n"
		"--no-kernel-setup leaves addresses, nftables and sysctls to the operator.\n"
		"SIGINT/SIGTERM detach and print the counters (--json: as JSON); exit status 0.\n"
		"Run it in the devices' network namespace with bpffs visible (nsenter --net=..., "
		"not\n"
		"ip netns exec).\n");
}

static int parse_opts(struct agent *a, int argc, char **argv)
{
	static const struct option lo[] = {
		{"config", required_argument, NULL, 'c'},
		{"ctl", required_argument, NULL, 'C'},
		{"ctl-group", required_argument, NULL, 'G'},
		{"pin-dir", required_argument, NULL, 'p'},
		{"fresh", no_argument, NULL, 'f'},
		{"skb-mode", no_argument, NULL, 's'},
		{"no-kernel-setup", no_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			a->config = optarg;
			break;
		case 'C':
			a->ctl = optarg;
			break;
		case 'G':
			a->ctl_group = optarg;
			break;
		case 'p':
			a->pin_dir = optarg;
			break;
		case 'f':
			a->fresh = true;
			break;
		case 's':
			a->skb_mode = true;
			break;
		case 'n':
			a->no_kernel = true;
			break;
		case 'j':
			a->json = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sluice-xdp: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (a->config == NULL) {
		fprintf(stderr, "sluice-xdp: --config FILE is required\n");
		usage(stderr);
		return -EINVAL;
	}
	if (a->pin_dir == NULL)
		a->pin_dir = PIN_DIR_DEFAULT;
	return 0;
}

/* ---------- bpffs and the pin directory ---------- */

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && (unsigned long)st.f_type == BPF_FS_MAGIC;
}

static int pin_dir_prepare(struct agent *a)
{
	char parent[512], *slash;

	snprintf(parent, sizeof(parent), "%s", a->pin_dir);
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = 0;
	if (!is_bpffs(parent) && strcmp(parent, "/sys/fs/bpf") == 0) {
		if (mount("bpf", "/sys/fs/bpf", "bpf", 0, "mode=0700") < 0) {
			fprintf(stderr, "sluice-xdp: cannot mount bpffs on /sys/fs/bpf: %s\n",
				strerror(errno));
			return -errno;
		}
		fprintf(a->say, "sluice-xdp: mounted bpffs on /sys/fs/bpf\n");
	}
	if (!is_bpffs(parent)) {
		fprintf(stderr,
			"sluice-xdp: --pin-dir %s: %s is not a bpffs (mount -t bpf bpf %s; under "
			"`ip netns exec` /sys/fs/bpf is hidden: use nsenter --net=/run/netns/NS)\n",
			a->pin_dir, parent, parent);
		return -ENOTDIR;
	}
	if (mkdir(a->pin_dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "sluice-xdp: mkdir %s: %s\n", a->pin_dir, strerror(errno));
		return -errno;
	}
	a->lock_fd = open(a->pin_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a->lock_fd < 0 || flock(a->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		fprintf(stderr, "sluice-xdp: %s: %s\n", a->pin_dir,
			errno == EWOULDBLOCK ? "in use by another sluice-xdp (give --pin-dir)"
					     : strerror(errno));
		return -EBUSY;
	}
	if (a->fresh) {
		static const char *const maps[] = {"sl_ifaces", "sl_iface_info", "sl_tx_ports",
			"sl_fib4", "sl_fib6", "sl_neigh", "sl_config", "sl_counters", "sl_drops",
			"sl_nat_pool", "sl_nat_pool_idx", "sl_nat_sess", "sl_nat_map_in",
			"sl_nat_map_out", "sl_nat_host", "sl_nat_cool", "sl_nat_adf", "sl_nat_frag",
			"sl_nat_blk", "sl_if_index"};
		for (unsigned int i = 0; i < sizeof(maps) / sizeof(maps[0]); i++) {
			char p[600];
			snprintf(p, sizeof(p), "%s/%s", a->pin_dir, maps[i]);
			unlink(p);
		}
	}
	return 0;
}

/* ---------- devices ---------- */

static struct slot_link *link_of(struct agent *a, const char *name)
{
	for (unsigned int i = 0; i < a->n_links; i++)
		if (strcmp(a->links[i].name, name) == 0)
			return &a->links[i];
	return NULL;
}

static struct slot_link *link_of_slot(struct agent *a, unsigned int slot)
{
	const char *name = sl_xdp_iface_name(a->x, slot);

	return name ? link_of(a, name) : NULL;
}

/* sl_xdp_resolve_fn: `device IFNAME [vlan N]` -> the device's ifindex and MAC */
static int resolve(void *arg, const struct sl_cmd_interface *ifc, uint32_t *ifindex, uint8_t mac[6])
{
	struct agent *a = arg;
	struct slot_link *l;
	int rc;

	if (a->n_links == SL_XDP_IFACES_MAX)
		return -ENOSPC;
	l = &a->links[a->n_links];
	memset(l, 0, sizeof(*l));
	l->miss_fd = -1;
	snprintf(l->name, sizeof(l->name), "%s", ifc->name);
	rc = sl_kern_link_by_name(a->k, ifc->device, &l->dev);
	if (rc < 0) {
		fprintf(stderr,
			"sluice-xdp: interface %s: no kernel device '%s' in this network "
			"namespace\n",
			ifc->name, ifc->device);
		return rc;
	}
	l->l3 = l->dev;
	if (ifc->vlan) {
		rc = sl_kern_vlan_dev(
			a->k, &l->dev, ifc->vlan, !a->no_kernel, &l->l3, &l->vlan_created);
		if (rc < 0) {
			fprintf(stderr,
				"sluice-xdp: interface %s: no vlan %u device on %s (%s): the "
				"kernel "
				"cannot answer ARP/ND there\n",
				ifc->name, ifc->vlan, ifc->device, strerror(-rc));
			l->l3 = l->dev;
			l->l3.ifindex = 0;
		} else if (l->vlan_created) {
			fprintf(a->say, "sluice-xdp: interface %s: created vlan device %s\n",
				ifc->name, l->l3.name);
		}
	}
	if (ifc->has_mac && memcmp(ifc->mac.b, l->dev.mac, 6) != 0)
		fprintf(stderr,
			"sluice-xdp: warning: interface %s: config mac differs from %s's own; the "
			"kernel answers ARP/ND with the device's\n",
			ifc->name, ifc->device);
	*ifindex = l->dev.ifindex;
	memcpy(mac, l->dev.mac, 6);
	a->n_links++;
	return 0;
}

static int attach(struct agent *a)
{
	uint32_t flags = a->skb_mode ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;

	for (unsigned int i = 0; i < a->n_links; i++) {
		uint32_t ifx = a->links[i].dev.ifindex, old = 0;
		bool done = false;
		int rc;

		for (unsigned int j = 0; j < a->n_attached; j++)
			done |= a->attached[j] == ifx;
		if (done)
			continue;
		if (bpf_xdp_query_id((int)ifx, flags, &old) == 0 && old)
			fprintf(a->say, "sluice-xdp: %s: replacing XDP program id %u\n",
				a->links[i].dev.name, old);
		rc = bpf_xdp_attach((int)ifx, sl_xdp_prog_fd(a->x), flags, NULL);
		if (rc < 0) {
			fprintf(stderr, "sluice-xdp: cannot attach to %s in %s mode: %s%s\n",
				a->links[i].dev.name, a->skb_mode ? "skb" : "native", strerror(-rc),
				rc == -EOPNOTSUPP ? " (driver without native XDP: try --skb-mode)"
						  : "");
			return rc;
		}
		a->attached[a->n_attached++] = ifx;
	}
	return 0;
}

static void detach(struct agent *a)
{
	uint32_t flags = a->skb_mode ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info);

	if (bpf_obj_get_info_by_fd(sl_xdp_prog_fd(a->x), &info, &len) < 0)
		return;
	for (unsigned int i = 0; i < a->n_attached; i++) {
		uint32_t cur = 0;
		/* only our own program: another one may have replaced it */
		if (bpf_xdp_query_id((int)a->attached[i], flags, &cur) == 0 && cur == info.id)
			bpf_xdp_detach((int)a->attached[i], flags, NULL);
	}
	a->n_attached = 0;
}

/* ---------- kernel: addresses, nftables, forwarding ---------- */

static void nft_list(char *buf, size_t len, struct agent *a, bool outside_only)
{
	size_t off = 0;

	buf[0] = 0;
	for (unsigned int i = 0; i < a->be.st.n_ifaces; i++) {
		const struct sl_cmd_interface *ic = &a->be.st.ifaces[i];
		struct slot_link *l = link_of(a, ic->name);
		if (l == NULL || (outside_only && ic->role != SL_ROLE_OUTSIDE))
			continue;
		off += (size_t)snprintf(
			buf + off, len - off, "%s\"%s\"", off ? ", " : "", l->dev.name);
		if (l->l3.ifindex && l->l3.ifindex != l->dev.ifindex)
			off += (size_t)snprintf(buf + off, len - off, ", \"%s\"", l->l3.name);
		if (off >= len)
			break;
	}
}

static int nft_setup(struct agent *a)
{
	char devs[2048], outs[2048], pools[4096], rules[12288], err[256];
	size_t off = 0;
	int rc;

	nft_list(devs, sizeof(devs), a, false);
	nft_list(outs, sizeof(outs), a, true);
	pools[0] = 0;
	for (unsigned int i = 0; i < a->be.st.n_pools; i++) {
		char p[64];
		sl_prefix_fmt(&a->be.st.pools[i].prefix, p, sizeof(p));
		off += (size_t)snprintf(
			pools + off, sizeof(pools) - off, "%s%s", off ? ", " : "", p);
		if (off >= sizeof(pools))
			return -ENOSPC;
	}
	off = (size_t)snprintf(rules, sizeof(rules),
		"table inet " SL_KERN_NFT_TABLE "\n"
		"delete table inet " SL_KERN_NFT_TABLE "\n"
		"table inet " SL_KERN_NFT_TABLE " {\n"
		"\t# sluice-xdp: the XDP program forwards; the kernel never does between\n"
		"\t# these devices (no untranslated leak, no unsolicited traffic in), also\n"
		"\t# while sluice-xdp is stopped. ICMP errors the kernel generates are local\n"
		"\t# output, not forwarding: they still go out.\n"
		"\tchain forward {\n"
		"\t\ttype filter hook forward priority filter - 10; policy accept;\n"
		"\t\tiifname { %s } drop\n"
		"\t\toifname { %s } drop\n"
		"\t}\n",
		devs, devs);
	if (pools[0] && outs[0])
		off += (size_t)snprintf(rules + off, sizeof(rules) - off,
			"\t# NAT pool ports belong to sluice: the kernel never answers them (no\n"
			"\t# RST to a peer of a NAT session, e.g. while sluice-xdp restarts)\n"
			"\tchain input {\n"
			"\t\ttype filter hook input priority filter - 10; policy accept;\n"
			"\t\tiifname { %s } ip daddr { %s } meta l4proto { tcp, udp } drop\n"
			"\t}\n",
			outs, pools);
	snprintf(rules + off, sizeof(rules) - off, "}\n");
	rc = sl_kern_nft(rules, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr,
			"sluice-xdp: warning: nftables table inet " SL_KERN_NFT_TABLE
			" not installed: %s\n",
			err);
	return rc;
}

static void sysctl_dev(const char *fam, const char *dev, const char *key, const char *val)
{
	char p[128];

	snprintf(p, sizeof(p), "net/%s/conf/%s/%s", fam, dev, key);
	if (sl_kern_sysctl_set(p, val) < 0 && strcmp(fam, "ipv4") == 0)
		fprintf(stderr, "sluice-xdp: warning: cannot set %s=%s: %s\n", p, val,
			strerror(errno));
}

/* Forwarding on the devices: on only behind the nftables guard (so that
 * the kernel sends ICMP errors for transit packets). */
static void forwarding(struct agent *a, bool on)
{
	for (unsigned int i = 0; i < a->n_links; i++) {
		struct slot_link *l = &a->links[i];
		sysctl_dev("ipv4", l->l3.name, "forwarding", on ? "1" : "0");
		/* IPv6 forwarding is global; Linux >= 6.17 has it per device */
		sysctl_dev("ipv6", l->l3.name, "force_forwarding", on ? "1" : "0");
	}
}

static void addr_add(struct agent *a, struct slot_link *l, const struct sl_prefix *p, bool pool)
{
	char b[64];
	int rc;

	if (l->l3.ifindex == 0)
		return;
	rc = sl_kern_addr_add(a->k, l->l3.ifindex, p, pool);
	if (rc < 0 && rc != -EEXIST)
		fprintf(stderr, "sluice-xdp: warning: cannot add %s to %s: %s\n",
			sl_prefix_fmt(p, b, sizeof(b)), l->l3.name, strerror(-rc));
}

static void kernel_setup(struct agent *a)
{
	const struct xb_state *st = &a->be.st;

	a->nft_ok = nft_setup(a) == 0;
	for (unsigned int i = 0; i < st->n_ifaces; i++) {
		const struct sl_cmd_interface *ic = &st->ifaces[i];
		struct slot_link *l = link_of(a, ic->name);
		if (l == NULL || l->l3.ifindex == 0)
			continue;
		sl_kern_addr_flush_ours(a->k, l->l3.ifindex); /* a crashed run's */
		sl_kern_link_up(a->k, l->dev.ifindex);
		if (l->l3.ifindex != l->dev.ifindex)
			sl_kern_link_up(a->k, l->l3.ifindex);
		for (unsigned int k = 0; k < ic->n_addrs; k++)
			if (ic->addrs[k].addr.family == SL_AF_INET6) {
				sysctl_dev("ipv6", l->l3.name, "disable_ipv6", "0");
				break;
			}
		for (unsigned int k = 0; k < ic->n_addrs; k++)
			addr_add(a, l, &ic->addrs[k], false);
	}
	/* pool addresses: on the outside interface whose subnet holds them
	 * (else the first outside one), as /32 without a route */
	for (unsigned int i = 0; i < st->n_pools; i++) {
		uint32_t base = ntohl(st->pools[i].prefix.addr.v4),
			 cnt = 1u << (32 - st->pools[i].prefix.len);
		for (uint32_t j = 0; j < cnt; j++) {
			struct sl_prefix p = {
				.addr = {.family = SL_AF_INET, .v4 = htonl(base + j)}, .len = 32};
			struct slot_link *best = NULL;
			bool own = false;
			for (unsigned int f = 0; f < st->n_ifaces; f++)
				for (unsigned int k = 0; k < st->ifaces[f].n_addrs; k++)
					own |= sl_ip_equal(&st->ifaces[f].addrs[k].addr, &p.addr);
			if (own)
				continue; /* an interface address already */
			for (unsigned int f = 0; f < st->n_ifaces; f++) {
				const struct sl_cmd_interface *ic = &st->ifaces[f];
				if (ic->role != SL_ROLE_OUTSIDE)
					continue;
				if (best == NULL)
					best = link_of(a, ic->name);
				for (unsigned int k = 0; k < ic->n_addrs; k++)
					if (sl_prefix_contains(&ic->addrs[k], &p.addr))
						best = link_of(a, ic->name);
			}
			if (best)
				addr_add(a, best, &p, true);
		}
	}
	forwarding(a, a->nft_ok);
	if (!a->nft_ok)
		fprintf(stderr,
			"sluice-xdp: warning: without the nftables guard IPv4 forwarding "
			"stays off on the devices: the kernel sends no ICMP time-exceeded / "
			"fragmentation-needed for transit packets\n");
}

static void kernel_teardown(struct agent *a)
{
	for (unsigned int i = 0; i < a->n_links; i++) {
		struct slot_link *l = &a->links[i];
		if (l->l3.ifindex == 0)
			continue;
		sl_kern_addr_flush_ours(a->k, l->l3.ifindex);
		if (l->vlan_created)
			sl_kern_link_del(a->k, l->l3.ifindex);
	}
	/* fail closed: no kernel forwarding while no program runs (the nftables
	 * table stays too) */
	forwarding(a, false);
}

/* ---------- neighbours ---------- */

static int slot_of_l3(struct agent *a, uint32_t ifindex)
{
	for (unsigned int s = 0; s < sl_xdp_iface_count(a->x); s++) {
		struct slot_link *l = link_of_slot(a, s);
		if (l && l->l3.ifindex == ifindex)
			return (int)s;
	}
	return -1;
}

static void on_neigh(void *arg, const struct sl_kern_neigh *n)
{
	struct agent *a = arg;
	int slot = slot_of_l3(a, n->ifindex);

	if (slot < 0 || xb_is_static_neigh(&a->be, (unsigned int)slot, &n->ip))
		return;
	if (n->valid)
		sl_xdp_neigh_set(a->x, (unsigned int)slot, &n->ip, n->mac, false);
	else
		sl_xdp_neigh_del(a->x, (unsigned int)slot, &n->ip);
}

/* A next hop the program needs: the kernel keeps it resolved. */
static void want_neigh(struct agent *a, const char *dev, const struct sl_ip *ip)
{
	struct slot_link *l = link_of(a, dev);
	char b[64];
	int rc;

	if (a->no_kernel || l == NULL || l->l3.ifindex == 0)
		return;
	rc = sl_kern_neigh_managed(a->k, l->l3.ifindex, ip);
	if (rc < 0 && rc != -EEXIST)
		fprintf(stderr,
			"sluice-xdp: warning: cannot have the kernel resolve %s on %s: %s\n",
			sl_ip_fmt(ip, b, sizeof(b)), l->l3.name, strerror(-rc));
}

/* backend hook: after each applied command */
static void applied(void *arg, const struct sl_cmd *c)
{
	struct agent *a = arg;
	const struct xb_state *st = &a->be.st;

	if (c->type == SL_CMD_ROUTE_ADD && c->route.has_via)
		want_neigh(a, c->route.dev, &c->route.via);
	if (c->type == SL_CMD_NAT_FORWARD_ADD) {
		struct sl_ip ip = {.family = SL_AF_INET, .v4 = c->nat_fwd.int_ip};
		for (unsigned int i = 0; i < st->n_ifaces; i++)
			for (unsigned int k = 0; k < st->ifaces[i].n_addrs; k++)
				if (sl_prefix_contains(&st->ifaces[i].addrs[k], &ip))
					want_neigh(a, st->ifaces[i].name, &ip);
	}
}

static void on_miss(void *arg, const struct sl_miss *m)
{
	struct agent *a = arg;
	struct slot_link *l = link_of_slot(a, m->slot);
	uint64_t now = sl_xdp_clock(a->x);
	unsigned int h = 0;

	if (l == NULL || l->l3.ifindex == 0 || xb_is_static_neigh(&a->be, m->slot, &m->nh))
		return;
	for (unsigned int i = 0; i < 16; i++)
		h = h * 31 + m->nh.v6[i];
	h = (h ^ m->slot) % MISS_TABLE;
	/* at most one request per next hop and second */
	if (a->miss[h].at && now - a->miss[h].at < 1000000000ull && a->miss[h].slot == m->slot &&
		sl_ip_equal(&a->miss[h].ip, &m->nh))
		return;
	a->miss[h].slot = m->slot;
	a->miss[h].ip = m->nh;
	a->miss[h].at = now;
	a->n_resolve++;
	sl_kern_neigh_use(a->k, l->l3.ifindex, &m->nh);
}

/* ---------- main ---------- */

static int ctl_start(struct agent *a)
{
	struct sl_ctl_server_conf conf = {
		.path = a->ctl ? a->ctl : SL_CTL_SOCKET_DEFAULT,
		.group = a->ctl_group,
		.busy_ok = a->ctl == NULL,
		.ops = &sl_backend_xdp_ops,
		.ctx = &a->be,
	};
	char err[SL_ERR_MAX];
	int rc = sl_ctl_server_create(&conf, &a->srv, err, sizeof(err));

	if (rc < 0 && a->ctl == NULL) {
		fprintf(stderr, "sluice-xdp: warning: %s; no control socket\n", err);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "sluice-xdp: %s\n", err);
		return rc;
	}
	if (a->srv == NULL)
		fprintf(stderr,
			"sluice-xdp: warning: %s is served by another process; no control socket "
			"(give --ctl PATH)\n",
			conf.path);
	return 0;
}

static int on_held_wake(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0; /* the pass after it runs what can go */
}

static void main_loop(struct agent *a)
{
	uint64_t next_expire = 0, gen = sl_xdp_nat_generation(a->x), last_expire = 0;
	uint64_t next_held = 0, last_held = 0;
	struct pollfd pf[2 + SL_XDP_IFACES_MAX];
	struct ring_buffer *wake;
	unsigned int n = 0, n_wake = 0;

	pf[n++] = (struct pollfd){.fd = sl_kern_events_fd(a->k), .events = POLLIN};
	/* a first fragment came whose later ones are held: run them at once */
	wake = ring_buffer__new(sl_xdp_map_fd(a->x, "sl_held_wake"), on_held_wake, NULL, NULL);
	if (wake) {
		n_wake = n;
		pf[n++] = (struct pollfd){.fd = ring_buffer__epoll_fd(wake), .events = POLLIN};
	}
	for (unsigned int i = 0; i < a->n_links; i++)
		if (a->links[i].miss_fd >= 0)
			pf[n++] = (struct pollfd){.fd = a->links[i].miss_fd, .events = POLLIN};
	while (!stop) {
		uint64_t now, g;
		bool woken = false;

		if (poll(pf, n, 20) > 0) {
			if (pf[0].revents && sl_kern_events_read(a->k, on_neigh, a) == -ENOBUFS)
				sl_kern_neigh_dump(a->k, on_neigh, a); /* events lost */
			for (unsigned int i = 1; i < n; i++) {
				if (!pf[i].revents)
					continue;
				if (wake && i == n_wake) {
					ring_buffer__consume(wake);
					woken = true;
				} else {
					sl_miss_read(pf[i].fd, a->x, on_miss, a);
				}
			}
		}
		if (a->srv)
			sl_ctl_server_poll(a->srv);
		now = sl_xdp_clock(a->x);
		/* held fragments: released (woken), or their datagram ran out
		 * (new ones are seen within 100 ms); without the ring buffer,
		 * look every round */
		if (woken || now >= next_held || now - last_held >= 100000000ull || wake == NULL) {
			last_held = now;
			sl_xdp_held_due(a->x, now, false, NULL, NULL, &next_held);
		}
		g = sl_xdp_nat_generation(a->x);
		if (g != gen) {
			uint64_t d = now + sl_xdp_nat_min_timeout(a->x) + 1;
			gen = g;
			if (d < next_expire)
				next_expire = d;
		}
		/* at most once a second: a pass walks the session table */
		if (now >= next_expire && now - last_expire >= 1000000000ull) {
			last_expire = now;
			if (sl_xdp_nat_expire(a->x, now, &next_expire) < 0)
				next_expire = now + 1000000000ull;
		}
	}
	ring_buffer__free(wake);
}

int sl_xdp_agent_main(int argc, char **argv)
{
	static struct agent ag;
	struct agent *a = &ag;
	struct sl_xdp_opts o;
	struct sigaction sa = {.sa_handler = on_signal};
	char err[SL_ERR_MAX * 2];
	int rc = 1;

	a->lock_fd = -1;
	if (parse_opts(a, argc, argv) < 0)
		return 2;
	a->say = a->json ? stderr : stdout;
	if (sl_cmd_list_load(a->config, &a->cmds, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (pin_dir_prepare(a) < 0)
		goto out_cmds;
	if (sl_kern_open(&a->k, err, sizeof(err)) < 0) {
		fprintf(stderr, "sluice-xdp: %s\n", err);
		goto out_cmds;
	}
	sl_xdp_opts_default(&o, &a->cmds, false);
	o.seed = sl_rng_live_seed(); /* ports hard to guess (RFC 6056) */
	o.pin_dir = a->pin_dir;
	if (sl_xdp_open(&a->x, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "sluice-xdp: %s\n", err);
		fprintf(stderr,
			"sluice-xdp: (maps pinned in %s by another version or with another `nat "
			"sessions max` cannot be reused: --fresh starts afresh, dropping NAT "
			"sessions)\n",
			a->pin_dir);
		goto out_kern;
	}
	xb_init(&a->be, a->x, o.sessions_max, resolve, a);
	if (xb_apply_config(&a->be, &a->cmds, err, sizeof(err)) < 0) {
		fprintf(stderr, "sluice-xdp: %s: %s\n", a->config, err);
		goto out_be;
	}
	if (!a->no_kernel)
		kernel_setup(a);
	/* neighbours: the kernel's table now, then its changes; next hops of
	 * routes and forwards are resolved by the kernel and kept so */
	sl_kern_neigh_dump(a->k, on_neigh, a);
	a->be.applied = applied;
	a->be.applied_arg = a;
	for (unsigned int i = 0; i < a->cmds.n; i++)
		applied(a, &a->cmds.cmds[i]);
	for (unsigned int i = 0; i < a->n_links; i++) {
		struct slot_link *l = &a->links[i];
		if (l->l3.ifindex == 0)
			continue;
		l->miss_fd = sl_miss_open(l->l3.ifindex);
		if (l->miss_fd < 0)
			fprintf(stderr,
				"sluice-xdp: warning: %s: cannot watch next-hop misses: %s\n",
				l->l3.name, strerror(-l->miss_fd));
	}
	if (attach(a) < 0)
		goto out_detach;
	if (ctl_start(a) < 0)
		goto out_detach;
	fprintf(a->say, "sluice-xdp: running, %u interface(s), %s XDP on", sl_xdp_iface_count(a->x),
		a->skb_mode ? "generic" : "native");
	for (unsigned int i = 0; i < a->n_attached; i++) {
		for (unsigned int j = 0; j < a->n_links; j++)
			if (a->links[j].dev.ifindex == a->attached[i]) {
				fprintf(a->say, " %s", a->links[j].dev.name);
				break;
			}
	}
	fprintf(a->say, ", maps in %s\n", a->pin_dir);
	fflush(a->say);
	main_loop(a);
	rc = 0;
out_detach:
	detach(a);
	sl_ctl_server_destroy(a->srv);
	if (rc == 0) {
		xb_print_stats(&a->be, stdout, a->json ? stderr : stdout, a->json);
		fprintf(a->say,
			"sluice-xdp: stopped (maps stay pinned in %s; %llu next-hop resolutions "
			"requested)\n",
			a->pin_dir, (unsigned long long)a->n_resolve);
		fflush(stdout);
	}
	for (unsigned int i = 0; i < a->n_links; i++)
		if (a->links[i].miss_fd >= 0)
			close(a->links[i].miss_fd);
	if (!a->no_kernel)
		kernel_teardown(a);
out_be:
	xb_fini(&a->be);
	sl_xdp_close(a->x);
out_kern:
	sl_kern_close(a->k);
out_cmds:
	if (a->lock_fd >= 0)
		close(a->lock_fd);
	sl_cmd_list_free(&a->cmds);
	return rc;
}
