/* SPDX-License-Identifier: MIT */
/* An open firewall: its pinned maps, its persisted ruleset, and the lock that
 * makes every edit a transaction. The one layer of fwctl that touches the kernel. */
#ifndef XW_LIB_FW_H
#define XW_LIB_FW_H

#include "paths.h"
#include "ruleset.h"

struct xw_fw;

#define XW_FW_LOCK 0x1 /* take the exclusive edit lock (needed for xw_fw_commit) */

/* Open the pins under paths->pin_root and the state under paths->state_dir.
 * Returns 0, -ENOENT when the firewall is not loaded (no pins: exit status 3),
 * -EPROTO when the pins have another layout, -EBADMSG when the persisted
 * ruleset files are unreadable (foreign format, damaged), or another negative
 * errno.
 * If the maps and the persisted state disagree (fresh pins after a reboot, or a
 * commit interrupted by a crash), the persisted ruleset is what is loaded and
 * xw_fw_needs_restore() says so. */
int xw_fw_open(struct xw_fw **fw, const struct xw_paths *paths, unsigned flags);
void xw_fw_close(struct xw_fw *fw);

/* The ruleset as committed (read-only; copy it to edit). */
const struct xw_ruleset *xw_fw_ruleset(const struct xw_fw *fw);
bool xw_fw_needs_restore(const struct xw_fw *fw);

/* Make next live (one atomic flip) and durable. On success next's rules move
 * into the firewall (read them with xw_fw_ruleset()); next keeps its header
 * (generation bumped, n, policy, next_handle) but owns no rules any more
 * (v = NULL), and xw_ruleset_free(next) stays correct. On error nothing changed,
 * in the maps or on disk, and next is as it was. */
int xw_fw_commit(struct xw_fw *fw, struct xw_ruleset *next, struct xw_err *err);

/* Put the persisted ruleset into the maps keeping its handles (agent start). */
int xw_fw_restore(struct xw_fw *fw, struct xw_err *err);

/* Counters: per rule (summed over CPUs) and per verdict reason (enum xw_stat). */
int xw_fw_rule_counter(const struct xw_fw *fw, uint32_t rid, struct xw_counter *out);
int xw_fw_stats(const struct xw_fw *fw, struct xw_counter out[XW_STAT_MAX]);
/* Map memory (bpftool's memlock) of all maps, in bytes. */
int xw_fw_memlock(const struct xw_fw *fw, uint64_t *bytes);

#endif
