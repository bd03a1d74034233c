/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-xdp replay: the real XDP program run over pcap input with
 * BPF_PROG_TEST_RUN, one frame at a time, inputs merged in timestamp order,
 * the pcap time written into the program's clock before each run. The
 * program records its decision (sl_verdict); a redirect is written to the
 * egress interface's pcap, XDP_PASS is reported as "kernel". Devices get
 * made-up ifindexes: the program reads the ingress device from a global in
 * replay mode, so no network device is created or needed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

#include <sluice/pcapio.h>
#include <sluice/stats.h>

#include "loader.h"
#include "replay.h"

#define MAX_INPUTS   64
#define FAKE_IFINDEX 1000
#define FRAME_MAX    65536

struct input {
	const char *iface_name;
	const char *path;
	int slot;
	uint32_t ifindex;
	uint16_t vlan;
	pcap_t *pc;
	struct pcap_pkthdr *hdr;
	const uint8_t *data;
	uint64_t ts;
	uint64_t index; /* of the current packet in this input */
	bool done;
	uint64_t *kernel; /* indices passed to the kernel */
	size_t n_kernel, cap_kernel;
};

struct replay {
	struct sl_cmd_list cmds;
	struct sl_xdp *x;
	struct input in[MAX_INPUTS];
	unsigned int n_in;
	pcap_t *dead;
	pcap_dumper_t *out[SL_XDP_IFACES_MAX];
	char devices[SL_XDP_IFACES_MAX][SL_DEVICE_MAX];
	unsigned int n_devices;
	uint64_t extra_rx, extra_drop[SL_DROP_MAX];
	uint32_t max_frame;
	uint64_t seed;
	uint64_t next_held; /* earliest until of the held fragments */
	uint64_t now;	    /* the clock of the packet being replayed */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-xdp replay --config FILE --in IFACE=FILE.pcap [--in ...] --out-dir "
		"DIR\n"
		"                         [--seed N] [--json]\n"
		"Runs the real XDP program over pcap input, offline (BPF_PROG_TEST_RUN; no NIC).\n"
		"Packets of all inputs are processed in timestamp order; the timestamps are the\n"
		"program's clock. What the gateway transmits on interface X goes to DIR/X.pcap;\n"
		"packets the program passes to the kernel (XDP_PASS) are listed as \"kernel\".\n"
		"Counters are printed at the end (--json: as one JSON object).\n");
}

