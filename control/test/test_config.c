/* SPDX-License-Identifier: BSD-3-Clause */
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

#include <sluice/config.h>

/* Override with -DN_RANDOM=... for a longer soak. */
#ifndef N_RANDOM
#define N_RANDOM 5000
#endif

static struct sl_cmd parse_ok(const char *line)
{
	char err[SL_ERR_MAX] = "";
	struct sl_cmd c;

	if (sl_cmd_parse_line(line, &c, err, sizeof(err)) != 0) {
		print_error("unexpected error for '%s': %s\n", line, err);
		fail();
	}
	return c;
}

/* The line must fail and the message must contain @p want. */
static void parse_fails(const char *line, const char *want)
{
	char err[SL_ERR_MAX] = "";
	struct sl_cmd c;
	int rc = sl_cmd_parse_line(line, &c, err, sizeof(err));

	if (rc != -EINVAL || strstr(err, want) == NULL) {
		print_error("line '%s': rc %d, message '%s', wanted '%s'\n", line, rc, err, want);
		fail();
	}
	assert_int_equal(c.type, SL_CMD_NONE);
}

static struct sl_cmd_list file_ok(const char *text)
{
	char err[SL_ERR_MAX] = "";
	struct sl_cmd_list l;

	if (sl_cmd_list_parse("cfg", text, &l, err, sizeof(err)) != 0) {
		print_error("unexpected file error: %s\n", err);
		fail();
	}
	return l;
}

/* The file must fail with a message starting "cfg:LINE: " and containing @p want. */
static void file_fails(const char *text, unsigned int line, const char *want)
{
	char err[SL_ERR_MAX] = "", prefix[32];
	struct sl_cmd_list l;
	int rc;

	memset(&l, 0xa5, sizeof(l));
	rc = sl_cmd_list_parse("cfg", text, &l, err, sizeof(err));
	snprintf(prefix, sizeof(prefix), "cfg:%u: ", line);
	if (rc != -EINVAL || strncmp(err, prefix, strlen(prefix)) != 0 ||
		strstr(err, want) == NULL) {
		print_error("rc %d, message '%s', wanted '%s...%s'\n", rc, err, prefix, want);
		fail();
	}
	assert_null(l.cmds);
	assert_null(l.lines);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.cap, 0);
}

static void assert_round_trip(const struct sl_cmd *c)
{
	char text[SL_LINE_MAX], again[SL_LINE_MAX], err[SL_ERR_MAX] = "";
	struct sl_cmd back;
	int n = sl_cmd_format(c, text, sizeof(text));

	assert_true(n >= 0);
	assert_int_equal((size_t)n, strlen(text));
	if (sl_cmd_parse_line(text, &back, err, sizeof(err)) != 0) {
		print_error("formatted '%s' does not parse: %s\n", text, err);
		fail();
	}
	if (!sl_cmd_equal(c, &back)) {
		print_error("'%s' parses into a different command\n", text);
		fail();
	}
	assert_int_equal(sl_cmd_format(&back, again, sizeof(again)), n);
	assert_string_equal(text, again);
}

static struct sl_ip ip_of(const char *s)
{
	struct sl_ip ip;

	assert_int_equal(sl_ip_parse(s, &ip), 0);
	return ip;
}

static void assert_prefix(const struct sl_prefix *p, const char *want)
{
	char buf[64];

	assert_string_equal(sl_prefix_fmt(p, buf, sizeof(buf)), want);
}

/* Line grammar: accepted input. */

static void empty_and_comment_lines_give_no_command(void **state)
{
	static const char *const lines[] = {"", "   ", "\t", "# comment", "  # route add x", "\r\n",
		"#", "\t#\tinterface lan0\r"};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct sl_cmd c = parse_ok(lines[i]);

		assert_int_equal(c.type, SL_CMD_NONE);
	}
}

static void interface_parses_every_option(void **state)
{
	struct sl_cmd c = parse_ok("interface lan0 device 0000:00:08.0 vlan 20 address "
				   "192.168.1.1/24 address fd00:1::1/64 role inside mac "
				   "02:00:00:00:01:01 mtu 9000");
	static const uint8_t mac[6] = {2, 0, 0, 0, 1, 1};

	assert_int_equal(c.type, SL_CMD_INTERFACE);
	assert_string_equal(c.iface.name, "lan0");
	assert_string_equal(c.iface.device, "0000:00:08.0");
	assert_int_equal(c.iface.vlan, 20);
	assert_int_equal(c.iface.n_addrs, 2);
	assert_prefix(&c.iface.addrs[0], "192.168.1.1/24");
	assert_prefix(&c.iface.addrs[1], "fd00:1::1/64");
	assert_int_equal(c.iface.role, SL_ROLE_INSIDE);
	assert_true(c.iface.has_mac);
	assert_memory_equal(c.iface.mac.b, mac, 6);
	assert_int_equal(c.iface.mtu, 9000);
}

static void interface_defaults_when_options_are_absent(void **state)
{
	struct sl_cmd c = parse_ok("interface wan0 device net_tap0");

	assert_int_equal(c.type, SL_CMD_INTERFACE);
	assert_string_equal(c.iface.device, "net_tap0");
	assert_int_equal(c.iface.vlan, 0);
	assert_int_equal(c.iface.n_addrs, 0);
	assert_int_equal(c.iface.role, SL_ROLE_NONE);
	assert_false(c.iface.has_mac);
	assert_int_equal(c.iface.mtu, 1500);
}

static void interface_accepts_keywords_in_any_order(void **state)
{
	struct sl_cmd a = parse_ok("interface wan0 device eth1 address 203.0.113.2/24 role "
				   "outside mtu 1492 vlan 7");
	struct sl_cmd b = parse_ok("interface wan0 mtu 1492 role outside vlan 7 address "
				   "203.0.113.2/24 device eth1");

	assert_true(sl_cmd_equal(&a, &b));
	assert_int_equal(b.iface.role, SL_ROLE_OUTSIDE);
}

static void interface_accepts_max_addresses(void **state)
{
	struct sl_cmd c = parse_ok("interface a device d address 10.0.0.1/8 address 10.0.0.2/8 "
				   "address 10.0.0.3/8 address 10.0.0.4/8 address 10.0.0.5/8 "
				   "address 10.0.0.6/8 address 10.0.0.7/8 address 10.0.0.8/8");

	assert_int_equal(c.iface.n_addrs, SL_IFACE_ADDRS_MAX);
	assert_prefix(&c.iface.addrs[7], "10.0.0.8/8");
}

static void interface_accepts_host_and_point_to_point_prefixes(void **state)
{
	struct sl_cmd c =
		parse_ok("interface lo1 device d address 192.0.2.1/32 address "
			 "2001:db8::1/128 address 198.51.100.0/31 address 198.51.100.3/31 "
			 "address 2001:db8:1::/127 address fe80::1/64");

	assert_int_equal(c.iface.n_addrs, 6);
	assert_prefix(&c.iface.addrs[2], "198.51.100.0/31");
	assert_prefix(&c.iface.addrs[4], "2001:db8:1::/127");
}

static void interface_accepts_name_and_device_characters(void **state)
{
	struct sl_cmd c = parse_ok("interface Wan_0.uplink-1 device "
				   "net_af_packet0,iface=eth0,qpairs=1");

	assert_string_equal(c.iface.name, "Wan_0.uplink-1");
	assert_string_equal(c.iface.device, "net_af_packet0,iface=eth0,qpairs=1");
	c = parse_ok("interface abcdefghijklmnopqrstuvwxyz01234 device d");
	assert_int_equal(strlen(c.iface.name), SL_NAME_MAX - 1);
}

static void line_allows_trailing_comment_tabs_and_crlf(void **state)
{
	struct sl_cmd c = parse_ok("\troute  add\t10.0.0.0/8   via 192.168.1.254#gw\r\n");

	assert_int_equal(c.type, SL_CMD_ROUTE_ADD);
	assert_prefix(&c.route.prefix, "10.0.0.0/8");
	c = parse_ok("route del 10.0.0.0/8 # gone \x01 anything goes in a comment");
	assert_int_equal(c.type, SL_CMD_ROUTE_DEL);
}

static void route_add_parses_via(void **state)
{
	struct sl_cmd c = parse_ok("route add 0.0.0.0/0 via 203.0.113.1");
	struct sl_ip gw = ip_of("203.0.113.1");

	assert_int_equal(c.type, SL_CMD_ROUTE_ADD);
	assert_prefix(&c.route.prefix, "0.0.0.0/0");
	assert_true(c.route.has_via);
	assert_true(sl_ip_equal(&c.route.via, &gw));
	assert_string_equal(c.route.dev, "");
}

