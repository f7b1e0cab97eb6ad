/* SPDX-License-Identifier: MIT */
/* Readiness to systemd (Type=notify), without libsystemd. */
#ifndef XW_AGENT_NOTIFY_H
#define XW_AGENT_NOTIFY_H

/* Send state ("READY=1", "STOPPING=1", ...) to $NOTIFY_SOCKET if it is set.
 * Returns 0 (also when not under systemd) or -errno. */
int xw_sd_notify(const char *state);

#endif
