/* SPDX-License-Identifier: BSD-3-Clause */
/* The control protocol's messages and the grammar words it added. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <sluice/ctl.h>

static void parse(const char *line, struct sl_cmd *c)
{
	char err[SL_ERR_MAX] = "";

	if (sl_cmd_parse_line(line, c, err, sizeof(err)) != 0)
		fail_msg("'%s' did not parse: %s", line, err);
}

static const struct sl_ctl_hdr *hdr(const struct sl_ctl_buf *b)
{
	assert_true(b->len >= sizeof(struct sl_ctl_hdr));
	return (const struct sl_ctl_hdr *)b->data;
}

static const void *payload(const struct sl_ctl_buf *b)
{
	return b->data + sizeof(struct sl_ctl_hdr);
}

static const char *const every_command[] = {
	"interface lan0 device net_null0 vlan 7 address 192.168.1.1/24 address fd00:1::1/64 role "
	"inside mac 02:00:00:00:01:01 mtu 9000",
	"interface wan0 device 0000:00:04.0 address 203.0.113.2/24 role outside",
	"route add 0.0.0.0/0 via 203.0.113.1 dev wan0",
	"route add 10.0.0.0/8 via 192.168.1.254",
	"route add 198.51.100.0/24 dev lan0",
	"route add 2001:db8::/32 via fe80::1 dev wan0",
	"route add 10.1.0.0/16 via 192.168.1.254 dev lan0 proto kernel",
	"route del 10.0.0.0/8",
	"route del 2001:db8::/32",
	"neighbor add 192.168.1.20 lladdr 02:00:00:00:01:20 dev lan0",
	"neighbor add fd00:1::20 lladdr 02:00:00:00:01:21 dev lan0",
	"neighbor del 192.168.1.20 dev lan0",
	"nat pool add 203.0.113.2/32 ports 1024-65535",
	"nat forward add tcp 203.0.113.2:8080 to 192.168.1.10:80",
	"nat timeout udp 300",
};
#define N_EVERY (sizeof(every_command) / sizeof(every_command[0]))

static void apply_round_trip_keeps_every_command(void **state)
{
	struct sl_cmd_list in = {0}, out;
	struct sl_ctl_buf b = {0};
	char err[SL_CTL_MSGLEN] = "";

	for (unsigned int i = 0; i < N_EVERY; i++) {
		struct sl_cmd c;
		parse(every_command[i], &c);
		assert_int_equal(sl_cmd_list_append(&in, &c, 10 + i), 0);
	}
	assert_int_equal(sl_ctl_encode_apply(&b, 42, &in), 0);
	assert_int_equal(hdr(&b)->magic, SL_CTL_MAGIC);
	assert_int_equal(hdr(&b)->version, SL_CTL_VERSION);
	assert_int_equal(hdr(&b)->type, SL_CTL_APPLY);
	assert_int_equal(hdr(&b)->seq, 42);
	assert_int_equal(hdr(&b)->len, b.len - sizeof(struct sl_ctl_hdr));
	assert_int_equal(sl_ctl_hdr_check(hdr(&b), err, sizeof(err)), 0);
	if (sl_ctl_decode_apply(payload(&b), hdr(&b)->len, &out, err, sizeof(err)) != 0)
		fail_msg("decode: %s", err);
	assert_int_equal(out.n, in.n);
	for (unsigned int i = 0; i < in.n; i++) {
		assert_true(sl_cmd_equal(&in.cmds[i], &out.cmds[i]));
		assert_int_equal(out.lines[i], 10 + i);
	}
	sl_cmd_list_free(&in);
	sl_cmd_list_free(&out);
	sl_ctl_buf_free(&b);
}

static void apply_decode_rejects_a_bad_command_naming_its_line(void **state)
{
	struct sl_cmd_list in = {0}, out;
	struct sl_ctl_buf b = {0};
	char err[SL_CTL_MSGLEN];
	struct sl_cmd c;

	/* host bits in a route prefix (the grammar never makes one) */
	parse("route add 10.0.0.0/8 via 192.168.1.254", &c);
	assert_int_equal(sl_cmd_list_append(&in, &c, 1), 0);
	c.route.prefix.addr.v4 = htonl(0x0a000001);
	assert_int_equal(sl_cmd_list_append(&in, &c, 7), 0);
	assert_int_equal(sl_ctl_encode_apply(&b, 1, &in), 0);
	assert_int_equal(
		sl_ctl_decode_apply(payload(&b), hdr(&b)->len, &out, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line 7"));
	assert_int_equal(out.n, 0);
	sl_cmd_list_free(&in);

	/* an interface name without its terminating NUL */
	parse("neighbor add 192.168.1.20 lladdr 02:00:00:00:01:20 dev lan0", &c);
	memset(c.neigh.dev, 'a', sizeof(c.neigh.dev));
	assert_int_equal(sl_cmd_list_append(&in, &c, 3), 0);
	assert_int_equal(sl_ctl_encode_apply(&b, 1, &in), 0);
	assert_int_equal(
		sl_ctl_decode_apply(payload(&b), hdr(&b)->len, &out, err, sizeof(err)), -EINVAL);
	sl_cmd_list_free(&in);

	/* an unknown command type, a multicast gateway, a show */
	memset(&c, 0, sizeof(c));
	c.type = (enum sl_cmd_type)77;
	assert_int_equal(sl_cmd_list_append(&in, &c, 1), 0);
	assert_int_equal(sl_ctl_encode_apply(&b, 1, &in), 0);
	assert_int_equal(
		sl_ctl_decode_apply(payload(&b), hdr(&b)->len, &out, err, sizeof(err)), -EINVAL);
	sl_cmd_list_free(&in);
	parse("route add 10.0.0.0/8 via 192.168.1.254", &c);
	c.route.via.v4 = htonl(0xe0000001);
	assert_int_equal(sl_cmd_list_append(&in, &c, 1), 0);
	assert_int_equal(sl_ctl_encode_apply(&b, 1, &in), 0);
	assert_int_equal(
		sl_ctl_decode_apply(payload(&b), hdr(&b)->len, &out, err, sizeof(err)), -EINVAL);
	sl_cmd_list_free(&in);
	parse("show routes", &c);
	assert_int_equal(sl_cmd_list_append(&in, &c, 1), 0);
	assert_int_equal(sl_ctl_encode_apply(&b, 1, &in), 0);
	assert_int_equal(
		sl_ctl_decode_apply(payload(&b), hdr(&b)->len, &out, err, sizeof(err)), -EINVAL);
	sl_cmd_list_free(&in);
	sl_ctl_buf_free(&b);
}

static void apply_decode_rejects_inconsistent_sizes(void **state)
{
	struct sl_cmd_list in = {0}, out;
	struct sl_ctl_buf b = {0};
	char err[SL_CTL_MSGLEN];
	struct sl_ctl_apply a;
	struct sl_cmd c;

	parse("route del 10.0.0.0/8", &c);
	sl_cmd_list_append(&in, &c, 1);
	sl_cmd_list_append(&in, &c, 2);
	assert_int_equal(sl_ctl_encode_apply(&b, 1, &in), 0);
	/* truncated */
	assert_int_equal(sl_ctl_decode_apply(payload(&b), hdr(&b)->len - 1, &out, err, sizeof(err)),
		-EINVAL);
	assert_int_equal(sl_ctl_decode_apply(payload(&b), 3, &out, err, sizeof(err)), -EINVAL);
	/* count larger than the payload */
	memcpy(&a, payload(&b), sizeof(a));
	a.n = 3;
	memcpy(b.data + sizeof(struct sl_ctl_hdr), &a, sizeof(a));
	assert_int_equal(
		sl_ctl_decode_apply(payload(&b), hdr(&b)->len, &out, err, sizeof(err)), -EINVAL);
	/* a build with another struct sl_cmd */
	a.n = 2;
	a.cmd_size = sizeof(struct sl_cmd) + 8;
	memcpy(b.data + sizeof(struct sl_ctl_hdr), &a, sizeof(a));
	assert_int_equal(
		sl_ctl_decode_apply(payload(&b), hdr(&b)->len, &out, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "same build"));
	sl_cmd_list_free(&in);
	sl_ctl_buf_free(&b);
}

static void header_check_rejects_magic_version_and_size(void **state)
{
	struct sl_ctl_hdr h = {.magic = SL_CTL_MAGIC, .version = SL_CTL_VERSION, .len = 10};
	char err[SL_CTL_MSGLEN];

	assert_int_equal(sl_ctl_hdr_check(&h, err, sizeof(err)), 0);
	h.magic ^= 1;
	assert_int_equal(sl_ctl_hdr_check(&h, err, sizeof(err)), -EPROTO);
	h.magic = SL_CTL_MAGIC;
	h.version = SL_CTL_VERSION + 1;
	assert_int_equal(sl_ctl_hdr_check(&h, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "version"));
	h.version = SL_CTL_VERSION;
	h.len = SL_CTL_MSG_MAX + 1;
	assert_int_equal(sl_ctl_hdr_check(&h, err, sizeof(err)), -EMSGSIZE);
}

static void show_trace_and_simple_requests_round_trip(void **state)
{
	struct sl_ctl_buf b = {0};
	struct sl_ctl_show s;
	struct sl_ctl_trace t;
	uint32_t whats[] = {SL_SHOW_INTERFACES, SL_SHOW_ROUTES, SL_SHOW_NEIGHBORS, SL_SHOW_STATS,
		SL_SHOW_SESSIONS};

	for (unsigned int i = 0; i < 5; i++) {
		assert_int_equal(sl_ctl_encode_show(&b, 5, whats[i]), 0);
		assert_int_equal(hdr(&b)->type, SL_CTL_SHOW);
		assert_int_equal(sl_ctl_decode_show(payload(&b), hdr(&b)->len, &s), 0);
		assert_int_equal(s.what, whats[i]);
	}
	assert_int_equal(sl_ctl_encode_show(&b, 5, 99), 0);
	assert_int_equal(sl_ctl_decode_show(payload(&b), hdr(&b)->len, &s), -EINVAL);
	assert_int_equal(sl_ctl_encode_show(&b, 5, SL_SHOW_TRACE), 0);
	assert_int_equal(sl_ctl_decode_show(payload(&b), hdr(&b)->len, &s), -EINVAL);
	assert_int_equal(sl_ctl_decode_show(payload(&b), 3, &s), -EINVAL);

	assert_int_equal(sl_ctl_encode_trace(&b, 6, 17, 2500), 0);
	assert_int_equal(hdr(&b)->type, SL_CTL_TRACE);
	assert_int_equal(sl_ctl_decode_trace(payload(&b), hdr(&b)->len, &t), 0);
	assert_int_equal(t.count, 17);
	assert_int_equal(t.timeout_ms, 2500);
	assert_int_equal(sl_ctl_encode_trace(&b, 6, 0, 0), 0);
	assert_int_equal(sl_ctl_decode_trace(payload(&b), hdr(&b)->len, &t), -EINVAL);
	assert_int_equal(sl_ctl_encode_trace(&b, 6, SL_TRACE_COUNT_MAX + 1, 0), 0);
	assert_int_equal(sl_ctl_decode_trace(payload(&b), hdr(&b)->len, &t), -EINVAL);

	assert_int_equal(sl_ctl_encode_simple(&b, SL_CTL_HELLO, 7), 0);
	assert_int_equal(hdr(&b)->type, SL_CTL_HELLO);
	assert_int_equal(hdr(&b)->len, 0);
	assert_int_equal(sl_ctl_encode_simple(&b, SL_CTL_CLEAR_STATS, 8), 0);
	assert_int_equal(hdr(&b)->type, SL_CTL_CLEAR_STATS);
	sl_ctl_buf_free(&b);
}

static void reply_round_trip_with_records(void **state)
{
	struct sl_ctl_route_rec recs[3] = {0}, *got;
	struct sl_ctl_buf b = {0};
	struct sl_ctl_reply r;
	const void *p;

	for (int i = 0; i < 3; i++) {
		recs[i].prefix.addr.family = SL_AF_INET;
		recs[i].prefix.len = (uint8_t)(8 + i);
		snprintf(recs[i].dev, sizeof(recs[i].dev), "eth%d", i);
	}
	assert_int_equal(sl_ctl_encode_reply(&b, 9, 0, NULL, recs, 3, sizeof(recs[0])), 0);
	assert_int_equal(hdr(&b)->type, SL_CTL_REPLY);
	assert_int_equal(sl_ctl_decode_reply(payload(&b), hdr(&b)->len, &r, &p), 0);
	assert_int_equal(r.status, 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.rec_size, sizeof(struct sl_ctl_route_rec));
	got = (struct sl_ctl_route_rec *)p;
	assert_string_equal(got[2].dev, "eth2");
	assert_int_equal(got[1].prefix.len, 9);
	/* an error with its message */
	assert_int_equal(
		sl_ctl_encode_reply(&b, 9, -EINVAL, "line 3: no such route", NULL, 0, 0), 0);
	assert_int_equal(sl_ctl_decode_reply(payload(&b), hdr(&b)->len, &r, &p), 0);
	assert_int_equal(r.status, -EINVAL);
	assert_string_equal(r.msg, "line 3: no such route");
	/* sizes that do not add up, a positive status */
	assert_int_equal(sl_ctl_encode_reply(&b, 9, 0, NULL, recs, 3, sizeof(recs[0])), 0);
	assert_int_equal(sl_ctl_decode_reply(payload(&b), hdr(&b)->len - 1, &r, &p), -EINVAL);
	assert_int_equal(sl_ctl_decode_reply(payload(&b), 10, &r, &p), -EINVAL);
	((struct sl_ctl_reply *)(b.data + sizeof(struct sl_ctl_hdr)))->status = 5;
	assert_int_equal(sl_ctl_decode_reply(payload(&b), hdr(&b)->len, &r, &p), -EINVAL);
	/* the message is always terminated */
	assert_int_equal(sl_ctl_encode_reply(&b, 9, -1, NULL, NULL, 0, 0), 0);
	memset(b.data + sizeof(struct sl_ctl_hdr) + offsetof(struct sl_ctl_reply, msg), 'x',
		SL_CTL_MSGLEN);
	assert_int_equal(sl_ctl_decode_reply(payload(&b), hdr(&b)->len, &r, &p), 0);
	assert_int_equal(strlen(r.msg), SL_CTL_MSGLEN - 1);
	sl_ctl_buf_free(&b);
}

static void record_sizes_are_known_for_every_show(void **state)
{
	assert_int_equal(sl_ctl_rec_size(SL_SHOW_INTERFACES), sizeof(struct sl_ctl_iface_rec));
	assert_int_equal(sl_ctl_rec_size(SL_SHOW_ROUTES), sizeof(struct sl_ctl_route_rec));
	assert_int_equal(sl_ctl_rec_size(SL_SHOW_NEIGHBORS), sizeof(struct sl_ctl_neigh_rec));
	assert_int_equal(sl_ctl_rec_size(SL_SHOW_STATS), sizeof(struct sl_ctl_counter_rec));
	assert_int_equal(sl_ctl_rec_size(SL_SHOW_TRACE), sizeof(struct sl_trace_rec));
	assert_int_equal(sl_ctl_rec_size(SL_SHOW_SESSIONS), sizeof(struct sl_ctl_session_rec));
	assert_int_equal(sl_ctl_rec_size(0), 0);
}

/* ---- grammar words added for the control plane ---- */

static void grammar_parses_clear_trace_and_route_sync(void **state)
{
	char buf[SL_LINE_MAX];
	struct sl_cmd c, back;

	parse("clear stats", &c);
	assert_int_equal(c.type, SL_CMD_SHOW);
	assert_true(c.show.clear);
	assert_int_equal(c.show.what, SL_SHOW_STATS);
	parse("trace 25 --json", &c);
	assert_int_equal(c.show.what, SL_SHOW_TRACE);
	assert_int_equal(c.show.count, 25);
	assert_true(c.show.json);
	parse("route sync kernel table 100", &c);
	assert_true(sl_cmd_is_route_sync(&c));
	assert_int_equal(c.sync.table, 100);
	parse("route sync kernel table 4294967295", &c);
	assert_int_equal(c.sync.table, 4294967295u);
	parse("route add 10.0.0.0/8 via 192.168.1.254 proto kernel", &c);
	assert_true(c.route.kernel);
	parse("route add 10.0.0.0/8 via 192.168.1.254 proto static", &c);
	assert_false(c.route.kernel);
	parse("show sessions --json", &c);
	assert_int_equal(c.show.what, SL_SHOW_SESSIONS);
	/* every one formats back to itself */
	const char *lines[] = {"clear stats", "trace 25 --json", "trace 1",
		"route sync kernel table 100",
		"route add 10.0.0.0/8 via 192.168.1.254 dev lan0 proto kernel"};
	for (unsigned int i = 0; i < 5; i++) {
		parse(lines[i], &c);
		assert_true(sl_cmd_format(&c, buf, sizeof(buf)) > 0);
		assert_string_equal(buf, lines[i]);
		parse(buf, &back);
		assert_true(sl_cmd_equal(&c, &back));
	}
}

static void grammar_rejects_malformed_control_words(void **state)
{
	const char *bad[] = {"clear", "clear routes", "clear stats now", "trace", "trace 0",
		"trace 1025", "trace -1", "trace 01", "trace 5 6", "trace x",
		"trace 5 --json --json", "route sync", "route sync kernel",
		"route sync kernel table", "route sync kernel table 0",
		"route sync kernel table 4294967296", "route sync bird table 1",
		"route sync kernel table 1 extra",
		"route add 10.0.0.0/8 via 192.168.1.254 proto bgp",
		"route add 10.0.0.0/8 proto kernel"};
	char err[SL_ERR_MAX];
	struct sl_cmd c;

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (sl_cmd_parse_line(bad[i], &c, err, sizeof(err)) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
		assert_true(err[0] != '\0');
		assert_int_equal(c.type, SL_CMD_NONE);
		assert_false(sl_cmd_is_route_sync(&c));
	}
}

static char *write_tmp(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/sluice-test-ctl.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void config_files_keep_route_sync_and_refuse_duplicates(void **state)
{
	char err[SL_ERR_MAX];
	struct sl_cmd_list l;

	assert_int_equal(sl_cmd_list_parse("t",
				 "interface lan0 device d address 10.0.0.1/24\n"
				 "route sync kernel table 100\nroute sync kernel table 101\n",
				 &l, err, sizeof(err)),
		0);
	assert_int_equal(l.n, 3);
	assert_true(sl_cmd_is_route_sync(&l.cmds[1]));
	assert_int_equal(l.lines[2], 3);
	sl_cmd_list_free(&l);
	assert_int_equal(sl_cmd_list_parse("t",
				 "route sync kernel table 100\n# c\nroute sync kernel table 100\n",
				 &l, err, sizeof(err)),
		-EINVAL);
	assert_non_null(strstr(err, "t:3:"));
	assert_non_null(strstr(err, "line 1"));
	assert_int_equal(sl_cmd_list_parse("t", "clear stats\n", &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "clear: not a configuration command"));
	assert_int_equal(sl_cmd_list_parse("t", "trace 3\n", &l, err, sizeof(err)), -EINVAL);
}

static void batch_files_parse_without_file_checks(void **state)
{
	char err[SL_ERR_MAX];
	struct sl_cmd_list l;
	char *p;

	/* names interfaces and routes the running backend has, not the file */
	p = write_tmp("# batch\nroute del 10.0.0.0/8\nroute add 10.1.0.0/16 via 192.168.1.254 "
		      "dev lan0\nneighbor del 192.168.1.2 dev lan0\n");
	assert_int_equal(sl_cmd_list_load_batch(p, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.lines[0], 2);
	sl_cmd_list_free(&l);
	assert_int_equal(sl_cmd_list_load(p, &l, err, sizeof(err)), -EINVAL);
	unlink(p);
	p = write_tmp("route del 10.0.0.0/8\nroute add 10.1.0.1/16 via 192.168.1.254\n");
	assert_int_equal(sl_cmd_list_load_batch(p, &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: "));
	unlink(p);
	p = write_tmp("show routes\n");
	assert_int_equal(sl_cmd_list_load_batch(p, &l, err, sizeof(err)), -EINVAL);
	unlink(p);
	p = write_tmp("route sync kernel table 5\n");
	assert_int_equal(sl_cmd_list_load_batch(p, &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "daemon"));
	unlink(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(apply_round_trip_keeps_every_command),
		cmocka_unit_test(apply_decode_rejects_a_bad_command_naming_its_line),
		cmocka_unit_test(apply_decode_rejects_inconsistent_sizes),
		cmocka_unit_test(header_check_rejects_magic_version_and_size),
		cmocka_unit_test(show_trace_and_simple_requests_round_trip),
		cmocka_unit_test(reply_round_trip_with_records),
		cmocka_unit_test(record_sizes_are_known_for_every_show),
		cmocka_unit_test(grammar_parses_clear_trace_and_route_sync),
		cmocka_unit_test(grammar_rejects_malformed_control_words),
		cmocka_unit_test(config_files_keep_route_sync_and_refuse_duplicates),
		cmocka_unit_test(batch_files_parse_without_file_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
