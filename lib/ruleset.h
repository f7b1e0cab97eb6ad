/* SPDX-License-Identifier: MIT */
/* An ordered ruleset in user space: rules with handles, the policy and the
 * generation. Pure: commands edit it in memory; commit.c puts it in the maps. */
#ifndef XW_LIB_RULESET_H
#define XW_LIB_RULESET_H

#include <stdio.h>
#include "rule.h"
#include "rule_parse.h"

struct xw_entry {
	struct xw_rule rule; /* rule.handle is the entry's handle */
	uint32_t rid;        /* rule id in the kernel (counters); XW_RID_NONE until committed */
	uint32_t prio;       /* position key in the kernel; assigned at commit */
	uint8_t in_tree;     /* compiled into the current tree slot (else a side rule) */
};
#define XW_RID_NONE 0xffffffffu

struct xw_ruleset {
	uint8_t policy;        /* XW_ACT_ACCEPT (default) or XW_ACT_DROP */
	uint64_t generation;   /* bumped by every commit */
	uint64_t next_handle;  /* first handle is 1 */
	size_t n, cap;
	struct xw_entry *v;    /* in rule order */
};

void xw_ruleset_init(struct xw_ruleset *rs);
void xw_ruleset_free(struct xw_ruleset *rs);
/* Deep copy (for transactions: edit the copy, commit, then swap). dst is
 * overwritten, not freed first. -ENOMEM leaves dst untouched. */
int xw_ruleset_copy(struct xw_ruleset *dst, const struct xw_ruleset *src);

/* Index of the entry with this handle, or -ENOENT. */
long xw_ruleset_find(const struct xw_ruleset *rs, uint64_t handle);

/* Apply one parsed command; a new rule gets handle next_handle++.
 * *handle_out (may be NULL) receives the handle added/replaced/deleted.
 * Returns 0, -ENOENT (unknown handle or no such rule), -ENOSPC (capacity),
 * with err filled. A failed call leaves rs unchanged.
 * - Added and inserted entries get rid = XW_RID_NONE, prio = 0, in_tree = 0
 *   (the commit fills them in). insert-rule without a handle goes to the top.
 * - replace-rule keeps the handle and the place; the entry is new otherwise
 *   (rid = XW_RID_NONE, prio = 0, in_tree = 0: its counters start afresh).
 * - del-rule RULE deletes the first entry whose canonical text
 *   (xw_rule_format) equals the rule's, the comment included: the exact text
 *   list-rules and save show. A rule that differs only in its comment is not
 *   deleted (-ENOENT).
 * - More than XW_MAX_RULES entries: -ENOSPC, "ruleset full: at most N rules". */
int xw_ruleset_apply_cmd(struct xw_ruleset *rs, const struct xw_cmd *cmd,
			 uint64_t *handle_out, struct xw_err *err);

/* apply -f: read a rule file into a fresh ruleset (empty, policy from rs),
 * handles continuing from rs->next_handle, generation copied from rs (the
 * commit bumps it). A 'policy' line sets the new ruleset's policy. Stops at
 * the first bad line: returns -EINVAL (or the -ENOENT/-ENOSPC of the command
 * on that line) with err->msg prefixed "line N: " (N counts from 1) and *out
 * untouched; on success *out is overwritten without being freed first (pass
 * an unused struct) and the caller frees it with xw_ruleset_free().
 * An empty file, or one with only blank and comment lines, gives an empty
 * ruleset with rs's policy: applying it flushes every rule. */
int xw_ruleset_read_file(const struct xw_ruleset *rs, FILE *f, struct xw_ruleset *out,
			 struct xw_err *err);

/* save: "policy X\n" then one "add-rule ...\n" per rule, in order.
 * Returns 0, or -EIO when writing fails. */
int xw_ruleset_write_file(const struct xw_ruleset *rs, FILE *f);

#endif
