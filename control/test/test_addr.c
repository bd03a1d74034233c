/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <sluice/addr.h>

static void ip_parse_accepts_ipv4(void **state)
{
	struct sl_ip ip;

	assert_int_equal(sl_ip_parse("192.0.2.1", &ip), 0);
	assert_int_equal(ip.family, SL_AF_INET);
	assert_int_equal(ip.v4, htonl(0xc0000201));
}

static void ip_parse_accepts_ipv6(void **state)
{
	static const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	struct sl_ip ip;

	assert_int_equal(sl_ip_parse("2001:db8::1", &ip), 0);
	assert_int_equal(ip.family, SL_AF_INET6);
	assert_memory_equal(ip.v6, want, 16);
}

static void ip_parse_rejects_junk(void **state)
{
	static const char *const bad[] = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ",
		" 1.2.3.4", "01.2.3.4", "0x1.2.3.4", "1.2.3.4/24", "2001:db8:::1", "2001:db8::g",
		"fe80::1%eth0", "lan0", "1.2.3.-4"};
	struct sl_ip ip;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(sl_ip_parse(bad[i], &ip), -EINVAL);
		assert_int_equal(ip.family, 0);
	}
	assert_int_equal(sl_ip_parse(NULL, &ip), -EINVAL);
}

static void prefix_parse_strict_rejects_host_bits(void **state)
{
	struct sl_prefix p;

	assert_int_equal(sl_prefix_parse("10.0.0.1/8", true, &p), -EINVAL);
	assert_int_equal(sl_prefix_parse("2001:db8::1/64", true, &p), -EINVAL);
	assert_int_equal(sl_prefix_parse("10.0.0.0/8", true, &p), 0);
	assert_int_equal(p.len, 8);
	assert_int_equal(p.addr.v4, htonl(0x0a000000));
}

static void prefix_parse_loose_keeps_host_bits(void **state)
{
	struct sl_prefix p;

	assert_int_equal(sl_prefix_parse("192.168.1.1/24", false, &p), 0);
	assert_int_equal(p.len, 24);
	assert_int_equal(p.addr.v4, htonl(0xc0a80101));
}

static void prefix_parse_checks_length(void **state)
{
	static const char *const bad[] = {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0", "10.0.0.0/-1",
		"10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0/8x", "::/129", "::/4294967304",
		"10.0.0.0/8/8", "/8"};
	struct sl_prefix p;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sl_prefix_parse(bad[i], false, &p), -EINVAL);
	assert_int_equal(sl_prefix_parse("0.0.0.0/0", true, &p), 0);
	assert_int_equal(sl_prefix_parse("::/0", true, &p), 0);
	assert_int_equal(sl_prefix_parse("2001:db8::1/128", true, &p), 0);
	assert_int_equal(p.len, 128);
}

static void prefix_mask_clears_host_bits(void **state)
{
	struct sl_prefix p;
	char buf[64];

	assert_int_equal(sl_prefix_parse("192.168.1.77/26", false, &p), 0);
	sl_prefix_mask(&p);
	assert_string_equal(sl_prefix_fmt(&p, buf, sizeof(buf)), "192.168.1.64/26");
	assert_int_equal(sl_prefix_parse("2001:db8:abcd:ef12::1/52", false, &p), 0);
	sl_prefix_mask(&p);
	assert_string_equal(sl_prefix_fmt(&p, buf, sizeof(buf)), "2001:db8:abcd:e000::/52");
	assert_int_equal(sl_prefix_parse("1.2.3.4/0", false, &p), 0);
	sl_prefix_mask(&p);
	assert_string_equal(sl_prefix_fmt(&p, buf, sizeof(buf)), "0.0.0.0/0");
	assert_int_equal(sl_prefix_parse("1.2.3.4/32", false, &p), 0);
	sl_prefix_mask(&p);
	assert_string_equal(sl_prefix_fmt(&p, buf, sizeof(buf)), "1.2.3.4/32");
}

