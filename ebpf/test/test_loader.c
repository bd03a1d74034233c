/* SPDX-License-Identifier: BSD-3-Clause */
/* The XDP backend's loader: the verifier accepts the program, a config
 * becomes the expected map contents, and the LPM_TRIE FIB agrees with a
 * naive longest-prefix match over random routes (frames run through the
 * real program). Needs root (BPF): skipped (77) otherwise. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <cmocka.h>

#include "loader.h"

static int resolve(void *arg, const struct sl_cmd_interface *ifc, uint32_t *ifindex, uint8_t *mac)
{
	(void)arg;
	(void)mac;
	*ifindex = 1000 + (ifc->name[0] == 'w');
	return 0;
}

static const char base_cfg[] =
	"interface lan0 device d0 address 192.168.1.1/24 address fd00:1::1/64 role inside mac "
	"02:00:00:00:01:01\n"
	"interface wan0 device d1 address 203.0.113.2/24 role outside mac 02:00:00:00:02:01\n"
	"neighbor add 203.0.113.1 lladdr 02:00:00:00:02:fe dev wan0\n"
	"route add 0.0.0.0/0 via 203.0.113.1 dev wan0\n"
	"nat pool add 203.0.113.8/30 ports 2000-3000\n"
	"nat timeout udp 42\n"
	"nat filtering endpoint-independent\n"
	"tcp mss-clamp 1400 dev wan0\n";

static struct sl_xdp *load(const char *text)
{
	struct sl_cmd_list l;
	struct sl_xdp_opts o;
	struct sl_xdp *x = NULL;
	char err[512];

	assert_int_equal(sl_cmd_list_parse("test", text, &l, err, sizeof(err)), 0);
	sl_xdp_opts_default(&o, &l, true);
	assert_int_equal(sl_xdp_open(&x, &o, err, sizeof(err)), 0);
	assert_int_equal(sl_xdp_apply_config(x, &l, resolve, NULL, err, sizeof(err)), 0);
	sl_cmd_list_free(&l);
	return x;
}

static void verifier_accepts_the_program(void **state)
{
	struct sl_xdp *x = load(base_cfg);

	assert_true(sl_xdp_prog_fd(x) >= 0);
	sl_xdp_close(x);
}

static void config_becomes_map_contents(void **state)
{
	struct sl_xdp *x = load(base_cfg);
	struct sl_xdp_fib4_key k4 = {.prefixlen = 32};
	struct sl_xdp_iface_key ik = {.ifindex = 1001};
	struct sl_xdp_neigh_key nk = {.slot = 1, .family = 4};
	struct sl_xdp_nexthop nh;
	struct sl_xdp_iface ifc;
	struct sl_xdp_neigh n;
	struct sl_xdp_config cfg;
	struct sl_xdp_pool_addr pa;
	uint32_t slot, zero = 0, idx;

	assert_int_equal(bpf_map_lookup_elem(sl_xdp_map_fd(x, "sl_ifaces"), &ik, &slot), 0);
	assert_int_equal(slot, 1);
	assert_int_equal(bpf_map_lookup_elem(sl_xdp_map_fd(x, "sl_iface_info"), &slot, &ifc), 0);
	assert_int_equal(ifc.mac[5], 0x01);
	assert_int_equal(ifc.mss_clamp, 1400);
	assert_int_equal(ifc.role, SL_XDP_ROLE_OUTSIDE);
	/* connected (LPM: any address of the subnet), local, default route */
	inet_pton(AF_INET, "203.0.113.77", &k4.addr);
	assert_int_equal(bpf_map_lookup_elem(sl_xdp_map_fd(x, "sl_fib4"), &k4, &nh), 0);
	assert_int_equal(nh.type, SL_XDP_NH_CONNECTED);
	inet_pton(AF_INET, "203.0.113.2", &k4.addr);
	assert_int_equal(bpf_map_lookup_elem(sl_xdp_map_fd(x, "sl_fib4"), &k4, &nh), 0);
	assert_int_equal(nh.type, SL_XDP_NH_LOCAL);
	inet_pton(AF_INET, "203.0.113.255", &k4.addr);
	assert_int_equal(bpf_map_lookup_elem(sl_xdp_map_fd(x, "sl_fib4"), &k4, &nh), 0);
	assert_int_equal(nh.type, SL_XDP_NH_BROADCAST);
	inet_pton(AF_INET, "8.8.8.8", &k4.addr);
	assert_int_equal(bpf_map_lookup_elem(sl_xdp_map_fd(x, "sl_fib4"), &k4, &nh), 0);
	assert_int_equal(nh.type, SL_XDP_NH_GATEWAY);
	assert_int_equal(nh.slot, 1);
	inet_pton(AF_INET, "203.0.113.1", nk.addr);
	assert_int_equal(bpf_map_lookup_elem(sl_xdp_map_fd(x, "sl_neigh"), &nk, &n), 0);
	assert_int_equal(n.mac[5], 0xfe);
	/* NAT */
	assert_int_equal(bpf_map_lookup_elem(sl_xdp_map_fd(x, "sl_config"), &zero, &cfg), 0);
	assert_int_equal(cfg.nat_enabled, 1);
	assert_int_equal(cfg.n_pool_addrs, 4);
	assert_int_equal(cfg.filtering, SL_NAT_FILTER_EIF);
	assert_true(cfg.timeout_ns[SL_NAT_TO_UDP] == 42ull * 1000000000ull);
	idx = 3;
	assert_int_equal(bpf_map_lookup_elem(sl_xdp_map_fd(x, "sl_nat_pool"), &idx, &pa), 0);
	assert_int_equal(pa.ip, htonl(0xcb00710b));
	assert_int_equal(pa.lo, 2000);
	assert_int_equal(pa.hi, 3000);
	sl_xdp_close(x);
}

