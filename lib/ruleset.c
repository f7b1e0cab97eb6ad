// SPDX-License-Identifier: MIT
/*
 * The ruleset in user space: ordered entries with stable handles, the policy
 * and the generation. Pure: commands edit memory; the commit puts it in maps.
 *
 * Every call that fails leaves the ruleset as it was: each command checks
 * and allocates first and changes the ruleset last.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "rule_print.h"
#include "ruleset.h"

__attribute__((format(printf, 3, 4)))
static int fail(struct xw_err *err, int ret, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return ret;
	err->col = -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return ret;
}

void xw_ruleset_init(struct xw_ruleset *rs)
{
	memset(rs, 0, sizeof(*rs));
	rs->policy = XW_ACT_ACCEPT;
	rs->next_handle = 1;
}

void xw_ruleset_free(struct xw_ruleset *rs)
{
	free(rs->v);
	rs->v = NULL;
	rs->n = 0;
	rs->cap = 0;
}

int xw_ruleset_copy(struct xw_ruleset *dst, const struct xw_ruleset *src)
{
	struct xw_entry *v = NULL;

	/* room for the few entries one command adds, so editing a copy of a
	 * large ruleset does not copy it a second time */
	size_t cap = src->n + 64;

	v = malloc(cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (src->n)
		memcpy(v, src->v, src->n * sizeof(*v));
	*dst = *src;
	dst->v = v;
	dst->cap = cap;
	return 0;
}

long xw_ruleset_find(const struct xw_ruleset *rs, uint64_t handle)
{
	size_t i;

	for (i = 0; i < rs->n; i++)
		if (rs->v[i].rule.handle == handle)
			return (long)i;
	return -ENOENT;
}

/* Room for one more entry. */
static int reserve(struct xw_ruleset *rs, struct xw_err *err)
{
	struct xw_entry *v;
	size_t cap;

	if (rs->n >= XW_MAX_RULES)
		return fail(err, -ENOSPC, "ruleset full: at most %u rules", XW_MAX_RULES);
	if (rs->n < rs->cap)
		return 0;
	cap = rs->cap ? rs->cap * 2 : 16;
	if (cap > XW_MAX_RULES)
		cap = XW_MAX_RULES;
	v = realloc(rs->v, cap * sizeof(*v));
	if (!v)
		return fail(err, -ENOMEM, "out of memory for %zu rules", cap);
	rs->v = v;
	rs->cap = cap;
	return 0;
}

static void new_entry(struct xw_entry *e, const struct xw_rule *r, uint64_t handle)
{
	memset(e, 0, sizeof(*e));
	e->rule = *r;
	e->rule.handle = handle;
	e->rid = XW_RID_NONE;
	e->prio = 0;
	e->in_tree = 0;
}

static uint64_t take_handle(struct xw_ruleset *rs)
{
	if (rs->next_handle == 0) /* a zeroed struct: handles start at 1 */
		rs->next_handle = 1;
	return rs->next_handle++;
}

/* del-rule RULE: the first entry whose canonical text equals the rule's,
 * comment included (the whole text list-rules shows). */
static long find_by_text(const struct xw_ruleset *rs, const struct xw_rule *r, char *want,
			 struct xw_err *err)
{
	char have[XW_RULE_TEXT_MAX];
	size_t i;
	int len;

	len = xw_rule_format(r, want, XW_RULE_TEXT_MAX);
	if (len < 0 || len >= XW_RULE_TEXT_MAX)
		return fail(err, -EINVAL, "rule cannot be printed");
	for (i = 0; i < rs->n; i++) {
		len = xw_rule_format(&rs->v[i].rule, have, sizeof(have));
		if (len >= 0 && len < XW_RULE_TEXT_MAX && !strcmp(have, want))
			return (long)i;
	}
	return -ENOENT;
}

