/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sluice/config.h>
#include <sluice/ctl.h>

#include "ctl_show.h"
#include "daemon.h"

#define EXIT_REJECTED	 1
#define EXIT_USAGE	 2
#define EXIT_UNREACHABLE 3

#define CALL_TIMEOUT_MS 60000 /* a big batch or `show routes` can take a while */

static const char *ctl_path = SL_CTL_SOCKET_DEFAULT;

struct subcmd {
	const char *name;
	const char *args;
	const char *summary;
	const char *help; /* shown by `sluicectl NAME --help` */
	int (*run)(int argc, char *argv[]);
};

static int cmd_check(int argc, char *argv[]);
static int cmd_help(int argc, char *argv[]);
static int cmd_config(int argc, char *argv[]);
static int cmd_show(int argc, char *argv[]);
static int cmd_op(int argc, char *argv[]);
static int cmd_file(int argc, char *argv[]);
static int cmd_daemon(int argc, char *argv[]);

static const struct subcmd subcmds[] = {
	{"interface", "NAME device DEV ...", "check an interface against the running one",
		"Usage: sluicectl interface NAME device DEV [vlan N] [address A/P]... [role "
		"inside|outside]\n"
		"                           [mac M] [mtu N]\n"
		"Interfaces are created when sluice-dp starts (their ports are started then):\n"
		"a running dataplane accepts an interface equal to one it has (so a whole config\n"
		"can be pushed again) and refuses a new or changed one.\n",
		cmd_config},
	{"route", "add|del PREFIX ...", "add or remove a route (IPv4 or IPv6)",
		"Usage: sluicectl route add PREFIX via GATEWAY [dev IFACE]\n"
		"       sluicectl route add PREFIX dev IFACE\n"
		"       sluicectl route del PREFIX\n"
		"The change is made while traffic flows; other prefixes are not disturbed.\n"
		"Examples: route add 10.0.0.0/8 via 192.168.1.254\n"
		"          route add 2001:db8::/32 via fe80::1 dev wan0\n",
		cmd_config},
	{"neighbor", "add|del IP ...", "add or remove a static neighbour (ARP/ND entry)",
		"Usage: sluicectl neighbor add IP lladdr MAC dev IFACE\n"
		"       sluicectl neighbor del IP dev IFACE\n"
		"(\"neighbour\" is accepted too.)\n",
		cmd_config},
	{"neighbour", NULL, NULL, NULL, cmd_config},
	{"nat", "...", "NAT policy (pool, forward, filtering, timeout, limit, port-block)",
		"Usage: sluicectl nat pool add|del A/P [ports X-Y]\n"
		"       sluicectl nat forward add|del tcp|udp PUB:PORT [to IN:PORT]\n"
		"       sluicectl nat filtering endpoint-independent|address-dependent|"
		"address-port-dependent\n"
		"       sluicectl nat timeout udp|tcp-established|tcp-transitory|icmp SECONDS\n"
		"       sluicectl nat limit sessions-per-host N\n"
		"       sluicectl nat sessions max N\n"
		"       sluicectl nat port-block size N [blocks-per-host M] | off\n",
		cmd_config},
	{"tcp", "mss-clamp N dev IFACE", "TCP MSS clamping on an interface",
		"Usage: sluicectl tcp mss-clamp N dev IFACE\n", cmd_config},
	{"show", "WHAT [--json]", "show interfaces|routes|neighbors|sessions|stats",
		"Usage: sluicectl show interfaces|routes|neighbors|sessions|stats [--json]\n"
		"--json prints one JSON document.\n",
		cmd_show},
	{"clear", "stats", "zero the counters that show stats reports",
		"Usage: sluicectl clear stats\n", cmd_op},
	{"trace", "N [--json]", "capture the next N packets stage by stage and print them",
		"Usage: sluicectl trace N [--json]\n"
		"Arms the workers to record the next N (1..1024) packets they receive: the\n"
		"packet as received, the ingress interface, the verdict (forwarded with its next\n"
		"hop and MAC, dropped with its reason, or handed to the slow path and why).\n"
		"Waits up to 10 s for the packets to arrive.\n",
		cmd_op},
	{"-f", "FILE", "apply a file of commands as one atomic batch",
		"Usage: sluicectl [--ctl SOCKET] -f FILE\n"
		"Every line is parsed first (errors name FILE:LINE); the whole file is then sent\n"
		"as one batch that the dataplane checks against its state and applies entirely\n"
		"or not at all. '-' reads standard input.\n",
		cmd_file},
	{"daemon", "--config FILE", "the control-plane process: push, keep in sync, kernel routes",
		"Usage: sluicectl [--ctl SOCKET] daemon --config FILE [--foreground] [--reconcile "
		"SECONDS]\n"
		"Pushes FILE to the dataplane and keeps it there: when sluice-dp restarts the\n"
		"daemon reconnects (backoff up to 250 ms) and pushes everything again; SIGHUP\n"
		"re-reads FILE and applies only the difference; `route sync kernel table N`\n"
		"lines mirror kernel routing table N (rtnetlink) into the FIB, with a full\n"
		"reconciliation every --reconcile seconds (default 30). The daemon owns the\n"
		"static and kernel routes and static neighbours: others are removed.\n"
		"SIGINT/SIGTERM stop it (the dataplane keeps its state).\n",
		cmd_daemon},
	{"check", "FILE...", "validate configuration files; nothing is applied",
		"Usage: sluicectl check FILE...\n"
		"Checks each FILE as a start-up config: the grammar and the file-level checks,\n"
		"then what sluice-dp and sluice-xdp refuse when they start with it (NAT pools\n"
		"and forwards, tcp mss-clamp interfaces). Exit status 1 when one is refused.\n",
		cmd_check},
	{"help", "", "show this help", "Usage: sluicectl help\n", cmd_help},
};