/* ---------- randomised LPM against a naive reference ---------- */

#define N_ROUTES 200

struct route {
	uint32_t net; /* host order */
	uint8_t len;
};

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static bool usable(uint32_t a)
{
	uint8_t a0 = a >> 24;

	return a0 != 0 && a0 != 127 && a0 < 224 && a0 != 10 && (a >> 8) != 0xcb0071 &&
	       (a >> 8) != 0xc0a801;
}

static void fib_matches_naive_lpm(void **state)
{
	static struct route r[N_ROUTES];
	char cfg[65536], *p = cfg;
	uint8_t frame[64], out[256];
	struct sl_xdp *x;

	p += sprintf(p, "interface lan0 device d0 address 192.168.1.1/24 mac 02:00:00:00:01:01\n"
			"interface wan0 device d1 address 10.0.0.1/16 mac 02:00:00:00:02:01\n");
	for (int i = 0; i < N_ROUTES; i++) {
		uint32_t a;
		do {
			r[i].len = (uint8_t)(1 + rnd() % 32);
			a = rnd() & (r[i].len == 32 ? ~0u : ~(~0u >> r[i].len));
			r[i].net = a;
			for (int j = 0; j < i; j++)
				if (r[j].net == a && r[j].len == r[i].len)
					a = 0;
		} while (!usable(a) || !usable(a | (r[i].len == 32 ? 0 : ~0u >> r[i].len)));
		p += sprintf(p, "route add %u.%u.%u.%u/%u via 10.0.%u.%u dev wan0\n", a >> 24,
			(a >> 16) & 255, (a >> 8) & 255, a & 255, r[i].len, (i + 2) >> 8,
			(i + 2) & 255);
		p += sprintf(p, "neighbor add 10.0.%u.%u lladdr 02:00:00:00:%02x:%02x dev wan0\n",
			(i + 2) >> 8, (i + 2) & 255, (i + 2) >> 8, (i + 2) & 255);
	}
	x = load(cfg);
	for (int n = 0; n < 2000; n++) {
		uint32_t dst, best = UINT32_MAX, out_len;
		int blen = -1;
		struct sl_xdp_verdict v;
		/* half the probes inside a route's prefix, half anywhere */
		do {
			dst = rnd();
			if (n & 1) {
				const struct route *q = &r[rnd() % N_ROUTES];
				uint32_t host = q->len == 32 ? 0 : rnd() & (~0u >> q->len);
				dst = q->net | host;
			}
		} while (!usable(dst));
		for (int i = 0; i < N_ROUTES; i++) {
			uint32_t m = r[i].len == 32 ? ~0u : ~(~0u >> r[i].len);
			if ((dst & m) == r[i].net && r[i].len > blen) {
				blen = r[i].len;
				best = (uint32_t)i;
			}
		}
		memset(frame, 0, sizeof(frame));
		memcpy(frame, "\x02\x00\x00\x00\x01\x01\x02\x00\x00\x00\x01\x0a\x08\x00", 14);
		uint8_t *ip = frame + 14;
		ip[0] = 0x45;
		ip[3] = 28;
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, "\xc0\xa8\x01\x0a", 4);
		uint32_t d = htonl(dst);
		memcpy(ip + 16, &d, 4);
		uint32_t s = 0;
		for (int i = 0; i < 20; i += 2)
			s += (uint32_t)ip[i] << 8 | ip[i + 1];
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		ip[10] = (uint8_t)(~s >> 8);
		ip[11] = (uint8_t)~s;
		sl_xdp_set_now(x, 1000000000ull * (uint64_t)(n + 1));
		assert_int_equal(sl_xdp_run(x, 1000, frame, 42, out, sizeof(out), &out_len, &v), 0);
		if (best == UINT32_MAX) {
			assert_int_equal(v.action, 2); /* no route: the kernel */
			continue;
		}
		assert_int_equal(v.action, 4);
		assert_int_equal(v.out_slot, 1);
		assert_int_equal(out[4], (best + 2) >> 8);
		assert_int_equal(out[5], (best + 2) & 255);
	}
	sl_xdp_close(x);
}