/* Replay: every distinct device gets a made-up ifindex. */
static int resolve(void *arg, const struct sl_cmd_interface *ifc, uint32_t *ifindex, uint8_t *mac)
{
	struct replay *r = arg;
	unsigned int i;

	if (!ifc->has_mac) {
		fprintf(stderr,
			"sluice-xdp replay: interface %s: replay needs `mac` in the config\n",
			ifc->name);
		return -EINVAL;
	}
	for (i = 0; i < r->n_devices; i++)
		if (strcmp(r->devices[i], ifc->device) == 0)
			break;
	if (i == r->n_devices) {
		if (i == SL_XDP_IFACES_MAX)
			return -ENOSPC;
		snprintf(r->devices[i], SL_DEVICE_MAX, "%s", ifc->device);
		r->n_devices++;
	}
	*ifindex = FAKE_IFINDEX + i;
	return 0;
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
		unsigned long v;
		switch (c) {
		case 'c':
			*config = optarg;
			break;
		case 'i':
			eq = strchr(optarg, '=');
			if (eq == NULL || eq == optarg || eq[1] == 0) {
				fprintf(stderr,
					"sluice-xdp replay: --in wants IFACE=FILE.pcap, got '%s'\n",
					optarg);
				return 2;
			}
			if (r->n_in == MAX_INPUTS) {
				fprintf(stderr, "sluice-xdp replay: at most %d inputs\n",
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
			v = strtoul(optarg, &end, 0);
			if (errno || *end || end == optarg || v > UINT32_MAX) {
				fprintf(stderr,
					"sluice-xdp replay: --seed wants a number 0..%u, got "
					"'%s'\n",
					UINT32_MAX, optarg);
				return 2;
			}
			r->seed = v;
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
		fprintf(stderr, "sluice-xdp replay: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (*config == NULL || *outdir == NULL) {
		fprintf(stderr, "sluice-xdp replay: --config and --out-dir are required\n");
		usage(stderr);
		return 2;
	}
	return 0;
}

#define PROG "sluice-xdp replay"

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
		int rc;

		in->slot = sl_xdp_iface_slot(r->x, in->iface_name);
		if (in->slot < 0) {
			fprintf(stderr,
				"sluice-xdp replay: --in %s=%s: no interface '%s' in the config\n",
				in->iface_name, in->path, in->iface_name);
			return -ENOENT;
		}
		in->ifindex = sl_xdp_iface_ifindex(r->x, (unsigned int)in->slot);
		for (unsigned int k = 0; k < r->cmds.n; k++) {
			const struct sl_cmd *c = &r->cmds.cmds[k];
			if (c->type == SL_CMD_INTERFACE &&
				strcmp(c->iface.name, in->iface_name) == 0)
				in->vlan = c->iface.vlan;
		}
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

	if (rc < 0)
		return rc;
	r->dead = pcap_open_dead(DLT_EN10MB, 65535);
	if (r->dead == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; rc == 0 && i < sl_xdp_iface_count(r->x); i++)
		rc = sl_pcap_out_open(PROG, dir, sl_xdp_iface_name(r->x, i), r->dead, &r->out[i]);
	return rc;
}

static void close_io(struct replay *r)
{
	for (unsigned int i = 0; i < r->n_in; i++) {
		if (r->in[i].pc)
			pcap_close(r->in[i].pc);
		free(r->in[i].kernel);
	}
	for (unsigned int i = 0; i < SL_XDP_IFACES_MAX; i++)
		if (r->out[i])
			pcap_dump_close(r->out[i]);
	if (r->dead)
		pcap_close(r->dead);
}

static struct input *next_input(struct replay *r)
{
	struct input *best = NULL;

	for (unsigned int i = 0; i < r->n_in; i++)
		if (!r->in[i].done && (best == NULL || r->in[i].ts < best->ts))
			best = &r->in[i];
	return best;
}

/* Packet index of in went to the kernel. A held fragment run again comes
 * after packets that came later: the list stays sorted. */
static void kernel_add(struct input *in, uint64_t index)
{
	size_t i;

	if (in->n_kernel == in->cap_kernel) {
		size_t cap = in->cap_kernel ? in->cap_kernel * 2 : 64;
		uint64_t *k = realloc(in->kernel, cap * sizeof(*k));
		if (k == NULL)
			return;
		in->kernel = k;
		in->cap_kernel = cap;
	}
	for (i = in->n_kernel; i > 0 && in->kernel[i - 1] > index; i--)
		in->kernel[i] = in->kernel[i - 1];
	in->kernel[i] = index;
	in->n_kernel++;
}

/* Write what the program did with packet index of input in: a frame sent
 * out goes to its interface's pcap, one passed to the kernel is listed. */
static void outcome(struct replay *r, struct input *in, uint64_t index,
	const struct sl_xdp_verdict *v, const void *out, uint32_t out_len)
{
	uint32_t slot = v->out_slot;

	if (v->action == 3 /* XDP_TX */)
		slot = (uint32_t)in->slot;
	if ((v->action == 3 || v->action == 4 /* XDP_REDIRECT */) && slot < SL_XDP_IFACES_MAX &&
		r->out[slot]) {
		struct pcap_pkthdr h;
		h.ts.tv_sec = (time_t)(r->now / 1000000000u);
		h.ts.tv_usec = (suseconds_t)(r->now % 1000000000u / 1000u);
		h.caplen = h.len = out_len;
		pcap_dump((u_char *)r->out[slot], &h, out);
	} else if (v->action == 2 /* XDP_PASS */) {
		kernel_add(in, index);
	}
}

/* A held fragment's tag: its input and index there. */
#define TAG_INDEX_BITS 48

static void held_outcome(void *arg, const struct sl_xdp_held *h, const struct sl_xdp_verdict *v,
	const void *out, uint32_t out_len)
{
	struct replay *r = arg;
	uint64_t i = h->tag >> TAG_INDEX_BITS;

	if (i < r->n_in)
		outcome(r, &r->in[i], h->tag & ((1ull << TAG_INDEX_BITS) - 1), v, out, out_len);
}

/* Run the held fragments due now again (all: every one, at the end). */
static int held_run(struct replay *r, bool all)
{
	int rc = sl_xdp_held_due(r->x, r->now, all, held_outcome, r, &r->next_held);

	if (rc < 0) {
		fprintf(stderr, "sluice-xdp replay: held fragments: %s\n", strerror(-rc));
		return rc;
	}
	return 0;
}

static int process_one(struct replay *r, struct input *in, uint8_t *frame, uint8_t *out)
{
	uint32_t len = in->hdr->caplen, out_len = 0;
	struct sl_xdp_verdict v;
	bool add_tag = false;
	int rc;

	/* a capture on a VLAN interface may show its frames untagged */
	if (in->vlan && len >= 14 && (in->data[12] << 8 | in->data[13]) != 0x8100)
		add_tag = true;
	if (len < 14) {
		/* BPF_PROG_TEST_RUN refuses frames shorter than Ethernet */
		r->extra_rx++;
		r->extra_drop[SL_DROP_TRUNCATED]++;
		return 0;
	}
	if (len + (add_tag ? 4 : 0) > r->max_frame) {
		r->extra_rx++;
		r->extra_drop[SL_DROP_OVERSIZE]++;
		return 0;
	}
	if (add_tag) {
		memcpy(frame, in->data, 12);
		frame[12] = 0x81;
		frame[13] = 0x00;
		frame[14] = (uint8_t)(in->vlan >> 8);
		frame[15] = (uint8_t)in->vlan;
		memcpy(frame + 16, in->data + 12, len - 12);
		len += 4;
	} else {
		memcpy(frame, in->data, len);
	}
	r->now = in->ts;
	sl_xdp_set_now(r->x, in->ts);
	sl_xdp_set_tag(r->x, (uint64_t)(in - r->in) << TAG_INDEX_BITS | in->index);
	rc = sl_xdp_run(r->x, in->ifindex, frame, len, out, FRAME_MAX, &out_len, &v);
	if (rc) {
		fprintf(stderr, "sluice-xdp replay: %s: packet %" PRIu64 ": test run: %s\n",
			in->path, in->index + 1, strerror(-rc));
		return rc;
	}
	if (v.held && v.until < r->next_held)
		r->next_held = v.until;
	outcome(r, in, in->index, &v, out, out_len);
	if (v.release)
		return held_run(r, false);
	return 0;
}

static void print_json(struct replay *r, const struct sl_xdp_stats *s)
{
	static const char *const events[] = {
#define SL_X_EVN(e, n) n,
		SL_EVENTS(SL_X_EVN)
#undef SL_X_EVN
	};
	uint64_t dropped = 0;

	for (unsigned int i = 0; i < SL_DROP_MAX; i++)
		dropped += s->drop[i];
	printf("{\"packets\": {\"rx\": %" PRIu64 ", \"forwarded\": %" PRIu64 ", \"local\": %" PRIu64
	       ", \"dropped\": %" PRIu64 ", \"held\": %" PRIu64 "},\n",
		(uint64_t)s->c.rx, (uint64_t)s->c.forwarded, (uint64_t)s->c.local, dropped,
		(uint64_t)s->c.held);
	printf(" \"interfaces\": {");
	for (unsigned int i = 0; i < sl_xdp_iface_count(r->x); i++)
		printf("%s\"%s\": {\"rx\": %" PRIu64 ", \"tx\": %" PRIu64 ", \"rx_bytes\": %" PRIu64
		       ", \"tx_bytes\": %" PRIu64 "}",
			i ? ", " : "", sl_xdp_iface_name(r->x, i), (uint64_t)s->c.if_rx[i],
			(uint64_t)s->c.if_tx[i], (uint64_t)s->c.if_rx_bytes[i],
			(uint64_t)s->c.if_tx_bytes[i]);
	printf("},\n \"drops\": {");
	for (unsigned int i = 0; i < SL_DROP_MAX; i++)
		printf("%s\"%s\": %" PRIu64, i ? ", " : "", sl_drop_name(i), s->drop[i]);
	printf("},\n \"events\": {");
	for (unsigned int i = 0; i < SL_EV_MAX; i++)
		printf("%s\"%s\": 0", i ? ", " : "", events[i]);
	printf("},\n \"kernel\": {");
	for (unsigned int i = 0, first = 1; i < r->n_in; i++) {
		struct input *in = &r->in[i];
		printf("%s\"%s\": [", first ? "" : ", ", in->iface_name);
		first = 0;
		for (size_t k = 0; k < in->n_kernel; k++)
			printf("%s%" PRIu64, k ? ", " : "", in->kernel[k]);
		printf("]");
	}
	printf("}}\n");
}

static void print_text(struct replay *r, const struct sl_xdp_stats *s)
{
	uint64_t dropped = 0;

	for (unsigned int i = 0; i < SL_DROP_MAX; i++)
		dropped += s->drop[i];
	printf("%-12s %14s %14s %16s %16s\n", "interface", "rx-packets", "tx-packets", "rx-bytes",
		"tx-bytes");
	for (unsigned int i = 0; i < sl_xdp_iface_count(r->x); i++)
		printf("%-12s %14" PRIu64 " %14" PRIu64 " %16" PRIu64 " %16" PRIu64 "\n",
			sl_xdp_iface_name(r->x, i), (uint64_t)s->c.if_rx[i],
			(uint64_t)s->c.if_tx[i], (uint64_t)s->c.if_rx_bytes[i],
			(uint64_t)s->c.if_tx_bytes[i]);
	printf("packets: rx %" PRIu64 ", forwarded %" PRIu64 ", local (kernel) %" PRIu64
	       ", dropped %" PRIu64 ", held %" PRIu64 "\n",
		(uint64_t)s->c.rx, (uint64_t)s->c.forwarded, (uint64_t)s->c.local, dropped,
		(uint64_t)s->c.held);
	for (unsigned int i = 0; i < SL_DROP_MAX; i++)
		if (s->drop[i])
			printf("  drop %-26s %" PRIu64 "\n", sl_drop_name(i), s->drop[i]);
}

int sl_xdp_replay_main(int argc, char **argv)
{
	const char *config = NULL, *outdir = NULL;
	struct sl_xdp_stats st;
	struct sl_xdp_opts opts;
	char err[SL_ERR_MAX * 2];
	uint8_t *frame = NULL, *out = NULL;
	uint64_t next_expire = UINT64_MAX, gen = 0;
	uint16_t mtu = 1500;
	struct replay *r;
	bool json = false;
	int rc;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return 1;
	r->next_held = UINT64_MAX;
	rc = parse_args(argc, argv, r, &config, &outdir, &json);
	if (rc)
		goto out_free;
	rc = 1;
	if (sl_cmd_list_load(config, &r->cmds, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		goto out_free;
	}
	for (unsigned int i = 0; i < r->cmds.n; i++)
		if (r->cmds.cmds[i].type == SL_CMD_INTERFACE && r->cmds.cmds[i].iface.mtu > mtu)
			mtu = r->cmds.cmds[i].iface.mtu;
	/* as the DPDK replay's buffers: max MTU + L2 headers, at least 2048 */
	r->max_frame = (uint32_t)mtu + 22 < 2048 ? 2048 : (uint32_t)mtu + 22;
	sl_xdp_opts_default(&opts, &r->cmds, true);
	opts.seed = r->seed;
	if (sl_xdp_open(&r->x, &opts, err, sizeof(err)) < 0) {
		fprintf(stderr, "sluice-xdp replay: %s\n", err);
		goto out_cmds;
	}
	if (sl_xdp_apply_config(r->x, &r->cmds, resolve, r, err, sizeof(err)) < 0) {
		fprintf(stderr, "sluice-xdp replay: %s: %s\n", config, err);
		goto out_x;
	}
	frame = malloc(FRAME_MAX + 4);
	out = malloc(FRAME_MAX);
	if (frame == NULL || out == NULL || open_inputs(r) < 0 || open_outputs(r, outdir) < 0)
		goto out_io;
	/* a malformed record (in an input that is not a regular file) stops the
	 * replay: exit status 1, no counters */
	for (struct input *in; (in = next_input(r)) != NULL; in->index++) {
		uint64_t ts = in->ts, g;

		/* the expiry pass the agent runs live, at the time it is due (as
		 * the DPDK replay's timers): before any packet at or after it */
		if (ts >= next_expire && sl_xdp_nat_expire(r->x, ts, &next_expire) < 0)
			next_expire = UINT64_MAX;
		/* held fragments whose datagram ran out: dropped then (as the
		 * DPDK replay's fragment timers) */
		if (ts >= r->next_held) {
			r->now = ts;
			sl_xdp_set_now(r->x, ts);
			if (held_run(r, false) < 0)
				goto out_io;
		}
		if (process_one(r, in, frame, out) < 0 || read_next(in) < 0)
			goto out_io;
		g = sl_xdp_nat_generation(r->x);
		if (g != gen) {
			/* this packet made sessions or changed their state: the
			 * earliest they can expire is the shortest timeout from it */
			uint64_t d = ts + sl_xdp_nat_min_timeout(r->x) + 1;
			gen = g;
			if (d < next_expire)
				next_expire = d;
		}
	}
	/* the end: what is still held is dropped (as sluice-dp's replay) */
	if (held_run(r, true) < 0)
		goto out_io;
	if (sl_xdp_read_stats(r->x, &st) < 0) {
		fprintf(stderr, "sluice-xdp replay: cannot read the counters\n");
		goto out_io;
	}
	st.c.rx += r->extra_rx;
	for (unsigned int i = 0; i < SL_DROP_MAX; i++)
		st.drop[i] += r->extra_drop[i];
	if (json)
		print_json(r, &st);
	else
		print_text(r, &st);
	rc = 0;
out_io:
	close_io(r);
	free(frame);
	free(out);
out_x:
	sl_xdp_close(r->x);
out_cmds:
	sl_cmd_list_free(&r->cmds);
out_free:
	free(r);
	return rc;
}
