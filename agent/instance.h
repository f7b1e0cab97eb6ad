/* SPDX-License-Identifier: MIT */
/* One agent per pin root: an flock on the pin root directory, and the pid file. */
#ifndef XW_AGENT_INSTANCE_H
#define XW_AGENT_INSTANCE_H

#include "paths.h"

/* Take the agent lock: flock(LOCK_EX | LOCK_NB) on paths->pin_root (which must
 * exist). Returns the locked fd (hold it for the agent's life), or -EBUSY when
 * another agent holds it (logged with that agent's pid), or -errno. */
int xw_instance_lock(const struct xw_paths *paths);

/* Write our pid to run_dir/xdpwalld.pid (creating run_dir); remove it on a
 * clean exit (only if it still holds our pid). */
int xw_pidfile_write(const struct xw_paths *paths);
void xw_pidfile_remove(const struct xw_paths *paths);

#endif
