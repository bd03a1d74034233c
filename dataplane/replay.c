/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include <sluice/pipeline.h>
#include <sluice/pcapio.h>
#include <sluice/replay.h>
#include <sluice/slowpath.h>

#include "boot.h"
#include "pkt.h"

#define MAX_INPUTS 64

struct input {
	const char *iface_name;
	const char *path;
	uint16_t iface;
	pcap_t *pc;
	struct pcap_pkthdr *hdr;
	const uint8_t *data;
	uint64_t ts; /* ns */
	bool done;
};

struct output {
	pcap_t *dead;
	pcap_dumper_t *d;
};

struct replay {
	struct sl_dp dp;
	struct sl_worker w;
	struct sl_slow slow;
	struct input in[MAX_INPUTS];
	unsigned int n_in;
	struct output out[SL_IFACE_MAX];
	uint64_t now;
	uint64_t last_reap; /* pcap time of the last NAT reaping */
	uint32_t seed;	    /* --seed */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-dp replay --config FILE --in IFACE=FILE.pcap [--in ...] --out-dir "
		"DIR\n"
		"                        [--seed N] [--json]\n"
		"Runs the real packet pipeline over pcap input, offline (no NIC, no hugepages).\n"
		"Packets of all inputs are processed in timestamp order; the timestamps are the\n"
		"dataplane's clock. What the gateway transmits on interface X goes to DIR/X.pcap.\n"
		"Counters are printed at the end (--json: as one JSON object).\n");
}

static void replay_tx(void *ctx, uint16_t iface, struct rte_mbuf *m)
{
	struct replay *r = ctx;
	struct pcap_pkthdr h;
	uint8_t buf[65536];
	const uint8_t *p = rte_pktmbuf_read(m, 0, m->pkt_len, buf);

	h.ts.tv_sec = (time_t)(r->now / 1000000000u);
	h.ts.tv_usec = (suseconds_t)(r->now % 1000000000u / 1000u);
	h.caplen = h.len = m->pkt_len;
	if (r->out[iface].d)
		pcap_dump((u_char *)r->out[iface].d, &h, p);
	r->w.stats.if_tx[iface]++;
	r->w.stats.if_tx_bytes[iface] += m->pkt_len;
	rte_pktmbuf_free(m);
}

#define PROG "sluice-dp replay"

static int read_next(struct input *in)
{
	int rc = sl_pcap_in_read(PROG, in->path, in->pc, &in->hdr, &in->data, &in->ts);

	in->done = rc <= 0;
	return rc;
}

