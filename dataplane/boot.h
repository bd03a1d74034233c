/* SPDX-License-Identifier: BSD-3-Clause */
/* Private: start-up steps shared by live mode and replay. */
#ifndef SL_DP_BOOT_H
#define SL_DP_BOOT_H

#include <stdint.h>

#include <rte_mempool.h>

#include <sluice/config.h>
#include <sluice/dp.h>

/* Largest MTU over a parsed config's interfaces (at least 1500). */
uint16_t boot_max_mtu(const struct sl_cmd_list *l);

/* Buffer data room for frames of @p mtu plus VLAN Ethernet header. */
static inline uint16_t boot_data_room(uint16_t mtu)
{
	uint32_t need = (uint32_t)mtu + 18 + 4;
	if (need < 2048)
		need = 2048;
	return (uint16_t)(need + RTE_PKTMBUF_HEADROOM);
}

/* A packet pool whose buffers carry struct sl_meta. NULL on failure. */
struct rte_mempool *boot_pool(const char *name, unsigned int n, uint16_t mtu);

/* Load and check the config file, create the gateway state and apply it.
 * On error prints "FILE: ..." to stderr and returns -errno. */
int boot_gateway(struct sl_dp *dp, const struct sl_dp_params *p, struct rte_mempool *pool,
	const char *config, struct sl_cmd_list *cmds);

/* Nanoseconds from the TSC (live clock). */
uint64_t boot_now_ns(void);

#endif
