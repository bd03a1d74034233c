/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file ctl.h
 * The control protocol between sluicectl and a backend (sluice-dp, later
 * sluice-xdp), over a UNIX stream socket (default SL_CTL_SOCKET_DEFAULT).
 *
 * Every message is a header (struct sl_ctl_hdr) followed by `len` payload
 * bytes. The client sends a request and reads exactly one reply with the
 * same `seq`. Structs travel in host layout: both ends run on one machine
 * and are built from one tree; SL_CTL_VERSION changes whenever a layout
 * here or in config.h/trace.h changes, and struct sizes are checked too.
 *
 * Requests:
 *   SL_CTL_HELLO        no payload        -> reply with one struct sl_ctl_hello
 *   SL_CTL_APPLY        sl_ctl_apply + n x struct sl_ctl_cmd: one atomic batch
 *                       (validated in full, then applied; on error nothing changes)
 *   SL_CTL_SHOW         struct sl_ctl_show -> records (see sl_ctl_rec_size)
 *   SL_CTL_CLEAR_STATS  no payload
 *   SL_CTL_TRACE        struct sl_ctl_trace -> up to count struct sl_trace_rec
 * Reply (type SL_CTL_REPLY): struct sl_ctl_reply + n records of rec_size bytes.
 * A refused peer (credentials) gets one reply with status -EACCES, then EOF.
 */
#ifndef SLUICE_CTL_H
#define SLUICE_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sluice/addr.h>
#include <sluice/config.h>
#include <sluice/trace.h>

#define SL_CTL_SOCKET_DEFAULT "/run/sluice/ctl.sock"
#define SL_CTL_MAGIC	      0x54434c53u /* "SLCT" little-endian */
#define SL_CTL_VERSION	      1
#define SL_CTL_MSG_MAX	      (512u << 20) /**< largest payload accepted */
#define SL_CTL_MSGLEN	      512	   /**< reply message text, with NUL */
#define SL_CTL_BATCH_MAX      (4u << 20)   /**< commands in one APPLY */

enum sl_ctl_type {
	SL_CTL_HELLO = 1,
	SL_CTL_APPLY,
	SL_CTL_SHOW,
	SL_CTL_CLEAR_STATS,
	SL_CTL_TRACE,
	SL_CTL_REPLY = 0x100,
};

struct sl_ctl_hdr {
	uint32_t magic;	  /**< SL_CTL_MAGIC */
	uint16_t version; /**< SL_CTL_VERSION */
	uint16_t type;	  /**< enum sl_ctl_type */
	uint32_t len;	  /**< payload bytes after the header */
	uint32_t seq;	  /**< echoed in the reply */
};

/** SL_CTL_HELLO reply record. */
struct sl_ctl_hello {
	char backend[16];    /**< "dpdk", "xdp" */
	uint32_t pid;	     /**< of the backend process */
	uint32_t n_workers;  /**< forwarding lcores / CPUs */
	uint64_t started_ns; /**< CLOCK_REALTIME at start: changes when the backend restarts */
	uint32_t cmd_size;   /**< sizeof(struct sl_cmd) of the backend */
	uint32_t pad;
};

/** SL_CTL_APPLY payload head. */
struct sl_ctl_apply {
	uint32_t n;	   /**< commands that follow */
	uint32_t cmd_size; /**< sizeof(struct sl_cmd): must match the backend's */
};

struct sl_ctl_cmd {
	uint32_t line; /**< reported in errors ("line N: ..."); 0: none */
	uint32_t pad;
	struct sl_cmd cmd;
};

/** SL_CTL_SHOW payload. */
struct sl_ctl_show {
	uint32_t what; /**< enum sl_show_what (not SL_SHOW_TRACE) */
	uint32_t flags;
};

/** SL_CTL_TRACE payload. */
struct sl_ctl_trace {
	uint32_t count;	     /**< 1..SL_TRACE_COUNT_MAX packets */
	uint32_t timeout_ms; /**< reply with what was caught by then */
};

