/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include <sluice/rng.h>
#include <sluice/replay.h>
#define SLUICE_TRACE_DATAPLANE
#include <sluice/trace.h>

#include "backend_dp.h"
#include "boot.h"
#include "live.h"

/* `sluicectl check` refuses larger pools by this number */
_Static_assert(SL_NAT_ADDRS_MAX == SL_NAT_POOL_ADDRS_MAX, "pool address limit");

static struct live lv;

static void on_signal(int sig)
{
	(void)sig;
	lv.stop = true;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-dp [EAL args] -- --config FILE [--ctl SOCKET] [--ctl-group GROUP]\n"
		"                 [--max-routes4 N] [--max-routes6 N] [--max-neighbours N] "
		"[--json]\n"
		"       sluice-dp replay --config FILE --in IFACE=FILE.pcap ... --out-dir DIR "
		"[--seed N] [--json]\n"
		"\n"
		"Runs the sluice gateway on DPDK ports. Interfaces name their ports by DPDK "
		"device\n"
		"name (net_af_packet0, 0000:00:04.0, ...). The main lcore runs the slow path "
		"(ARP,\n"
		"ND, ICMP, neighbour timers); every other lcore is a forwarding worker.\n"
		"SIGINT/SIGTERM stop the ports and print the counters (--json: as JSON).\n"
		"The control socket (--ctl, default " SL_CTL_SOCKET_DEFAULT ", mode 0600) serves\n"
		"sluicectl to root, and to GROUP with --ctl-group (mode 0660).\n"
		"Typical: sluice-dp --no-pci -l 0-1 --vdev net_af_packet0,iface=veth0 -- "
		"--config gw.conf\n");
}

