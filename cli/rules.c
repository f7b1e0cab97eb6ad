// SPDX-License-Identifier: MIT
/* fwctl's rule commands: add-rule, insert-rule, replace-rule, del-rule,
 * flush-rules, policy (one edit path), list-rules, apply -f, save.
 *
 * An edit is one transaction: parse (before taking the lock), open the
 * firewall under its lock, copy the committed ruleset, apply the command to
 * the copy, commit (one atomic flip, then persist). -c stops before the commit.
 * A failure at any step leaves the maps and the persisted file unchanged.
 *
 * Readers (list-rules, save, -c) take the same lock: without it they could
 * read the maps and the persisted file on either side of a commit. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fw.h"
#include "rule_parse.h"
#include "rule_print.h"
#include "ruleset.h"

#include "fwctl.h"
#include "output.h"

#define APPLY_INPUT_MAX (1ull << 30) /* bytes of a rule file apply -f reads, at most */

static int fail_xw(const struct fwctl *c, int ret, const struct xw_err *err)
{
	if (err->msg[0])
		return fw_fail(c, FW_EXIT_REJECTED, "%s", err->msg);
	return fw_fail(c, FW_EXIT_REJECTED, "%s", strerror(-ret));
}

/* Under a rejected command line, a caret at the bad token (err->col counts
 * bytes in argv joined by single spaces, the command word included). */
static int fail_xw_argv(const struct fwctl *c, int ret, const struct xw_err *err, int argc,
			char **argv)
{
	size_t len = 0;
	int status = fail_xw(c, ret, err);

	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	if (err->col < 0 || (size_t)err->col >= len || len > 160)
		return status;
	fputs("  ", stderr);
	for (int i = 0; i < argc; i++)
		fprintf(stderr, "%s%s", i ? " " : "", argv[i]);
	fprintf(stderr, "\n  %*s^\n", err->col, "");
	return status;
}

static void warn_restore(const struct fwctl *c, const struct xw_fw *fw)
{
	if (xw_fw_needs_restore(fw))
		fprintf(stderr,
			"fwctl: %s: warning: the maps differ from the persisted ruleset; "
			"showing the persisted one (the agent or the next edit restores it)\n",
			c->cmd);
}

/* What an edit or apply prints: -c "ok", -e the handle; JSON always an object. */
static int print_result(const struct fwctl *c, uint64_t generation, uint64_t handle,
			const size_t *nrules)
{
	out_begin();
	if (c->check) {
		out_bool("check", NULL, true);
		out_text("ok\n");
	} else {
		out_uint("generation", NULL, generation);
	}
	if (nrules)
		out_uint("rules", NULL, *nrules);
	if (c->echo && handle)
		out_uint("handle", "handle %" PRIu64 "\n", handle);
	return fw_done(c);
}

int cmd_edit(struct fwctl *c, int argc, char **argv)
{
	struct xw_err err = { .col = -1 };
	struct xw_ruleset next;
	struct xw_cmd cmd;
	struct xw_fw *fw;
	uint64_t handle = 0, generation;
	int ret, status;

	/* "insert-rule before HANDLE" without a RULE is a missing argument. */
	if (strcmp(argv[0], "insert-rule") == 0 && strcmp(argv[1], "before") == 0 && argc < 4)
		return fw_usage(c, "missing argument");

	ret = xw_cmd_parse_argv(argc, argv, &cmd, &err);
	if (ret)
		return fail_xw_argv(c, ret, &err, argc, argv);

	ret = xw_fw_open(&fw, &c->paths, XW_FW_LOCK);
	if (ret)
		return fw_open_fail(c, ret);

	xw_ruleset_init(&next);
	ret = xw_ruleset_copy(&next, xw_fw_ruleset(fw));
	if (ret) {
		status = fw_fail(c, FW_EXIT_REJECTED, "copying the ruleset: %s", strerror(-ret));
		goto out_close_fw;
	}
	ret = xw_ruleset_apply_cmd(&next, &cmd, &handle, &err);
	if (ret) {
		status = fail_xw(c, ret, &err);
		goto out_free_next;
	}
	if (!c->check) {
		ret = xw_fw_commit(fw, &next, &err);
		if (ret) {
			status = fail_xw(c, ret, &err);
			goto out_free_next;
		}
	}
	generation = next.generation;
	xw_ruleset_free(&next);
	xw_fw_close(fw); /* release the lock before printing to a slow reader */
	return print_result(c, generation, handle, NULL);

out_free_next:
	xw_ruleset_free(&next);
out_close_fw:
	xw_fw_close(fw);
	return status;
}

