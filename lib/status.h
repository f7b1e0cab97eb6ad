/* SPDX-License-Identifier: MIT */
/* What `fwctl status` shows about the agent and the interfaces, collected from
 * the kernel (and /proc/locks), so it is true whether or not the agent runs.
 * Generation, policy and rule count come from fw.h. */
#ifndef XW_LIB_STATUS_H
#define XW_LIB_STATUS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "paths.h"

/* The agent's pid file, in paths->run_dir. */
#define XW_AGENT_PIDFILE "xdpwalld.pid"

enum xw_xdp_mode {
	XW_XDP_NONE = 0,
	XW_XDP_NATIVE,  /* driver mode */
	XW_XDP_GENERIC, /* skb mode */
	XW_XDP_OFFLOAD, /* hardware */
};

struct xw_iface_status {
	uint32_t ifindex;
	char name[IF_NAMESIZE];
	enum xw_xdp_mode mode;
	uint32_t prog_id;     /* our program */
	bool dispatcher;      /* attached through libxdp's multi-program dispatcher */
	uint32_t attached_id; /* the program the interface runs (the dispatcher's, if so) */
};

struct xw_status {
	bool loaded;       /* the program is pinned under paths->pin_root */
	uint32_t prog_id;  /* its id, 0 if not loaded */
	bool agent_running;
	pid_t agent_pid;   /* if agent_running */
	size_t n_ifaces;   /* interfaces of this network namespace running prog_id */
	struct xw_iface_status *ifaces; /* ascending ifindex */
};

/* Fill st. Interfaces are those of the caller's network namespace. Returns 0
 * (also when nothing is loaded: st->loaded false) or -errno; free with
 * xw_status_free even on error. */
int xw_status_collect(const struct xw_paths *paths, struct xw_status *st);
void xw_status_free(struct xw_status *st);

/* "native", "generic", "offload", "none". */
const char *xw_xdp_mode_name(enum xw_xdp_mode mode);

/* Id of the program pinned at pin_root/prog: 0, -ENOENT, or -errno. */
int xw_prog_pin_id(const char *pin_root, uint32_t *id);

/* Does ifindex run prog_id, directly or in libxdp's dispatcher? Returns 1 and
 * fills out (ifindex, mode, prog_id, dispatcher, attached_id; not name), 0 if
 * not (out->attached_id still says what runs there, 0 for nothing), or -errno
 * (-ENODEV: no such interface). */
int xw_iface_find_prog(int ifindex, uint32_t prog_id, struct xw_iface_status *out);

/* The running agent of these paths: the holder of the lock on the pin root
 * directory (from /proc/locks); where /proc/locks cannot be read, the pid in
 * run_dir/xdpwalld.pid if that process exists. Returns 0 with *pid, or -ESRCH. */
int xw_agent_pid(const struct xw_paths *paths, pid_t *pid);

#endif
