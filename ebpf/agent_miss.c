/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include <bpf/bpf.h>

#include "agent_miss.h"

int sl_miss_open(uint32_t ifindex)
{
	/* received IPv4/IPv6 only, first 128 bytes (Ethernet + IP header) */
	static struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OUTGOING, 3, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IP, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ETH_P_IPV6, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 128),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};
	struct sockaddr_ll sll = {.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = (int)ifindex};
	int rcvbuf = 256 * 1024;
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	/* filter before bind: nothing unfiltered is queued */
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ||
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf)) < 0 ||
		bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		int rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static bool lookup(const struct sl_xdp *x, const uint8_t *ip, bool v6, struct sl_miss *m)
{
	struct sl_xdp_nexthop nh;
	struct sl_xdp_neigh_key nk = {0};
	struct sl_xdp_neigh nv;
	int rc;

	if (v6) {
		struct sl_xdp_fib6_key k = {.prefixlen = 128};
		memcpy(k.addr, ip, 16);
		rc = bpf_map_lookup_elem(sl_xdp_map_fd(x, "sl_fib6"), &k, &nh);
	} else {
		struct sl_xdp_fib4_key k = {.prefixlen = 32};
		memcpy(&k.addr, ip, 4);
		rc = bpf_map_lookup_elem(sl_xdp_map_fd(x, "sl_fib4"), &k, &nh);
	}
	if (rc || (nh.type != SL_XDP_NH_CONNECTED && nh.type != SL_XDP_NH_GATEWAY))
		return false;
	memset(m, 0, sizeof(*m)); /* the caller hashes all 16 address bytes */
	m->slot = nh.slot;
	m->nh.family = v6 ? SL_AF_INET6 : SL_AF_INET;
	if (nh.type == SL_XDP_NH_GATEWAY)
		memcpy(m->nh.v6, nh.gw, v6 ? 16 : 4);
	else
		memcpy(m->nh.v6, ip, v6 ? 16 : 4);
	nk.slot = nh.slot;
	nk.family = v6 ? 6 : 4;
	memcpy(nk.addr, m->nh.v6, v6 ? 16 : 4);
	return bpf_map_lookup_elem(sl_xdp_map_fd(x, "sl_neigh"), &nk, &nv) != 0;
}

void sl_miss_read(
	int fd, const struct sl_xdp *x, void (*fn)(void *arg, const struct sl_miss *m), void *arg)
{
	uint8_t b[128];

	for (int i = 0; i < 256; i++) {
		ssize_t n = recv(fd, b, sizeof(b), MSG_TRUNC);
		struct sl_miss m;
		uint16_t et;

		if (n < 0)
			return;
		if (n < 14 + 20)
			continue;
		et = (uint16_t)(b[12] << 8 | b[13]);
		if (et == ETH_P_IP && (b[14] >> 4) == 4 && (b[14 + 16] & 0xf0) != 0xe0 &&
			lookup(x, b + 14 + 16, false, &m))
			fn(arg, &m);
		else if (et == ETH_P_IPV6 && n >= 14 + 40 && b[14 + 24] != 0xff &&
			 lookup(x, b + 14 + 24, true, &m))
			fn(arg, &m);
	}
}
