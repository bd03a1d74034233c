/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file pcapio.h
 * The capture file handling both replays share (`sluice-dp replay`,
 * `sluice-xdp replay`): open an input (Ethernet only), read it packet by
 * packet with nanosecond timestamps, create the output directory and one
 * output file per interface. Messages go to stderr prefixed with @p prog
 * ("sluice-dp replay"). Functions return 0 or -errno.
 */
#ifndef SLUICE_PCAPIO_H
#define SLUICE_PCAPIO_H

#include <stdint.h>

#include <pcap/pcap.h>

/**
 * Open capture @p path for reading; refuse a link type other than Ethernet.
 * A regular file is read through once first: a malformed record (e.g. a
 * caplen beyond the snaplen, a record cut short) gives -EINVAL with a
 * message naming the file, the record's number and the problem.
 */
int sl_pcap_in_open(const char *prog, const char *path, pcap_t **pc);

/**
 * Read the next packet: @return 1 with *hdr, *data and *ts_ns set, 0 at the
 * end, or -EINVAL for a malformed record (reported; possible only for an
 * input that is not a regular file, which sl_pcap_in_open checks whole).
 */
int sl_pcap_in_read(const char *prog, const char *path, pcap_t *pc, struct pcap_pkthdr **hdr,
	const uint8_t **data, uint64_t *ts_ns);

/** Create directory @p dir unless it exists. */
int sl_pcap_out_dir(const char *prog, const char *dir);

/** Open DIR/NAME.pcap for writing through the dead handle @p dead. */
int sl_pcap_out_open(
	const char *prog, const char *dir, const char *name, pcap_t *dead, pcap_dumper_t **d);

#endif
