/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/ctl.h>

size_t sl_ctl_rec_size(uint32_t what)
{
	switch (what) {
	case SL_SHOW_INTERFACES:
		return sizeof(struct sl_ctl_iface_rec);
	case SL_SHOW_ROUTES:
		return sizeof(struct sl_ctl_route_rec);
	case SL_SHOW_NEIGHBORS:
		return sizeof(struct sl_ctl_neigh_rec);
	case SL_SHOW_STATS:
		return sizeof(struct sl_ctl_counter_rec);
	case SL_SHOW_TRACE:
		return sizeof(struct sl_trace_rec);
	case SL_SHOW_SESSIONS:
		return sizeof(struct sl_ctl_session_rec);
	}
	return 0;
}

static int buf_reserve(struct sl_ctl_buf *b, size_t n)
{
	size_t cap;
	uint8_t *d;

	if (n > SIZE_MAX - b->len)
		return -ENOMEM;
	if (b->len + n <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	if (n > (1u << 20))
		cap = b->len + n; /* a known big message: exactly, no doubling */
	d = realloc(b->data, cap);
	if (d == NULL)
		return -ENOMEM;
	b->data = d;
	b->cap = cap;
	return 0;
}

int sl_ctl_buf_put(struct sl_ctl_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (buf_reserve(b, n) < 0)
		return -ENOMEM;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

void *sl_ctl_buf_room(struct sl_ctl_buf *b, size_t n)
{
	if (buf_reserve(b, n) < 0)
		return NULL;
	return b->data + b->len;
}

void *sl_ctl_buf_grow(struct sl_ctl_buf *b, size_t n)
{
	void *p;

	if (buf_reserve(b, n) < 0)
		return NULL;
	p = b->data + b->len;
	memset(p, 0, n);
	b->len += n;
	return p;
}

int sl_ctl_counter_add(
	struct sl_ctl_buf *out, uint8_t group, const char *iface, const char *name, uint64_t v)
{
	struct sl_ctl_counter_rec *r = sl_ctl_buf_grow(out, sizeof(*r));

	if (r == NULL)
		return -ENOMEM;
	r->group = group;
	snprintf(r->iface, sizeof(r->iface), "%s", iface ? iface : "");
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->value = v;
	return 0;
}

void sl_ctl_buf_reset(struct sl_ctl_buf *b)
{
	b->len = 0;
}

void sl_ctl_buf_free(struct sl_ctl_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

/* Start a message: header with len 0, fixed at the end by msg_end. */
static int msg_begin(struct sl_ctl_buf *b, uint16_t type, uint32_t seq)
{
	struct sl_ctl_hdr h = {
		.magic = SL_CTL_MAGIC, .version = SL_CTL_VERSION, .type = type, .seq = seq};

	sl_ctl_buf_reset(b);
	return sl_ctl_buf_put(b, &h, sizeof(h));
}

static int msg_end(struct sl_ctl_buf *b)
{
	struct sl_ctl_hdr *h = (struct sl_ctl_hdr *)b->data;
	size_t len = b->len - sizeof(*h);

	if (len > SL_CTL_MSG_MAX)
		return -EMSGSIZE;
	h->len = (uint32_t)len;
	return 0;
}

int sl_ctl_encode_simple(struct sl_ctl_buf *b, uint16_t type, uint32_t seq)
{
	int rc = msg_begin(b, type, seq);

	return rc < 0 ? rc : msg_end(b);
}

int sl_ctl_encode_apply(struct sl_ctl_buf *b, uint32_t seq, const struct sl_cmd_list *l)
{
	struct sl_ctl_apply a = {.n = l->n, .cmd_size = sizeof(struct sl_cmd)};
	struct sl_ctl_cmd *c;

	if (l->n > SL_CTL_BATCH_MAX)
		return -E2BIG;
	if (msg_begin(b, SL_CTL_APPLY, seq) < 0 || sl_ctl_buf_put(b, &a, sizeof(a)) < 0)
		return -ENOMEM;
	c = sl_ctl_buf_grow(b, (size_t)l->n * sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < l->n; i++) {
		c[i].line = l->lines ? l->lines[i] : i + 1;
		c[i].cmd = l->cmds[i];
	}
	return msg_end(b);
}

int sl_ctl_encode_show(struct sl_ctl_buf *b, uint32_t seq, uint32_t what)
{
	struct sl_ctl_show s = {.what = what};

	if (msg_begin(b, SL_CTL_SHOW, seq) < 0 || sl_ctl_buf_put(b, &s, sizeof(s)) < 0)
		return -ENOMEM;
	return msg_end(b);
}

int sl_ctl_encode_trace(struct sl_ctl_buf *b, uint32_t seq, uint32_t count, uint32_t timeout_ms)
{
	struct sl_ctl_trace t = {.count = count, .timeout_ms = timeout_ms};

	if (msg_begin(b, SL_CTL_TRACE, seq) < 0 || sl_ctl_buf_put(b, &t, sizeof(t)) < 0)
		return -ENOMEM;
	return msg_end(b);
}

int sl_ctl_encode_reply(struct sl_ctl_buf *b, uint32_t seq, int32_t status, const char *msg,
	const void *recs, uint32_t n, uint32_t rec_size)
{
	struct sl_ctl_reply r = {.status = status, .n = n, .rec_size = rec_size};

	if (msg)
		snprintf(r.msg, sizeof(r.msg), "%s", msg);
	if ((uint64_t)n * rec_size > SL_CTL_MSG_MAX - sizeof(r))
		return -EMSGSIZE;
	if (msg_begin(b, SL_CTL_REPLY, seq) < 0 || sl_ctl_buf_put(b, &r, sizeof(r)) < 0 ||
		sl_ctl_buf_put(b, recs, (size_t)n * rec_size) < 0)
		return -ENOMEM;
	return msg_end(b);
}

int sl_ctl_hdr_check(const struct sl_ctl_hdr *h, char *err, size_t errlen)
{
	if (h->magic != SL_CTL_MAGIC) {
		snprintf(err, errlen, "not a sluice control message (bad magic 0x%08x)", h->magic);
		return -EPROTO;
	}
	if (h->version != SL_CTL_VERSION) {
		snprintf(err, errlen,
			"control protocol version %u, this side speaks %u: use sluicectl and the "
			"dataplane from the same build",
			h->version, SL_CTL_VERSION);
		return -EPROTO;
	}
	if (h->len > SL_CTL_MSG_MAX) {
		snprintf(err, errlen, "message of %u bytes is over the limit of %u", h->len,
			SL_CTL_MSG_MAX);
		return -EMSGSIZE;
	}
	return 0;
}

/* A bool from the wire must be 0 or 1 before C code may read it as _Bool. */
static bool byte_bool(const bool *b)
{
	uint8_t v;

	memcpy(&v, b, 1);
	return v <= 1;
}

static bool bools_ok(const struct sl_cmd *c)
{
	switch (c->type) {
	case SL_CMD_INTERFACE:
		return byte_bool(&c->iface.has_mac);
	case SL_CMD_ROUTE_ADD:
	case SL_CMD_ROUTE_DEL:
		return byte_bool(&c->route.has_via) && byte_bool(&c->route.kernel);
	case SL_CMD_SHOW:
		return byte_bool(&c->show.json) && byte_bool(&c->show.clear);
	default:
		return true;
	}
}

int sl_ctl_cmd_check(const struct sl_cmd *c, struct sl_cmd *clean, char *err, size_t errlen)
{
	char text[SL_LINE_MAX];
	struct sl_cmd back;
	int n;

	if (!bools_ok(c)) {
		snprintf(err, errlen, "malformed command (type %d)", (int)c->type);
		return -EINVAL;
	}

	if (c->type == SL_CMD_SHOW) {
		snprintf(err, errlen, "show, clear and trace are requests, not configuration");
		return -EINVAL;
	}
	/* anything the grammar cannot produce (bad enums, unterminated names,
	 * multicast gateways, ...) does not survive a round trip */
	n = sl_cmd_format(c, text, sizeof(text));
	if (n < 0 || (c->type != SL_CMD_NONE && n == 0)) {
		snprintf(err, errlen, "malformed command (type %d)", (int)c->type);
		return -EINVAL;
	}
	if (sl_cmd_parse_line(text, &back, err, errlen) < 0)
		return -EINVAL;
	if (!sl_cmd_equal(c, &back)) {
		snprintf(err, errlen, "malformed command '%s'", text);
		return -EINVAL;
	}
	if (clean)
		*clean = back;
	return 0;
}

int sl_ctl_decode_apply(
	const void *payload, size_t len, struct sl_cmd_list *out, char *err, size_t errlen)
{
	struct sl_ctl_apply a;
	const uint8_t *p = payload;
	char msg[SL_ERR_MAX];

	memset(out, 0, sizeof(*out));
	if (len < sizeof(a)) {
		snprintf(err, errlen, "apply: payload of %zu bytes is too short", len);
		return -EINVAL;
	}
	memcpy(&a, p, sizeof(a));
	if (a.cmd_size != sizeof(struct sl_cmd)) {
		snprintf(err, errlen,
			"apply: command size %u, expected %zu: use sluicectl and the dataplane "
			"from "
			"the same build",
			a.cmd_size, sizeof(struct sl_cmd));
		return -EINVAL;
	}
	if (a.n > SL_CTL_BATCH_MAX || len != sizeof(a) + (size_t)a.n * sizeof(struct sl_ctl_cmd)) {
		snprintf(err, errlen, "apply: %u commands do not match a payload of %zu bytes", a.n,
			len);
		return -EINVAL;
	}
	/* sized once: a million routes must not be copied by doubling */
	if (a.n > 0) {
		out->cmds = malloc((size_t)a.n * sizeof(*out->cmds));
		out->lines = malloc((size_t)a.n * sizeof(*out->lines));
		if (out->cmds == NULL || out->lines == NULL) {
			sl_cmd_list_free(out);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		out->cap = a.n;
	}
	for (uint32_t i = 0; i < a.n; i++) {
		struct sl_ctl_cmd c;

		memcpy(&c, p + sizeof(a) + (size_t)i * sizeof(c), sizeof(c));
		if (sl_ctl_cmd_check(&c.cmd, &c.cmd, msg, sizeof(msg)) < 0) {
			snprintf(err, errlen, "line %u: %s", c.line ? c.line : i + 1, msg);
			sl_cmd_list_free(out);
			return -EINVAL;
		}
		if (sl_cmd_list_append(out, &c.cmd, c.line ? c.line : i + 1) < 0) {
			snprintf(err, errlen, "out of memory");
			sl_cmd_list_free(out);
			return -ENOMEM;
		}
	}
	return 0;
}

int sl_ctl_decode_show(const void *payload, size_t len, struct sl_ctl_show *out)
{
	if (len != sizeof(*out))
		return -EINVAL;
	memcpy(out, payload, sizeof(*out));
	if (out->what == SL_SHOW_TRACE || sl_ctl_rec_size(out->what) == 0)
		return -EINVAL;
	return 0;
}

int sl_ctl_decode_trace(const void *payload, size_t len, struct sl_ctl_trace *out)
{
	if (len != sizeof(*out))
		return -EINVAL;
	memcpy(out, payload, sizeof(*out));
	if (out->count == 0 || out->count > SL_TRACE_COUNT_MAX)
		return -EINVAL;
	return 0;
}

int sl_ctl_decode_reply(const void *payload, size_t len, struct sl_ctl_reply *r, const void **recs)
{
	if (len < sizeof(*r))
		return -EINVAL;
	memcpy(r, payload, sizeof(*r));
	r->msg[sizeof(r->msg) - 1] = '\0';
	if (r->status > 0 || (r->n > 0 && r->rec_size == 0) ||
		(uint64_t)r->n * r->rec_size != len - sizeof(*r))
		return -EINVAL;
	*recs = (const uint8_t *)payload + sizeof(*r);
	return 0;
}