#define N_SUBCMDS (sizeof(subcmds) / sizeof(subcmds[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage: sluicectl [--ctl SOCKET] COMMAND [ARGS...]\n"
		   "       sluicectl [--ctl SOCKET] -f FILE\n"
		   "       sluicectl COMMAND --help\n"
		   "       sluicectl -h | --help\n\nCommands:\n");
	for (size_t i = 0; i < N_SUBCMDS; i++)
		if (subcmds[i].summary)
			fprintf(f, "  %-9s %-22s %s\n", subcmds[i].name, subcmds[i].args,
				subcmds[i].summary);
	fprintf(f, "\nThe dataplane's control socket is " SL_CTL_SOCKET_DEFAULT
		   " unless --ctl names another.\n"
		   "Exit status: 0 done, 1 rejected (the message says why; nothing changed),\n"
		   "2 bad usage, 3 cannot reach the dataplane.\n");
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sluicectl: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'sluicectl --help'.\n");
	return EXIT_USAGE;
}

static bool is_help(const char *arg)
{
	return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

static int cmd_help(int argc, char *argv[])
{
	if (argc > 0)
		return usage_error("help: unexpected argument '%s'", argv[0]);
	usage(stdout);
	return EXIT_SUCCESS;
}

static int cmd_check(int argc, char *argv[])
{
	char err[SL_ERR_MAX];
	struct sl_cmd_list l;
	int status = EXIT_SUCCESS;

	if (argc == 0)
		return usage_error("check: missing FILE");
	for (int i = 0; i < argc; i++)
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			return usage_error("check: unknown option '%s'", argv[i]);
	for (int i = 0; i < argc; i++) {
		if (sl_cmd_list_load(argv[i], &l, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			status = EXIT_FAILURE;
			continue;
		}
		/* what the backends refuse when they start with this file */
		if (sl_nat_list_check(&l, argv[i], err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			status = EXIT_FAILURE;
			sl_cmd_list_free(&l);
			continue;
		}
		printf("%s: OK, %u commands\n", argv[i], l.n);
		sl_cmd_list_free(&l);
	}
	return status;
}

/* One request, one reply. Prints why it failed; returns an exit status. */
static int call(const struct sl_ctl_buf *req, struct sl_ctl_buf *rep, struct sl_ctl_reply *r,
	const void **recs, int timeout_ms)
{
	char err[256];
	int fd, rc;

	fd = sl_ctl_connect(ctl_path, err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "sluicectl: %s\n", err);
		return EXIT_UNREACHABLE;
	}
	rc = sl_ctl_call(fd, req, rep, timeout_ms);
	close(fd);
	if (rc < 0) {
		fprintf(stderr, "sluicectl: %s: %s\n", ctl_path,
			rc == -EPROTO	    ? "malformed reply (sluicectl and sluice-dp from "
					      "different builds?)"
			: rc == -ETIMEDOUT  ? "no reply in time"
			: rc == -ECONNRESET ? "the dataplane closed the connection"
					    : strerror(-rc));
		return EXIT_UNREACHABLE;
	}
	if (sl_ctl_decode_reply(rep->data, rep->len, r, recs) < 0) {
		fprintf(stderr, "sluicectl: malformed reply\n");
		return EXIT_UNREACHABLE;
	}
	if (r->status == -EACCES) {
		fprintf(stderr, "sluicectl: refused by the dataplane: %s\n", r->msg);
		return EXIT_UNREACHABLE;
	}
	if (r->status < 0) {
		fprintf(stderr, "sluicectl: rejected: %s\n",
			r->msg[0] ? r->msg : strerror(-r->status));
		return EXIT_REJECTED;
	}
	return EXIT_SUCCESS;
}

static int apply_list(const struct sl_cmd_list *l)
{
	struct sl_ctl_buf req = {0}, rep = {0};
	struct sl_ctl_reply r;
	const void *recs;
	int rc;

	rc = sl_ctl_encode_apply(&req, 1, l);
	if (rc < 0) {
		fprintf(stderr, "sluicectl: %s\n",
			rc == -E2BIG || rc == -EMSGSIZE ? "batch too large" : strerror(-rc));
		sl_ctl_buf_free(&req);
		return EXIT_REJECTED;
	}
	rc = call(&req, &rep, &r, &recs, CALL_TIMEOUT_MS);
	sl_ctl_buf_free(&req);
	sl_ctl_buf_free(&rep);
	return rc;
}

static const struct subcmd *find_subcmd(const char *name)
{
	for (size_t i = 0; i < N_SUBCMDS; i++)
		if (strcmp(subcmds[i].name, name) == 0)
			return &subcmds[i];
	return NULL;
}

static bool wants_help(int argc, char *argv[])
{
	for (int i = 0; i < argc; i++)
		if (is_help(argv[i]))
			return true;
	return false;
}

/* argv[-1] is the command word: parse all of it as one grammar command. */
static int parse_cmd(int argc, char *argv[], struct sl_cmd *c)
{
	char err[SL_ERR_MAX];

	if (sl_cmd_parse_argv(argc + 1, argv - 1, c, err, sizeof(err)) < 0) {
		fprintf(stderr, "sluicectl: %s\n", err);
		return EXIT_REJECTED;
	}
	return EXIT_SUCCESS;
}

static int cmd_config(int argc, char *argv[])
{
	struct sl_cmd c;
	struct sl_cmd_list l = {0};
	int rc;

	rc = parse_cmd(argc, argv, &c);
	if (rc != EXIT_SUCCESS)
		return rc;
	if (c.type == SL_CMD_NONE) {
		fprintf(stderr, "sluicectl: 'route sync' belongs in the config of 'sluicectl "
				"daemon'\n");
		return EXIT_USAGE;
	}
	if (sl_cmd_list_append(&l, &c, 0) < 0)
		return EXIT_FAILURE;
	rc = apply_list(&l);
	sl_cmd_list_free(&l);
	return rc;
}

static int cmd_show(int argc, char *argv[])
{
	struct sl_ctl_buf req = {0}, rep = {0};
	struct sl_ctl_reply r;
	const void *recs;
	struct sl_cmd c;
	int rc;

	rc = parse_cmd(argc, argv, &c);
	if (rc != EXIT_SUCCESS)
		return rc;
	if (sl_ctl_encode_show(&req, 1, c.show.what) < 0)
		return EXIT_FAILURE;
	rc = call(&req, &rep, &r, &recs, CALL_TIMEOUT_MS);
	if (rc == EXIT_SUCCESS) {
		if (r.rec_size != sl_ctl_rec_size(c.show.what)) {
			fprintf(stderr, "sluicectl: malformed reply (record size %u)\n",
				r.rec_size);
			rc = EXIT_UNREACHABLE;
		} else {
			sl_ctl_print(stdout, c.show.what, c.show.json, recs, r.n);
		}
	}
	sl_ctl_buf_free(&req);
	sl_ctl_buf_free(&rep);
	return rc;
}

/* clear stats, trace N */
static int cmd_op(int argc, char *argv[])
{
	struct sl_ctl_buf req = {0}, rep = {0};
	struct sl_ctl_reply r;
	const void *recs;
	struct sl_cmd c;
	int rc;

	rc = parse_cmd(argc, argv, &c);
	if (rc != EXIT_SUCCESS)
		return rc;
	if (c.show.what == SL_SHOW_TRACE)
		rc = sl_ctl_encode_trace(&req, 1, c.show.count, 10000);
	else
		rc = sl_ctl_encode_simple(&req, SL_CTL_CLEAR_STATS, 1);
	if (rc < 0)
		return EXIT_FAILURE;
	rc = call(&req, &rep, &r, &recs, CALL_TIMEOUT_MS);
	if (rc == EXIT_SUCCESS && c.show.what == SL_SHOW_TRACE) {
		if (r.n > 0 && r.rec_size != sizeof(struct sl_trace_rec)) {
			fprintf(stderr, "sluicectl: malformed reply\n");
			rc = EXIT_UNREACHABLE;
		} else {
			sl_ctl_print(stdout, SL_SHOW_TRACE, c.show.json, recs, r.n);
			if (r.msg[0])
				fprintf(stderr, "sluicectl: trace: %s (%u of %u)\n", r.msg, r.n,
					c.show.count);
		}
	}
	sl_ctl_buf_free(&req);
	sl_ctl_buf_free(&rep);
	return rc;
}

static int cmd_file(int argc, char *argv[])
{
	char err[SL_ERR_MAX];
	struct sl_cmd_list l;
	int rc;

	if (argc != 1)
		return usage_error("-f: expected one FILE");
	rc = sl_cmd_list_load_batch(
		strcmp(argv[0], "-") == 0 ? "/dev/stdin" : argv[0], &l, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "sluicectl: %s\n", err);
		return EXIT_REJECTED;
	}
	if (l.n == 0) {
		sl_cmd_list_free(&l);
		return EXIT_SUCCESS;
	}
	rc = apply_list(&l);
	sl_cmd_list_free(&l);
	return rc;
}

static int cmd_daemon(int argc, char *argv[])
{
	return sl_daemon_main(ctl_path, argc, argv);
}

int main(int argc, char *argv[])
{
	const struct subcmd *sc;
	int i = 1;

	while (i < argc && argv[i][0] == '-' && strcmp(argv[i], "-f") != 0) {
		if (is_help(argv[i])) {
			usage(stdout);
			return EXIT_SUCCESS;
		}
		if (strcmp(argv[i], "--ctl") == 0) {
			if (i + 1 >= argc)
				return usage_error("--ctl needs a SOCKET path");
			ctl_path = argv[i + 1];
			i += 2;
			continue;
		}
		if (strncmp(argv[i], "--ctl=", 6) == 0) {
			ctl_path = argv[i] + 6;
			i++;
			continue;
		}
		return usage_error("unknown option '%s'", argv[i]);
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	sc = find_subcmd(argv[i]);
	if (sc == NULL)
		return usage_error("unknown command '%s'", argv[i]);
	if (wants_help(argc - i - 1, argv + i + 1)) {
		if (sc->help == NULL)
			sc = find_subcmd("neighbor");
		fputs(sc->help, stdout);
		return EXIT_SUCCESS;
	}
	return sc->run(argc - i - 1, argv + i + 1);
}
