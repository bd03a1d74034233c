/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file agent.h
 * `sluice-xdp --config FILE [--ctl SOCKET]`: the live agent. Loads the XDP
 * program with its maps pinned (reused across restarts), applies the
 * config, prepares the kernel for what the program passes to it (addresses,
 * nftables guard, neighbour table sync), attaches in native mode, serves
 * the control protocol, expires NAT sessions; on SIGINT/SIGTERM detaches
 * and prints the counters. See README "XDP backend".
 */
#ifndef SLUICE_XDP_AGENT_H
#define SLUICE_XDP_AGENT_H

/** @return the process exit status. */
int sl_xdp_agent_main(int argc, char **argv);

#endif
