/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sluice-xdp-benchtool: the pieces of bench/xdp_compare.sh that need libbpf.
 *
 *   gen --dev IF --src-mac M --dst-mac M --src IP --dst IP [--dport N]
 *       [--flows N] [--seconds S]
 *	transmit 64-byte UDP frames out of IF as fast as one CPU can, with an
 *	XDP program run by BPF_PROG_TEST_RUN in live-frames mode; prints the
 *	number sent and the rate.
 *   count --dev IF [--warmup S] [--seconds S]
 *	attach a counting XDP_DROP program to IF (native mode), print
 *	"rx_pps N" measured over S seconds after S warm-up seconds, detach.
 *   l2fwd --in IF --out IF --src-mac M --dst-mac M
 *	attach the DEVMAP redirect baseline to IF (native mode) until SIGINT
 *	or SIGTERM, then detach.
 *
 * Every program is detached on exit; nothing is pinned.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "xdp_bench_abi.h"
#include "count.skel.h"
#include "gen.skel.h"
#include "l2fwd.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char extra;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &extra) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 255)
			return -EINVAL;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

struct opts {
	const char *dev, *in, *out;
	uint8_t src_mac[6], dst_mac[6];
	bool have_src_mac, have_dst_mac;
	struct in_addr src, dst;
	bool have_src, have_dst;
	unsigned int dport, flows;
	double seconds, warmup;
};

static void usage(FILE *f)
{
	fputs("usage: sluice-xdp-benchtool gen --dev IF --src-mac M --dst-mac M --src IP --dst IP\n"
	      "                              [--dport N] [--flows N] [--seconds S]\n"
	      "       sluice-xdp-benchtool count --dev IF [--warmup S] [--seconds S]\n"
	      "       sluice-xdp-benchtool l2fwd --in IF --out IF --src-mac M --dst-mac M\n",
		f);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"dev", required_argument, NULL, 'd'},
		{"in", required_argument, NULL, 'i'},
		{"out", required_argument, NULL, 'o'},
		{"src-mac", required_argument, NULL, 'S'},
		{"dst-mac", required_argument, NULL, 'D'},
		{"src", required_argument, NULL, 's'},
		{"dst", required_argument, NULL, 't'},
		{"dport", required_argument, NULL, 'p'},
		{"flows", required_argument, NULL, 'f'},
		{"seconds", required_argument, NULL, 'n'},
		{"warmup", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	*o = (struct opts){.dport = 9, .flows = 1024, .seconds = 5, .warmup = 1};
	optind = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->dev = optarg;
			break;
		case 'i':
			o->in = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'S':
			if (parse_mac(optarg, o->src_mac) < 0)
				goto bad;
			o->have_src_mac = true;
			break;
		case 'D':
			if (parse_mac(optarg, o->dst_mac) < 0)
				goto bad;
			o->have_dst_mac = true;
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, &o->src) != 1)
				goto bad;
			o->have_src = true;
			break;
		case 't':
			if (inet_pton(AF_INET, optarg, &o->dst) != 1)
				goto bad;
			o->have_dst = true;
			break;
		case 'p':
			o->dport = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'f':
			o->flows = (unsigned int)strtoul(optarg, NULL, 0);
			break;
		case 'n':
			o->seconds = strtod(optarg, NULL);
			break;
		case 'w':
			o->warmup = strtod(optarg, NULL);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "sluice-xdp-benchtool: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->flows == 0 || o->flows > 65535 || o->dport > 65535 || o->seconds <= 0 ||
		o->warmup < 0) {
		fprintf(stderr, "sluice-xdp-benchtool: --flows 1-65535, --dport 0-65535, "
				"--seconds > 0\n");
		return -EINVAL;
	}
	return 0;
bad:
	fprintf(stderr, "sluice-xdp-benchtool: bad value '%s'\n", optarg);
	return -EINVAL;
}

static int ifindex_of(const char *name)
{
	unsigned int i = name ? if_nametoindex(name) : 0;

	if (!i) {
		fprintf(stderr, "sluice-xdp-benchtool: no interface '%s'\n",
			name ? name : "(none)");
		return -ENODEV;
	}
	return (int)i;
}