struct opts {
	const char *config;
	const char *ctl;
	const char *ctl_group;
	bool json;
};

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v == 0 || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o, struct sl_dp_params *p)
{
	static const struct option lo[] = {
		{"config", required_argument, NULL, 'c'},
		{"ctl", required_argument, NULL, 'C'},
		{"ctl-group", required_argument, NULL, 'G'},
		{"max-routes4", required_argument, NULL, '4'},
		{"max-routes6", required_argument, NULL, '6'},
		{"max-neighbours", required_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		int rc = 0;
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'C':
			o->ctl = optarg;
			break;
		case 'G':
			o->ctl_group = optarg;
			break;
		case '4':
			rc = parse_u32(optarg, &p->max_routes4);
			break;
		case '6':
			rc = parse_u32(optarg, &p->max_routes6);
			break;
		case 'n':
			rc = parse_u32(optarg, &p->max_neighbours);
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (rc < 0) {
			fprintf(stderr, "sluice-dp: bad number '%s'\n", optarg);
			return rc;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sluice-dp: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->config == NULL) {
		fprintf(stderr, "sluice-dp: --config FILE is required\n");
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static int workers_create(unsigned int n)
{
	unsigned int lcore, i = 0;
	char name[RTE_RING_NAMESIZE];

	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		struct live_worker *lw;
		if (i == n)
			break;
		lw = rte_zmalloc("worker", sizeof(*lw), RTE_CACHE_LINE_SIZE);
		if (lw == NULL)
			return -ENOMEM;
		lw->w.dp = lv.dp;
		lw->w.id = i;
		lw->lcore = lcore;
		snprintf(name, sizeof(name), "to_slow%u", i);
		lw->to_slow =
			rte_ring_create(name, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "from_slow%u", i);
		lw->from_slow =
			rte_ring_create(name, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (lw->to_slow == NULL || lw->from_slow == NULL)
			return -ENOMEM;
		lv.workers[i++] = lw;
	}
	return 0;
}

static void drain_and_report(struct opts *o)
{
	struct sl_stats total = {0};
	struct rte_mbuf *m = NULL;

	for (unsigned int w = 0; w < lv.n_workers; w++) {
		while (rte_ring_dequeue(lv.workers[w]->to_slow, (void **)&m) == 0) {
			sl_stats_drop(&lv.slow.stats, SL_DROP_SHUTDOWN);
			rte_pktmbuf_free(m);
		}
		while (rte_ring_dequeue(lv.workers[w]->from_slow, (void **)&m) == 0) {
			if (sl_meta(m)->generated) {
				lv.slow.stats.event[SL_EV_GEN_TX_FAILED]++;
			} else {
				lv.slow.stats.forwarded--;
				sl_stats_drop(&lv.slow.stats, SL_DROP_SHUTDOWN);
			}
			rte_pktmbuf_free(m);
		}
	}
	sl_slow_flush(&lv.slow, SL_DROP_SHUTDOWN);
	for (unsigned int w = 0; w < lv.n_workers; w++)
		sl_stats_add(&total, &lv.workers[w]->w.stats);
	sl_stats_add(&total, &lv.slow.stats);
	sl_stats_add(&total, &lv.slow.rw.stats);
	if (o->json)
		sl_stats_print_json(stdout, &total, &lv.dp->ifs, lv.slow.held);
	else
		sl_stats_print(stdout, &total, &lv.dp->ifs, lv.slow.held);
	fflush(stdout);
}

/* The control socket: an explicit --ctl must work; the default path may be
 * taken by another sluice-dp (then this one serves no control socket). */
static int ctl_start(const struct opts *o)
{
	struct sl_ctl_server_conf conf = {
		.path = o->ctl ? o->ctl : SL_CTL_SOCKET_DEFAULT,
		.group = o->ctl_group,
		.busy_ok = o->ctl == NULL,
		.ops = &sl_backend_dp_ops,
		.ctx = &lv,
	};
	char err[SL_ERR_MAX];
	int rc;

	if (sl_trace_init(lv.n_workers) < 0) {
		fprintf(stderr, "sluice-dp: cannot allocate the trace buffers\n");
		return -ENOMEM;
	}
	rc = sl_ctl_server_create(&conf, &lv.ctl, err, sizeof(err));
	if (rc < 0 && o->ctl == NULL) {
		fprintf(stderr, "sluice-dp: warning: %s; no control socket\n", err);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "sluice-dp: %s\n", err);
		return rc;
	}
	if (lv.ctl == NULL)
		fprintf(stderr,
			"sluice-dp: warning: %s is served by another process; no control socket "
			"(give --ctl PATH)\n",
			conf.path);
	return 0;
}

static int live_main(int argc, char **argv)
{
	struct opts o = {0};
	struct sl_dp_params params;
	struct sl_cmd_list cmds = {0};
	char err[SL_ERR_MAX * 2];
	struct rte_mempool *pool;
	static struct sl_dp dp;
	unsigned int n_workers;
	int n, rc = 1;

	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "sluice-dp: EAL initialisation failed (see above)\n");
		return 1;
	}
	argc -= n;
	argv += n;
	argv[0] = "sluice-dp";
	sl_dp_params_default(&params);
	params.max_routes4 = 1u << 17;
	params.max_routes6 = 1u << 14;
	params.max_sessions = 1u << 18;
	params.seed = sl_rng_live_seed(); /* ports hard to guess (RFC 6056) */
	if (parse_opts(argc, argv, &o, &params) < 0)
		goto out_eal;
	if (sl_cmd_list_load(o.config, &cmds, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		goto out_eal;
	}
	n_workers = rte_lcore_count() - 1;
	if (n_workers == 0) {
		fprintf(stderr,
			"sluice-dp: needs at least 2 lcores (main + one worker), e.g. -l 0-1\n");
		goto out_cmds;
	}
	if (n_workers > LIVE_WORKERS_MAX)
		n_workers = LIVE_WORKERS_MAX;
	params.n_workers = n_workers;
	pool = boot_pool("mbufs", 4096 * (2 + n_workers) - 1, boot_max_mtu(&cmds));
	if (pool == NULL) {
		fprintf(stderr, "sluice-dp: cannot allocate packet buffers (more -m?)\n");
		goto out_cmds;
	}
	if (boot_gateway(&dp, &params, pool, o.config, &cmds) < 0)
		goto out_cmds;
	lv.dp = &dp;
	lv.n_workers = n_workers;
	live_g = &lv;
	if (workers_create(n_workers) < 0) {
		fprintf(stderr, "sluice-dp: cannot create workers: out of memory\n");
		goto out_dp;
	}
	sl_slow_init(&lv.slow, &dp, live_slow_tx, &lv);
	if (live_ports_start(&lv, pool) < 0)
		goto out_ports;
	if (ctl_start(&o) < 0)
		goto out_ports;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (unsigned int w = 0; w < n_workers; w++)
		rte_eal_remote_launch(live_worker_main, lv.workers[w], lv.workers[w]->lcore);
	/* with --json stdout carries the counters' JSON object alone */
	fprintf(o.json ? stderr : stdout, "sluice-dp: running, %u interface(s), %u worker(s)\n",
		dp.ifs.n_ifaces, n_workers);
	fflush(stdout);
	live_main_loop(&lv);
	rte_eal_mp_wait_lcore();
	drain_and_report(&o);
	rc = 0;
out_ports:
	sl_ctl_server_destroy(lv.ctl);
	lv.ctl = NULL;
	sl_trace_fini();
	live_ports_stop(&lv);
out_dp:
	sl_dp_destroy(&dp);
out_cmds:
	sl_cmd_list_free(&cmds);
out_eal:
	rte_eal_cleanup();
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "replay") == 0)
		return sl_replay_main(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	return live_main(argc, argv);
}
