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
/* Deep copy (for transactions: edit the copy, commit, then swap). */
int xw_ruleset_copy(struct xw_ruleset *dst, const struct xw_ruleset *src);

/* Index of the entry with this handle, or -ENOENT. */
long xw_ruleset_find(const struct xw_ruleset *rs, uint64_t handle);

/* Apply one parsed command; a new rule gets handle next_handle++.
 * *handle_out (may be NULL) receives the handle added/replaced/deleted.
 * Returns 0, -ENOENT (unknown handle or no such rule), -ENOSPC (capacity),
 * with err filled. A failed call leaves rs unchanged. */
int xw_ruleset_apply_cmd(struct xw_ruleset *rs, const struct xw_cmd *cmd,
			 uint64_t *handle_out, struct xw_err *err);

/* apply -f: read a rule file into a fresh ruleset (empty, policy from rs),
 * handles continuing from rs->next_handle. Stops at the first bad line:
 * returns -EINVAL with err->msg prefixed "line N: " and *out untouched.
 * An empty file (no commands) gives an empty ruleset (it flushes). */
int xw_ruleset_read_file(const struct xw_ruleset *rs, FILE *f, struct xw_ruleset *out,
			 struct xw_err *err);

/* save: "policy X\n" then one "add-rule ...\n" per rule, in order. */
int xw_ruleset_write_file(const struct xw_ruleset *rs, FILE *f);

#endif
