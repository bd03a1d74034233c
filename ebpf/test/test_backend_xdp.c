/* SPDX-License-Identifier: BSD-3-Clause */
/* The XDP backend's control operations (ebpf/backend_xdp.c) against the
 * real program loaded in replay mode with a fake device resolver: batches
 * are checked in full before any map changes, and `show` reads the maps.
 * Needs root (BPF): skipped (77) otherwise. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <cmocka.h>

#include "backend_xdp.h"

static int resolve(void *arg, const struct sl_cmd_interface *ifc, uint32_t *ifindex, uint8_t *mac)
{
	*ifindex = 1000 + (uint32_t)(ifc->device[1] - '0');
	return 0;
}

static const char base_cfg[] =
	"interface lan0 device d0 address 192.168.1.1/24 role inside mac 02:00:00:00:01:01\n"
	"interface wan0 device d1 address 203.0.113.2/24 role outside mac 02:00:00:00:02:01\n"
	"neighbor add 203.0.113.1 lladdr 02:00:00:00:02:fe dev wan0\n"
	"route add 0.0.0.0/0 via 203.0.113.1 dev wan0\n"
	"nat pool add 203.0.113.2/32\n"
	"nat forward add tcp 203.0.113.2:8080 to 192.168.1.10:80\n";

struct fx {
	struct sl_xdp *x;
	struct xdp_backend b;
	struct sl_ctl_buf out;
	char err[512];
};

static int setup(void **state)
{
	static struct fx f;
	struct sl_cmd_list l;
	struct sl_xdp_opts o;

	memset(&f, 0, sizeof(f));
	assert_int_equal(sl_cmd_list_parse("test", base_cfg, &l, f.err, sizeof(f.err)), 0);
	sl_xdp_opts_default(&o, &l, true);
	assert_int_equal(sl_xdp_open(&f.x, &o, f.err, sizeof(f.err)), 0);
	xb_init(&f.b, f.x, o.sessions_max, resolve, NULL);
	assert_int_equal(xb_apply_config(&f.b, &l, f.err, sizeof(f.err)), 0);
	sl_cmd_list_free(&l);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	sl_ctl_buf_free(&f->out);
	xb_fini(&f->b);
	sl_xdp_close(f->x);
	return 0;
}

/* apply a batch given as text (lines of sluicectl -f) */
static int apply(struct fx *f, const char *text)
{
	struct sl_cmd_list l = {0};
	char line[512];
	const char *p = text;
	unsigned int n = 0;
	int rc;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		struct sl_cmd c;
		memcpy(line, p, len);
		line[len] = 0;
		assert_int_equal(sl_cmd_parse_line(line, &c, f->err, sizeof(f->err)), 0);
		assert_int_equal(sl_cmd_list_append(&l, &c, ++n), 0);
		p += len + (e != NULL);
	}
	f->err[0] = 0;
	rc = sl_backend_xdp_ops.apply(&f->b, &l, f->err, sizeof(f->err));
	sl_cmd_list_free(&l);
	return rc;
}

static const struct sl_ctl_route_rec *find_route(struct fx *f, const char *prefix)
{
	const struct sl_ctl_route_rec *r;
	size_t n;

	sl_ctl_buf_reset(&f->out);
	assert_int_equal(
		sl_backend_xdp_ops.show(&f->b, SL_SHOW_ROUTES, &f->out, f->err, sizeof(f->err)), 0);
	r = (const void *)f->out.data;
	n = f->out.len / sizeof(*r);
	for (size_t i = 0; i < n; i++) {
		char b[64];
		if (strcmp(sl_prefix_fmt(&r[i].prefix, b, sizeof(b)), prefix) == 0)
			return &r[i];
	}
	return NULL;
}

static void route_batch_is_applied_and_shown(void **state)
{
	struct fx *f = *state;
	const struct sl_ctl_route_rec *r;

	assert_int_equal(apply(f, "route add 10.0.0.0/8 via 192.168.1.254\n"
				  "route add 172.16.0.0/12 dev wan0"),
		0);
	r = find_route(f, "10.0.0.0/8");
	assert_non_null(r);
	assert_int_equal(r->nh_type, SL_CTL_NH_GATEWAY);
	assert_int_equal(r->origin, SL_CTL_ORIGIN_STATIC);
	assert_string_equal(r->dev, "lan0"); /* from the connected subnet of the gateway */
	r = find_route(f, "192.168.1.1/32");
	assert_non_null(r);
	assert_int_equal(r->nh_type, SL_CTL_NH_LOCAL);
	assert_int_equal(apply(f, "route del 10.0.0.0/8"), 0);
	assert_null(find_route(f, "10.0.0.0/8"));
	assert_non_null(find_route(f, "172.16.0.0/12"));
}

