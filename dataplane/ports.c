/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "boot.h"
#include "live.h"

#define RX_DESC 1024
#define TX_DESC 1024

static uint16_t port_mtu(const struct sl_iface_table *t, uint16_t port)
{
	uint16_t mtu = 0;

	for (unsigned int i = 0; i < t->n_ifaces; i++)
		if (t->ifaces[i].port == port && t->ifaces[i].mtu > mtu)
			mtu = t->ifaces[i].mtu;
	return mtu;
}

static int port_start(struct live *lv, struct sl_port *sp, struct rte_mempool *pool)
{
	struct sl_iface_table *t = &lv->dp->ifs;
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	struct rte_ether_addr mac;
	uint16_t pid, nrxq, ntxq, mtu = port_mtu(t, sp->id);
	bool promisc = false;
	int rc;

	if (rte_eth_dev_get_port_by_name(sp->device, &pid) != 0) {
		fprintf(stderr,
			"sluice-dp: device '%s' not found: pass it to EAL (--vdev %s,... for a "
			"virtual "
			"device, -a PCI-ADDR for a NIC bound to vfio-pci)\n",
			sp->device, sp->device);
		return -ENODEV;
	}
	sp->eth_port = pid;
	rc = rte_eth_dev_info_get(pid, &info);
	if (rc < 0)
		return rc;
	nrxq = (uint16_t)RTE_MIN(lv->n_workers, info.max_rx_queues);
	ntxq = (uint16_t)lv->n_workers;
	if (ntxq > info.max_tx_queues) {
		fprintf(stderr,
			"sluice-dp: device '%s' has %u TX queues, %u workers need one each "
			"(net_af_packet: add qpairs=%u to its --vdev)\n",
			sp->device, info.max_tx_queues, ntxq, ntxq);
		return -EINVAL;
	}
	if (nrxq > 1 && info.flow_type_rss_offloads) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf =
			info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
	}
	if (mtu >= info.min_mtu && mtu <= info.max_mtu)
		conf.rxmode.mtu = mtu;
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MBUF_FAST_FREE;
	rc = rte_eth_dev_configure(pid, nrxq, ntxq, &conf);
	if (rc < 0) {
		fprintf(stderr, "sluice-dp: %s: configure: %s\n", sp->device, strerror(-rc));
		return rc;
	}
	for (uint16_t q = 0; q < nrxq; q++) {
		rc = rte_eth_rx_queue_setup(
			pid, q, RX_DESC, rte_eth_dev_socket_id(pid), NULL, pool);
		if (rc < 0) {
			fprintf(stderr, "sluice-dp: %s: rx queue %u: %s\n", sp->device, q,
				strerror(-rc));
			return rc;
		}
		/* spread the port's queues over the workers */
		struct live_worker *lw = lv->workers[(sp->id + q) % lv->n_workers];
		if (lw->n_rxq < LIVE_RXQ_MAX)
			lw->rxq[lw->n_rxq++] =
				(struct live_rxq){.port = sp->id, .eth_port = pid, .queue = q};
	}
	for (uint16_t q = 0; q < ntxq; q++) {
		struct rte_eth_txconf txc = info.default_txconf;
		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_tx_queue_setup(pid, q, TX_DESC, rte_eth_dev_socket_id(pid), &txc);
		if (rc < 0) {
			fprintf(stderr, "sluice-dp: %s: tx queue %u: %s\n", sp->device, q,
				strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_macaddr_get(pid, &mac);
	if (rc < 0)
		return rc;
	for (unsigned int i = 0; i < t->n_ifaces; i++) {
		struct sl_iface *ifc = &t->ifaces[i];
		if (ifc->port != sp->id)
			continue;
		if (!ifc->has_mac) {
			sl_iface_set_mac(ifc, (const struct sl_mac *)mac.addr_bytes);
		} else if (memcmp(ifc->mac.b, mac.addr_bytes, 6) != 0) {
			/* a configured MAC: make it the port's, or listen for it */
			if (rte_eth_dev_default_mac_addr_set(
				    pid, (struct rte_ether_addr *)ifc->mac.b) == 0)
				memcpy(mac.addr_bytes, ifc->mac.b, 6);
			else
				promisc = true;
		}
	}
	rc = rte_eth_dev_start(pid);
	if (rc < 0) {
		fprintf(stderr, "sluice-dp: %s: start: %s\n", sp->device, strerror(-rc));
		return rc;
	}
	if (promisc)
		rte_eth_promiscuous_enable(pid);
	rte_eth_allmulticast_enable(pid);
	return 0;
}

int live_ports_start(struct live *lv, struct rte_mempool *pool)
{
	struct sl_iface_table *t = &lv->dp->ifs;
	int rc;

	for (unsigned int p = 0; p < t->n_ports; p++) {
		rc = port_start(lv, &t->ports[p], pool);
		if (rc < 0)
			return rc;
	}
	/* interfaces have MACs now: their link-local addresses too */
	for (unsigned int w = 0; w < lv->n_workers; w++) {
		struct live_worker *lw = lv->workers[w];
		for (unsigned int p = 0; p < t->n_ports; p++) {
			lw->txb[p] = rte_zmalloc_socket(
				"txb", RTE_ETH_TX_BUFFER_SIZE(SL_BURST), 0, SOCKET_ID_ANY);
			if (lw->txb[p] == NULL)
				return -ENOMEM;
			rte_eth_tx_buffer_init(lw->txb[p], SL_BURST);
		}
	}
	return 0;
}

void live_ports_stop(struct live *lv)
{
	struct sl_iface_table *t = &lv->dp->ifs;

	for (unsigned int p = 0; p < t->n_ports; p++) {
		rte_eth_dev_stop(t->ports[p].eth_port);
		rte_eth_dev_close(t->ports[p].eth_port);
	}
}
