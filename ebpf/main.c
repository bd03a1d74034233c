/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice-xdp: subcommand dispatch. */
#include <string.h>

#include "agent.h"
#include "replay.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "replay") == 0)
		return sl_xdp_replay_main(argc - 1, argv + 1);
	/* live mode (its --help lists both forms) */
	return sl_xdp_agent_main(argc, argv);
}