static void route_add_parses_via_and_dev_in_either_order(void **state)
{
	struct sl_cmd a = parse_ok("route add 2001:db8::/32 via fe80::1 dev lan0");
	struct sl_cmd b = parse_ok("route add 2001:db8::/32 dev lan0 via fe80::1");

	assert_true(a.route.has_via);
	assert_string_equal(a.route.dev, "lan0");
	assert_true(sl_cmd_equal(&a, &b));
}

static void route_add_parses_dev_only(void **state)
{
	struct sl_cmd c = parse_ok("route add 192.0.2.0/24 dev wan0");

	assert_false(c.route.has_via);
	assert_string_equal(c.route.dev, "wan0");
	c = parse_ok("route add ::/0 dev wan0");
	assert_prefix(&c.route.prefix, "::/0");
}

static void route_del_parses_prefix(void **state)
{
	struct sl_cmd c = parse_ok("route del 10.0.0.0/8");

	assert_int_equal(c.type, SL_CMD_ROUTE_DEL);
	assert_prefix(&c.route.prefix, "10.0.0.0/8");
	assert_false(c.route.has_via);
}

static void neighbor_add_parses_both_spellings(void **state)
{
	static const uint8_t mac[6] = {2, 0, 0, 0, 0, 1};
	struct sl_cmd a = parse_ok("neighbor add 203.0.113.1 lladdr 02:00:00:00:00:01 dev wan0");
	struct sl_cmd b = parse_ok("neighbour add 203.0.113.1 dev wan0 lladdr 02:00:00:00:00:01");
	struct sl_ip ip = ip_of("203.0.113.1");

	assert_int_equal(a.type, SL_CMD_NEIGH_ADD);
	assert_true(sl_ip_equal(&a.neigh.ip, &ip));
	assert_memory_equal(a.neigh.mac.b, mac, 6);
	assert_string_equal(a.neigh.dev, "wan0");
	assert_true(sl_cmd_equal(&a, &b));
}

static void neighbor_del_parses(void **state)
{
	struct sl_cmd c = parse_ok("neighbour del 2001:db8::5 dev lan0");

	assert_int_equal(c.type, SL_CMD_NEIGH_DEL);
	assert_string_equal(c.neigh.dev, "lan0");
}

static void show_parses_every_item_with_and_without_json(void **state)
{
	static const struct {
		const char *line;
		enum sl_show_what what;
		bool json;
	} cases[] = {
		{"show interfaces", SL_SHOW_INTERFACES, false},
		{"show routes --json", SL_SHOW_ROUTES, true},
		{"show neighbors", SL_SHOW_NEIGHBORS, false},
		{"show neighbours --json", SL_SHOW_NEIGHBORS, true},
		{"show --json stats", SL_SHOW_STATS, true},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sl_cmd c = parse_ok(cases[i].line);

		assert_int_equal(c.type, SL_CMD_SHOW);
		assert_int_equal(c.show.what, cases[i].what);
		assert_int_equal(c.show.json, cases[i].json);
	}
}

static void nat_port_block_parses_size_blocks_and_off(void **state)
{
	struct sl_cmd c;

	(void)state;
	c = parse_ok("nat port-block size 256");
	assert_int_equal(c.type, SL_CMD_NAT_PORT_BLOCK);
	assert_int_equal(c.nat.value, 256);
	assert_int_equal(c.nat.kind, 1);
	assert_round_trip(&c);
	c = parse_ok("nat port-block size 1024 blocks-per-host 4");
	assert_int_equal(c.nat.value, 1024);
	assert_int_equal(c.nat.kind, 4);
	assert_round_trip(&c);
	c = parse_ok("nat port-block off");
	assert_int_equal(c.type, SL_CMD_NAT_PORT_BLOCK);
	assert_int_equal(c.nat.value, 0);
	assert_round_trip(&c);
	parse_fails("nat port-block", "expected 'size N");
	parse_fails("nat port-block size 0", "N 1..32768");
	parse_fails("nat port-block size 40000", "N 1..32768");
	parse_fails("nat port-block size 64 blocks-per-host 9", "blocks-per-host M' (1..8)");
	parse_fails("nat port-block size 64 per-host 2", "blocks-per-host M");
	parse_fails("nat port-block size 64 blocks-per-host", "expected 'size N");
}

static void parse_argv_matches_parse_line(void **state)
{
	char *const argv[] = {"route", "add", "10.0.0.0/8", "via", "192.168.1.254", "dev", "lan0"};
	char err[SL_ERR_MAX] = "";
	struct sl_cmd a, b = parse_ok("route add 10.0.0.0/8 via 192.168.1.254 dev lan0");

	assert_int_equal(sl_cmd_parse_argv(7, argv, &a, err, sizeof(err)), 0);
	assert_true(sl_cmd_equal(&a, &b));
	assert_int_equal(sl_cmd_parse_argv(0, argv, &a, err, sizeof(err)), 0);
	assert_int_equal(a.type, SL_CMD_NONE);
}

static void parse_argv_rejects_words_with_spaces(void **state)
{
	char *const argv[] = {"route add 10.0.0.0/8 dev lan0"};
	char *const tab[] = {"route", "del", "10.0.0.0/8\t"};
	char err[SL_ERR_MAX] = "";
	struct sl_cmd c;

	assert_int_equal(sl_cmd_parse_argv(1, argv, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "its own argument"));
	assert_int_equal(sl_cmd_parse_argv(3, tab, &c, err, sizeof(err)), -EINVAL);
}

/* Line grammar: errors name the problem and the word. */

static void unknown_command_is_named_with_a_suggestion(void **state)
{
	parse_fails(
		"rout add 10.0.0.0/8 dev lan0", "unknown command 'rout' (did you mean 'route'?)");
	parse_fails("frobnicate pool add 203.0.113.2/32", "unknown command 'frobnicate'");
	parse_fails("Interface lan0 device d", "unknown command 'Interface'");
}

static void interface_rejects_unknown_keyword(void **state)
{
	parse_fails(
		"interface lan0 device d adress 10.0.0.1/8", "interface: unknown keyword 'adress'");
	parse_fails("interface lan0 device d bogus 1", "expected device, vlan, address, role, mac "
						       "or mtu");
}

static void interface_requires_name_and_device(void **state)
{
	parse_fails("interface", "interface: missing name");
	parse_fails("interface device eth0", "interface: missing name before 'device'");
	parse_fails("interface lan0", "missing 'device DEV'");
	parse_fails("interface lan0 address 10.0.0.1/8 role inside", "missing 'device DEV'");
}

static void interface_rejects_bad_names(void **state)
{
	parse_fails("interface 0lan device d", "bad name '0lan'");
	parse_fails("interface _lan device d", "bad name '_lan'");
	parse_fails("interface lan/0 device d", "bad name 'lan/0'");
	parse_fails("interface lan:0 device d", "bad name");
	parse_fails("interface abcdefghijklmnopqrstuvwxyz012345 device d", "bad name");
	parse_fails("interface via device d", "missing name before 'via'");
}

static void interface_rejects_bad_device(void **state)
{
	char line[300];

	snprintf(line, sizeof(line), "interface a device %0128d", 7);
	parse_fails(line, "bad device");
	parse_fails("interface lan0 device vlan 20", "'device' needs a device name before 'vlan'");
}

static void interface_rejects_keyword_given_twice(void **state)
{
	parse_fails("interface a device d device e", "interface: 'device' given twice");
	parse_fails("interface a device d vlan 1 vlan 2", "'vlan' given twice");
	parse_fails("interface a device d role inside role outside", "'role' given twice");
	parse_fails("interface a device d mac 02:00:00:00:00:01 mac 02:00:00:00:00:02",
		"'mac' given twice");
	parse_fails("interface a device d mtu 1500 mtu 1500", "'mtu' given twice");
}

static void interface_rejects_keyword_without_value(void **state)
{
	parse_fails("interface a device", "interface: 'device' needs a device name");
	parse_fails("interface a device d vlan", "'vlan' needs a VLAN id 1..4094");
	parse_fails("interface a device d address", "'address' needs");
	parse_fails("interface a device d mtu # 1500", "'mtu' needs");
}