static void prefix_contains_respects_length_and_family(void **state)
{
	struct sl_prefix p;
	struct sl_ip ip;

	assert_int_equal(sl_prefix_parse("192.168.1.1/24", false, &p), 0);
	assert_int_equal(sl_ip_parse("192.168.1.200", &ip), 0);
	assert_true(sl_prefix_contains(&p, &ip));
	assert_int_equal(sl_ip_parse("192.168.2.1", &ip), 0);
	assert_false(sl_prefix_contains(&p, &ip));
	assert_int_equal(sl_ip_parse("::ffff:192.168.1.1", &ip), 0);
	assert_false(sl_prefix_contains(&p, &ip));
	assert_int_equal(sl_prefix_parse("::/0", false, &p), 0);
	assert_true(sl_prefix_contains(&p, &ip));
	assert_int_equal(sl_prefix_parse("fe80::/10", false, &p), 0);
	assert_int_equal(sl_ip_parse("febf::1", &ip), 0);
	assert_true(sl_prefix_contains(&p, &ip));
	assert_int_equal(sl_ip_parse("fec0::1", &ip), 0);
	assert_false(sl_prefix_contains(&p, &ip));
}

static void prefix_bcast4_and_net4_set_host_bits_and_none_on_31_32(void **state)
{
	static const struct {
		const char *prefix, *bcast, *net;
	} cases[] = {{"192.168.1.1/24", "192.168.1.255", "192.168.1.0"},
		{"10.0.0.0/8", "10.255.255.255", "10.0.0.0"},
		{"192.168.2.7/23", "192.168.3.255", "192.168.2.0"},
		{"203.0.113.9/30", "203.0.113.11", "203.0.113.8"},
		{"0.0.0.0/0", "255.255.255.255", "0.0.0.0"}, {"10.0.0.0/31", NULL, NULL},
		{"10.0.0.1/32", NULL, NULL}, {"fd00:1::1/64", NULL, NULL}};
	struct sl_prefix p;
	struct sl_ip want;
	uint32_t b;

	(void)state;
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(sl_prefix_parse(cases[i].prefix, false, &p), 0);
		if (cases[i].bcast == NULL) {
			assert_false(sl_prefix_bcast4(&p, &b));
			assert_false(sl_prefix_net4(&p, &b));
			continue;
		}
		assert_int_equal(sl_ip_parse(cases[i].bcast, &want), 0);
		assert_true(sl_prefix_bcast4(&p, &b));
		assert_int_equal(b, want.v4);
		assert_int_equal(sl_ip_parse(cases[i].net, &want), 0);
		assert_true(sl_prefix_net4(&p, &b));
		assert_int_equal(b, want.v4);
	}
}

static void ip_fmt_round_trips(void **state)
{
	static const char *const ips[] = {"0.0.0.0", "255.255.255.255", "10.1.2.3",
		"::", "2001:db8::1", "fe80::1:2:3:4", "::ffff:1.2.3.4"};
	struct sl_ip ip;
	char buf[64];

	for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
		assert_int_equal(sl_ip_parse(ips[i], &ip), 0);
		assert_string_equal(sl_ip_fmt(&ip, buf, sizeof(buf)), ips[i]);
	}
}

static void ip_equal_compares_family_and_value(void **state)
{
	struct sl_ip a, b;

	assert_int_equal(sl_ip_parse("10.0.0.1", &a), 0);
	assert_int_equal(sl_ip_parse("10.0.0.1", &b), 0);
	assert_true(sl_ip_equal(&a, &b));
	assert_int_equal(sl_ip_parse("10.0.0.2", &b), 0);
	assert_false(sl_ip_equal(&a, &b));
	assert_int_equal(sl_ip_parse("::a00:1", &b), 0);
	assert_false(sl_ip_equal(&a, &b));
}

static void prefix_equal_compares_length_family_and_address(void **state)
{
	struct sl_prefix a, b;

	assert_int_equal(sl_prefix_parse("10.0.0.0/24", true, &a), 0);
	assert_int_equal(sl_prefix_parse("10.0.0.0/24", true, &b), 0);
	assert_true(sl_prefix_equal(&a, &b));
	assert_int_equal(sl_prefix_parse("10.0.0.0/25", true, &b), 0);
	assert_false(sl_prefix_equal(&a, &b));
	assert_int_equal(sl_prefix_parse("10.0.1.0/24", true, &b), 0);
	assert_false(sl_prefix_equal(&a, &b));
	assert_int_equal(sl_prefix_parse("a00::/24", true, &b), 0);
	assert_false(sl_prefix_equal(&a, &b));
}

