/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file replay.h
 * Offline replay: the real pipeline and slow path over pcap inputs, the
 * pcap timestamps as the clock, what each interface transmits written to
 * DIR/IFACE.pcap. Needs no NIC and no hugepages (EAL is started internally
 * with --no-huge --no-pci --no-shconf). Deterministic.
 */
#ifndef SLUICE_REPLAY_H
#define SLUICE_REPLAY_H

/**
 * Entry point of `sluice-dp replay ARGS` (argv[0] is "replay").
 * @return process exit status: 0 ok, 1 bad input (config, pcap, link
 * type), 2 usage.
 */
int sl_replay_main(int argc, char **argv);

#endif