static void failing_batch_changes_nothing(void **state)
{
	struct fx *f = *state;

	assert_int_equal(apply(f, "route add 10.1.0.0/16 via 203.0.113.1\n"
				  "route del 10.2.0.0/16"),
		-EINVAL);
	assert_non_null(strstr(f->err, "line 2"));
	assert_non_null(strstr(f->err, "no such route"));
	assert_null(find_route(f, "10.1.0.0/16"));
}

/* neighbor del of no neighbour is refused (as on sluice-dp), whole batch
 * with it; a static one added earlier in the batch or before is deleted. */
static void neighbour_del_of_none_is_refused(void **state)
{
	struct fx *f = *state;

	assert_int_equal(apply(f, "route add 10.3.0.0/16 via 203.0.113.1\n"
				  "neighbor del 192.168.1.99 dev lan0"),
		-EINVAL);
	assert_non_null(strstr(f->err, "line 2"));
	assert_non_null(strstr(f->err, "no such neighbour"));
	assert_null(find_route(f, "10.3.0.0/16"));
	assert_int_equal(apply(f, "neighbor add 192.168.1.98 lladdr 02:00:00:00:01:62 dev lan0\n"
				  "neighbor del 192.168.1.98 dev lan0"),
		0);
	assert_int_equal(
		apply(f, "neighbor add 192.168.1.97 lladdr 02:00:00:00:01:61 dev lan0"), 0);
	assert_int_equal(apply(f, "neighbor del 192.168.1.97 dev lan0"), 0);
	assert_int_equal(apply(f, "neighbor del 192.168.1.97 dev lan0"), -EINVAL);
}

/* An add never replaces (as on sluice-dp): the route stays as it was. */
static void duplicate_route_add_is_refused(void **state)
{
	struct fx *f = *state;
	const struct sl_ctl_route_rec *r;
	char b[64];

	assert_int_equal(apply(f, "route add 10.9.0.0/16 via 192.168.1.254"), 0);
	assert_int_equal(apply(f, "route add 10.9.0.0/16 via 192.168.1.253"), -EINVAL);
	assert_non_null(strstr(f->err, "already exists"));
	assert_int_equal(apply(f, "route add 10.8.0.0/16 via 192.168.1.254\n"
				  "route add 10.8.0.0/16 via 192.168.1.253"),
		-EINVAL);
	assert_non_null(strstr(f->err, "line 2"));
	assert_null(find_route(f, "10.8.0.0/16"));
	r = find_route(f, "10.9.0.0/16");
	assert_non_null(r);
	assert_string_equal(sl_ip_fmt(&r->gw, b, sizeof(b)), "192.168.1.254");
	assert_int_equal(apply(f, "route del 10.9.0.0/16\n"
				  "route add 10.9.0.0/16 via 192.168.1.253"),
		0);
}

/* The gateway of a route named with dev (and a neighbour) must be on that
 * interface's subnets, and not its address, network or broadcast address,
 * as the config file check says. */
static void gateway_off_the_named_interface_is_refused(void **state)
{
	struct fx *f = *state;
	static const struct {
		const char *cmd, *why;
	} bad[] = {
		{"route add 10.0.0.0/8 via 192.168.1.254 dev wan0",
			"is not on a connected subnet of 'wan0'"},
		{"route add 10.0.0.0/8 via 192.168.1.1", "is the address of 'lan0'"},
		{"route add 10.0.0.0/8 via 192.168.1.255 dev lan0", "broadcast address on 'lan0'"},
		{"route add 10.0.0.0/8 via 192.168.1.0 dev lan0", "network address on 'lan0'"},
		{"neighbor add 192.168.1.1 lladdr 02:00:00:00:01:20 dev lan0",
			"is the address of 'lan0'"},
		{"neighbor add 192.168.1.255 lladdr 02:00:00:00:01:20 dev lan0",
			"broadcast address"},
	};

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(apply(f, bad[i].cmd), -EINVAL);
		if (strstr(f->err, bad[i].why) == NULL)
			fail_msg("%s: %s", bad[i].cmd, f->err);
	}
	assert_null(find_route(f, "10.0.0.0/8"));
}

/* A batch that would overflow the FIB map is refused whole, at its line
 * (the map size made small here: the interfaces' 8 entries and the
 * default route leave room for 3). */
