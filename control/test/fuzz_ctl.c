/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target for the control protocol's decoders (what a server does with
 * bytes from a socket): the header check, then APPLY / SHOW / TRACE / REPLY
 * decoding. Built as a libFuzzer target with -DSL_LIBFUZZER; otherwise main()
 * is a deterministic smoke run: valid messages mutated at random (bit flips,
 * truncation, overwritten words), so the suite catches crashes without clang.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sluice/ctl.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_ctl_hdr h;
	char err[SL_CTL_MSGLEN];
	const uint8_t *p = data + sizeof(h);
	size_t len;

	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	h.magic = SL_CTL_MAGIC; /* get past the first check more often */
	h.version = SL_CTL_VERSION;
	if (sl_ctl_hdr_check(&h, err, sizeof(err)) < 0)
		return 0;
	len = size - sizeof(h);
	switch (h.type % 6) {
	case 0: {
		struct sl_cmd_list l;
		if (sl_ctl_decode_apply(p, len, &l, err, sizeof(err)) == 0) {
			/* whatever passes must be something the grammar can print */
			char text[SL_LINE_MAX];
			for (unsigned int i = 0; i < l.n; i++)
				if (sl_cmd_format(&l.cmds[i], text, sizeof(text)) < 0)
					abort();
			sl_cmd_list_free(&l);
		}
		break;
	}
	case 1: {
		struct sl_ctl_show s;
		sl_ctl_decode_show(p, len, &s);
		break;
	}
	case 2: {
		struct sl_ctl_trace t;
		if (sl_ctl_decode_trace(p, len, &t) == 0 &&
			(t.count == 0 || t.count > SL_TRACE_COUNT_MAX))
			abort();
		break;
	}
	default: {
		struct sl_ctl_reply r;
		const void *recs;
		if (sl_ctl_decode_reply(p, len, &r, &recs) == 0) {
			volatile uint8_t x = 0;
			/* records must lie inside the payload */
			for (size_t i = 0; i < (size_t)r.n * r.rec_size; i++)
				x ^= ((const uint8_t *)recs)[i];
			if (strlen(r.msg) >= SL_CTL_MSGLEN)
				abort();
		}
		break;
	}
	}
	return 0;
}

#ifndef SL_LIBFUZZER
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void seed_apply(struct sl_ctl_buf *b)
{
	const char *lines[] = {"interface lan0 device net_null0 address 192.168.1.1/24 mac "
			       "02:00:00:00:01:01",
		"route add 10.0.0.0/8 via 192.168.1.254 dev lan0", "route del 2001:db8::/32",
		"neighbor add fd00::2 lladdr 02:00:00:00:00:02 dev lan0",
		"route add 10.1.0.0/16 dev lan0 proto kernel", "nat pool add 203.0.113.2/32"};
	struct sl_cmd_list l = {0};

	for (unsigned int i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct sl_cmd c;
		if (sl_cmd_parse_line(lines[i], &c, NULL, 0) == 0)
			sl_cmd_list_append(&l, &c, i + 1);
	}
	sl_ctl_encode_apply(b, 1, &l);
	sl_cmd_list_free(&l);
}

int main(int argc, char **argv)
{
	unsigned long iters = argc > 1 ? strtoul(argv[1], NULL, 10) : 200000;
	struct sl_ctl_buf seeds[5] = {{0}};
	struct sl_ctl_route_rec rr[4] = {0};
	uint8_t *m = malloc(1 << 16);

	seed_apply(&seeds[0]);
	sl_ctl_encode_show(&seeds[1], 2, SL_SHOW_ROUTES);
	sl_ctl_encode_trace(&seeds[2], 3, 10, 100);
	sl_ctl_encode_reply(&seeds[3], 4, 0, "hi", rr, 4, sizeof(rr[0]));
	sl_ctl_encode_reply(&seeds[4], 5, -22, "line 2: bad", NULL, 0, 0);
	for (unsigned long it = 0; it < iters; it++) {
		const struct sl_ctl_buf *s = &seeds[rnd() % 5];
		size_t len = s->len, flips = rnd() % 8;
		struct sl_ctl_hdr *h = (struct sl_ctl_hdr *)m;

		if (len > (1 << 16))
			len = 1 << 16;
		memcpy(m, s->data, len);
		for (size_t k = 0; k < flips; k++) {
			size_t at = rnd() % len;
			switch (rnd() % 3) {
			case 0:
				m[at] ^= (uint8_t)(1u << (rnd() % 8));
				break;
			case 1:
				m[at] = (uint8_t)rnd();
				break;
			default:
				if (at + 4 <= len) {
					uint32_t v = (uint32_t)rnd();
					memcpy(m + at, &v, 4);
				}
			}
		}
		if (rnd() % 4 == 0)
			len = rnd() % (len + 1);
		/* the type decides the decoder: keep it mostly right */
		if (len >= sizeof(*h) && rnd() % 2)
			h->type = ((const struct sl_ctl_hdr *)s->data)->type == SL_CTL_APPLY   ? 0
				  : ((const struct sl_ctl_hdr *)s->data)->type == SL_CTL_SHOW  ? 1
				  : ((const struct sl_ctl_hdr *)s->data)->type == SL_CTL_TRACE ? 2
											       : 3;
		LLVMFuzzerTestOneInput(m, len);
	}
	for (int i = 0; i < 5; i++)
		sl_ctl_buf_free(&seeds[i]);
	free(m);
	printf("fuzz-ctl smoke: %lu inputs, 1 passed, 0 failed\n", iters);
	return 0;
}
#endif