static unsigned digits(uint64_t v)
{
	unsigned n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static unsigned max_u(unsigned a, unsigned b)
{
	return a > b ? a : b;
}

/* One row of list-rules, collected under the lock and printed after it. */
struct row {
	uint64_t handle;
	struct xw_counter ctr;
	size_t text; /* offset of the rule text in the text buffer */
};

struct text_buf {
	char *s;
	size_t len, cap;
};

static int text_append(struct text_buf *t, const struct xw_rule *r)
{
	int n;

	if (t->cap - t->len < XW_RULE_TEXT_MAX) {
		size_t cap = t->cap ? t->cap * 2 : 1 << 20;
		char *s = realloc(t->s, cap);

		if (!s)
			return -ENOMEM;
		t->s = s;
		t->cap = cap;
	}
	n = xw_rule_format(r, t->s + t->len, XW_RULE_TEXT_MAX);
	if (n < 0)
		n = snprintf(t->s + t->len, XW_RULE_TEXT_MAX, "<unprintable rule>");
	if (n >= (int)XW_RULE_TEXT_MAX)
		n = XW_RULE_TEXT_MAX - 1;
	t->len += (size_t)n + 1;
	return 0;
}

int cmd_list_rules(struct fwctl *c, int argc, char **argv)
{
	char hfmt[32], pfmt[32], bfmt[32];
	unsigned wh = 6, wp = 7, wb = 5;
	struct text_buf texts = { 0 };
	const struct xw_ruleset *rs;
	uint64_t generation;
	struct row *rows;
	uint8_t policy;
	struct xw_fw *fw;
	size_t n;
	int ret, status;

	(void)argc;
	(void)argv;
	ret = xw_fw_open(&fw, &c->paths, XW_FW_LOCK);
	if (ret)
		return fw_open_fail(c, ret);
	warn_restore(c, fw);
	rs = xw_fw_ruleset(fw);
	n = rs->n;
	policy = rs->policy;
	generation = rs->generation;

	/* Under the lock: counters (one batch read) and the rule texts. The
	 * printing comes after the lock is released: a reader that stops
	 * reading (a pager) must not block every edit. */
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		status = fw_fail(c, FW_EXIT_REJECTED, "%s", strerror(ENOMEM));
		goto out_close_fw;
	}
	for (size_t i = 0; i < n; i++) {
		const struct xw_entry *e = &rs->v[i];

		rows[i].handle = e->rule.handle;
		rows[i].text = texts.len;
		if (e->rid != XW_RID_NONE) {
			ret = xw_fw_rule_counter(fw, e->rid, &rows[i].ctr);
			if (ret) {
				status = fw_fail(c, FW_EXIT_REJECTED,
						 "reading the counter of handle %" PRIu64 ": %s",
						 e->rule.handle, strerror(-ret));
				goto out_free_rows;
			}
		}
		if (text_append(&texts, &e->rule)) {
			status = fw_fail(c, FW_EXIT_REJECTED, "%s", strerror(ENOMEM));
			goto out_free_rows;
		}
		wh = max_u(wh, digits(rows[i].handle));
		wp = max_u(wp, digits(rows[i].ctr.packets));
		wb = max_u(wb, digits(rows[i].ctr.bytes));
	}
	xw_fw_close(fw);

	snprintf(hfmt, sizeof(hfmt), "%%%u" PRIu64 "  ", wh);
	snprintf(pfmt, sizeof(pfmt), "%%%u" PRIu64 "  ", wp);
	snprintf(bfmt, sizeof(bfmt), "%%%u" PRIu64 "  ", wb);

	out_begin();
	out_str("policy", "policy %s", xw_action_name(policy));
	out_uint("generation", ", generation %" PRIu64, generation);
	out_uint(NULL, ", %" PRIu64 " rules\n", n);
	if (n)
		out_text("%*s  %*s  %*s  %s\n", (int)wh, "handle", (int)wp, "packets", (int)wb,
			 "bytes", "rule");
	out_arr_begin("rules");
	for (size_t i = 0; i < n; i++) {
		/* Text: handle packets bytes rule (the rule last, it has no width);
		 * JSON: handle rule packets bytes, as design.md shows it. */
		out_obj_begin(NULL);
		out_uint("handle", hfmt, rows[i].handle);
		out_uint(NULL, pfmt, rows[i].ctr.packets);
		out_uint(NULL, bfmt, rows[i].ctr.bytes);
		out_str("rule", "%s\n", texts.s + rows[i].text);
		out_uint("packets", NULL, rows[i].ctr.packets);
		out_uint("bytes", NULL, rows[i].ctr.bytes);
		out_obj_end();
	}
	out_arr_end();
	free(rows);
	free(texts.s);
	return fw_done(c);

out_free_rows:
	free(rows);
	free(texts.s);
out_close_fw:
	xw_fw_close(fw);
	return status;
}

/* The whole input in memory, so that a slow pipe is never read under the lock. */
static int slurp(const char *path, char **buf, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	size_t cap = 1 << 16, n = 0;
	char *b;
	int err = 0;

	if (!f)
		return -errno;
	b = malloc(cap);
	if (!b) {
		err = -ENOMEM;
		goto out_close;
	}
	for (;;) {
		size_t r;

		if (n == cap) {
			char *nb;

			if (cap >= APPLY_INPUT_MAX) {
				err = -EFBIG;
				break;
			}
			nb = realloc(b, cap * 2);
			if (!nb) {
				err = -ENOMEM;
				break;
			}
			b = nb;
			cap *= 2;
		}
		r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f))
				err = -(errno ? errno : EIO);
			break;
		}
	}
	if (err) {
		free(b);
		goto out_close;
	}
	*buf = b;
	*len = n;
