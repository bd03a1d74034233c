/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sluice/addr.h>

static unsigned int family_bits(uint8_t family)
{
	return family == SL_AF_INET ? 32 : 128;
}

int sl_ip_parse(const char *s, struct sl_ip *out)
{
	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return -EINVAL;
	/* inet_pton accepts only the canonical dotted quad (no octal, hex or short forms). */
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, out->v6) != 1)
			goto invalid;
		out->family = SL_AF_INET6;
	} else {
		if (inet_pton(AF_INET, s, &out->v4) != 1)
			goto invalid;
		out->family = SL_AF_INET;
	}
	return 0;
invalid:
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

/* Decimal prefix length without sign or leading zeros, at most @p max. */
static int parse_len(const char *s, unsigned int max, uint8_t *len)
{
	unsigned int n = 0;

	if (*s == '\0' || (s[0] == '0' && s[1] != '\0'))
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		n = n * 10 + (unsigned int)(*s - '0');
		if (n > max)
			return -EINVAL;
	}
	*len = (uint8_t)n;
	return 0;
}

int sl_prefix_parse(const char *s, bool strict, struct sl_prefix *out)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash;
	struct sl_prefix masked;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (s == NULL || (slash = strchr(s, '/')) == NULL)
		return -EINVAL;
	n = (size_t)(slash - s);
	if (n >= sizeof(addr))
		return -EINVAL;
	memcpy(addr, s, n);
	addr[n] = '\0';
	if (sl_ip_parse(addr, &out->addr) < 0)
		goto invalid;
	if (parse_len(slash + 1, family_bits(out->addr.family), &out->len) < 0)
		goto invalid;
	if (strict) {
		masked = *out;
		sl_prefix_mask(&masked);
		if (!sl_ip_equal(&masked.addr, &out->addr))
			goto invalid;
	}
	return 0;
invalid:
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int sl_mac_parse(const char *s, struct sl_mac *out)
{
	struct sl_mac m;
	int hi, lo;

	if (s == NULL || strlen(s) != 17)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		const char *p = s + 3 * i;

		hi = hex_digit(p[0]);
		lo = hex_digit(p[1]);
		if (hi < 0 || lo < 0 || (i < 5 && p[2] != ':'))
			return -EINVAL;
		m.b[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = m;
	return 0;
}

char *sl_ip_fmt(const struct sl_ip *ip, char *buf, size_t len)
{
	const char *r = NULL;

	if (len == 0)
		return buf;
	if (ip->family == SL_AF_INET)
		r = inet_ntop(AF_INET, &ip->v4, buf, (socklen_t)len);
	else if (ip->family == SL_AF_INET6)
		r = inet_ntop(AF_INET6, ip->v6, buf, (socklen_t)len);
	if (r == NULL)
		snprintf(buf, len, "?");
	return buf;
}

char *sl_prefix_fmt(const struct sl_prefix *p, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (len == 0)
		return buf;
	snprintf(buf, len, "%s/%u", sl_ip_fmt(&p->addr, ip, sizeof(ip)), p->len);
	return buf;
}

char *sl_mac_fmt(const struct sl_mac *m, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m->b[0], m->b[1], m->b[2], m->b[3],
		m->b[4], m->b[5]);
	return buf;
}

void sl_prefix_mask(struct sl_prefix *p)
{
	unsigned int len = p->len;

	if (p->addr.family == SL_AF_INET) {
		uint32_t mask = len == 0 ? 0 : len >= 32 ? UINT32_MAX : ~(UINT32_MAX >> len);

		p->addr.v4 &= htonl(mask);
	} else if (p->addr.family == SL_AF_INET6) {
		for (unsigned int i = 0; i < 16; i++) {
			if (len >= 8) {
				len -= 8;
				continue;
			}
			p->addr.v6[i] &= (uint8_t)(0xff00u >> len);
			len = 0;
		}
	}
}

bool sl_prefix_bcast4(const struct sl_prefix *p, uint32_t *out)
{
	if (p->addr.family != SL_AF_INET || p->len > 30)
		return false;
	*out = htonl(ntohl(p->addr.v4) | (UINT32_MAX >> p->len));
	return true;
}

