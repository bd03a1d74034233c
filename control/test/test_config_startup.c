/* SPDX-License-Identifier: BSD-3-Clause */
/* sl_nat_list_check: what both backends refuse in a start-up config (`sluicectl check`). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <sluice/config.h>

#define BASE                                                                                   \
	"interface lan0 device x0 address 192.168.1.1/24 role inside mac 02:00:00:00:01:01\n"  \
	"interface wan0 device x1 address 203.0.113.2/24 role outside mac 02:00:00:00:02:02\n" \
	"nat pool add 203.0.113.2/32 ports 1024-65535\n"

/* The text parses as a file; returns sl_nat_list_check's result and message. */
static int check(const char *text, char *err, size_t errlen)
{
	struct sl_cmd_list l;
	int rc;

	err[0] = 0;
	if (sl_cmd_list_parse("cfg", text, &l, err, errlen) != 0) {
		print_error("unexpected file error: %s\n", err);
		fail();
	}
	rc = sl_nat_list_check(&l, "cfg", err, errlen);
	sl_cmd_list_free(&l);
	return rc;
}

static void check_ok(const char *text)
{
	char err[SL_ERR_MAX];

	if (check(text, err, sizeof(err)) != 0) {
		print_error("unexpected check error: %s\n", err);
		fail();
	}
}

/* The check must fail with "cfg:LINE: " and a message containing @p want. */
static void check_fails(const char *text, unsigned int line, const char *want)
{
	char err[SL_ERR_MAX], prefix[32];
	int rc = check(text, err, sizeof(err));

	snprintf(prefix, sizeof(prefix), "cfg:%u: ", line);
	if (rc != -EINVAL || strncmp(err, prefix, strlen(prefix)) != 0 ||
		strstr(err, want) == NULL) {
		print_error("rc %d, message '%s', wanted '%s...%s'\n", rc, err, prefix, want);
		fail();
	}
}

static void startup_check_accepts_a_valid_nat_config(void **state)
{
	(void)state;
	check_ok(BASE "nat pool add 203.0.113.16/28 ports 2000-3000\n"
		      "nat pool add 203.0.113.8/29\n"
		      "nat forward add tcp 203.0.113.2:8080 to 192.168.1.10:80\n"
		      "nat forward add udp 203.0.113.2:8080 to 192.168.1.10:80\n"
		      "nat forward add tcp 203.0.113.17:8080 to 192.168.1.11:80\n"
		      "nat forward del tcp 203.0.113.2:8080\n"
		      "nat forward add tcp 203.0.113.2:8081 to 192.168.1.10:80\n"
		      "nat forward add tcp 203.0.113.2:8081 to 192.168.1.10:80\n"
		      "nat forward del tcp 203.0.113.2:8081\n"
		      "nat filtering endpoint-independent\n"
		      "nat timeout udp 300\n"
		      "nat limit sessions-per-host 4096\n"
		      "nat sessions max 16000000\n"
		      "nat port-block size 64 blocks-per-host 2\n"
		      "tcp mss-clamp 1452 dev wan0\n");
}

static void startup_check_accepts_a_config_without_nat(void **state)
{
	(void)state;
	check_ok("interface lan0 device x0 address 192.168.1.1/24\n"
		 "route add 0.0.0.0/0 via 192.168.1.254\n");
}

static void startup_check_refuses_mss_clamp_on_unknown_interface(void **state)
{
	(void)state;
	check_fails(
		BASE "tcp mss-clamp 1452 dev nope0\n", 4, "tcp mss-clamp: no interface 'nope0'");
}

static void startup_check_refuses_mss_clamp_before_its_interface(void **state)
{
	(void)state;
	check_fails("interface lan0 device x0 address 192.168.1.1/24\n"
		    "tcp mss-clamp 1452 dev wan0\n"
		    "interface wan0 device x1 address 203.0.113.2/24\n",
		2, "tcp mss-clamp: no interface 'wan0'");
}

