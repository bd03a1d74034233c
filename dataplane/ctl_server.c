/* SPDX-License-Identifier: BSD-3-Clause */
/* The control server: one listening UNIX socket, a few non-blocking
 * connections, each handling one request at a time. No DPDK here: the XDP
 * backend can serve the same protocol with its own sl_backend_ops. */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sluice/backend.h>

#define CONNS_MAX     16
#define READ_CHUNK    (256 * 1024)
#define ACCEPT_BURST  4
#define PEER_GROUPS_N 256
#define BACKLOG	      128   /* connections waiting for a free slot */
#define IDLE_EVICT_MS 2000  /* idle this long: closed when others wait */
#define STALL_MS      30000 /* a request begun and not finished: closed */

struct conn {
	int fd; /* -1: free */
	uint32_t uid;
	bool refused; /* answered with a refusal: close once sent */
	bool closing;
	uint64_t active_ms; /* last accept, bytes read or written (mono_ms) */
	struct sl_ctl_buf in;
	struct sl_ctl_buf out;
	size_t out_off;
	bool tracing;
	uint32_t trace_seq, trace_count;
	uint64_t trace_deadline;
	struct sl_ctl_buf trace_recs;
};

struct sl_ctl_server {
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool has_group;
	gid_t gid;
	char group[64];
	const struct sl_backend_ops *ops;
	void *ctx;
	uint64_t started_ns;
	struct conn conns[CONNS_MAX];
	struct sl_ctl_buf scratch;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int mkdir_parents(const char *path)
{
	char d[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;

	snprintf(d, sizeof(d), "%s", path);
	slash = strrchr(d, '/');
	if (slash == NULL || slash == d)
		return 0;
	*slash = '\0';
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(d, 0755) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* 1: someone listens on @p sa; 0: stale or absent (removed); -errno otherwise. */
static int probe_existing(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, rc;

	if (lstat(sa->sun_path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (rc == 0)
		return 1;
	if (unlink(sa->sun_path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int sl_ctl_server_create(
	const struct sl_ctl_server_conf *conf, struct sl_ctl_server **out, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct sl_ctl_server *s;
	struct timespec ts;
	mode_t old;
	int rc;

	*out = NULL;
	if (strlen(conf->path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path too long: %s", conf->path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, conf->path, strlen(conf->path) + 1);
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->lfd = -1;
	for (unsigned int i = 0; i < CONNS_MAX; i++)
		s->conns[i].fd = -1;
	s->ops = conf->ops;
	s->ctx = conf->ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	s->started_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	memcpy(s->path, sa.sun_path, sizeof(s->path));
	if (conf->group) {
		struct group gr, *res = NULL;
		char buf[4096];

		if (getgrnam_r(conf->group, &gr, buf, sizeof(buf), &res) != 0 || res == NULL) {
			snprintf(err, errlen, "--ctl-group %s: no such group", conf->group);
			rc = -ENOENT;
			goto fail;
		}
		s->has_group = true;
		s->gid = gr.gr_gid;
		snprintf(s->group, sizeof(s->group), "%s", conf->group);
	}
	rc = mkdir_parents(conf->path);
	if (rc < 0) {
		snprintf(err, errlen, "cannot create the directory of %s: %s", conf->path,
			strerror(-rc));
		goto fail;
	}
	rc = probe_existing(&sa);
	if (rc == 1) {
		if (conf->busy_ok) {
			free(s);
			return 0;
		}
		snprintf(err, errlen, "control socket %s is in use by another process", conf->path);
		rc = -EADDRINUSE;
		goto fail;
	}
	if (rc < 0) {
		snprintf(err, errlen, "control socket %s: %s", conf->path,
			rc == -EEXIST ? "exists and is not a socket" : strerror(-rc));
		goto fail;
	}
	s->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	old = umask(0177); /* never world-accessible, not even for a moment */
	rc = bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc < 0) {
		rc = -errno;
		snprintf(err, errlen, "bind %s: %s", conf->path, strerror(errno));
		goto fail;
	}
	if (s->has_group &&
		(chown(conf->path, (uid_t)-1, s->gid) < 0 || chmod(conf->path, 0660) < 0)) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot give it to group %s: %s", conf->path, s->group,
			strerror(errno));
		unlink(conf->path);
		goto fail;
	}
	if (listen(s->lfd, BACKLOG) < 0) {
		rc = -errno;
		snprintf(err, errlen, "listen %s: %s", conf->path, strerror(errno));
		unlink(conf->path);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (s->lfd >= 0)
		close(s->lfd);
	free(s);
	return rc;
}

static void conn_close(struct sl_ctl_server *s, struct conn *c)
{
	if (c->tracing && s->ops->trace_stop)
		s->ops->trace_stop(s->ctx);
	close(c->fd);
	sl_ctl_buf_free(&c->in);
	sl_ctl_buf_free(&c->out);
	sl_ctl_buf_free(&c->trace_recs);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static void reply(struct conn *c, uint32_t seq, int status, const char *msg, const void *recs,
	uint32_t n, uint32_t rec_size)
{
	c->out_off = 0;
	if (sl_ctl_encode_reply(&c->out, seq, status, msg, recs, n, rec_size) < 0)
		sl_ctl_encode_reply(
			&c->out, seq, -ENOMEM, "reply too large or out of memory", NULL, 0, 0);
}

static bool peer_allowed(struct sl_ctl_server *s, struct conn *c, char *why, size_t len)
{
	struct ucred cr;
	socklen_t l = sizeof(cr);
	gid_t groups[PEER_GROUPS_N];

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) < 0) {
		snprintf(why, len, "cannot read peer credentials: %s", strerror(errno));
		return false;
	}
	c->uid = cr.uid;
	if (cr.uid == 0)
		return true;
	if (s->has_group) {
		if (cr.gid == s->gid)
			return true;
		l = sizeof(groups);
		if (getsockopt(c->fd, SOL_SOCKET, SO_PEERGROUPS, groups, &l) == 0)
			for (size_t i = 0; i < l / sizeof(gid_t); i++)
				if (groups[i] == s->gid)
					return true;
		snprintf(why, len,
			"permission denied: uid %u is neither root nor in group %s "
			"(sluice-dp --ctl-group)",
			cr.uid, s->group);
		return false;
	}
	snprintf(why, len,
		"permission denied: uid %u is not root (sluice-dp --ctl-group GROUP lets a "
		"group in)",
		cr.uid);
	return false;
}

/* A connection waits in the listening socket's backlog. */
static bool conn_waiting(const struct sl_ctl_server *s)
{
	struct pollfd p = {.fd = s->lfd, .events = POLLIN};

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

/*
 * A slot for a new connection: a free one, else (when one waits) that of
 * the connection idle longest, if idle for IDLE_EVICT_MS with no request
 * in progress (a controller that connected and went quiet: it reconnects
 * when it has something to say), else NULL: the new ones wait in the
 * backlog until a slot frees.
 */
static struct conn *free_slot(struct sl_ctl_server *s, uint64_t now)
{
	struct conn *idle = NULL;

	for (unsigned int i = 0; i < CONNS_MAX; i++) {
		struct conn *c = &s->conns[i];
		if (c->fd < 0)
			return c;
		if (!c->tracing && !c->refused && c->in.len == 0 && c->out.len == 0 &&
			now - c->active_ms >= IDLE_EVICT_MS &&
			(idle == NULL || c->active_ms < idle->active_ms))
			idle = c;
	}
	if (idle == NULL || !conn_waiting(s))
		return NULL;
	conn_close(s, idle);
	return idle;
}

static void accept_new(struct sl_ctl_server *s)
{
	uint64_t now = mono_ms();

	for (int k = 0; k < ACCEPT_BURST; k++) {
		char why[SL_CTL_MSGLEN];
		struct conn *c = free_slot(s, now);
		int fd;

		if (c == NULL)
			return;
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		c->fd = fd;
		c->active_ms = now;
		if (!peer_allowed(s, c, why, sizeof(why))) {
			fprintf(stderr, "sluice-dp: control: refused a connection: %s\n", why);
			reply(c, 0, -EACCES, why, NULL, 0, 0);
			c->refused = true;
		}
	}
}

static void handle(
	struct sl_ctl_server *s, struct conn *c, const struct sl_ctl_hdr *h, const uint8_t *payload)
{
	char err[SL_CTL_MSGLEN] = "";
	int rc;

	switch (h->type) {
	case SL_CTL_HELLO: {
		struct sl_ctl_hello hello = {.pid = (uint32_t)getpid(),
			.started_ns = s->started_ns,
			.cmd_size = sizeof(struct sl_cmd)};
		snprintf(hello.backend, sizeof(hello.backend), "%s", s->ops->name);
		hello.n_workers = s->ops->n_workers ? s->ops->n_workers(s->ctx) : 0;
		reply(c, h->seq, 0, NULL, &hello, 1, sizeof(hello));
		return;
	}
	case SL_CTL_APPLY: {
		struct sl_cmd_list l;

		uint64_t t0 = mono_ms(), t1 = 0;

		rc = sl_ctl_decode_apply(payload, h->len, &l, err, sizeof(err));
		if (rc == 0) {
			t1 = mono_ms();
			rc = s->ops->apply(s->ctx, &l, err, sizeof(err));
			if (l.n >= 10000)
				fprintf(stderr,
					"sluice-dp: control: batch of %u commands %s: checked in "
					"%" PRIu64 " ms, applied in %" PRIu64 " ms\n",
					l.n, rc == 0 ? "applied" : "rejected", t1 - t0,
					mono_ms() - t1);
			sl_cmd_list_free(&l);
		}
		reply(c, h->seq, rc, err, NULL, 0, 0);
		return;
	}
	case SL_CTL_SHOW: {
		struct sl_ctl_show sh;
		size_t rs;

		if (sl_ctl_decode_show(payload, h->len, &sh) < 0) {
			reply(c, h->seq, -EINVAL, "show: malformed request", NULL, 0, 0);
			return;
		}
		rs = sl_ctl_rec_size(sh.what);
		sl_ctl_buf_reset(&s->scratch);
		rc = s->ops->show(s->ctx, sh.what, &s->scratch, err, sizeof(err));
		if (rc < 0 || rs == 0)
			reply(c, h->seq, rc < 0 ? rc : -ENOTSUP, err, NULL, 0, 0);
		else
			reply(c, h->seq, 0, NULL, s->scratch.data, (uint32_t)(s->scratch.len / rs),
				(uint32_t)rs);
		if (s->scratch.cap > (16u << 20))
			sl_ctl_buf_free(&s->scratch); /* a big `show routes` */
		return;
	}
	case SL_CTL_CLEAR_STATS:
		rc = s->ops->clear_stats ? s->ops->clear_stats(s->ctx) : -ENOTSUP;
		reply(c, h->seq, rc, rc < 0 ? "clear stats: not supported" : NULL, NULL, 0, 0);
		return;
	case SL_CTL_TRACE: {
		struct sl_ctl_trace t;

		if (sl_ctl_decode_trace(payload, h->len, &t) < 0) {
			reply(c, h->seq, -EINVAL, "trace: malformed request (count 1..1024)", NULL,
				0, 0);
			return;
		}
		for (unsigned int i = 0; i < CONNS_MAX; i++)
			if (s->conns[i].fd >= 0 && s->conns[i].tracing) {
				reply(c, h->seq, -EBUSY, "trace: another trace is running", NULL, 0,
					0);
				return;
			}
		rc = s->ops->trace_start ? s->ops->trace_start(s->ctx, t.count, err, sizeof(err))
					 : -ENOTSUP;
		if (rc < 0) {
			reply(c, h->seq, rc, err[0] ? err : "trace: not supported", NULL, 0, 0);
			return;
		}
		c->tracing = true;
		c->trace_seq = h->seq;
		c->trace_count = t.count;
		c->trace_deadline = mono_ms() + (t.timeout_ms ? t.timeout_ms : 10000);
		sl_ctl_buf_reset(&c->trace_recs);
		return;
	}
	default:
		snprintf(err, sizeof(err), "unknown request type %u", h->type);
		reply(c, h->seq, -EOPNOTSUPP, err, NULL, 0, 0);
	}
}

static int by_seq(const void *a, const void *b)
{
	const struct sl_trace_rec *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void trace_progress(struct sl_ctl_server *s, struct conn *c)
{
	size_t rs = sizeof(struct sl_trace_rec);
	uint32_t have;

	if (s->ops->trace_collect(s->ctx, &c->trace_recs) < 0)
		c->trace_deadline = 0;
	have = (uint32_t)(c->trace_recs.len / rs);
	if (have < c->trace_count && mono_ms() < c->trace_deadline)
		return;
	s->ops->trace_stop(s->ctx);
	c->tracing = false;
	if (have > c->trace_count)
		have = c->trace_count;
	/* workers record independently: present them in capture order */
	qsort(c->trace_recs.data, c->trace_recs.len / rs, rs, by_seq);
	reply(c, c->trace_seq, 0,
		have < c->trace_count ? "timed out before all packets were seen" : NULL,
		c->trace_recs.data, have, (uint32_t)rs);
	sl_ctl_buf_free(&c->trace_recs);
}

/* Returns false when the connection was closed. */
static bool conn_write(struct sl_ctl_server *s, struct conn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t k = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
			MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return true;
			conn_close(s, c);
			return false;
		}
		c->out_off += (size_t)k;
		c->active_ms = mono_ms();
	}
	sl_ctl_buf_reset(&c->out);
	c->out_off = 0;
	if (c->refused || c->closing) {
		conn_close(s, c);
		return false;
	}
	if (c->out.cap > (16u << 20))
		sl_ctl_buf_free(&c->out);
	return true;
}

/* Handle one buffered request if complete: 1 handled, 0 incomplete. */
static unsigned int conn_process(struct sl_ctl_server *s, struct conn *c)
{
	struct sl_ctl_hdr h;
	char err[SL_CTL_MSGLEN];
	size_t total;

	if (c->in.len < sizeof(h))
		return 0;
	memcpy(&h, c->in.data, sizeof(h));
	if (sl_ctl_hdr_check(&h, err, sizeof(err)) < 0) {
		reply(c, h.seq, -EPROTO, err, NULL, 0, 0);
		c->closing = true;
		return 1;
	}
	total = sizeof(h) + h.len;
	if (c->in.len < total)
		return 0;
	handle(s, c, &h, c->in.data + sizeof(h));
	memmove(c->in.data, c->in.data + total, c->in.len - total);
	c->in.len -= total;
	if (c->in.cap > (16u << 20) && c->in.len == 0)
		sl_ctl_buf_free(&c->in);
	return 1;
}

static unsigned int conn_read(struct sl_ctl_server *s, struct conn *c)
{
	uint8_t *p;
	ssize_t k;

	size_t want = READ_CHUNK;

	if (conn_process(s, c))
		return 1;
	/* a large message: room for all of it at once */
	if (c->in.len >= sizeof(struct sl_ctl_hdr)) {
		const struct sl_ctl_hdr *h = (const struct sl_ctl_hdr *)c->in.data;
		size_t total = sizeof(*h) + h->len;
		if (total > c->in.len && total - c->in.len > want)
			want = total - c->in.len;
	}
	for (int burst = 0; burst < 64; burst++) {
		p = sl_ctl_buf_room(&c->in, want);
		if (p == NULL) {
			conn_close(s, c);
			return 0;
		}
		k = recv(c->fd, p, want, MSG_DONTWAIT);
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(s, c);
			return 0;
		}
		if (k < 0)
			break;
		c->in.len += (size_t)k;
		c->active_ms = mono_ms();
		if (want == (size_t)k)
			break; /* what the header announced is in */
		want -= (size_t)k;
	}
	return conn_process(s, c);
}

unsigned int sl_ctl_server_poll(struct sl_ctl_server *s)
{
	unsigned int done = 0;

	if (s == NULL)
		return 0;
	accept_new(s);
	for (unsigned int i = 0; i < CONNS_MAX; i++) {
		struct conn *c = &s->conns[i];

		if (c->fd < 0)
			continue;
		if (c->tracing)
			trace_progress(s, c);
		if ((c->in.len > 0 || c->out.len > 0) && !c->tracing &&
			mono_ms() - c->active_ms > STALL_MS) {
			fprintf(stderr,
				"sluice: control: closed a connection stalled for %d s in the "
				"middle of a %s\n",
				STALL_MS / 1000, c->out.len > 0 ? "reply" : "request");
			conn_close(s, c);
			continue;
		}
		if (c->out.len > 0 && !conn_write(s, c))
			continue;
		if (c->refused) {
			/* drain what it sent so that closing does not reset the reply */
			char junk[4096];
			while (recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
				;
			continue;
		}
		if (c->out.len == 0 && !c->tracing && !c->closing) {
			done += conn_read(s, c);
			if (c->fd >= 0 && c->out.len > 0)
				conn_write(s, c);
		}
	}
	return done;
}

void sl_ctl_server_destroy(struct sl_ctl_server *s)
{
	if (s == NULL)
		return;
	for (unsigned int i = 0; i < CONNS_MAX; i++)
		if (s->conns[i].fd >= 0)
			conn_close(s, &s->conns[i]);
	close(s->lfd);
	unlink(s->path);
	sl_ctl_buf_free(&s->scratch);
	free(s);
}