int xw_ruleset_apply_cmd(struct xw_ruleset *rs, const struct xw_cmd *cmd,
			 uint64_t *handle_out, struct xw_err *err)
{
	char text[XW_RULE_TEXT_MAX];
	uint64_t h = 0;
	long idx = 0;
	int ret;

	switch (cmd->kind) {
	case XW_CMD_NONE:
		break;
	case XW_CMD_ADD:
		ret = reserve(rs, err);
		if (ret)
			return ret;
		h = take_handle(rs);
		new_entry(&rs->v[rs->n++], &cmd->rule, h);
		break;
	case XW_CMD_INSERT:
		if (cmd->handle) {
			idx = xw_ruleset_find(rs, cmd->handle);
			if (idx < 0)
				return fail(err, -ENOENT, "no rule with handle %llu",
					    (unsigned long long)cmd->handle);
		}
		ret = reserve(rs, err);
		if (ret)
			return ret;
		memmove(&rs->v[idx + 1], &rs->v[idx], (rs->n - (size_t)idx) * sizeof(rs->v[0]));
		h = take_handle(rs);
		new_entry(&rs->v[idx], &cmd->rule, h);
		rs->n++;
		break;
	case XW_CMD_REPLACE:
		/* same handle and place, new content: a new entry for the commit */
		idx = xw_ruleset_find(rs, cmd->handle);
		if (idx < 0)
			return fail(err, -ENOENT, "no rule with handle %llu",
				    (unsigned long long)cmd->handle);
		h = cmd->handle;
		new_entry(&rs->v[idx], &cmd->rule, h);
		break;
	case XW_CMD_DELETE:
		if (cmd->has_rule) {
			idx = find_by_text(rs, &cmd->rule, text, err);
			if (idx == -EINVAL)
				return -EINVAL;
			if (idx < 0)
				return fail(err, -ENOENT, "no rule matches '%.200s'", text);
		} else {
			idx = xw_ruleset_find(rs, cmd->handle);
			if (idx < 0)
				return fail(err, -ENOENT, "no rule with handle %llu",
					    (unsigned long long)cmd->handle);
		}
		h = rs->v[idx].rule.handle;
		memmove(&rs->v[idx], &rs->v[idx + 1], (rs->n - (size_t)idx - 1) * sizeof(rs->v[0]));
		rs->n--;
		break;
	case XW_CMD_FLUSH:
		rs->n = 0;
		break;
	case XW_CMD_POLICY:
		if (cmd->policy != XW_ACT_ACCEPT && cmd->policy != XW_ACT_DROP)
			return fail(err, -EINVAL, "bad policy %u (accept or drop)", cmd->policy);
		rs->policy = cmd->policy;
		break;
	default:
		return fail(err, -EINVAL, "unknown command kind %d", (int)cmd->kind);
	}
	if (handle_out)
		*handle_out = h;
	return 0;
}

/* err->msg = "line N: " + err->msg */
static void prefix_line(struct xw_err *err, unsigned long lineno)
{
	char msg[XW_ERR_MAX];
	size_t len;
	int n;

	if (!err)
		return;
	n = snprintf(msg, sizeof(msg), "line %lu: ", lineno);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return;
	len = strnlen(err->msg, sizeof(err->msg));
	if (len > sizeof(msg) - (size_t)n - 1)
		len = sizeof(msg) - (size_t)n - 1;
	memcpy(msg + n, err->msg, len);
	msg[n + len] = '\0';
	memcpy(err->msg, msg, sizeof(msg));
}

int xw_ruleset_read_file(const struct xw_ruleset *rs, FILE *f, struct xw_ruleset *out,
			 struct xw_err *err)
{
	struct xw_ruleset next;
	unsigned long lineno = 0;
	struct xw_cmd *cmd;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int ret = 0;

	cmd = malloc(sizeof(*cmd));
	if (!cmd)
		return fail(err, -ENOMEM, "out of memory");
	xw_ruleset_init(&next);
	next.policy = rs->policy;
	next.generation = rs->generation;
	next.next_handle = rs->next_handle ? rs->next_handle : 1;

	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (memchr(line, '\0', (size_t)len)) {
			ret = fail(err, -EINVAL, "line %lu: NUL byte in line", lineno);
			goto out_free;
		}
		ret = xw_cmd_parse_line(line, cmd, err);
		if (!ret)
			ret = xw_ruleset_apply_cmd(&next, cmd, NULL, err);
		if (ret) {
			prefix_line(err, lineno);
			goto out_free;
		}
	}
	if (ferror(f)) {
		ret = fail(err, -EIO, "read error after line %lu", lineno);
		goto out_free;
	}
	free(line);
	free(cmd);
	*out = next;
	return 0;

out_free:
	free(line);
	free(cmd);
	xw_ruleset_free(&next);
	return ret;
}

int xw_ruleset_write_file(const struct xw_ruleset *rs, FILE *f)
{
	char text[XW_RULE_TEXT_MAX];
	size_t i;
	int len;

	if (fprintf(f, "policy %s\n", xw_action_name(rs->policy)) < 0)
		return -EIO;
	for (i = 0; i < rs->n; i++) {
		len = xw_rule_format(&rs->v[i].rule, text, sizeof(text));
		if (len < 0)
			return len;
		if ((size_t)len >= sizeof(text))
			return -E2BIG;
		if (fprintf(f, "add-rule %s\n", text) < 0)
			return -EIO;
	}
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}