static int open_inputs(struct replay *r)
{
	for (unsigned int i = 0; i < r->n_in; i++) {
		struct input *in = &r->in[i];
		const struct sl_iface *ifc = sl_iface_by_name(&r->dp.ifs, in->iface_name);
		int rc;

		if (ifc == NULL) {
			fprintf(stderr,
				"sluice-dp replay: --in %s=%s: no interface '%s' in the config\n",
				in->iface_name, in->path, in->iface_name);
			return -ENOENT;
		}
		in->iface = ifc->id;
		rc = sl_pcap_in_open(PROG, in->path, &in->pc);
		if (rc < 0)
			return rc;
		rc = read_next(in);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int open_outputs(struct replay *r, const char *dir)
{
	int rc = sl_pcap_out_dir(PROG, dir);

	for (unsigned int i = 0; rc == 0 && i < r->dp.ifs.n_ifaces; i++) {
		r->out[i].dead = pcap_open_dead(DLT_EN10MB, 65535);
		if (r->out[i].dead == NULL)
			return -ENOMEM;
		rc = sl_pcap_out_open(
			PROG, dir, r->dp.ifs.ifaces[i].name, r->out[i].dead, &r->out[i].d);
	}
	return rc;
}

static void close_io(struct replay *r)
{
	for (unsigned int i = 0; i < r->n_in; i++)
		if (r->in[i].pc)
			pcap_close(r->in[i].pc);
	for (unsigned int i = 0; i < SL_IFACE_MAX; i++) {
		if (r->out[i].d)
			pcap_dump_close(r->out[i].d);
		if (r->out[i].dead)
			pcap_close(r->out[i].dead);
	}
}

/* The earliest pending packet; ties go to the input named first. */
static struct input *next_input(struct replay *r)
{
	struct input *best = NULL;

	for (unsigned int i = 0; i < r->n_in; i++)
		if (!r->in[i].done && (best == NULL || r->in[i].ts < best->ts))
			best = &r->in[i];
	return best;
}

static void process_one(struct replay *r, struct input *in)
{
	const struct sl_iface *ifc = &r->dp.ifs.ifaces[in->iface];
	uint32_t len = in->hdr->caplen;
	bool add_tag = false;
	struct rte_mbuf *m;
	uint16_t verdict;
	uint8_t *p;

	/* the pcap clock runs between packets too: timers due before this
	 * packet (ARP/ND retries and failures, fragment expiry) fire at their
	 * own times, and what they send is stamped so */
	while (r->slow.next_timer < in->ts) {
		uint64_t t = r->slow.next_timer;
		r->now = t;
		sl_slow_timers(&r->slow, t);
		if (r->slow.next_timer <= t)
			break; /* (no timer moved on: the packet's time decides) */
	}
	r->now = in->ts;
	sl_slow_timers(&r->slow, r->now);
	/* NAT expiry as the live slow path would have done it in the time
	 * since the last packet: a slice of the table per millisecond */
	if (r->dp.nat.sess && r->now - r->last_reap >= SL_NAT_REAP_PERIOD_NS) {
		uint64_t slots =
			(r->now - r->last_reap) / SL_NAT_REAP_PERIOD_NS * SL_NAT_REAP_SLICE;
		sl_nat_reap(&r->dp.nat, r->now, (uint32_t)RTE_MIN(slots, (uint64_t)UINT32_MAX));
		r->last_reap = r->now;
	}
	/* a capture on a VLAN interface may show its frames untagged */
	if (ifc->vlan && len >= ETH_HLEN && rd16(in->data + 12) != ETYPE_VLAN)
		add_tag = true;
	m = rte_pktmbuf_alloc(r->dp.pool);
	if (m == NULL || len + (add_tag ? VLAN_HLEN : 0) > rte_pktmbuf_tailroom(m)) {
		r->w.stats.rx++;
		sl_stats_drop(&r->w.stats, m ? SL_DROP_OVERSIZE : SL_DROP_NO_MBUF);
		rte_pktmbuf_free(m);
		return;
	}
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(len + (add_tag ? VLAN_HLEN : 0)));
	if (add_tag) {
		memcpy(p, in->data, 12);
		wr16(p + 12, ETYPE_VLAN);
		wr16(p + 14, ifc->vlan);
		memcpy(p + 16, in->data + 12, len - 12);
	} else {
		memcpy(p, in->data, len);
	}
	sl_pipeline_run(&r->w, &m, 1, ifc->port, r->now, &verdict);
	if (verdict < SL_IFACE_MAX)
		replay_tx(r, verdict, m);
	else if (verdict == SL_V_SLOW)
		sl_slow_input(&r->slow, m, r->now);
	else
		rte_pktmbuf_free(m);
}

static int parse_args(int argc, char **argv, struct replay *r, const char **config,
	const char **outdir, bool *json)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"in", required_argument, NULL, 'i'},
		{"out-dir", required_argument, NULL, 'o'},
		{"seed", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		char *eq, *end;
		switch (c) {
		case 'c':
			*config = optarg;
			break;
		case 'i':
			eq = strchr(optarg, '=');
			if (eq == NULL || eq == optarg || eq[1] == 0) {
				fprintf(stderr,
					"sluice-dp replay: --in wants IFACE=FILE.pcap, got '%s'\n",
					optarg);
				return 2;
			}
			if (r->n_in == MAX_INPUTS) {
				fprintf(stderr, "sluice-dp replay: at most %d inputs\n",
					MAX_INPUTS);
				return 2;
			}
			*eq = 0;
			r->in[r->n_in].iface_name = optarg;
			r->in[r->n_in++].path = eq + 1;
			break;
		case 'o':
			*outdir = optarg;
			break;
		case 's':
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 0);
			if (errno || *end || end == optarg || v > UINT32_MAX) {
				fprintf(stderr,
					"sluice-dp replay: --seed wants a number 0..%u, got '%s'\n",
					UINT32_MAX, optarg);
				return 2;
			}
			r->seed = (uint32_t)v;
			break;
		case 'j':
			*json = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sluice-dp replay: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (*config == NULL || *outdir == NULL) {
		fprintf(stderr, "sluice-dp replay: --config and --out-dir are required\n");
		usage(stderr);
		return 2;
	}
	return 0;
}