out_close:
	if (f != stdin)
		fclose(f);
	return err;
}

int cmd_apply(struct fwctl *c, int argc, char **argv)
{
	struct xw_err err = { .col = -1 };
	struct xw_ruleset next;
	const char *path;
	struct xw_fw *fw;
	uint64_t generation;
	size_t len = 0, nrules;
	char *buf = NULL;
	FILE *f;
	int ret, status;

	(void)argc;
	if (strcmp(argv[1], "-f") != 0)
		return fw_usage(c, "expected -f FILE, got '%s'", argv[1]);
	path = argv[2];

	ret = slurp(path, &buf, &len);
	if (ret == -EFBIG)
		return fw_fail(c, FW_EXIT_REJECTED, "%s: larger than %llu bytes", path,
			       APPLY_INPUT_MAX);
	if (ret)
		return fw_fail(c, FW_EXIT_REJECTED, "%s: %s", path, strerror(-ret));
	f = fmemopen(buf, len, "r");
	if (!f) {
		status = fw_fail(c, FW_EXIT_REJECTED, "%s: %s", path, strerror(errno));
		goto out_free_buf;
	}

	ret = xw_fw_open(&fw, &c->paths, XW_FW_LOCK);
	if (ret) {
		status = fw_open_fail(c, ret);
		goto out_close_f;
	}
	xw_ruleset_init(&next);
	ret = xw_ruleset_read_file(xw_fw_ruleset(fw), f, &next, &err);
	if (ret) {
		if (err.msg[0])
			status = fw_fail(c, FW_EXIT_REJECTED, "%s: %s", path, err.msg);
		else
			status = fw_fail(c, FW_EXIT_REJECTED, "%s: %s", path, strerror(-ret));
		goto out_free_next;
	}
	if (!c->check) {
		ret = xw_fw_commit(fw, &next, &err);
		if (ret) {
			status = fail_xw(c, ret, &err);
			goto out_free_next;
		}
	}
	generation = next.generation;
	nrules = next.n;
	xw_ruleset_free(&next);
	xw_fw_close(fw);
	fclose(f);
	free(buf);
	return print_result(c, generation, 0, &nrules);

out_free_next:
	xw_ruleset_free(&next);
	xw_fw_close(fw);
out_close_f:
	fclose(f);
out_free_buf:
	free(buf);
	return status;
}

/* save FILE: written next to FILE, synced, then renamed over it. */
static int save_to_file(const char *text, size_t len, const char *path)
{
	char tmp[PATH_MAX];
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644) < 0)
		err = -errno;
	for (size_t off = 0; !err && off < len;) {
		ssize_t w = write(fd, text + off, len - off);

		if (w < 0 && errno != EINTR)
			err = -errno;
		else if (w > 0)
			off += (size_t)w;
	}
	if (!err && fsync(fd) < 0)
		err = -errno;
	if (close(fd) < 0 && !err)
		err = -errno;
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/* save -j: the file's lines as a JSON array of strings. */
static void save_json(char *text, size_t len)
{
	char *line, *nl;

	out_arr_begin("lines");
	for (line = text; line < text + len; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(text + len - line));
		if (!nl)
			nl = text + len;
		*nl = '\0';
		out_str(NULL, NULL, line);
	}
	out_arr_end();
}

int cmd_save(struct fwctl *c, int argc, char **argv)
{
	uint64_t generation;
	struct xw_fw *fw;
	char *text = NULL;
	size_t len = 0, n;
	FILE *f;
	int ret;

	ret = xw_fw_open(&fw, &c->paths, XW_FW_LOCK);
	if (ret)
		return fw_open_fail(c, ret);
	warn_restore(c, fw);
	/* The text is made under the lock and written after it (list-rules says why). */
	f = open_memstream(&text, &len);
	if (!f) {
		ret = -errno;
		xw_fw_close(fw);
		return fw_fail(c, FW_EXIT_REJECTED, "%s", strerror(-ret));
	}
	ret = xw_ruleset_write_file(xw_fw_ruleset(fw), f);
	if (fclose(f) == EOF && !ret)
		ret = -errno;
	generation = xw_fw_ruleset(fw)->generation;
	n = xw_fw_ruleset(fw)->n;
	xw_fw_close(fw);
	if (ret) {
		free(text);
		return fw_fail(c, FW_EXIT_REJECTED, "%s", strerror(-ret));
	}

	if (argc > 1) {
		ret = save_to_file(text, len, argv[1]);
		if (ret) {
			free(text);
			return fw_fail(c, FW_EXIT_REJECTED, "%s: %s", argv[1], strerror(-ret));
		}
		out_begin();
		out_str("file", NULL, argv[1]);
		out_uint("generation", NULL, generation);
		out_uint("rules", NULL, n);
	} else {
		out_begin();
		if (out_is_json())
			save_json(text, len);
		else
			fwrite(text, 1, len, stdout);
	}
	free(text);
	return fw_done(c);
}