static void interface_rejects_bad_vlan(void **state)
{
	static const char *const bad[] = {"0", "4095", "65536", "x", "-1", "+5", "010", "20x",
		"99999999999999999999999", "0x14"};
	char line[128], want[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "interface a device d vlan %s", bad[i]);
		snprintf(want, sizeof(want), "interface: bad vlan '%s'", bad[i]);
		parse_fails(line, want);
	}
	assert_int_equal(parse_ok("interface a device d vlan 4094").iface.vlan, 4094);
	assert_int_equal(parse_ok("interface a device d vlan 1").iface.vlan, 1);
}

static void interface_rejects_bad_mtu(void **state)
{
	static const char *const bad[] = {
		"67", "9001", "1500x", "01500", "-1500", "4294967296", "18446744073709551617"};
	char line[128], want[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "interface a device d mtu %s", bad[i]);
		snprintf(want, sizeof(want), "interface: bad mtu '%s'", bad[i]);
		parse_fails(line, want);
	}
	assert_int_equal(parse_ok("interface a device d mtu 68").iface.mtu, 68);
}

static void interface_rejects_small_mtu_with_ipv6_address(void **state)
{
	parse_fails("interface a device d address 2001:db8::1/64 mtu 1279", "IPv6 minimum 1280");
	assert_int_equal(
		parse_ok("interface a device d address 2001:db8::1/64 mtu 1280").iface.mtu, 1280);
	assert_int_equal(
		parse_ok("interface a device d address 10.0.0.1/8 mtu 576").iface.mtu, 576);
}

static void interface_rejects_prefix_length_zero(void **state)
{
	parse_fails("interface a device d address 10.0.0.1/0", "prefix length 0");
	parse_fails("interface a device d address 2001:db8::1/0", "prefix length 0");
}

static void interface_rejects_network_and_broadcast_addresses(void **state)
{
	parse_fails("interface a device d address 192.168.1.0/24",
		"the network address of 192.168.1.0/24");
	parse_fails("interface a device d address 192.168.1.255/24",
		"the broadcast address of 192.168.1.0/24");
	parse_fails("interface a device d address 10.0.0.4/30", "network address");
	parse_fails("interface a device d address 10.0.0.7/30", "broadcast address");
	parse_fails(
		"interface a device d address 2001:db8::/64", "network (subnet-router anycast)");
}

static void interface_rejects_non_unicast_addresses(void **state)
{
	parse_fails("interface a device d address 224.0.0.1/24", "multicast");
	parse_fails("interface a device d address 127.0.0.1/8", "loopback");
	parse_fails("interface a device d address 0.1.2.3/8", "0.0.0.0/8");
	parse_fails("interface a device d address 255.255.255.255/32", "broadcast");
	parse_fails("interface a device d address ff02::1/64", "multicast");
	parse_fails("interface a device d address ::1/128", "loopback");
	parse_fails("interface a device d address ::/128", "unspecified");
}

static void interface_rejects_malformed_addresses(void **state)
{
	parse_fails("interface a device d address 192.168.1.1", "missing '/LENGTH'");
	parse_fails("interface a device d address 192.168.1.1/33", "prefix length must be");
	parse_fails("interface a device d address 2001:db8::1/129", "0..128");
	parse_fails("interface a device d address 192.168.1.300/24", "not an IPv4 or IPv6 address");
	parse_fails("interface a device d address lan/24", "'lan' is not an IPv4 or IPv6");
	parse_fails("interface a device d address foo", "expected ADDRESS/LENGTH");
}

static void interface_rejects_too_many_or_repeated_addresses(void **state)
{
	parse_fails("interface a device d address 10.0.0.1/8 address 10.0.0.2/8 address "
		    "10.0.0.3/8 address 10.0.0.4/8 address 10.0.0.5/8 address 10.0.0.6/8 "
		    "address 10.0.0.7/8 address 10.0.0.8/8 address 10.0.0.9/8",
		"too many addresses (at most 8)");
	parse_fails("interface a device d address 10.0.0.1/8 address 10.0.0.1/16",
		"address '10.0.0.1/16' given twice");
}

static void interface_rejects_bad_role(void **state)
{
	parse_fails("interface a device d role dmz", "bad role 'dmz': expected inside or outside");
	parse_fails("interface a device d role Inside", "bad role 'Inside'");
}

static void interface_rejects_multicast_zero_and_malformed_mac(void **state)
{
	parse_fails("interface a device d mac 01:00:5e:00:00:01", "group (multicast) bit set");
	parse_fails("interface a device d mac ff:ff:ff:ff:ff:ff", "multicast");
	parse_fails("interface a device d mac 00:00:00:00:00:00", "all-zero");
	parse_fails("interface a device d mac 02:00:00:00:00", "bad mac '02:00:00:00:00'");
	parse_fails("interface a device d mac 0200.0000.0001", "expected xx:xx:xx:xx:xx:xx");
}

static void route_add_rejects_host_bits_in_prefix(void **state)
{
	char err[SL_ERR_MAX];
	struct sl_cmd c;

	assert_int_equal(
		sl_cmd_parse_line("route add 10.0.0.1/8 via 192.168.1.1", &c, err, sizeof(err)),
		-EINVAL);
	assert_string_equal(err,
		"route add: bad prefix '10.0.0.1/8': host bits set (did you mean 10.0.0.0/8?)");
	parse_fails("route add 2001:db8::1/32 dev lan0", "did you mean 2001:db8::/32?");
	parse_fails("route del 192.168.1.1/24", "route del: bad prefix '192.168.1.1/24': host bits "
						"set (did you mean 192.168.1.0/24?)");
}

static void route_add_rejects_malformed_prefix(void **state)
{
	parse_fails("route add 10.0.0.0 dev lan0", "missing '/LENGTH'");
	parse_fails("route add 10.0.0.0/33 dev lan0", "prefix length must be a number 0..32");
	parse_fails("route add 10.0.0.0/8x dev lan0", "prefix length");
	parse_fails("route add default via 10.0.0.1", "bad prefix 'default'");
	parse_fails("route add", "route add: missing prefix");
}

static void route_add_rejects_gateway_of_other_family(void **state)
{
	parse_fails("route add 0.0.0.0/0 via 2001:db8::1",
		"gateway '2001:db8::1' is IPv6 but prefix 0.0.0.0/0 is IPv4");
	parse_fails("route add ::/0 via 192.0.2.1", "is IPv4 but prefix ::/0 is IPv6");
}

static void route_add_rejects_non_unicast_gateway(void **state)
{
	parse_fails("route add 10.0.0.0/8 via 0.0.0.0", "bad gateway '0.0.0.0': the unspecified");
	parse_fails("route add ::/0 via ::", "bad gateway '::': the unspecified");
	parse_fails("route add 10.0.0.0/8 via 239.1.1.1", "multicast");
	parse_fails("route add ::/0 via ff02::1", "multicast");
	parse_fails("route add 10.0.0.0/8 via 127.0.0.1", "loopback");
	parse_fails("route add 10.0.0.0/8 via 10.0.0.0.1", "bad gateway '10.0.0.0.1'");
}

static void route_add_requires_via_or_dev(void **state)
{
	parse_fails("route add 10.0.0.0/8", "missing 'via GATEWAY' or 'dev IFACE'");
	parse_fails("route add 10.0.0.0/8 via", "'via' needs a gateway address");
	parse_fails(
		"route add 10.0.0.0/8 via dev lan0", "'via' needs a gateway address before 'dev'");
	parse_fails("route add 10.0.0.0/8 dev", "'dev' needs an interface name");
	parse_fails("route add 10.0.0.0/8 dev 0bad", "bad interface name '0bad'");
	parse_fails("route add 10.0.0.0/8 dev a dev b", "'dev' given twice");
	parse_fails("route add 10.0.0.0/8 gw 10.0.0.1", "route add: unknown keyword 'gw'");
}

static void route_rejects_unknown_action_and_extra_words(void **state)
{
	parse_fails("route", "route: missing 'add' or 'del'");
	parse_fails(
		"route ad 10.0.0.0/8 dev a", "route: unknown action 'ad' (did you mean 'add'?)");
	parse_fails("route replace 10.0.0.0/8 dev a", "expected add, del or sync");
	parse_fails("route del 10.0.0.0/8 dev lan0", "route del: unexpected word 'dev'");
	parse_fails("route del", "route del: missing prefix");
}

