/* SPDX-License-Identifier: BSD-3-Clause */
/* Private: the DPDK backend's control operations; context = struct live *. */
#ifndef SL_DP_BACKEND_DP_H
#define SL_DP_BACKEND_DP_H

#include <sluice/backend.h>

#include "live.h"

extern const struct sl_backend_ops sl_backend_dp_ops;

#endif