/** Reply head. */
struct sl_ctl_reply {
	int32_t status;	   /**< 0 or -errno */
	uint32_t n;	   /**< records that follow */
	uint32_t rec_size; /**< bytes per record */
	uint32_t pad;
	char msg[SL_CTL_MSGLEN]; /**< NUL-terminated; why it failed ("line 3: ...") */
};

/* Records of SHOW replies. */

/** `show interfaces` */
struct sl_ctl_iface_rec {
	char name[SL_NAME_MAX];
	char device[SL_DEVICE_MAX];
	uint16_t id;
	uint16_t vlan;
	uint16_t mtu;
	uint8_t role; /**< enum sl_role */
	uint8_t n_addrs;
	struct sl_mac mac;
	uint8_t pad[2];
	struct sl_prefix addrs[SL_IFACE_ADDRS_MAX];
	uint64_t rx, tx, rx_bytes, tx_bytes;
};

/** Route origins and next-hop kinds as shown (values of fib.h). */
enum sl_ctl_origin {
	SL_CTL_ORIGIN_STATIC,
	SL_CTL_ORIGIN_CONNECTED,
	SL_CTL_ORIGIN_LOCAL,
	SL_CTL_ORIGIN_KERNEL
};
enum sl_ctl_nh { SL_CTL_NH_GATEWAY = 1, SL_CTL_NH_CONNECTED, SL_CTL_NH_LOCAL, SL_CTL_NH_BROADCAST };

/** `show routes` */
struct sl_ctl_route_rec {
	struct sl_prefix prefix;
	uint8_t origin;	 /**< enum sl_ctl_origin */
	uint8_t nh_type; /**< enum sl_ctl_nh */
	uint8_t pad[2];
	struct sl_ip gw; /**< SL_CTL_NH_GATEWAY */
	char dev[SL_NAME_MAX];
};

/** `show neighbors` */
struct sl_ctl_neigh_rec {
	struct sl_ip ip;
	struct sl_mac mac;
	uint8_t state; /**< enum sl_neigh_state (1 incomplete .. 6 permanent) */
	uint8_t valid; /**< mac usable */
	char dev[SL_NAME_MAX];
};

/** `show sessions` (NAT44): addresses in network order, ports in host order. */
struct sl_ctl_session_rec {
	uint8_t proto; /**< 6, 17 or 1 (ports are ICMP echo ids) */
	uint8_t tcp;   /**< TCP flags seen (SL_NAT_SYN0 ...) */
	uint8_t established;
	uint8_t pad;
	uint32_t inside_ip, outside_ip, remote_ip;
	uint16_t inside_port, outside_port, remote_port, pad2;
	uint64_t idle_ns;    /**< since the last packet */
	uint64_t expires_ns; /**< until the idle timeout */
};

/** Counter groups of `show stats`. */
enum sl_ctl_counter_group {
	SL_CTL_CNT_PACKETS = 1, /**< rx, forwarded, local, dropped, held */
	SL_CTL_CNT_DROP,	/**< name = drop reason */
	SL_CTL_CNT_EVENT,	/**< name = event */
	SL_CTL_CNT_IFACE,	/**< iface = interface, name = rx|tx|rx_bytes|tx_bytes */
};

/** `show stats`: self-describing counters (both backends, any version). */
struct sl_ctl_counter_rec {
	uint8_t group; /**< enum sl_ctl_counter_group */
	uint8_t pad[7];
	char iface[SL_NAME_MAX];
	char name[40];
	uint64_t value;
};

/** Size of one record of a SHOW reply for @p what (0: no such item). */
size_t sl_ctl_rec_size(uint32_t what);

/* ---- encoding and decoding (control/ctl_msg.c) ---- */

/** A growable byte buffer holding one message (or records). */
struct sl_ctl_buf {
	uint8_t *data;
	size_t len, cap;
};

