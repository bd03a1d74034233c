/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/config.h>

#define EXIT_USAGE 2

struct subcmd {
	const char *name;
	const char *args;
	const char *summary;
	int (*run)(int argc, char *argv[]);
};

static int cmd_check(int argc, char *argv[]);
static int cmd_help(int argc, char *argv[]);

static const struct subcmd subcmds[] = {
	{"check", "FILE...", "validate configuration files; nothing is applied", cmd_check},
	{"help", "", "show this help", cmd_help},
};

#define N_SUBCMDS (sizeof(subcmds) / sizeof(subcmds[0]))

static void usage(FILE *f)
{
	fprintf(f, "Usage: sluicectl COMMAND [ARGS...]\n"
		   "       sluicectl -h | --help\n\nCommands:\n");
	for (size_t i = 0; i < N_SUBCMDS; i++)
		fprintf(f, "  %-6s %-10s %s\n", subcmds[i].name, subcmds[i].args,
			subcmds[i].summary);
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
	for (int i = 0; i < argc; i++) {
		if (is_help(argv[i])) {
			printf("Usage: sluicectl check FILE...\n");
			return EXIT_SUCCESS;
		}
		if (argv[i][0] == '-' && argv[i][1] != '\0')
			return usage_error("check: unknown option '%s'", argv[i]);
	}
	for (int i = 0; i < argc; i++) {
		if (sl_cmd_list_load(argv[i], &l, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			status = EXIT_FAILURE;
			continue;
		}
		printf("%s: OK, %u commands\n", argv[i], l.n);
		sl_cmd_list_free(&l);
	}
	return status;
}

static const struct subcmd *find_subcmd(const char *name)
{
	for (size_t i = 0; i < N_SUBCMDS; i++)
		if (strcmp(subcmds[i].name, name) == 0)
			return &subcmds[i];
	return NULL;
}

int main(int argc, char *argv[])
{
	const struct subcmd *sc;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (is_help(argv[1])) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	if (argv[1][0] == '-')
		return usage_error("unknown option '%s'", argv[1]);
	sc = find_subcmd(argv[1]);
	if (sc == NULL)
		return usage_error("unknown command '%s'", argv[1]);
	return sc->run(argc - 2, argv + 2);
}