static void addr_routes_of(const char *addr, const char *want)
{
	struct sl_addr_route r[SL_ADDR_KINDS];
	static const char kind[] = "clbn";
	struct sl_prefix a;
	char got[256] = "", p[64];
	unsigned int n;

	assert_int_equal(sl_prefix_parse(addr, false, &a), 0);
	n = sl_addr_routes(&a, r);
	assert_in_range(n, 1, SL_ADDR_KINDS);
	for (unsigned int i = 0; i < n; i++)
		snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%c %s", i ? ", " : "",
			kind[r[i].kind], sl_prefix_fmt(&r[i].prefix, p, sizeof(p)));
	assert_string_equal(got, want);
}

static void addr_routes_give_connected_local_broadcast_and_network(void **state)
{
	addr_routes_of("192.168.1.1/24",
		"c 192.168.1.0/24, l 192.168.1.1/32, b 192.168.1.255/32, n 192.168.1.0/32");
	addr_routes_of("10.0.0.5/30", "c 10.0.0.4/30, l 10.0.0.5/32, b 10.0.0.7/32, n 10.0.0.4/32");
	/* RFC 3021: a /31 has two hosts and no broadcast */
	addr_routes_of("10.0.0.0/31", "c 10.0.0.0/31, l 10.0.0.0/32");
	addr_routes_of("10.0.0.9/32", "l 10.0.0.9/32");
	addr_routes_of("2001:db8:1::1/64", "c 2001:db8:1::/64, l 2001:db8:1::1/128");
	addr_routes_of("2001:db8:1::1/128", "l 2001:db8:1::1/128");
	/* every interface has fe80::/64: no connected route for it */
	addr_routes_of("fe80::1/64", "l fe80::1/128");
	assert_true(
		sl_ip_is_link_local(&(struct sl_ip){.family = SL_AF_INET6, .v6 = {0xfe, 0xbf}}));
	assert_false(
		sl_ip_is_link_local(&(struct sl_ip){.family = SL_AF_INET6, .v6 = {0xfe, 0xc0}}));
}

static void mac_parse_accepts_both_cases(void **state)
{
	static const uint8_t want[6] = {0x02, 0xab, 0xcd, 0xef, 0x00, 0x01};
	struct sl_mac m;
	char buf[18];

	assert_int_equal(sl_mac_parse("02:AB:cd:EF:00:01", &m), 0);
	assert_memory_equal(m.b, want, 6);
	assert_string_equal(sl_mac_fmt(&m, buf, sizeof(buf)), "02:ab:cd:ef:00:01");
}

static void mac_parse_rejects_junk(void **state)
{
	static const char *const bad[] = {"", "02:00:00:00:00", "02:00:00:00:00:01:02",
		"2:0:0:0:0:1", "02-00-00-00-00-01", "02:00:00:00:00:0g", "0200.0000.0001",
		"02:00:00:00:00:01 ", "02:00:00:00:00::1"};
	struct sl_mac m;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sl_mac_parse(bad[i], &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ip_parse_accepts_ipv4),
		cmocka_unit_test(ip_parse_accepts_ipv6),
		cmocka_unit_test(ip_parse_rejects_junk),
		cmocka_unit_test(prefix_parse_strict_rejects_host_bits),
		cmocka_unit_test(prefix_parse_loose_keeps_host_bits),
		cmocka_unit_test(prefix_parse_checks_length),
		cmocka_unit_test(prefix_mask_clears_host_bits),
		cmocka_unit_test(prefix_contains_respects_length_and_family),
		cmocka_unit_test(prefix_bcast4_and_net4_set_host_bits_and_none_on_31_32),
		cmocka_unit_test(ip_fmt_round_trips),
		cmocka_unit_test(ip_equal_compares_family_and_value),
		cmocka_unit_test(prefix_equal_compares_length_family_and_address),
		cmocka_unit_test(addr_routes_give_connected_local_broadcast_and_network),
		cmocka_unit_test(mac_parse_accepts_both_cases),
		cmocka_unit_test(mac_parse_rejects_junk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
