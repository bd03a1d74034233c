/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file backend.h
 * The operations a backend implements so that the control server
 * (ctl_server.h) can serve the control protocol for it. sluice-dp
 * implements them in dataplane/backend_dp.c; sluice-xdp will implement the
 * same table. All operations run on the server's thread (sluice-dp: the
 * main lcore, between slow-path bursts); they must not block for long.
 */
#ifndef SLUICE_BACKEND_H
#define SLUICE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include <sluice/config.h>
#include <sluice/ctl.h>

struct sl_backend_ops {
	const char *name; /**< "dpdk", "xdp" (HELLO reply) */

	/** Workers / CPUs forwarding (HELLO reply). */
	uint32_t (*n_workers)(void *ctx);

	/**
	 * Apply a batch atomically: everything is checked against the running
	 * state first; on error nothing changes and @p err says
	 * "line N: problem". Directives (SL_CMD_NONE) are ignored.
	 * @return 0 or -errno.
	 */
	int (*apply)(void *ctx, const struct sl_cmd_list *l, char *err, size_t errlen);

	/**
	 * Append the records of `show WHAT` (sl_ctl_rec_size(what) bytes each)
	 * to @p out. @return 0 or -errno (-ENOTSUP: the backend has no such
	 * table yet) with a message in @p err.
	 */
	int (*show)(void *ctx, uint32_t what, struct sl_ctl_buf *out, char *err, size_t errlen);

	/** Zero the counters `show stats` reports. @return 0 or -errno. */
	int (*clear_stats)(void *ctx);

	/** Arm a trace of the next @p count packets. @return 0, -EBUSY, -ENOTSUP. */
	int (*trace_start)(void *ctx, uint32_t count, char *err, size_t errlen);
	/**
	 * Append records captured since the last call (struct sl_trace_rec,
	 * names filled in). @return the number appended, or -errno.
	 */
	int (*trace_collect)(void *ctx, struct sl_ctl_buf *out);
	/** Disarm the trace. */
	void (*trace_stop)(void *ctx);
};

/* ---- the server (dataplane/ctl_server.c; no DPDK dependency) ---- */

struct sl_ctl_server;

struct sl_ctl_server_conf {
	const char *path;  /**< socket path; its directory is created (0755) if missing */
	const char *group; /**< NULL: root only; else members of this group too (socket 0660) */
	bool busy_ok; /**< path served by a live process: warn and serve nothing (not an error) */
	const struct sl_backend_ops *ops;
	void *ctx;
};

/**
 * Create the listening socket (mode 0600, or 0660 and group @p group).
 * A stale socket file (nobody listening) is replaced.
 * @return 0 and *@p out (NULL when busy_ok and the path is in use), or
 * -errno with a message in @p err.
 */
int sl_ctl_server_create(const struct sl_ctl_server_conf *conf, struct sl_ctl_server **out,
	char *err, size_t errlen);

/**
 * Serve: accept, read, execute and answer without blocking; call often
 * (every main-loop iteration). @return the number of requests completed.
 */
unsigned int sl_ctl_server_poll(struct sl_ctl_server *s);

/** Close every connection and remove the socket file. NULL is accepted. */
void sl_ctl_server_destroy(struct sl_ctl_server *s);

#endif