static void neighbor_requires_lladdr_and_dev(void **state)
{
	parse_fails("neighbor add 10.0.0.2 dev lan0", "neighbor add: missing 'lladdr MAC'");
	parse_fails("neighbour add 10.0.0.2 lladdr 02:00:00:00:00:01",
		"neighbour add: missing 'dev IFACE'");
	parse_fails("neighbor del 10.0.0.2", "neighbor del: missing 'dev IFACE'");
	parse_fails("neighbor add", "neighbor add: missing address");
	parse_fails("neighbor", "neighbor: missing 'add' or 'del'");
	parse_fails("neighbor flush", "neighbor: unknown action 'flush'");
}

static void neighbor_rejects_bad_words(void **state)
{
	parse_fails("neighbor add 10.0.0.2 lladdr 01:00:00:00:00:01 dev a", "bad lladdr");
	parse_fails("neighbor add 10.0.0.2 lladdr 00:00:00:00:00:00 dev a", "all-zero");
	parse_fails("neighbor add 224.0.0.5 lladdr 02:00:00:00:00:01 dev a",
		"bad address '224.0.0.5': a multicast address");
	parse_fails("neighbor add 10.0.0.2/32 lladdr 02:00:00:00:00:01 dev a",
		"bad address '10.0.0.2/32'");
	parse_fails("neighbor add 10.0.0.2 lladr 02:00:00:00:00:01 dev a",
		"unknown keyword 'lladr' (did you mean 'lladdr'?)");
	parse_fails("neighbor add 10.0.0.2 lladdr 02:00:00:00:00:01 dev a dev b", "given twice");
	parse_fails("neighbor del 10.0.0.2 lladdr 02:00:00:00:00:01 dev a",
		"'lladdr' is not used with del");
}

static void show_rejects_bad_items(void **state)
{
	parse_fails("show", "show: missing what to show");
	parse_fails("show --json", "show: missing what to show");
	parse_fails("show route", "show: unknown item 'route' (did you mean 'routes'?)");
	parse_fails("show session", "show: unknown item 'session'");
	parse_fails("show routes stats", "show: unexpected word 'stats'");
	parse_fails("show routes --json --json", "'--json' given twice");
	parse_fails("show --xml routes", "show: unknown item '--xml'");
	parse_fails("show routes --xml", "show: unexpected word '--xml'");
}

static void line_rejects_control_characters(void **state)
{
	parse_fails("route del 10.0.0.0/8\x01", "invalid character 0x01 in column 21");
	parse_fails("interface a device d\x7f", "invalid character 0x7f");
	parse_fails("route\vdel 10.0.0.0/8", "invalid character 0x0b");
}

static void line_rejects_too_long_line_and_too_many_words(void **state)
{
	char *line = malloc(SL_LINE_MAX + 1);
	size_t n = 0;

	assert_non_null(line);
	memset(line, ' ', SL_LINE_MAX);
	line[SL_LINE_MAX] = '\0';
	parse_fails(line, "line too long");
	line[SL_LINE_MAX - 1] = '\0';
	assert_int_equal(parse_ok(line).type, SL_CMD_NONE);
	n = (size_t)sprintf(line, "show");
	for (int i = 0; i < 64; i++)
		n += (size_t)sprintf(line + n, " x");
	parse_fails(line, "too many words");
	free(line);
}

static void error_message_quotes_long_words_shortened(void **state)
{
	char line[512], err[SL_ERR_MAX];
	struct sl_cmd c;

	snprintf(line, sizeof(line), "%0300d", 1);
	assert_int_equal(sl_cmd_parse_line(line, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "...'"));
	assert_true(strlen(err) < 160);
	/* A tiny buffer still gets a terminated message; none at all is allowed too. */
	assert_int_equal(sl_cmd_parse_line("bogus", &c, err, 4), -EINVAL);
	assert_int_equal(strlen(err), 3);
	assert_int_equal(sl_cmd_parse_line("bogus", &c, NULL, 0), -EINVAL);
}

/* Formatting. */

static void format_renders_canonical_text(void **state)
{
	static const char *const same[] = {
		("interface lan0 device 0000:00:08.0 address 192.168.1.1/24 address fd00:1::1/64 "
		 "role inside mac 02:00:00:00:01:01"),
		"interface iot0 device 0000:00:08.0 vlan 20 address 192.168.20.1/24 role inside",
		"interface wan0 device eth1 address 203.0.113.2/24 role outside mtu 1492",
		"interface x device y",
		"route add 0.0.0.0/0 via 203.0.113.1 dev wan0",
		"route add 10.0.0.0/8 via 192.168.1.254",
		"route add 2001:db8::/32 dev lan0",
		"route del 10.0.0.0/8",
		"neighbor add 203.0.113.1 lladdr 02:00:00:00:00:01 dev wan0",
		"neighbor del fe80::1 dev lan0",
		"show interfaces",
		"show routes --json",
		"show neighbors",
		"show stats --json",
		"",
	};
	static const char *const canon[][2] = {
		{"interface a mtu 1500 role outside device d vlan 3",
			"interface a device d vlan 3 role outside"},
		{"neighbour add 10.0.0.1 dev a lladdr 02:AB:00:00:00:01",
			"neighbor add 10.0.0.1 lladdr 02:ab:00:00:00:01 dev a"},
		{"route add 2001:0db8:0000::/48 dev a via 2001:db8::1",
			"route add 2001:db8::/48 via 2001:db8::1 dev a"},
		{"show --json neighbours", "show neighbors --json"},
		{"  # only a comment", ""},
	};
	char buf[SL_LINE_MAX];

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		struct sl_cmd c = parse_ok(same[i]);

		assert_int_equal(sl_cmd_format(&c, buf, sizeof(buf)), (int)strlen(same[i]));
		assert_string_equal(buf, same[i]);
		assert_round_trip(&c);
	}
	for (size_t i = 0; i < sizeof(canon) / sizeof(canon[0]); i++) {
		struct sl_cmd c = parse_ok(canon[i][0]);

		assert_true(sl_cmd_format(&c, buf, sizeof(buf)) >= 0);
		assert_string_equal(buf, canon[i][1]);
		assert_round_trip(&c);
	}
}

static void format_reports_short_buffer(void **state)
{
	struct sl_cmd c = parse_ok("route add 10.0.0.0/8 via 192.168.1.254 dev lan0");
	char buf[16];

	assert_int_equal(sl_cmd_format(&c, buf, sizeof(buf)), -ENOSPC);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_int_equal(sl_cmd_format(&c, buf, 0), -ENOSPC);
	c.type = (enum sl_cmd_type)99;
	assert_int_equal(sl_cmd_format(&c, buf, sizeof(buf)), -EINVAL);
}

static void cmd_equal_ignores_unused_fields(void **state)
{
	struct sl_cmd a = parse_ok("neighbor del 10.0.0.1 dev a");
	struct sl_cmd b = a;

	b.neigh.mac.b[0] = 2;
	assert_true(sl_cmd_equal(&a, &b));
	a = parse_ok("route add 10.0.0.0/8 dev a");
	b = a;
	b.route.via.v4 = 1;
	assert_true(sl_cmd_equal(&a, &b));
	b.route.dev[0] = 'b';
	assert_false(sl_cmd_equal(&a, &b));
	b = parse_ok("route del 10.0.0.0/8");
	assert_false(sl_cmd_equal(&a, &b));
}

/* Whole files. */

static const char spec_example[] =
	"# SPEC section 2, grammar part\n"
	"interface lan0 device 0000:00:08.0 address 192.168.1.1/24 address fd00:1::1/64 role "
	"inside mac 02:00:00:00:01:01 mtu 1500\n"
	"interface wan0 device net_tap0 address 203.0.113.2/24 role outside\n"
	"interface iot0 device 0000:00:08.0 vlan 20 address 192.168.20.1/24 role inside\n"
	"\n"
	"route add 0.0.0.0/0 via 203.0.113.1 dev wan0\r\n"
	"route add 10.0.0.0/8 via 192.168.1.254 dev lan0\n"
	"route del 10.0.0.0/8\n"
	"neighbor add 203.0.113.1 lladdr 02:00:00:00:00:01 dev wan0   # upstream\n"
	"route add 172.16.0.0/12 via 192.168.20.9\n"
	"route add ::/0 via fe80::1 dev wan0";

