/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <sluice/iface.h>

void sl_iface_table_init(struct sl_iface_table *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned int p = 0; p < SL_PORT_MAX; p++) {
		t->ports[p].untagged = SL_IFACE_NONE;
		for (unsigned int v = 0; v < SL_VLAN_MAX; v++)
			t->ports[p].vlan_iface[v] = SL_IFACE_NONE;
	}
}

struct sl_iface *sl_iface_by_name(struct sl_iface_table *t, const char *name)
{
	for (unsigned int i = 0; i < t->n_ifaces; i++)
		if (t->ifaces[i].in_use && strcmp(t->ifaces[i].name, name) == 0)
			return &t->ifaces[i];
	return NULL;
}

static int port_get(struct sl_iface_table *t, const char *device)
{
	unsigned int p;

	for (p = 0; p < t->n_ports; p++)
		if (strcmp(t->ports[p].device, device) == 0)
			return (int)p;
	if (t->n_ports >= SL_PORT_MAX)
		return -ENOSPC;
	p = t->n_ports++;
	t->ports[p].in_use = true;
	t->ports[p].id = (uint16_t)p;
	snprintf(t->ports[p].device, sizeof(t->ports[p].device), "%s", device);
	return (int)p;
}

void sl_iface_set_mac(struct sl_iface *i, const struct sl_mac *mac)
{
	uint8_t *ll = i->ll6;

	i->mac = *mac;
	memset(ll, 0, 16);
	ll[0] = 0xfe;
	ll[1] = 0x80;
	ll[8] = mac->b[0] ^ 0x02;
	ll[9] = mac->b[1];
	ll[10] = mac->b[2];
	ll[11] = 0xff;
	ll[12] = 0xfe;
	ll[13] = mac->b[3];
	ll[14] = mac->b[4];
	ll[15] = mac->b[5];
}

int sl_iface_add(struct sl_iface_table *t, const struct sl_cmd_interface *c, struct sl_iface **out)
{
	struct sl_iface *i;
	struct sl_port *port;
	int p;

	if (sl_iface_by_name(t, c->name))
		return -EEXIST;
	if (t->n_ifaces >= SL_IFACE_MAX)
		return -ENOSPC;
	p = port_get(t, c->device);
	if (p < 0)
		return p;
	port = &t->ports[p];
	if (c->vlan ? port->vlan_iface[c->vlan] != SL_IFACE_NONE : port->untagged != SL_IFACE_NONE)
		return -EEXIST;
	i = &t->ifaces[t->n_ifaces];
	memset(i, 0, sizeof(*i));
	i->in_use = true;
	i->id = t->n_ifaces++;
	i->port = (uint16_t)p;
	i->vlan = c->vlan;
	i->mtu = c->mtu ? c->mtu : 1500;
	i->role = c->role;
	i->n_addrs = c->n_addrs;
	memcpy(i->addrs, c->addrs, sizeof(c->addrs[0]) * c->n_addrs);
	for (unsigned int k = 0; k < i->n_addrs; k++) {
		uint32_t b;
		if (sl_prefix_bcast4(&i->addrs[k], &b)) {
			b = ntohl(b) & 0xffff;
			t->bcast4_bits[b >> 6] |= 1ull << (b & 63);
		}
	}
	snprintf(i->name, sizeof(i->name), "%s", c->name);
	i->has_mac = c->has_mac;
	if (c->has_mac)
		sl_iface_set_mac(i, &c->mac);
	if (c->vlan)
		port->vlan_iface[c->vlan] = i->id;
	else
		port->untagged = i->id;
	port->n_ifaces++;
	if (out)
		*out = i;
	return 0;
}

bool sl_iface_is_bcast4(const struct sl_iface_table *t, uint32_t a)
{
	for (unsigned int i = 0; i < t->n_ifaces; i++) {
		const struct sl_iface *ifc = &t->ifaces[i];
		if (!ifc->in_use)
			continue;
		for (unsigned int k = 0; k < ifc->n_addrs; k++) {
			uint32_t b;
			if (sl_prefix_bcast4(&ifc->addrs[k], &b) && ntohl(b) == a)
				return true;
		}
	}
	return false;
}

int sl_iface_src4(const struct sl_iface *i, uint32_t dst, uint32_t *out)
{
	const struct sl_prefix *first = NULL;
	struct sl_ip d = {.family = SL_AF_INET, .v4 = dst};

	for (unsigned int k = 0; k < i->n_addrs; k++) {
		const struct sl_prefix *a = &i->addrs[k];
		if (a->addr.family != SL_AF_INET)
			continue;
		if (first == NULL)
			first = a;
		if (dst && sl_prefix_contains(a, &d)) {
			*out = a->addr.v4;
			return 0;
		}
	}
	if (first == NULL)
		return -ENOENT;
	*out = first->addr.v4;
	return 0;
}

void sl_iface_src6(
	const struct sl_iface *i, const uint8_t dst[16], bool any_global, uint8_t out[16])
{
	const struct sl_prefix *first = NULL;
	struct sl_ip d = {.family = SL_AF_INET6};

	if (dst)
		memcpy(d.v6, dst, 16);
	for (unsigned int k = 0; k < i->n_addrs; k++) {
		const struct sl_prefix *a = &i->addrs[k];
		if (a->addr.family != SL_AF_INET6 || sl_ip_is_link_local(&a->addr))
			continue;
		if (first == NULL)
			first = a;
		if (dst && sl_prefix_contains(a, &d)) {
			memcpy(out, a->addr.v6, 16);
			return;
		}
	}
	if (any_global && first)
		memcpy(out, first->addr.v6, 16);
	else
		memcpy(out, i->ll6, 16);
}

bool sl_iface_has4(const struct sl_iface *i, uint32_t addr)
{
	for (unsigned int k = 0; k < i->n_addrs; k++)
		if (i->addrs[k].addr.family == SL_AF_INET && i->addrs[k].addr.v4 == addr)
			return true;
	return false;
}

bool sl_iface_has6(const struct sl_iface *i, const uint8_t addr[16])
{
	if (memcmp(i->ll6, addr, 16) == 0)
		return true;
	for (unsigned int k = 0; k < i->n_addrs; k++)
		if (i->addrs[k].addr.family == SL_AF_INET6 &&
			memcmp(i->addrs[k].addr.v6, addr, 16) == 0)
			return true;
	return false;
}