static void batch_beyond_the_fib_is_refused_whole(void **state)
{
	struct fx *f = *state;

	f->b.fib_cap[0] = 12;
	assert_int_equal(apply(f, "route add 10.1.0.0/16 via 192.168.1.254\n"
				  "route add 10.2.0.0/16 via 192.168.1.254\n"
				  "route add 10.3.0.0/16 via 192.168.1.254\n"
				  "route add 10.4.0.0/16 via 192.168.1.254"),
		-EINVAL);
	assert_non_null(strstr(f->err, "line 4"));
	assert_non_null(strstr(f->err, "FIB full"));
	assert_null(find_route(f, "10.1.0.0/16"));
	assert_int_equal(apply(f, "route add 10.1.0.0/16 via 192.168.1.254\n"
				  "route add 10.2.0.0/16 via 192.168.1.254\n"
				  "route add 10.3.0.0/16 via 192.168.1.254"),
		0);
	assert_int_equal(apply(f, "route add 10.4.0.0/16 via 192.168.1.254"), -EINVAL);
	/* a del makes room, in the same batch */
	assert_int_equal(apply(f, "route del 10.1.0.0/16\n"
				  "route add 10.4.0.0/16 via 192.168.1.254"),
		0);
	assert_non_null(find_route(f, "10.4.0.0/16"));
}

/* Many routes, added and deleted over several batches (the shadow's index:
 * growth, deleted slots, the last route moved into a hole), agree with a
 * plain list of what should be there. */
static void many_routes_added_and_deleted_are_tracked(void **state)
{
	struct fx *f = *state;
	enum { N = 6000 };
	static bool want[N];
	struct sl_cmd_list l = {0};
	struct sl_cmd c;
	char line[128];
	uint32_t rng = 12345;

	for (int round = 0; round < 4; round++) {
		sl_cmd_list_free(&l);
		memset(&l, 0, sizeof(l));
		for (unsigned int i = 0; i < N; i++) {
			rng = rng * 1103515245u + 12345u;
			if ((rng >> 16) % 3 == 0)
				continue;
			snprintf(line, sizeof(line), "route %s 10.%u.%u.0/24%s",
				want[i] ? "del" : "add", i / 256, i % 256,
				want[i] ? "" : " via 192.168.1.254");
			assert_int_equal(sl_cmd_parse_line(line, &c, f->err, sizeof(f->err)), 0);
			assert_int_equal(sl_cmd_list_append(&l, &c, l.n + 1), 0);
			want[i] = !want[i];
		}
		assert_int_equal(sl_backend_xdp_ops.apply(&f->b, &l, f->err, sizeof(f->err)), 0);
	}
	sl_cmd_list_free(&l);
	for (unsigned int i = 0; i < N; i += 7) {
		snprintf(line, sizeof(line), "10.%u.%u.0/24", i / 256, i % 256);
		if ((find_route(f, line) != NULL) != want[i])
			fail_msg("%s: %s", line, want[i] ? "missing" : "still there");
	}
	/* a duplicate within the new state is still refused */
	for (unsigned int i = 0; i < N; i++)
		if (want[i]) {
			snprintf(line, sizeof(line), "route add 10.%u.%u.0/24 via 192.168.1.253",
				i / 256, i % 256);
			assert_int_equal(apply(f, line), -EINVAL);
			break;
		}
}

static void interface_route_cannot_be_deleted(void **state)
{
	struct fx *f = *state;

	assert_int_equal(apply(f, "route del 192.168.1.0/24"), -EINVAL);
	assert_non_null(strstr(f->err, "interface"));
	assert_non_null(find_route(f, "192.168.1.0/24"));
}

static void same_interface_is_accepted_changed_one_refused(void **state)
{
	struct fx *f = *state;

	assert_int_equal(apply(f, "interface lan0 device d0 address 192.168.1.1/24 role inside mac "
				  "02:00:00:00:01:01"),
		0);
	assert_int_equal(apply(f, "interface lan0 device d0 address 192.168.2.1/24 role inside mac "
				  "02:00:00:00:01:01"),
		-EINVAL);
	assert_non_null(strstr(f->err, "restart"));
	assert_int_equal(apply(f, "interface dmz0 device d2 address 10.5.0.1/24"), -EINVAL);
}