static void file_accepts_spec_example(void **state)
{
	struct sl_cmd_list l = file_ok(spec_example);

	assert_int_equal(l.n, 9);
	assert_int_equal(l.cmds[0].type, SL_CMD_INTERFACE);
	assert_int_equal(l.lines[0], 2);
	assert_int_equal(l.cmds[3].type, SL_CMD_ROUTE_ADD);
	assert_int_equal(l.lines[3], 6);
	assert_int_equal(l.cmds[5].type, SL_CMD_ROUTE_DEL);
	assert_int_equal(l.cmds[7].type, SL_CMD_ROUTE_ADD);
	assert_string_equal(l.cmds[7].route.dev, "iot0");
	assert_int_equal(l.lines[8], 11);
	for (unsigned int i = 0; i < l.n; i++)
		assert_round_trip(&l.cmds[i]);
	sl_cmd_list_free(&l);
	assert_null(l.cmds);
	assert_int_equal(l.n, 0);
}

static void file_fills_dev_from_longest_connected_subnet(void **state)
{
	struct sl_cmd_list l = file_ok("interface big device d0 address 10.0.0.1/8\n"
				       "interface small device d1 address 10.1.0.1/16\n"
				       "interface v6 device d2 address 2001:db8::1/32 address "
				       "2001:db8:1::1/48\n"
				       "route add 192.0.2.0/24 via 10.1.2.3\n"
				       "route add 198.51.100.0/24 via 10.2.0.1\n"
				       "route add 2001:db8:ffff::/48 via 2001:db8:1::2\n");

	assert_string_equal(l.cmds[3].route.dev, "small");
	assert_string_equal(l.cmds[4].route.dev, "big");
	assert_string_equal(l.cmds[5].route.dev, "v6");
	sl_cmd_list_free(&l);
}

static void file_reports_line_of_syntax_error(void **state)
{
	file_fails("interface a device d address 10.0.0.1/8\n"
		   "\n"
		   "# comment\n"
		   "route add 10.1.0.0/16 via 10.0.0.2\n"
		   "route add 10.0.0.1/8 via 10.0.0.2\n",
		5, "route add: bad prefix '10.0.0.1/8': host bits set");
	file_fails("\n\n\n\nroute add 1.0.0.0/8 dev\n", 5, "'dev' needs");
}

static void file_reports_syntax_errors_before_file_checks(void **state)
{
	file_fails("route add 1.0.0.0/8 dev nowhere\ninterface a device d adress 1.2.3.4/8\n", 2,
		"unknown keyword 'adress'");
}

static void file_rejects_show(void **state)
{
	file_fails("interface a device d\nshow interfaces\n", 2, "not a configuration command");
}

static void file_rejects_duplicate_interface_name(void **state)
{
	file_fails("interface a device d\ninterface b device e\ninterface a device f\n", 3,
		"interface: 'a' is already declared on line 1");
}

static void file_rejects_duplicate_device_and_vlan(void **state)
{
	file_fails("interface a device d vlan 5\ninterface b device d vlan 5\n", 2,
		"device 'd' vlan 5 of 'b' is already used by 'a' (line 1)");
}

static void file_rejects_two_untagged_interfaces_on_one_device(void **state)
{
	file_fails("interface a device d\ninterface b device d\n", 2,
		"device 'd' of 'b' already has an untagged interface 'a' (line 1)");
}

static void file_allows_tagged_and_untagged_interfaces_on_one_device(void **state)
{
	struct sl_cmd_list l =
		file_ok("interface a device d\ninterface b device d vlan 2\n"
			"interface c device d vlan 3\ninterface e device e vlan 2\n");

	assert_int_equal(l.n, 4);
	sl_cmd_list_free(&l);
}

static void file_rejects_address_on_two_interfaces(void **state)
{
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "interface b device e address 10.0.0.1/16\n",
		2, "address 10.0.0.1 of 'b' is already assigned to 'a' (line 1)");
}

static void file_rejects_same_subnet_on_two_interfaces(void **state)
{
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "interface b device e address 10.0.0.2/24\n",
		2, "subnet 10.0.0.0/24 of 'b' is already connected on 'a' (line 1)");
}

static void file_allows_secondary_addresses_and_shared_link_local(void **state)
{
	struct sl_cmd_list l =
		file_ok("interface a device d address 10.0.0.1/24 address "
			"10.0.0.2/24 address fe80::1/64\n"
			"interface b device e address 10.0.0.9/16 address fe80::1/64\n");

	assert_int_equal(l.n, 2);
	sl_cmd_list_free(&l);
}

static void file_rejects_route_that_clashes_with_interface_prefixes(void **state)
{
	static const char head[] = "interface a device d address 10.0.0.1/24\n"
				   "interface b device e address 10.0.1.1/24\n";
	char text[256];

	snprintf(text, sizeof(text), "%sroute add 10.0.0.0/24 dev b\n", head);
	file_fails(text, 3,
		"route add 10.0.0.0/24: clashes with the connected subnet 10.0.0.0/24 "
		"of 'a' (line 1)");
	snprintf(text, sizeof(text), "%sroute add 10.0.0.1/32 via 10.0.1.2\n", head);
	file_fails(text, 3, "clashes with the address 10.0.0.1 of 'a'");
	snprintf(text, sizeof(text), "%sroute add 10.0.0.255/32 via 10.0.1.2\n", head);
	file_fails(text, 3, "clashes with the subnet broadcast address 10.0.0.255 of 'a'");
	snprintf(text, sizeof(text), "%sroute add 10.0.0.0/32 via 10.0.1.2\n", head);
	file_fails(text, 3, "clashes with the subnet network address 10.0.0.0 of 'a'");
	snprintf(text, sizeof(text), "%sroute del 10.0.1.0/24\n", head);
	file_fails(text, 3,
		"route del 10.0.1.0/24: that is the connected subnet 10.0.1.0/24 of 'b' "
		"(line 2); change the interface instead");
}

static void file_rejects_interface_prefix_that_is_already_a_route(void **state)
{
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "route add 10.1.0.0/16 via 10.0.0.2\n"
		   "interface b device e address 10.1.0.1/16\n",
		3, "interface: connected subnet 10.1.0.0/16 of 'b' is already a route (line 2)");
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "interface b device e address 10.0.0.255/32\n",
		2,
		"address 10.0.0.255 of 'b' clashes with the subnet broadcast address 10.0.0.255 "
		"of 'a' (line 1)");
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "interface b device e address 10.0.0.0/32\n",
		2,
		"address 10.0.0.0 of 'b' clashes with the subnet network address 10.0.0.0 "
		"of 'a' (line 1)");
}

static void file_allows_subnets_that_share_a_broadcast_address(void **state)
{
	struct sl_cmd_list l = file_ok("interface a device d address 10.0.0.1/24\n"
				       "interface b device e address 10.0.0.129/25\n"
				       "route add 10.0.0.128/26 via 10.0.0.130\n");

	assert_string_equal(l.cmds[2].route.dev, "b");
	sl_cmd_list_free(&l);
}

static void file_rejects_dev_declared_later(void **state)
{
	file_fails("route add 0.0.0.0/0 via 203.0.113.1 dev wan0\n"
		   "interface wan0 device d address 203.0.113.2/24\n",
		1, "route add 0.0.0.0/0: interface 'wan0' is declared later, on line 2");
	file_fails("neighbor add 10.0.0.5 lladdr 02:00:00:00:00:05 dev a\n"
		   "interface a device d address 10.0.0.1/24\n",
		1, "neighbor add 10.0.0.5: interface 'a' is declared later");
}

static void file_rejects_unknown_dev(void **state)
{
	file_fails("interface a device d address 10.0.0.1/24\nroute add 10.9.0.0/16 dev b\n", 2,
		"route add 10.9.0.0/16: unknown interface 'b'");
	file_fails("interface a device d address 10.0.0.1/24\nneighbor del 10.0.0.5 dev b\n", 2,
		"unknown interface 'b'");
}

static void file_rejects_gateway_off_connected_subnets(void **state)
{
	file_fails("interface a device d address 10.0.0.1/24\nroute add 0.0.0.0/0 via 10.0.1.1\n",
		2,
		"gateway 10.0.1.1 is not on a connected subnet of any interface declared so far");
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "interface b device e address 10.0.1.2/24\n"
		   "route add 0.0.0.0/0 via 10.0.1.1 dev a\n",
		3, "gateway 10.0.1.1 is not on a connected subnet of 'a'");
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "route add ::/0 via 2001:db8::1 dev a\n",
		2, "not on a connected subnet of 'a'");
}

