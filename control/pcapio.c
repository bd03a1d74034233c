/* SPDX-License-Identifier: BSD-3-Clause */
/* Capture files for the two replays (include/sluice/pcapio.h). */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <sluice/pcapio.h>

static int in_open(const char *prog, const char *path, pcap_t **pc)
{
	char err[PCAP_ERRBUF_SIZE];

	*pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
	if (*pc == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, err);
		return -EIO;
	}
	return 0;
}

/* Read through every record: @return 0, or -EINVAL naming the first bad one. */
static int check_records(const char *prog, const char *path, pcap_t *pc)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	uint64_t n = 0;
	int rc;

	while ((rc = pcap_next_ex(pc, &hdr, &data)) == 1)
		n++;
	if (rc != PCAP_ERROR)
		return 0;
	fprintf(stderr, "%s: %s: record %" PRIu64 ": %s (a malformed capture is not replayed)\n",
		prog, path, n + 1, pcap_geterr(pc));
	return -EINVAL;
}

int sl_pcap_in_open(const char *prog, const char *path, pcap_t **pc)
{
	struct stat st;
	int dlt, rc;

	rc = in_open(prog, path, pc);
	if (rc < 0)
		return rc;
	dlt = pcap_datalink(*pc);
	if (dlt != DLT_EN10MB) {
		const char *name = pcap_datalink_val_to_name(dlt);
		fprintf(stderr,
			"%s: %s: link type %d (%s) is not Ethernet; only Ethernet (linktype 1) "
			"captures can be replayed\n",
			prog, path, dlt, name ? name : "unknown");
		return -EPROTONOSUPPORT;
	}
	/* a regular file is read through first so that a malformed one is
	 * refused before anything is replayed; a pipe is checked as it is read */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		rc = check_records(prog, path, *pc);
		pcap_close(*pc);
		*pc = NULL;
		if (rc == 0)
			rc = in_open(prog, path, pc);
	}
	return rc;
}

int sl_pcap_in_read(const char *prog, const char *path, pcap_t *pc, struct pcap_pkthdr **hdr,
	const uint8_t **data, uint64_t *ts_ns)
{
	int rc = pcap_next_ex(pc, hdr, data);

	if (rc == PCAP_ERROR) {
		fprintf(stderr, "%s: %s: malformed record: %s (the replay stops here)\n", prog,
			path, pcap_geterr(pc));
		return -EINVAL;
	}
	if (rc != 1)
		return 0;
	/* opened with nanosecond precision: tv_usec holds nanoseconds */
	*ts_ns = (uint64_t)(*hdr)->ts.tv_sec * 1000000000u + (uint64_t)(*hdr)->ts.tv_usec;
	return 1;
}

int sl_pcap_out_dir(const char *prog, const char *dir)
{
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		int rc = -errno;
		fprintf(stderr, "%s: --out-dir %s: %s\n", prog, dir, strerror(errno));
		return rc;
	}
	return 0;
}

int sl_pcap_out_open(
	const char *prog, const char *dir, const char *name, pcap_t *dead, pcap_dumper_t **d)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.pcap", dir, name);
	*d = pcap_dump_open(dead, path);
	if (*d == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, pcap_geterr(dead));
		return -EIO;
	}
	return 0;
}
