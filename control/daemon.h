/* SPDX-License-Identifier: BSD-3-Clause */
/* Private to sluicectl: the control-plane daemon (control/daemon.c). */
#ifndef SL_DAEMON_H
#define SL_DAEMON_H

/* `sluicectl daemon ARGS`: returns an exit status. */
int sl_daemon_main(const char *ctl_path, int argc, char *argv[]);

#endif