static void nat_batches_are_checked(void **state)
{
	struct fx *f = *state;

	/* the same outside port twice, in one batch or against the running state */
	assert_int_equal(
		apply(f, "nat forward add tcp 203.0.113.2:8080 to 192.168.1.11:80"), -EINVAL);
	assert_int_equal(apply(f, "nat forward add udp 203.0.113.2:53 to 192.168.1.11:53\n"
				  "nat forward add udp 203.0.113.2:53 to 192.168.1.12:53"),
		-EINVAL);
	assert_non_null(strstr(f->err, "line 2"));
	/* nothing of the refused batch went in: the first line alone works */
	assert_int_equal(apply(f, "nat forward add udp 203.0.113.2:53 to 192.168.1.11:53"), 0);
	assert_int_equal(
		apply(f, "nat forward add tcp 198.51.100.1:80 to 192.168.1.11:80"), -EINVAL);
	assert_non_null(strstr(f->err, "pool"));
	assert_int_equal(apply(f, "nat forward del udp 203.0.113.2:53"), 0);
	assert_int_equal(apply(f, "nat forward del udp 203.0.113.2:53"), -EINVAL);
	assert_int_equal(apply(f, "nat sessions max 1000"), -EINVAL);
	assert_int_equal(apply(f, "nat pool add 203.0.113.2/32"), 0); /* the same: a no-op */
	assert_int_equal(apply(f, "nat pool add 203.0.113.2/32 ports 2000-3000"), -EINVAL);
	assert_non_null(strstr(f->err, "overlaps"));
	assert_int_equal(apply(f, "nat timeout udp 30\nnat filtering endpoint-independent"), 0);
	/* a re-pushed config's same pool and forward lines are no-ops */
	assert_int_equal(apply(f, "nat forward add udp 203.0.113.2:53 to 192.168.1.11:53"), 0);
	assert_int_equal(apply(f, "nat forward add udp 203.0.113.2:53 to 192.168.1.11:53"), 0);
	assert_int_equal(
		apply(f, "nat forward add udp 203.0.113.2:53 to 192.168.1.12:53"), -EINVAL);
}

static void show_tables_read_the_maps(void **state)
{
	struct fx *f = *state;
	const struct sl_ctl_neigh_rec *nr;
	const struct sl_ctl_counter_rec *cr;
	bool fwd = false, nns = false;
	size_t n;

	sl_ctl_buf_reset(&f->out);
	assert_int_equal(
		sl_backend_xdp_ops.show(&f->b, SL_SHOW_NEIGHBORS, &f->out, f->err, sizeof(f->err)),
		0);
	assert_int_equal(f->out.len, sizeof(*nr));
	nr = (const void *)f->out.data;
	assert_string_equal(nr->dev, "wan0");
	assert_int_equal(nr->mac.b[5], 0xfe);

	sl_ctl_buf_reset(&f->out);
	assert_int_equal(
		sl_backend_xdp_ops.show(&f->b, SL_SHOW_STATS, &f->out, f->err, sizeof(f->err)), 0);
	cr = (const void *)f->out.data;
	n = f->out.len / sizeof(*cr);
	for (size_t i = 0; i < n; i++) {
		fwd |= cr[i].group == SL_CTL_CNT_PACKETS && strcmp(cr[i].name, "forwarded") == 0;
		nns |= cr[i].group == SL_CTL_CNT_DROP && strcmp(cr[i].name, "nat-no-session") == 0;
	}
	assert_true(fwd && nns);

	sl_ctl_buf_reset(&f->out);
	assert_int_equal(
		sl_backend_xdp_ops.show(&f->b, SL_SHOW_SESSIONS, &f->out, f->err, sizeof(f->err)),
		0);
	assert_int_equal(f->out.len, 0);

	sl_ctl_buf_reset(&f->out);
	assert_int_equal(
		sl_backend_xdp_ops.show(&f->b, SL_SHOW_INTERFACES, &f->out, f->err, sizeof(f->err)),
		0);
	assert_int_equal(f->out.len, 2 * sizeof(struct sl_ctl_iface_rec));
	assert_string_equal(((const struct sl_ctl_iface_rec *)f->out.data)[1].name, "wan0");
	assert_int_equal(
		sl_backend_xdp_ops.trace_start(&f->b, 3, f->err, sizeof(f->err)), -ENOTSUP);
	assert_string_equal(sl_backend_xdp_ops.name, "xdp");
}

static void static_neighbours_are_known(void **state)
{
	struct fx *f = *state;
	struct sl_ip gw = {.family = SL_AF_INET}, other = {.family = SL_AF_INET};

	assert_int_equal(sl_ip_parse("203.0.113.1", &gw), 0);
	assert_int_equal(sl_ip_parse("203.0.113.9", &other), 0);
	assert_true(xb_is_static_neigh(&f->b, 1, &gw));
	assert_false(xb_is_static_neigh(&f->b, 1, &other));
	assert_false(xb_is_static_neigh(&f->b, 0, &gw));
	assert_int_equal(apply(f, "neighbor del 203.0.113.1 dev wan0"), 0);
	assert_false(xb_is_static_neigh(&f->b, 1, &gw));
	assert_int_equal(
		apply(f, "neighbor add 10.9.9.9 lladdr 02:00:00:00:00:09 dev wan0"), -EINVAL);
}