/* RFC 1071 sum of the fixed IPv4 header the generator writes */
static uint16_t ip_header_csum(const struct opts *o)
{
	uint16_t w[10] = {
		htons(0x4500),
		htons(XB_FRAME_LEN - 14),
		0,
		0,
		htons(64 << 8 | 17),
		0,
	};
	uint32_t sum = 0;

	memcpy(&w[6], &o->src.s_addr, 4);
	memcpy(&w[8], &o->dst.s_addr, 4);
	for (int i = 0; i < 10; i++)
		sum += w[i];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static int cmd_gen(const struct opts *o)
{
	int ifindex = ifindex_of(o->dev);
	struct xb_gen_bpf *skel;
	uint8_t frame[XB_FRAME_LEN] = {0};
	struct xdp_md ctx_in = {.data_end = XB_FRAME_LEN};
	uint64_t sent = 0;
	double t0, t;
	int err;

	if (ifindex < 0)
		return 1;
	if (!o->have_src_mac || !o->have_dst_mac || !o->have_src || !o->have_dst) {
		fprintf(stderr,
			"sluice-xdp-benchtool gen: --src-mac --dst-mac --src --dst needed\n");
		return 2;
	}
	ctx_in.ingress_ifindex = (uint32_t)ifindex;
	skel = xb_gen_bpf__open();
	if (!skel) {
		fprintf(stderr, "sluice-xdp-benchtool: open: %s\n", strerror(errno));
		return 1;
	}
	memcpy(skel->bss->gen_conf.dst_mac, o->dst_mac, 6);
	memcpy(skel->bss->gen_conf.src_mac, o->src_mac, 6);
	skel->bss->gen_conf.src_ip = o->src.s_addr;
	skel->bss->gen_conf.dst_ip = o->dst.s_addr;
	skel->bss->gen_conf.ip_csum = ip_header_csum(o);
	skel->bss->gen_conf.dport = htons((uint16_t)o->dport);
	skel->bss->gen_conf.sport_base = 10000;
	skel->bss->gen_conf.flows = o->flows;
	err = xb_gen_bpf__load(skel);
	if (err) {
		fprintf(stderr, "sluice-xdp-benchtool: load: %s\n", strerror(-err));
		xb_gen_bpf__destroy(skel);
		return 1;
	}
	t0 = now_s();
	do {
		LIBBPF_OPTS(bpf_test_run_opts, ro, .data_in = frame, .data_size_in = sizeof(frame),
			.ctx_in = &ctx_in, .ctx_size_in = sizeof(ctx_in),
			.flags = BPF_F_TEST_XDP_LIVE_FRAMES, .repeat = 1u << 18, .batch_size = 64);

		err = bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xb_gen), &ro);
		if (err) {
			fprintf(stderr, "sluice-xdp-benchtool: test run: %s\n", strerror(errno));
			xb_gen_bpf__destroy(skel);
			return 1;
		}
		sent += 1u << 18;
		t = now_s();
	} while (!stop && t - t0 < o->seconds);
	printf("sent %llu tx_pps %.0f\n", (unsigned long long)sent, sent / (t - t0));
	xb_gen_bpf__destroy(skel);
	return 0;
}

static int read_count(int map_fd, uint64_t *total)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[ncpu > 0 ? ncpu : 1];
	uint32_t k = 0;

	if (ncpu <= 0 || bpf_map_lookup_elem(map_fd, &k, v))
		return -errno;
	*total = 0;
	for (int i = 0; i < ncpu; i++)
		*total += v[i];
	return 0;
}

static void sleep_s(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (time_t)s) * 1e9)};

	while (!stop && nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int cmd_count(const struct opts *o)
{
	int ifindex = ifindex_of(o->dev);
	struct xb_count_bpf *skel;
	uint64_t a, b;
	double ta, tb;
	int err, rc = 1;

	if (ifindex < 0)
		return 1;
	skel = xb_count_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "sluice-xdp-benchtool: load: %s\n", strerror(errno));
		return 1;
	}
	err = bpf_xdp_attach(
		ifindex, bpf_program__fd(skel->progs.xb_count), XDP_FLAGS_DRV_MODE, NULL);
	if (err) {
		fprintf(stderr, "sluice-xdp-benchtool: attach to %s: %s\n", o->dev, strerror(-err));
		goto out;
	}
	sleep_s(o->warmup);
	ta = now_s();
	if (read_count(bpf_map__fd(skel->maps.xb_count_map), &a) < 0)
		goto detach;
	sleep_s(o->seconds);
	tb = now_s();
	if (read_count(bpf_map__fd(skel->maps.xb_count_map), &b) < 0)
		goto detach;
	printf("received %llu rx_pps %.0f\n", (unsigned long long)(b - a), (b - a) / (tb - ta));
	rc = 0;
detach:
	bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
out:
	xb_count_bpf__destroy(skel);
	return rc;
}

static int cmd_l2fwd(const struct opts *o)
{
	int in = ifindex_of(o->in), out = ifindex_of(o->out);
	struct xb_l2fwd_bpf *skel;
	uint32_t k = 0, v;
	int err, rc = 1;

	if (in < 0 || out < 0)
		return 1;
	if (!o->have_src_mac || !o->have_dst_mac) {
		fprintf(stderr, "sluice-xdp-benchtool l2fwd: --src-mac and --dst-mac needed\n");
		return 2;
	}
	skel = xb_l2fwd_bpf__open();
	if (!skel)
		return 1;
	memcpy(skel->bss->l2fwd_conf.dst_mac, o->dst_mac, 6);
	memcpy(skel->bss->l2fwd_conf.src_mac, o->src_mac, 6);
	err = xb_l2fwd_bpf__load(skel);
	if (err) {
		fprintf(stderr, "sluice-xdp-benchtool: load: %s\n", strerror(-err));
		goto out;
	}
	v = (uint32_t)out;
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.xb_tx_map), &k, &v, 0)) {
		fprintf(stderr, "sluice-xdp-benchtool: devmap: %s\n", strerror(errno));
		goto out;
	}
	err = bpf_xdp_attach(in, bpf_program__fd(skel->progs.xb_l2fwd), XDP_FLAGS_DRV_MODE, NULL);
	if (err) {
		fprintf(stderr, "sluice-xdp-benchtool: attach to %s: %s\n", o->in, strerror(-err));
		goto out;
	}
	printf("l2fwd attached\n");
	fflush(stdout);
	while (!stop)
		pause();
	bpf_xdp_detach(in, XDP_FLAGS_DRV_MODE, NULL);
	rc = 0;
out:
	xb_l2fwd_bpf__destroy(skel);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return 0;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (parse_opts(argc - 1, argv + 1, &o) < 0)
		return 2;
	if (!strcmp(argv[1], "gen"))
		return cmd_gen(&o);
	if (!strcmp(argv[1], "count"))
		return cmd_count(&o);
	if (!strcmp(argv[1], "l2fwd"))
		return cmd_l2fwd(&o);
	fprintf(stderr, "sluice-xdp-benchtool: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