static int count_sessions(void *arg, const struct sl_xdp_nat_sess *s)
{
	(void)s;
	(*(int *)arg)++;
	return 0;
}

static struct sl_xdp *load_pinned(const char *text, const char *dir)
{
	struct sl_cmd_list l;
	struct sl_xdp_opts o;
	struct sl_xdp *x = NULL;
	char err[512];

	assert_int_equal(sl_cmd_list_parse("test", text, &l, err, sizeof(err)), 0);
	sl_xdp_opts_default(&o, &l, true);
	o.pin_dir = dir;
	if (sl_xdp_open(&x, &o, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	if (sl_xdp_apply_config(x, &l, resolve, NULL, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	sl_cmd_list_free(&l);
	return x;
}

/* A second program over the first one's pinned maps (an agent restart):
 * the DEVMAP is reused, the same config applies again (pool, forwards),
 * and the NAT session made through the first program is still there. */
static void pinned_maps_take_the_config_again_and_keep_sessions(void **state)
{
	static const char cfg[] =
		"interface lan0 device d0 address 192.168.1.1/24 role inside mac "
		"02:00:00:00:01:01\n"
		"interface wan0 device d1 address 203.0.113.2/24 role outside mac "
		"02:00:00:00:02:01\n"
		"nat pool add 203.0.113.2/32\n"
		"nat forward add tcp 203.0.113.2:8080 to 192.168.1.10:80\n";
	/* a SYN from 198.51.100.7:4000 to the forward, received on wan0 */
	uint8_t fr[54] = {0x02, 0, 0, 0, 0x02, 0x01, 0x02, 0, 0, 0, 0x02, 0xfe, 0x08, 0x00, 0x45, 0,
		0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 198, 51, 100, 7, 203, 0, 113, 2, 0x0f, 0xa0, 0x1f,
		0x90, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0};
	uint8_t out[128];
	uint32_t out_len, s = 0;
	struct sl_xdp_verdict v;
	struct sl_xdp *x;
	char dir[64], cmd[128];
	int n = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/sluice-test-%d", (int)getpid());
	if (mkdir(dir, 0700) != 0) {
		skip(); /* no bpffs here */
		return;
	}
	for (int i = 14; i < 34; i += 2)
		s += (uint32_t)(fr[i] << 8 | fr[i + 1]);
	s = (s & 0xffff) + (s >> 16);
	s = ~(s + (s >> 16)) & 0xffff;
	fr[24] = s >> 8;
	fr[25] = s & 0xff;
	x = load_pinned(cfg, dir);
	sl_xdp_set_now(x, 1000000000ull);
	assert_int_equal(sl_xdp_run(x, 1001, fr, sizeof(fr), out, sizeof(out), &out_len, &v), 0);
	sl_xdp_close(x);
	x = load_pinned(cfg, dir);
	assert_int_equal(sl_xdp_sessions_foreach(x, count_sessions, &n), 0);
	assert_int_equal(n, 1);
	sl_xdp_close(x);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* A config naming the same forward twice loads (as on sluice-dp and in
 * sluicectl check); another inside endpoint at its port does not. */
static void same_forward_twice_is_a_no_op(void **state)
{
	static const char fwd[] = "nat forward add tcp 203.0.113.9:8080 to 192.168.1.10:80\n";
	struct sl_cmd_list l;
	struct sl_xdp_opts o;
	struct sl_xdp *x = NULL;
	char text[2048], err[512];

	(void)state;
	snprintf(text, sizeof(text), "%s%s%s", base_cfg, fwd, fwd);
	sl_xdp_close(load(text));
	snprintf(text, sizeof(text),
		"%s%snat forward add tcp 203.0.113.9:8080 to 192.168.1.11:80\n", base_cfg, fwd);
	assert_int_equal(sl_cmd_list_parse("test", text, &l, err, sizeof(err)), 0);
	sl_xdp_opts_default(&o, &l, true);
	assert_int_equal(sl_xdp_open(&x, &o, err, sizeof(err)), 0);
	assert_int_not_equal(sl_xdp_apply_config(x, &l, resolve, NULL, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "already in use"));
	sl_cmd_list_free(&l);
	sl_xdp_close(x);
}

static uint64_t coarse_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The live program's clock (jiffies as ns, offset at load) reads as
 * CLOCK_MONOTONIC_COARSE within a few ticks, and keeps pace with it. */
static void live_clock_reads_as_monotonic_coarse(void **state)
{
	const uint64_t slack = 20000000ull; /* 20 ms: a few ticks at HZ >= 250 */
	struct sl_xdp_opts o;
	struct sl_xdp *x = NULL;
	uint64_t c0, t0, c1, t1;
	char err[512];

	(void)state;
	sl_xdp_opts_default(&o, NULL, false);
	if (sl_xdp_open(&x, &o, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	c0 = coarse_now();
	t0 = sl_xdp_clock(x);
	assert_true(t0 + slack > c0 && t0 < c0 + slack);
	usleep(300000);
	c1 = coarse_now();
	t1 = sl_xdp_clock(x);
	assert_true(t1 + slack > c1 && t1 < c1 + slack);
	assert_true(t1 - t0 > 250000000ull && t1 - t0 < 400000000ull);
	sl_xdp_close(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(verifier_accepts_the_program),
		cmocka_unit_test(config_becomes_map_contents),
		cmocka_unit_test(fib_matches_naive_lpm),
		cmocka_unit_test(pinned_maps_take_the_config_again_and_keep_sessions),
		cmocka_unit_test(live_clock_reads_as_monotonic_coarse),
		cmocka_unit_test(same_forward_twice_is_a_no_op),
	};
	struct sl_xdp_opts o;
	struct sl_xdp *x = NULL;
	char err[512];
	int rc;

	sl_xdp_opts_default(&o, NULL, true);
	rc = sl_xdp_open(&x, &o, err, sizeof(err));
	/* as root a refusal is the verifier's: a failure, not a skip */
	if ((rc == -EPERM || rc == -EACCES) && geteuid() != 0) {
		printf("SKIP: cannot load BPF programs here: %s\n", err);
		return 77;
	}
	sl_xdp_close(x);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
