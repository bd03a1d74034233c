/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to sluicectl: rendering of show/trace replies, human or JSON. */
#ifndef SL_CTL_SHOW_H
#define SL_CTL_SHOW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Print @p n records of `show WHAT` (or SL_SHOW_TRACE) as aligned columns or one JSON document. */
void sl_ctl_print(FILE *f, uint32_t what, bool json, const void *recs, uint32_t n);

#endif