static void startup_check_refuses_forward_outside_every_pool(void **state)
{
	(void)state;
	check_fails(BASE "nat forward add tcp 198.51.100.1:80 to 192.168.1.10:80\n", 4,
		"198.51.100.1:80: the outside address is in no nat pool");
}

static void startup_check_refuses_forward_before_its_pool(void **state)
{
	(void)state;
	check_fails("nat forward add tcp 203.0.113.2:80 to 192.168.1.10:80\n"
		    "nat pool add 203.0.113.2/32\n",
		1, "the outside address is in no nat pool");
}

static void startup_check_refuses_overlapping_pool(void **state)
{
	(void)state;
	check_fails(BASE "nat pool add 203.0.113.0/28 ports 1024-65535\n", 4,
		"nat pool add 203.0.113.0/28: overlaps the pool of line 3");
}

static void startup_check_refuses_duplicate_pool(void **state)
{
	(void)state;
	check_fails(BASE "nat pool add 203.0.113.2/32 ports 2000-3000\n", 4,
		"nat pool add 203.0.113.2/32: overlaps the pool of line 3");
}

static void startup_check_refuses_more_pool_addresses_than_the_backends_hold(void **state)
{
	(void)state;
	check_fails("nat pool add 10.1.0.0/22\nnat pool add 10.2.0.0/32\n", 2,
		"at most 1024 pool addresses in all");
}

static void startup_check_refuses_pool_del(void **state)
{
	(void)state;
	check_fails(BASE "nat pool del 203.0.113.2/32\n", 4,
		"nat pool del 203.0.113.2/32: removing a pool needs a restart");
}

static void startup_check_refuses_del_of_a_forward_never_added(void **state)
{
	(void)state;
	check_fails(BASE "nat forward del tcp 203.0.113.2:9999\n", 4,
		"nat forward del tcp 203.0.113.2:9999: no such forward");
}

static void startup_check_refuses_del_of_a_forward_already_deleted(void **state)
{
	(void)state;
	check_fails(BASE "nat forward add udp 203.0.113.2:53 to 192.168.1.10:53\n"
			 "nat forward del udp 203.0.113.2:53\n"
			 "nat forward del udp 203.0.113.2:53\n",
		6, "no such forward");
}

static void startup_check_refuses_second_forward_of_an_outside_endpoint(void **state)
{
	(void)state;
	check_fails(BASE "nat forward add tcp 203.0.113.2:8080 to 192.168.1.10:80\n"
			 "nat forward add tcp 203.0.113.2:8080 to 192.168.1.11:80\n",
		5, "tcp 203.0.113.2:8080: outside port already forwarded (line 4)");
}

static void startup_check_refuses_second_forward_of_an_inside_endpoint(void **state)
{
	(void)state;
	check_fails(BASE "nat forward add tcp 203.0.113.2:8080 to 192.168.1.10:80\n"
			 "nat forward add tcp 203.0.113.2:8081 to 192.168.1.10:80\n",
		5, "inside endpoint 192.168.1.10:80 already forwarded (line 4)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(startup_check_accepts_a_valid_nat_config),
		cmocka_unit_test(startup_check_accepts_a_config_without_nat),
		cmocka_unit_test(startup_check_refuses_mss_clamp_on_unknown_interface),
		cmocka_unit_test(startup_check_refuses_mss_clamp_before_its_interface),
		cmocka_unit_test(startup_check_refuses_forward_outside_every_pool),
		cmocka_unit_test(startup_check_refuses_forward_before_its_pool),
		cmocka_unit_test(startup_check_refuses_overlapping_pool),
		cmocka_unit_test(startup_check_refuses_duplicate_pool),
		cmocka_unit_test(startup_check_refuses_more_pool_addresses_than_the_backends_hold),
		cmocka_unit_test(startup_check_refuses_pool_del),
		cmocka_unit_test(startup_check_refuses_del_of_a_forward_never_added),
		cmocka_unit_test(startup_check_refuses_del_of_a_forward_already_deleted),
		cmocka_unit_test(startup_check_refuses_second_forward_of_an_outside_endpoint),
		cmocka_unit_test(startup_check_refuses_second_forward_of_an_inside_endpoint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