bool sl_prefix_net4(const struct sl_prefix *p, uint32_t *out)
{
	if (p->addr.family != SL_AF_INET || p->len > 30)
		return false;
	*out = htonl(ntohl(p->addr.v4) & ~(UINT32_MAX >> p->len));
	return true;
}

const char *sl_onlink_problem(const struct sl_prefix *addrs, unsigned int n, const struct sl_ip *ip)
{
	bool on_link = false;

	if (sl_ip_is_link_local(ip))
		return NULL;
	for (unsigned int i = 0; i < n; i++) {
		const struct sl_prefix *p = &addrs[i];
		struct sl_prefix net = *p;
		uint32_t b;

		if (!sl_prefix_contains(p, ip))
			continue;
		on_link = true;
		if (sl_ip_equal(&p->addr, ip))
			return "is the address of";
		sl_prefix_mask(&net);
		if (p->len < (ip->family == SL_AF_INET ? 31 : 127) && sl_ip_equal(&net.addr, ip))
			return "is a subnet's network address on";
		if (sl_prefix_bcast4(p, &b) && b == ip->v4)
			return "is a subnet's broadcast address on";
	}
	return on_link ? NULL : "is not on a connected subnet of";
}

uint32_t sl_prefix_hash(const struct sl_prefix *p)
{
	const uint8_t *b = p->addr.family == SL_AF_INET ? (const uint8_t *)&p->addr.v4 : p->addr.v6;
	unsigned int n = p->addr.family == SL_AF_INET ? 4 : 16;
	uint32_t h = 2166136261u ^ p->addr.family ^ ((uint32_t)p->len << 8);

	for (unsigned int i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h ^ (h >> 15);
}

bool sl_prefix_equal(const struct sl_prefix *a, const struct sl_prefix *b)
{
	return a->len == b->len && sl_ip_equal(&a->addr, &b->addr);
}

bool sl_ip_is_link_local(const struct sl_ip *ip)
{
	return ip->family == SL_AF_INET6 && ip->v6[0] == 0xfe && (ip->v6[1] & 0xc0) == 0x80;
}

unsigned int sl_addr_routes(const struct sl_prefix *a, struct sl_addr_route out[SL_ADDR_KINDS])
{
	uint8_t max = a->addr.family == SL_AF_INET ? 32 : 128;
	struct sl_prefix host = {.addr = a->addr, .len = max};
	unsigned int n = 0;

	if (a->len < max && !sl_ip_is_link_local(&a->addr)) {
		out[n] = (struct sl_addr_route){.prefix = *a, .kind = SL_ADDR_CONNECTED};
		sl_prefix_mask(&out[n++].prefix);
	}
	out[n++] = (struct sl_addr_route){.prefix = host, .kind = SL_ADDR_LOCAL};
	if (sl_prefix_bcast4(a, &host.addr.v4))
		out[n++] = (struct sl_addr_route){.prefix = host, .kind = SL_ADDR_BROADCAST};
	if (sl_prefix_net4(a, &host.addr.v4))
		out[n++] = (struct sl_addr_route){.prefix = host, .kind = SL_ADDR_NETWORK};
	return n;
}

bool sl_prefix_contains(const struct sl_prefix *p, const struct sl_ip *ip)
{
	struct sl_prefix a = *p, b = {.addr = *ip, .len = p->len};

	if (p->addr.family != ip->family || p->len > family_bits(p->addr.family) ||
		(ip->family != SL_AF_INET && ip->family != SL_AF_INET6))
		return false;
	sl_prefix_mask(&a);
	sl_prefix_mask(&b);
	return sl_ip_equal(&a.addr, &b.addr);
}

bool sl_ip_equal(const struct sl_ip *a, const struct sl_ip *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == SL_AF_INET)
		return a->v4 == b->v4;
	if (a->family == SL_AF_INET6)
		return memcmp(a->v6, b->v6, sizeof(a->v6)) == 0;
	return true;
}
