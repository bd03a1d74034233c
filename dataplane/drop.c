/* SPDX-License-Identifier: BSD-3-Clause */
#include <sluice/drop.h>

static const char *const names[] = {
#define SL_X_NAME(e, n, d) n,
	SL_DROP_REASONS(SL_X_NAME)
#undef SL_X_NAME
};

static const char *const descs[] = {
#define SL_X_DESC(e, n, d) d,
	SL_DROP_REASONS(SL_X_DESC)
#undef SL_X_DESC
};

const char *sl_drop_name(unsigned int reason)
{
	return reason < SL_DROP_MAX ? names[reason] : "?";
}

const char *sl_drop_desc(unsigned int reason)
{
	return reason < SL_DROP_MAX ? descs[reason] : "?";
}
