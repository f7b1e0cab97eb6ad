/* SPDX-License-Identifier: MIT */
/* The interfaces the agent keeps the program on: attach (libxdp dispatcher,
 * else direct), adopt what already runs it, forget what disappears, and keep
 * the xw_ifnames map (ifindex -> name) in step. */
#ifndef XW_AGENT_IFACE_H
#define XW_AGENT_IFACE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct xw_ifaces;

/* prog_fd: the pinned program (kept open by the caller for the table's life).
 * pin_root: where xw_ifnames is pinned. */
int xw_ifaces_new(struct xw_ifaces **t, int prog_fd, const char *pin_root);
/* Forget every interface. Never detaches: the firewall fails static. */
void xw_ifaces_free(struct xw_ifaces *t);

/* The configuration to follow (kept by pointer; call xw_ifaces_reconcile after
 * changing it). */
void xw_ifaces_set_config(struct xw_ifaces *t, const struct xw_agent_config *cfg);

/* A link exists (RTM_NEWLINK, or a line of a full dump): learn it, follow a
 * rename, attach it if it matches the configuration and does not run the
 * program yet. */
void xw_ifaces_link_new(struct xw_ifaces *t, int ifindex, const char *name);
/* A link is gone (RTM_DELLINK): forget it. */
void xw_ifaces_link_del(struct xw_ifaces *t, int ifindex);

/* Full resync: begin, then xw_ifaces_link_new for every link that exists,
 * then end, which forgets every link not seen and drops stale xw_ifnames
 * entries. */
void xw_ifaces_resync_begin(struct xw_ifaces *t);
void xw_ifaces_resync_end(struct xw_ifaces *t);

/* After a configuration change (SIGHUP): attach what newly matches, detach
 * what the agent managed and no longer matches. */
void xw_ifaces_reconcile(struct xw_ifaces *t);

/* Failed attaches are retried: is one pending, and retry them (every second). */
bool xw_ifaces_retry_pending(const struct xw_ifaces *t);
void xw_ifaces_retry(struct xw_ifaces *t);

/* Interfaces that run the program now. */
unsigned xw_ifaces_attached(const struct xw_ifaces *t);
/* Log configured plain names (not globs) that no interface has yet: the agent
 * waits for them and attaches when they appear. */
void xw_ifaces_log_missing(const struct xw_ifaces *t);

/* xdpwalld --detach: take the program (prog_fd) off every interface of this
 * network namespace that runs it, directly or in libxdp's dispatcher. Their
 * xw_ifnames entries stay until the next agent's resync drops them.
 * Returns 0 or the first -errno (after trying every interface). */
int xw_ifaces_detach_all(int prog_fd);

#endif