static void file_rejects_gateway_that_is_our_own_or_special_address(void **state)
{
	file_fails("interface a device d address 10.0.0.1/24\nroute add 0.0.0.0/0 via 10.0.0.1\n",
		2, "gateway 10.0.0.1 is the address of interface 'a' itself");
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "interface b device e address 10.0.1.1/24\n"
		   "route add 0.0.0.0/0 via 10.0.1.1 dev a\n",
		3, "is the address of interface 'b' itself");
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "route add 0.0.0.0/0 via 10.0.0.255\n",
		2, "gateway 10.0.0.255 is the broadcast address of 10.0.0.0/24 on 'a'");
	file_fails("interface a device d address 10.0.0.1/24\nroute add 0.0.0.0/0 via 10.0.0.0\n",
		2, "network address");
}

static void file_accepts_link_local_gateway_only_with_dev(void **state)
{
	struct sl_cmd_list l = file_ok("interface a device d\nroute add ::/0 via fe80::1 dev a\n");

	sl_cmd_list_free(&l);
	file_fails("interface a device d address fe80::2/64\nroute add ::/0 via fe80::1\n", 2,
		"link-local gateway fe80::1 needs 'dev IFACE'");
}

static void file_rejects_dev_only_ipv4_route_without_ipv4_address(void **state)
{
	struct sl_cmd_list l = file_ok("interface a device d address 2001:db8::1/64\n"
				       "route add 2001:db8:5::/48 dev a\n");

	sl_cmd_list_free(&l);
	file_fails("interface a device d address 2001:db8::1/64\nroute add 10.0.0.0/8 dev a\n", 2,
		"interface 'a' has no IPv4 address");
}

static void file_route_del_removes_earlier_add(void **state)
{
	struct sl_cmd_list l = file_ok("interface a device d address 10.0.0.1/24\n"
				       "route add 10.8.0.0/16 via 10.0.0.2\n"
				       "route del 10.8.0.0/16\n"
				       "route add 10.8.0.0/16 via 10.0.0.3\n");

	assert_int_equal(l.n, 4);
	assert_int_equal(l.cmds[2].type, SL_CMD_ROUTE_DEL);
	sl_cmd_list_free(&l);
}

static void file_route_del_without_add_is_an_error(void **state)
{
	file_fails("interface a device d address 10.0.0.1/24\nroute del 10.8.0.0/16\n", 2,
		"route del 10.8.0.0/16: no such route");
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "route add 10.8.0.0/16 via 10.0.0.2\n"
		   "route del 10.8.0.0/16\n"
		   "route del 10.8.0.0/16\n",
		4, "no such route");
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "route add 10.8.0.0/16 via 10.0.0.2\n"
		   "route del 10.8.0.0/17\n",
		3, "no such route");
}

static void file_rejects_duplicate_route_add(void **state)
{
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "route add 10.8.0.0/16 via 10.0.0.2\n"
		   "route add 10.8.0.0/16 via 10.0.0.3\n",
		3, "route add 10.8.0.0/16: already added on line 2");
}

static void file_checks_neighbor_subnet(void **state)
{
	struct sl_cmd_list l = file_ok("interface a device d address 10.0.0.1/24\n"
				       "neighbor add 10.0.0.7 lladdr 02:00:00:00:00:07 dev a\n"
				       "neighbor add fe80::7 lladdr 02:00:00:00:00:07 dev a\n");

	sl_cmd_list_free(&l);
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "neighbor add 10.0.1.7 lladdr 02:00:00:00:00:07 dev a\n",
		2, "neighbor add 10.0.1.7: address 10.0.1.7 is not on a connected subnet of 'a'");
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "neighbor add 2001:db8::7 lladdr 02:00:00:00:00:07 dev a\n",
		2, "not on a connected subnet of 'a'");
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "neighbor add 10.0.0.1 lladdr 02:00:00:00:00:07 dev a\n",
		2, "is the address of interface 'a' itself");
}

static void file_neighbor_del_must_match_earlier_add(void **state)
{
	struct sl_cmd_list l = file_ok("interface a device d address 10.0.0.1/24\n"
				       "interface b device e address 10.0.1.1/24\n"
				       "neighbor add 10.0.0.7 lladdr 02:00:00:00:00:07 dev a\n"
				       "neighbour del 10.0.0.7 dev a\n");

	sl_cmd_list_free(&l);
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "interface b device e address 10.0.1.1/24\n"
		   "neighbor add 10.0.0.7 lladdr 02:00:00:00:00:07 dev a\n"
		   "neighbor del 10.0.0.7 dev b\n",
		4, "no such neighbor on 'b'");
	file_fails("interface a device d address 10.0.0.1/24\n"
		   "neighbor add 10.0.0.7 lladdr 02:00:00:00:00:07 dev a\n"
		   "neighbor add 10.0.0.7 lladdr 02:00:00:00:00:08 dev a\n",
		3, "already added on 'a' on line 2");
}

static void file_with_only_comments_is_empty(void **state)
{
	struct sl_cmd_list l = file_ok("# nothing\n\n   \n");

	assert_int_equal(l.n, 0);
	sl_cmd_list_free(&l);
	l = file_ok("");
	assert_int_equal(l.n, 0);
	sl_cmd_list_free(&l);
}

