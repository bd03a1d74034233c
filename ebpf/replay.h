/* SPDX-License-Identifier: BSD-3-Clause */
/* `sluice-xdp replay`: the XDP program over pcap input (BPF_PROG_TEST_RUN). */
#ifndef SL_XDP_REPLAY_H
#define SL_XDP_REPLAY_H

/** Entry point of `sluice-xdp replay ARGS` (argv[0] = "replay"). @return exit status. */
int sl_xdp_replay_main(int argc, char **argv);

#endif