/** Append @p n bytes. @return 0 or -ENOMEM. */
int sl_ctl_buf_put(struct sl_ctl_buf *b, const void *p, size_t n);
/** Room for @p n more bytes at the end (len unchanged, not zeroed); NULL on -ENOMEM. */
void *sl_ctl_buf_room(struct sl_ctl_buf *b, size_t n);
/** Reserve @p n zeroed bytes at the end; NULL on -ENOMEM. */
void *sl_ctl_buf_grow(struct sl_ctl_buf *b, size_t n);
void sl_ctl_buf_reset(struct sl_ctl_buf *b);
/** Append one `show stats` record (iface NULL: none). @return 0 or -ENOMEM. */
int sl_ctl_counter_add(
	struct sl_ctl_buf *out, uint8_t group, const char *iface, const char *name, uint64_t v);
void sl_ctl_buf_free(struct sl_ctl_buf *b);

/** Requests: each replaces @p b's contents with one complete message. @return 0 or -errno. */
int sl_ctl_encode_simple(struct sl_ctl_buf *b, uint16_t type, uint32_t seq);
int sl_ctl_encode_apply(struct sl_ctl_buf *b, uint32_t seq, const struct sl_cmd_list *l);
int sl_ctl_encode_show(struct sl_ctl_buf *b, uint32_t seq, uint32_t what);
int sl_ctl_encode_trace(struct sl_ctl_buf *b, uint32_t seq, uint32_t count, uint32_t timeout_ms);
/**
 * A reply with @p n records of @p rec_size bytes from @p recs (may be NULL
 * when n == 0). @p msg may be NULL.
 */
int sl_ctl_encode_reply(struct sl_ctl_buf *b, uint32_t seq, int32_t status, const char *msg,
	const void *recs, uint32_t n, uint32_t rec_size);

/**
 * Check a received header. @return 0, -EPROTO (bad magic or version, with
 * a message in @p err) or -EMSGSIZE (len over SL_CTL_MSG_MAX).
 */
int sl_ctl_hdr_check(const struct sl_ctl_hdr *h, char *err, size_t errlen);

/**
 * Decode and validate an APPLY payload into @p out (allocated; free with
 * sl_cmd_list_free). Every command must be one the grammar can produce
 * (it is formatted and parsed back), `show`/`clear`/`trace` are refused.
 * @return 0, or -EINVAL / -ENOMEM with "line N: problem" in @p err.
 */
int sl_ctl_decode_apply(
	const void *payload, size_t len, struct sl_cmd_list *out, char *err, size_t errlen);
/** Decode a SHOW payload. @return 0 or -EINVAL. */
int sl_ctl_decode_show(const void *payload, size_t len, struct sl_ctl_show *out);
/** Decode a TRACE payload (count range checked). @return 0 or -EINVAL. */
int sl_ctl_decode_trace(const void *payload, size_t len, struct sl_ctl_trace *out);
/**
 * Decode a reply payload: @p *r points into @p payload (copied msg is
 * NUL-terminated by the check), @p *recs at the records.
 * @return 0 or -EINVAL (sizes inconsistent).
 */
int sl_ctl_decode_reply(const void *payload, size_t len, struct sl_ctl_reply *r, const void **recs);

/**
 * Check one command received from the wire: it is formatted and parsed back
 * and must come out equal. @p clean (may be NULL or @p c) receives the
 * parsed copy, free of stray bytes. @return 0 or -EINVAL.
 */
int sl_ctl_cmd_check(const struct sl_cmd *c, struct sl_cmd *clean, char *err, size_t errlen);

/* ---- client (control/ctl_client.c) ---- */

/** Connect to @p path. @return fd, or -errno with a message in @p err. */
int sl_ctl_connect(const char *path, char *err, size_t errlen);

/**
 * Send the request in @p req and read its reply into @p reply (payload
 * only; decoded with sl_ctl_decode_reply). @p timeout_ms bounds each wait
 * (-1: none). @return 0, or -errno: -EPIPE/-ECONNRESET/-ETIMEDOUT when the
 * backend went away, -EPROTO for a malformed reply.
 */
int sl_ctl_call(int fd, const struct sl_ctl_buf *req, struct sl_ctl_buf *reply, int timeout_ms);

#endif