/* EAL memory (MB) for a config: 1 GB, plus room for a NAT table sized by
 * its `nat sessions max` (about 130 bytes a session: 256 leaves margin). */
static unsigned long replay_mem_mb(const struct sl_cmd_list *cmds)
{
	unsigned long mb = 1024;

	for (unsigned int i = 0; i < cmds->n; i++)
		if (cmds->cmds[i].type == SL_CMD_NAT_SESSIONS_MAX)
			mb = 1024 + (unsigned long)cmds->cmds[i].nat.value * 256 / (1024 * 1024);
	return mb;
}

int sl_replay_main(int argc, char **argv)
{
	static char mem[24];
	static char *eal_argv[] = {"sluice-replay", "--no-huge", "--no-pci", "--no-shconf", "-m",
		mem, "-l", "0", "--log-level=*:error", "--no-telemetry", NULL};
	const char *config = NULL, *outdir = NULL;
	struct sl_cmd_list cmds = {0};
	struct sl_dp_params params;
	char err[SL_ERR_MAX * 2];
	struct rte_mempool *pool;
	struct replay *r;
	bool json = false;
	int rc;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return 1;
	rc = parse_args(argc, argv, r, &config, &outdir, &json);
	if (rc)
		goto out_free;
	rc = sl_cmd_list_load(config, &cmds, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		rc = 1;
		goto out_free;
	}
	/* (memory without hugepages is reserved, and only touched as used) */
	snprintf(mem, sizeof(mem), "%lu", replay_mem_mb(&cmds));
	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "sluice-dp replay: EAL initialisation failed\n");
		rc = 1;
		goto out_cmds;
	}
	rc = 1;
	pool = boot_pool("replay_pool", 8191, boot_max_mtu(&cmds));
	if (pool == NULL) {
		fprintf(stderr, "sluice-dp replay: no memory for packet buffers\n");
		goto out_eal;
	}
	sl_dp_params_default(&params);
	params.replay = true;
	params.max_routes6 = 4096;
	params.n_workers = 0;
	params.seed = r->seed;
	if (boot_gateway(&r->dp, &params, pool, config, &cmds) < 0)
		goto out_eal;
	r->w.dp = &r->dp;
	sl_slow_init(&r->slow, &r->dp, replay_tx, r);
	if (open_inputs(r) < 0 || open_outputs(r, outdir) < 0)
		goto out_io;

	/* a malformed record (in an input that is not a regular file) stops the
	 * replay: exit status 1, no counters */
	for (struct input *in; (in = next_input(r)) != NULL;) {
		process_one(r, in);
		if (read_next(in) < 0)
			goto out_io;
	}
	sl_slow_flush(&r->slow, SL_DROP_NO_NEIGHBOUR);

	sl_stats_add(&r->w.stats, &r->slow.stats);
	sl_stats_add(&r->w.stats, &r->slow.rw.stats);
	if (json)
		sl_stats_print_json(stdout, &r->w.stats, &r->dp.ifs, r->slow.held);
	else
		sl_stats_print(stdout, &r->w.stats, &r->dp.ifs, r->slow.held);
	rc = 0;
out_io:
	close_io(r);
	sl_dp_destroy(&r->dp);
out_eal:
	rte_eal_cleanup();
out_cmds:
	sl_cmd_list_free(&cmds);
out_free:
	free(r);
	return rc;
}