static char *write_temp(const void *data, size_t len)
{
	char *path = strdup("/tmp/sluice-test-config-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void load_reads_a_file(void **state)
{
	char *path = write_temp(spec_example, strlen(spec_example));
	char err[SL_ERR_MAX] = "";
	struct sl_cmd_list l;

	assert_int_equal(sl_cmd_list_load(path, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 9);
	assert_string_equal(l.cmds[7].route.dev, "iot0");
	sl_cmd_list_free(&l);
	unlink(path);
	free(path);
}

static void load_names_file_and_line_in_errors(void **state)
{
	static const char text[] = "interface a device d\nroute add 10.0.0.0/8 dev b\n";
	char *path = write_temp(text, strlen(text));
	char err[SL_ERR_MAX] = "", want[SL_ERR_MAX];
	struct sl_cmd_list l;

	assert_int_equal(sl_cmd_list_load(path, &l, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: route add 10.0.0.0/8: unknown interface 'b'", path);
	assert_string_equal(err, want);
	assert_null(l.cmds);
	unlink(path);
	free(path);
}

static void load_reports_missing_file(void **state)
{
	char err[SL_ERR_MAX] = "";
	struct sl_cmd_list l;

	assert_int_equal(
		sl_cmd_list_load("/nonexistent/sluice.conf", &l, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/sluice.conf: No such file or directory");
	assert_int_equal(l.n, 0);
	assert_true(sl_cmd_list_load("/tmp", &l, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/tmp: "));
}

static void load_rejects_nul_bytes_and_long_lines(void **state)
{
	static const char nul[] = "interface a device d\nroute del\0 10.0.0.0/8\n";
	char err[SL_ERR_MAX] = "", *big, *path;
	struct sl_cmd_list l;

	path = write_temp(nul, sizeof(nul) - 1);
	assert_int_equal(sl_cmd_list_load(path, &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: invalid character 0x00"));
	unlink(path);
	free(path);

	big = malloc(3 * SL_LINE_MAX);
	assert_non_null(big);
	memset(big, '#', 3 * SL_LINE_MAX);
	memcpy(big, "\n\n", 2);
	path = write_temp(big, 3 * SL_LINE_MAX);
	assert_int_equal(sl_cmd_list_load(path, &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":3: line too long"));
	unlink(path);
	free(path);
	free(big);
}

static void list_append_grows_and_free_resets(void **state)
{
	struct sl_cmd c = parse_ok("route del 10.0.0.0/8");
	struct sl_cmd_list l = {0};

	for (unsigned int i = 0; i < 1000; i++)
		assert_int_equal(sl_cmd_list_append(&l, &c, i + 1), 0);
	assert_int_equal(l.n, 1000);
	assert_true(l.cap >= 1000);
	assert_int_equal(l.lines[999], 1000);
	assert_true(sl_cmd_equal(&l.cmds[500], &c));
	sl_cmd_list_free(&l);
	assert_int_equal(l.n, 0);
	assert_int_equal(sl_cmd_list_append(&l, &c, 1), 0);
	sl_cmd_list_free(&l);
}

static void file_with_many_routes_is_checked(void **state)
{
	size_t cap = 64 * 40000, n = 0;
	char *text = malloc(cap);
	struct sl_cmd_list l;

	assert_non_null(text);
	n += (size_t)snprintf(text + n, cap - n, "interface a device d address 10.0.0.1/24\n");
	for (unsigned int i = 0; i < 20000; i++)
		n += (size_t)snprintf(text + n, cap - n, "route add %u.%u.%u.0/24 via 10.0.0.2\n",
			11 + i / 65536, (i / 256) % 256, i % 256);
	for (unsigned int i = 0; i < 20000; i += 2)
		n += (size_t)snprintf(text + n, cap - n, "route del %u.%u.%u.0/24\n",
			11 + i / 65536, (i / 256) % 256, i % 256);
	l = file_ok(text);
	assert_int_equal(l.n, 30001);
	sl_cmd_list_free(&l);
	free(text);
}

/* Randomised tests. */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static uint32_t rnd_below(uint32_t n)
{
	return rnd() % n;
}

static void random_name(char *out)
{
	static const char first[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	static const char rest[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-";
	static const char *const reserved[] = {
		"device", "vlan", "address", "role", "mac", "mtu", "via", "dev", "lladdr"};
	size_t n;

again:
	n = 1 + rnd_below(rnd_below(4) == 0 ? SL_NAME_MAX - 1 : 6);
	out[0] = first[rnd_below(sizeof(first) - 1)];
	for (size_t i = 1; i < n; i++)
		out[i] = rest[rnd_below(sizeof(rest) - 1)];
	out[n] = '\0';
	for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcmp(out, reserved[i]) == 0)
			goto again;
}

static void random_device(char *out)
{
	size_t n = 1 + rnd_below(rnd_below(4) == 0 ? SL_DEVICE_MAX - 1 : 16);

	for (size_t i = 0; i < n; i++) {
		do
			out[i] = (char)(0x21 + rnd_below(0x7f - 0x21));
		while (out[i] == '#');
	}
	out[n] = '\0';
}

static struct sl_ip random_host(uint8_t family)
{
	struct sl_ip ip = {.family = family};

	if (family == SL_AF_INET) {
		uint32_t first;

		do
			first = 1 + rnd_below(223);
		while (first == 127);
		ip.v4 = htonl(first << 24 | (rnd() & 0xffffff));
		return ip;
	}
	for (int i = 0; i < 16; i++)
		ip.v6[i] = (uint8_t)rnd();
	switch (rnd_below(3)) {
	case 0:
		ip.v6[0] = 0xfe;
		ip.v6[1] = 0x80;
		break;
	case 1:
		ip.v6[0] = 0xfd;
		break;
	default:
		ip.v6[0] = (uint8_t)(0x20 | (ip.v6[0] & 0x1f));
		break;
	}
	return ip;
}

static uint8_t random_family(void)
{
	return rnd_below(2) ? SL_AF_INET : SL_AF_INET6;
}

static struct sl_mac random_mac(void)
{
	struct sl_mac m;

	for (int i = 0; i < 6; i++)
		m.b[i] = (uint8_t)rnd();
	m.b[0] = (uint8_t)((m.b[0] & 0xfe) | 0x02);
	return m;
}

static bool host_part_ok(const struct sl_prefix *p)
{
	struct sl_prefix net = *p;
	uint32_t host, h;

	if (p->addr.family == SL_AF_INET6) {
		sl_prefix_mask(&net);
		return p->len > 126 || !sl_ip_equal(&net.addr, &p->addr);
	}
	if (p->len > 30)
		return true;
	host = ~(UINT32_MAX << (32 - p->len));
	h = ntohl(p->addr.v4) & host;
	return h != 0 && h != host;
}

static void random_interface(struct sl_cmd_interface *ifc)
{
	unsigned int n = rnd_below(SL_IFACE_ADDRS_MAX + 1);
	bool v6 = false;

	random_name(ifc->name);
	random_device(ifc->device);
	ifc->vlan = rnd_below(2) ? 0 : (uint16_t)(1 + rnd_below(4094));
	while (ifc->n_addrs < n) {
		struct sl_prefix p = {.addr = random_host(random_family())};
		bool dup = false;

		p.len = (uint8_t)(1 + rnd_below(p.addr.family == SL_AF_INET ? 32 : 128));
		if (!host_part_ok(&p))
			continue;
		for (unsigned int i = 0; i < ifc->n_addrs; i++)
			dup |= sl_ip_equal(&ifc->addrs[i].addr, &p.addr);
		if (dup)
			continue;
		v6 |= p.addr.family == SL_AF_INET6;
		ifc->addrs[ifc->n_addrs++] = p;
	}
	ifc->role = (enum sl_role)rnd_below(3);
	ifc->has_mac = rnd_below(2);
	if (ifc->has_mac)
		ifc->mac = random_mac();
	if (rnd_below(2))
		ifc->mtu = 1500;
	else
		ifc->mtu =
			(uint16_t)(v6 ? 1280 + rnd_below(9000 - 1280 + 1) : 68 + rnd_below(8933));
}

static void random_command(struct sl_cmd *c)
{
	memset(c, 0, sizeof(*c));
	switch (rnd_below(6)) {
	case 0:
		c->type = SL_CMD_INTERFACE;
		random_interface(&c->iface);
		break;
	case 1:
	case 2:
		c->type = rnd_below(3) ? SL_CMD_ROUTE_ADD : SL_CMD_ROUTE_DEL;
		c->route.prefix.addr = random_host(random_family());
		c->route.prefix.len = (uint8_t)rnd_below(
			(c->route.prefix.addr.family == SL_AF_INET ? 32 : 128) + 1);
		sl_prefix_mask(&c->route.prefix);
		if (c->type == SL_CMD_ROUTE_DEL)
			break;
		c->route.has_via = rnd_below(3) != 0;
		if (c->route.has_via)
			c->route.via = random_host(c->route.prefix.addr.family);
		if (!c->route.has_via || rnd_below(2))
			random_name(c->route.dev);
		break;
	case 3:
	case 4:
		c->type = rnd_below(3) ? SL_CMD_NEIGH_ADD : SL_CMD_NEIGH_DEL;
		c->neigh.ip = random_host(random_family());
		if (c->type == SL_CMD_NEIGH_ADD)
			c->neigh.mac = random_mac();
		random_name(c->neigh.dev);
		break;
	default:
		c->type = SL_CMD_SHOW;
		c->show.what = (enum sl_show_what)(SL_SHOW_INTERFACES + rnd_below(4));
		c->show.json = rnd_below(2);
		break;
	}
}

static void random_commands_round_trip_through_text(void **state)
{
	rng_state = 0x5eed5eed5eedull;
	for (int i = 0; i < N_RANDOM; i++) {
		struct sl_cmd c;

		random_command(&c);
		assert_round_trip(&c);
	}
}

static const char *const vocabulary[] = {"interface", "route", "neighbor", "neighbour", "show",
	"add", "del", "device", "vlan", "address", "role", "mac", "mtu", "via", "dev", "lladdr",
	"inside", "outside", "--json", "interfaces", "routes", "stats", "lan0", "wan0", "0", "1",
	"4094", "4095", "68", "9000", "-1", "10.0.0.0/8", "10.0.0.1/8", "10.0.0.1", "0.0.0.0/0",
	"::/0", "fe80::1", "2001:db8::/32", "2001:db8::1/64", "224.0.0.1", "0.0.0.0",
	"::", "02:00:00:00:00:01", "01:00:00:00:00:01", "00:00:00:00:00:00", "#", "/", ":", "", "x",
	"255.255.255.255/32", "1.2.3.4/33", "99999999999999999999"};

static void mutate(char *s, size_t cap)
{
	static const char interesting[] = " \t#/:.0123456789abcdefx-\x01\x7f\x80\xff";
	size_t len = strlen(s), pos;

	switch (rnd_below(5)) {
	case 0:
		if (len > 0) {
			pos = rnd_below((uint32_t)len);
			memmove(s + pos, s + pos + 1, len - pos);
		}
		break;
	case 1:
		if (len + 1 < cap) {
			pos = rnd_below((uint32_t)len + 1);
			memmove(s + pos + 1, s + pos, len - pos + 1);
			s[pos] = interesting[rnd_below(sizeof(interesting) - 1)];
		}
		break;
	case 2:
		if (len > 0)
			s[rnd_below((uint32_t)len)] = (char)(1 + rnd_below(255));
		break;
	case 3:
		if (len > 0)
			s[rnd_below((uint32_t)len)] =
				interesting[rnd_below(sizeof(interesting) - 1)];
		break;
	default:
		if (len > 0)
			s[rnd_below((uint32_t)len)] = '\0';
		break;
	}
}

static void random_line(char *s, size_t cap)
{
	size_t n = 0;

	if (rnd_below(2)) {
		struct sl_cmd c;

		random_command(&c);
		assert_true(sl_cmd_format(&c, s, cap) >= 0);
		for (unsigned int m = 1 + rnd_below(4); m > 0; m--)
			mutate(s, cap);
		return;
	}
	s[0] = '\0';
	for (unsigned int w = rnd_below(14); w > 0 && n + 64 < cap; w--)
		n += (size_t)snprintf(s + n, cap - n, "%s%s", n ? " " : "",
			vocabulary[rnd_below(sizeof(vocabulary) / sizeof(vocabulary[0]))]);
	if (rnd_below(3) == 0)
		mutate(s, cap);
}

static void random_lines_never_crash_and_always_explain(void **state)
{
	char line[SL_LINE_MAX], err[SL_ERR_MAX];
	unsigned int accepted = 0;

	rng_state = 0xf00dfeedull;
	for (int i = 0; i < N_RANDOM; i++) {
		struct sl_cmd c;
		int rc;

		random_line(line, sizeof(line));
		err[0] = '\0';
		rc = sl_cmd_parse_line(line, &c, err, sizeof(err));
		if (rc == 0) {
			accepted++;
			assert_round_trip(&c);
			continue;
		}
		if (rc != -EINVAL || err[0] == '\0') {
			print_error("line '%s': rc %d, message '%s'\n", line, rc, err);
			fail();
		}
		assert_int_equal(c.type, SL_CMD_NONE);
	}
	assert_true(accepted > 0);
}

static void random_files_never_crash(void **state)
{
	static const char head[] = "interface a device d address 10.0.0.1/24 address fd00::1/64\n"
				   "interface b device d vlan 2 address 10.0.1.1/24\n";
	char *text = malloc(64 * SL_LINE_MAX), line[SL_LINE_MAX], err[SL_ERR_MAX];

	assert_non_null(text);
	rng_state = 0xabcdef12345ull;
	for (int f = 0; f < 500; f++) {
		struct sl_cmd_list l;
		size_t n = (size_t)snprintf(text, 64 * SL_LINE_MAX, "%s", head);
		int rc;

		for (unsigned int i = rnd_below(40); i > 0; i--) {
			random_line(line, sizeof(line));
			if (n + strlen(line) + 2 >= 64 * SL_LINE_MAX)
				break;
			n += (size_t)sprintf(text + n, "%s\n", line);
		}
		err[0] = '\0';
		rc = sl_cmd_list_parse("fuzz", text, &l, err, sizeof(err));
		if (rc == 0) {
			sl_cmd_list_free(&l);
			continue;
		}
		assert_int_equal(rc, -EINVAL);
		assert_int_equal(strncmp(err, "fuzz:", 5), 0);
		assert_null(l.cmds);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty_and_comment_lines_give_no_command),
		cmocka_unit_test(interface_parses_every_option),
		cmocka_unit_test(interface_defaults_when_options_are_absent),
		cmocka_unit_test(interface_accepts_keywords_in_any_order),
		cmocka_unit_test(interface_accepts_max_addresses),
		cmocka_unit_test(interface_accepts_host_and_point_to_point_prefixes),
		cmocka_unit_test(interface_accepts_name_and_device_characters),
		cmocka_unit_test(line_allows_trailing_comment_tabs_and_crlf),
		cmocka_unit_test(route_add_parses_via),
		cmocka_unit_test(route_add_parses_via_and_dev_in_either_order),
		cmocka_unit_test(route_add_parses_dev_only),
		cmocka_unit_test(route_del_parses_prefix),
		cmocka_unit_test(neighbor_add_parses_both_spellings),
		cmocka_unit_test(neighbor_del_parses),
		cmocka_unit_test(show_parses_every_item_with_and_without_json),
		cmocka_unit_test(nat_port_block_parses_size_blocks_and_off),
		cmocka_unit_test(parse_argv_matches_parse_line),
		cmocka_unit_test(parse_argv_rejects_words_with_spaces),
		cmocka_unit_test(unknown_command_is_named_with_a_suggestion),
		cmocka_unit_test(interface_rejects_unknown_keyword),
		cmocka_unit_test(interface_requires_name_and_device),
		cmocka_unit_test(interface_rejects_bad_names),
		cmocka_unit_test(interface_rejects_bad_device),
		cmocka_unit_test(interface_rejects_keyword_given_twice),
		cmocka_unit_test(interface_rejects_keyword_without_value),
		cmocka_unit_test(interface_rejects_bad_vlan),
		cmocka_unit_test(interface_rejects_bad_mtu),
		cmocka_unit_test(interface_rejects_small_mtu_with_ipv6_address),
		cmocka_unit_test(interface_rejects_prefix_length_zero),
		cmocka_unit_test(interface_rejects_network_and_broadcast_addresses),
		cmocka_unit_test(interface_rejects_non_unicast_addresses),
		cmocka_unit_test(interface_rejects_malformed_addresses),
		cmocka_unit_test(interface_rejects_too_many_or_repeated_addresses),
		cmocka_unit_test(interface_rejects_bad_role),
		cmocka_unit_test(interface_rejects_multicast_zero_and_malformed_mac),
		cmocka_unit_test(route_add_rejects_host_bits_in_prefix),
		cmocka_unit_test(route_add_rejects_malformed_prefix),
		cmocka_unit_test(route_add_rejects_gateway_of_other_family),
		cmocka_unit_test(route_add_rejects_non_unicast_gateway),
		cmocka_unit_test(route_add_requires_via_or_dev),
		cmocka_unit_test(route_rejects_unknown_action_and_extra_words),
		cmocka_unit_test(neighbor_requires_lladdr_and_dev),
		cmocka_unit_test(neighbor_rejects_bad_words),
		cmocka_unit_test(show_rejects_bad_items),
		cmocka_unit_test(line_rejects_control_characters),
		cmocka_unit_test(line_rejects_too_long_line_and_too_many_words),
		cmocka_unit_test(error_message_quotes_long_words_shortened),
		cmocka_unit_test(format_renders_canonical_text),
		cmocka_unit_test(format_reports_short_buffer),
		cmocka_unit_test(cmd_equal_ignores_unused_fields),
		cmocka_unit_test(file_accepts_spec_example),
		cmocka_unit_test(file_fills_dev_from_longest_connected_subnet),
		cmocka_unit_test(file_reports_line_of_syntax_error),
		cmocka_unit_test(file_reports_syntax_errors_before_file_checks),
		cmocka_unit_test(file_rejects_show),
		cmocka_unit_test(file_rejects_duplicate_interface_name),
		cmocka_unit_test(file_rejects_duplicate_device_and_vlan),
		cmocka_unit_test(file_rejects_two_untagged_interfaces_on_one_device),
		cmocka_unit_test(file_allows_tagged_and_untagged_interfaces_on_one_device),
		cmocka_unit_test(file_rejects_address_on_two_interfaces),
		cmocka_unit_test(file_rejects_same_subnet_on_two_interfaces),
		cmocka_unit_test(file_allows_secondary_addresses_and_shared_link_local),
		cmocka_unit_test(file_rejects_route_that_clashes_with_interface_prefixes),
		cmocka_unit_test(file_rejects_interface_prefix_that_is_already_a_route),
		cmocka_unit_test(file_allows_subnets_that_share_a_broadcast_address),
		cmocka_unit_test(file_rejects_dev_declared_later),
		cmocka_unit_test(file_rejects_unknown_dev),
		cmocka_unit_test(file_rejects_gateway_off_connected_subnets),
		cmocka_unit_test(file_rejects_gateway_that_is_our_own_or_special_address),
		cmocka_unit_test(file_accepts_link_local_gateway_only_with_dev),
		cmocka_unit_test(file_rejects_dev_only_ipv4_route_without_ipv4_address),
		cmocka_unit_test(file_route_del_removes_earlier_add),
		cmocka_unit_test(file_route_del_without_add_is_an_error),
		cmocka_unit_test(file_rejects_duplicate_route_add),
		cmocka_unit_test(file_checks_neighbor_subnet),
		cmocka_unit_test(file_neighbor_del_must_match_earlier_add),
		cmocka_unit_test(file_with_only_comments_is_empty),
		cmocka_unit_test(load_reads_a_file),
		cmocka_unit_test(load_names_file_and_line_in_errors),
		cmocka_unit_test(load_reports_missing_file),
		cmocka_unit_test(load_rejects_nul_bytes_and_long_lines),
		cmocka_unit_test(list_append_grows_and_free_resets),
		cmocka_unit_test(file_with_many_routes_is_checked),
		cmocka_unit_test(random_commands_round_trip_through_text),
		cmocka_unit_test(random_lines_never_crash_and_always_explain),
		cmocka_unit_test(random_files_never_crash),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