static void port_block_changes_only_without_sessions(void **state)
{
	struct fx *f = *state;
	struct sl_xdp_config cfg;
	uint32_t zero = 0;

	assert_int_equal(apply(f, "nat port-block size 64 blocks-per-host 4"), 0);
	assert_int_equal(bpf_map_lookup_elem(sl_xdp_map_fd(f->x, "sl_config"), &zero, &cfg), 0);
	assert_int_equal(cfg.pb_size, 64);
	assert_int_equal(cfg.pb_per_host, 4);
	assert_int_equal(apply(f, "nat port-block off"), 0);
	assert_int_equal(bpf_map_lookup_elem(sl_xdp_map_fd(f->x, "sl_config"), &zero, &cfg), 0);
	assert_int_equal(cfg.pb_size, 0);
}

static uint16_t csum16(const uint8_t *b, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static int count_sessions(void *arg, const struct sl_xdp_nat_sess *s)
{
	(void)s;
	(*(int *)arg)++;
	return 0;
}

static int n_sessions(struct fx *f)
{
	int n = 0;

	assert_int_equal(sl_xdp_sessions_foreach(f->x, count_sessions, &n), 0);
	return n;
}

static void forward_del_ends_its_sessions(void **state)
{
	struct fx *f = *state;
	/* a SYN from 198.51.100.7:4000 to the forward 203.0.113.2:8080, on wan0 */
	uint8_t fr[54] = {0x02, 0, 0, 0, 0x02, 0x01, 0x02, 0, 0, 0, 0x02, 0xfe, 0x08, 0x00, 0x45, 0,
		0, 40, 0, 1, 0, 0, 64, 6, 0, 0, 198, 51, 100, 7, 203, 0, 113, 2, 0x0f, 0xa0, 0x1f,
		0x90, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0};
	uint8_t out[128];
	uint32_t out_len;
	struct sl_xdp_verdict v;
	uint16_t c = csum16(fr + 14, 20);

	fr[24] = c >> 8;
	fr[25] = c & 0xff;
	sl_xdp_set_now(f->x, 1000000000ull);
	assert_int_equal(sl_xdp_run(f->x, 1001, fr, sizeof(fr), out, sizeof(out), &out_len, &v), 0);
	assert_int_equal(n_sessions(f), 1);
	/* another forward's deletion leaves it */
	assert_int_equal(apply(f, "nat forward add udp 203.0.113.2:53 to 192.168.1.11:53"), 0);
	assert_int_equal(apply(f, "nat forward del udp 203.0.113.2:53"), 0);
	assert_int_equal(n_sessions(f), 1);
	/* port blocks cannot change under live sessions; nothing of the batch goes in */
	assert_int_equal(apply(f, "route add 10.0.0.0/8 via 192.168.1.254\n"
				  "nat port-block size 64 blocks-per-host 4"),
		-EINVAL);
	assert_non_null(strstr(f->err, "line 2"));
	assert_non_null(strstr(f->err, "no NAT session"));
	assert_null(find_route(f, "10.0.0.0/8"));
	assert_int_equal(apply(f, "nat forward del tcp 203.0.113.2:8080"), 0);
	assert_int_equal(n_sessions(f), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(route_batch_is_applied_and_shown, setup, teardown),
		cmocka_unit_test_setup_teardown(failing_batch_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(neighbour_del_of_none_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(interface_route_cannot_be_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(duplicate_route_add_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
			many_routes_added_and_deleted_are_tracked, setup, teardown),
		cmocka_unit_test_setup_teardown(
			gateway_off_the_named_interface_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(
			batch_beyond_the_fib_is_refused_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(
			same_interface_is_accepted_changed_one_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(nat_batches_are_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(show_tables_read_the_maps, setup, teardown),
		cmocka_unit_test_setup_teardown(static_neighbours_are_known, setup, teardown),
		cmocka_unit_test_setup_teardown(
			port_block_changes_only_without_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(forward_del_ends_its_sessions, setup, teardown),
	};
	struct sl_xdp_opts o;
	struct sl_xdp *x = NULL;
	char err[512];
	int rc;

	sl_xdp_opts_default(&o, NULL, true);
	rc = sl_xdp_open(&x, &o, err, sizeof(err));
	if ((rc == -EPERM || rc == -EACCES) && geteuid() != 0) {
		printf("SKIP: cannot load BPF programs here: %s\n", err);
		return 77;
	}
	sl_xdp_close(x);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
