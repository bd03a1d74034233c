/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include <sluice/pipeline.h>

#include "boot.h"

uint16_t boot_max_mtu(const struct sl_cmd_list *l)
{
	uint16_t mtu = 1500;

	for (unsigned int i = 0; i < l->n; i++)
		if (l->cmds[i].type == SL_CMD_INTERFACE && l->cmds[i].iface.mtu > mtu)
			mtu = l->cmds[i].iface.mtu;
	return mtu;
}

struct rte_mempool *boot_pool(const char *name, unsigned int n, uint16_t mtu)
{
	return rte_pktmbuf_pool_create(name, n, 256, RTE_ALIGN(sizeof(struct sl_meta), 8),
		boot_data_room(mtu), SOCKET_ID_ANY);
}

int boot_gateway(struct sl_dp *dp, const struct sl_dp_params *p, struct rte_mempool *pool,
	const char *config, struct sl_cmd_list *cmds)
{
	char err[SL_ERR_MAX * 2];
	int rc;

	rc = sl_dp_create(dp, p, pool);
	if (rc < 0) {
		fprintf(stderr, "sluice-dp: cannot create gateway state: %s\n", strerror(-rc));
		return rc;
	}
	rc = sl_dp_apply_list(dp, cmds, 0, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s: %s\n", config, err);
		sl_dp_destroy(dp);
		return rc;
	}
	return 0;
}

uint64_t boot_now_ns(void)
{
	static uint64_t hz;

	if (hz == 0)
		hz = rte_get_tsc_hz();
	return (uint64_t)((unsigned __int128)rte_rdtsc() * 1000000000u / hz);
}
