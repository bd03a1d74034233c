/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <sluice/ctl.h>

int sl_ctl_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, rc;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket path too long: %s", path);
		return -ENAMETOOLONG;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return rc;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		if (rc == -EACCES)
			snprintf(err, errlen,
				"cannot connect to %s: permission denied (root, or the group "
				"given to sluice-dp --ctl-group, may use it)",
				path);
		else
			snprintf(err, errlen, "cannot connect to %s: %s (is sluice-dp running?)",
				path, strerror(errno));
		close(fd);
		return rc;
	}
	return fd;
}

static int wait_fd(int fd, short ev, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = ev};
	int rc;

	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n, int timeout_ms)
{
	while (n > 0) {
		ssize_t k;
		int rc = wait_fd(fd, POLLOUT, timeout_ms);

		if (rc < 0)
			return rc;
		k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int read_all(int fd, uint8_t *p, size_t n, int timeout_ms)
{
	while (n > 0) {
		ssize_t k;
		int rc = wait_fd(fd, POLLIN, timeout_ms);

		if (rc < 0)
			return rc;
		k = recv(fd, p, n, MSG_DONTWAIT);
		if (k < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (k == 0)
			return -ECONNRESET;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

int sl_ctl_call(int fd, const struct sl_ctl_buf *req, struct sl_ctl_buf *reply, int timeout_ms)
{
	const struct sl_ctl_hdr *rq = (const struct sl_ctl_hdr *)req->data;
	struct sl_ctl_hdr h;
	char err[128];
	int rc;

	/* a refusal arrives before we finish sending: read it even if the write failed */
	rc = write_all(fd, req->data, req->len, timeout_ms);
	if (rc < 0 && rc != -EPIPE && rc != -ECONNRESET)
		return rc;
	rc = read_all(fd, (uint8_t *)&h, sizeof(h), timeout_ms);
	if (rc < 0)
		return rc;
	if (sl_ctl_hdr_check(&h, err, sizeof(err)) < 0 || h.type != SL_CTL_REPLY ||
		h.len < sizeof(struct sl_ctl_reply))
		return -EPROTO;
	sl_ctl_buf_reset(reply);
	if (sl_ctl_buf_grow(reply, h.len) == NULL)
		return -ENOMEM;
	rc = read_all(fd, reply->data, h.len, timeout_ms);
	if (rc < 0)
		return rc;
	/* seq 0 is the refusal sent on accept */
	if (h.seq != rq->seq && h.seq != 0)
		return -EPROTO;
	return 0;
}
