/* SPDX-License-Identifier: MIT */
/* Where xdpwall keeps its pins, state and runtime files (design.md "Paths"). */
#ifndef XW_LIB_PATHS_H
#define XW_LIB_PATHS_H

#include <limits.h>

#define XW_DEFAULT_PIN_ROOT  "/sys/fs/bpf/xdpwall"
#define XW_DEFAULT_STATE_DIR "/var/lib/xdpwall"
#define XW_DEFAULT_RUN_DIR   "/run/xdpwall"
#define XW_DEFAULT_CONFIG    "/etc/xdpwall/xdpwall.conf"

struct xw_paths {
	char pin_root[PATH_MAX];  /* XDPWALL_PIN_ROOT */
	char state_dir[PATH_MAX]; /* XDPWALL_STATE_DIR: persisted ruleset */
	char run_dir[PATH_MAX];   /* XDPWALL_RUN_DIR: lock, agent pid and interface state */
	char config[PATH_MAX];    /* XDPWALL_CONFIG */
};

/* Defaults, overridden by the environment variables above. */
void xw_paths_default(struct xw_paths *p);

#endif
