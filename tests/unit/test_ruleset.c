// SPDX-License-Identifier: MIT
/* The ruleset: handles, every command, apply -f (read_file) and save. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rule_print.h"
#include "ruleset.h"

/* Run one command line on rs; returns what apply_cmd returns. */
static int run(struct xw_ruleset *rs, const char *line, uint64_t *h, struct xw_err *err)
{
	struct xw_cmd cmd;
	int ret = xw_cmd_parse_line(line, &cmd, err);

	if (ret)
		fail_msg("'%s' does not parse: %s", line, err->msg);
	return xw_ruleset_apply_cmd(rs, &cmd, h, err);
}

static uint64_t run_ok(struct xw_ruleset *rs, const char *line)
{
	struct xw_err err = { 0 };
	uint64_t h = 12345;

	if (run(rs, line, &h, &err))
		fail_msg("'%s' failed: %s", line, err.msg);
	return h;
}

/* "h:text|h:text|..." of the ruleset, for compact assertions. */
static const char *dump(const struct xw_ruleset *rs)
{
	static char out[8192];
	char text[XW_RULE_TEXT_MAX];
	size_t i, pos = 0;

	out[0] = '\0';
	for (i = 0; i < rs->n; i++) {
		xw_rule_format(&rs->v[i].rule, text, sizeof(text));
		pos += snprintf(out + pos, sizeof(out) - pos, "%s%llu:%s", i ? "|" : "",
				(unsigned long long)rs->v[i].rule.handle, text);
	}
	return out;
}

static void test_handles(void **state)
{
	struct xw_ruleset rs;
	struct xw_err err = { 0 };
	uint64_t h;

	(void)state;
	xw_ruleset_init(&rs);
	assert_int_equal(rs.policy, XW_ACT_ACCEPT);
	assert_int_equal(rs.next_handle, 1);
	assert_int_equal(rs.n, 0);
	assert_int_equal(run_ok(&rs, "add-rule saddr 10.0.0.1 drop"), 1);
	assert_int_equal(run_ok(&rs, "add-rule saddr 10.0.0.2 drop"), 2);
	assert_int_equal(run_ok(&rs, "add-rule saddr 10.0.0.3 drop"), 3);
	assert_string_equal(dump(&rs), "1:saddr 10.0.0.1 drop|2:saddr 10.0.0.2 drop|"
				       "3:saddr 10.0.0.3 drop");
	/* new entries wait for the commit */
	assert_int_equal(rs.v[0].rid, XW_RID_NONE);
	assert_int_equal(rs.v[0].prio, 0);
	assert_int_equal(rs.v[0].in_tree, 0);
	assert_int_equal(xw_ruleset_find(&rs, 2), 1);
	assert_int_equal(xw_ruleset_find(&rs, 4), -ENOENT);
	assert_int_equal(xw_ruleset_find(&rs, 0), -ENOENT);

	/* delete: handles stay, never reused */
	assert_int_equal(run_ok(&rs, "del-rule 3"), 3);
	assert_int_equal(run_ok(&rs, "add-rule saddr 10.0.0.4 drop"), 4);
	assert_string_equal(dump(&rs), "1:saddr 10.0.0.1 drop|2:saddr 10.0.0.2 drop|"
				       "4:saddr 10.0.0.4 drop");
	assert_int_equal(run_ok(&rs, "del-rule 1"), 1);
	assert_int_equal(run_ok(&rs, "del-rule 4"), 4);
	assert_int_equal(run_ok(&rs, "del-rule 2"), 2);
	assert_int_equal(rs.n, 0);
	assert_int_equal(run_ok(&rs, "add-rule drop"), 5);

	/* unknown handles: -ENOENT, nothing changes */
	assert_int_equal(run(&rs, "del-rule 3", &h, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "3"));
	assert_int_equal(run(&rs, "replace-rule 1 accept", &h, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "1"));
	assert_int_equal(run(&rs, "insert-rule before 99 accept", &h, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "99"));
	assert_string_equal(dump(&rs), "5:drop");
	assert_int_equal(rs.next_handle, 6);

	/* flush keeps the handle counter going */
	run_ok(&rs, "flush-rules");
	assert_int_equal(rs.n, 0);
	assert_int_equal(run_ok(&rs, "add-rule count"), 6);
	xw_ruleset_free(&rs);
}

static void test_insert_replace(void **state)
{
	struct xw_ruleset rs;

	(void)state;
	xw_ruleset_init(&rs);
	run_ok(&rs, "add-rule proto tcp dport 22 accept");  /* 1 */
	run_ok(&rs, "add-rule proto tcp dport 80 accept");  /* 2 */
	assert_int_equal(run_ok(&rs, "insert-rule proto udp drop"), 3);
	assert_string_equal(dump(&rs), "3:proto udp drop|1:proto tcp dport 22 accept|"
				       "2:proto tcp dport 80 accept");
	assert_int_equal(run_ok(&rs, "insert-rule before 2 proto icmp drop"), 4);
	assert_string_equal(dump(&rs), "3:proto udp drop|1:proto tcp dport 22 accept|"
				       "4:proto icmp drop|2:proto tcp dport 80 accept");
	assert_int_equal(run_ok(&rs, "insert-rule before 3 count"), 5);
	assert_string_equal(dump(&rs), "5:count|3:proto udp drop|1:proto tcp dport 22 accept|"
				       "4:proto icmp drop|2:proto tcp dport 80 accept");

	/* replace keeps handle and place, and is a new entry for the commit */
	rs.v[2].rid = 7;
	rs.v[2].prio = 300;
	rs.v[2].in_tree = 1;
	assert_int_equal(run_ok(&rs, "replace-rule 1 proto tcp dport 2222 drop comment \"moved\""),
			 1);
	assert_string_equal(dump(&rs), "5:count|3:proto udp drop|"
				       "1:proto tcp dport 2222 drop comment \"moved\"|"
				       "4:proto icmp drop|2:proto tcp dport 80 accept");
	assert_int_equal(rs.v[2].rid, XW_RID_NONE);
	assert_int_equal(rs.v[2].prio, 0);
	assert_int_equal(rs.v[2].in_tree, 0);
	assert_int_equal(rs.next_handle, 6);
	xw_ruleset_free(&rs);
}

static void test_del_by_text(void **state)
{
	struct xw_ruleset rs;
	struct xw_err err = { 0 };
	uint64_t h;

	(void)state;
	xw_ruleset_init(&rs);
	run_ok(&rs, "add-rule saddr 10.0.0.0/8 proto tcp dport 22,80 drop");      /* 1 */
	run_ok(&rs, "add-rule saddr 10.0.0.0/8 drop comment \"lan\"");            /* 2 */
	run_ok(&rs, "add-rule tcp dport 80,22 ip saddr 10.0.0.0/8 drop");         /* 3 */
	run_ok(&rs, "add-rule accept");                                            /* 4 */
	/* any spelling of the same rule: the first match goes */
	assert_int_equal(run_ok(&rs, "del-rule tcp dport 22,80 saddr 10.0.0.0/8 drop"), 1);
	assert_string_equal(dump(&rs), "2:saddr 10.0.0.0/8 drop comment \"lan\"|"
				       "3:saddr 10.0.0.0/8 proto tcp dport 22,80 drop|4:accept");
	/* the comment takes part: without it, no match */
	assert_int_equal(run(&rs, "del-rule saddr 10.0.0.0/8 drop", &h, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "saddr 10.0.0.0/8 drop"));
	assert_int_equal(run(&rs, "del-rule saddr 10.0.0.0/8 drop comment \"LAN\"", &h, &err),
			 -ENOENT);
	assert_int_equal(run_ok(&rs, "del-rule saddr 10.0.0.0/8 drop comment \"lan\""), 2);
	assert_int_equal(run(&rs, "del-rule drop", &h, &err), -ENOENT);
	assert_string_equal(dump(&rs), "3:saddr 10.0.0.0/8 proto tcp dport 22,80 drop|4:accept");
	xw_ruleset_free(&rs);
}

static void test_policy_copy(void **state)
{
	struct xw_ruleset rs, cp;

	(void)state;
	xw_ruleset_init(&rs);
	assert_int_equal(run_ok(&rs, "policy drop"), 0);
	assert_int_equal(rs.policy, XW_ACT_DROP);
	run_ok(&rs, "policy accept");
	assert_int_equal(rs.policy, XW_ACT_ACCEPT);
	run_ok(&rs, "policy drop");
	run_ok(&rs, "add-rule proto udp accept");
	run_ok(&rs, "add-rule drop");
	rs.generation = 41;
	assert_int_equal(xw_ruleset_copy(&cp, &rs), 0);
	assert_ptr_not_equal(cp.v, rs.v);
	assert_string_equal(dump(&cp), "1:proto udp accept|2:drop");
	assert_int_equal(cp.policy, XW_ACT_DROP);
	assert_int_equal(cp.generation, 41);
	assert_int_equal(cp.next_handle, 3);
	/* edits to the copy leave the original alone */
	run_ok(&cp, "flush-rules");
	run_ok(&cp, "add-rule count");
	assert_string_equal(dump(&rs), "1:proto udp accept|2:drop");
	assert_string_equal(dump(&cp), "3:count");
	assert_int_equal(rs.next_handle, 3);
	xw_ruleset_free(&cp);
	xw_ruleset_free(&rs);
	/* copy of an empty ruleset */
	xw_ruleset_init(&rs);
	assert_int_equal(xw_ruleset_copy(&cp, &rs), 0);
	assert_int_equal(cp.n, 0);
	run_ok(&cp, "add-rule drop");
	assert_int_equal(cp.n, 1);
	xw_ruleset_free(&cp);
	xw_ruleset_free(&rs);
}

static FILE *mem_file(const char *text)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");

	assert_non_null(f);
	return f;
}

static int read_text(const struct xw_ruleset *rs, const char *text, struct xw_ruleset *out,
		     struct xw_err *err)
{
	FILE *f = strlen(text) ? mem_file(text) : fopen("/dev/null", "r");
	int ret;

	assert_non_null(f);
	ret = xw_ruleset_read_file(rs, f, out, err);
	fclose(f);
	return ret;
}

static void test_read_file(void **state)
{
	struct xw_ruleset cur, out;
	struct xw_err err = { 0 };
	static const char file[] =
		"# xdpwall rules\n"
		"\n"
		"policy drop\n"
		"add-rule tcp dport 22 accept # ssh\n"
		"add-rule proto udp dport 53 accept comment \"dns # resolver\"\n"
		"   \t\n"
		"insert-rule proto icmp icmp-type 8 accept\n"
		"add-rule saddr 192.0.2.0/24 drop\n"
		"del-rule 7\n"
		"replace-rule 6 saddr 198.51.100.0/24 drop\r\n"
		"add-rule count";

	(void)state;
	xw_ruleset_init(&cur);
	run_ok(&cur, "add-rule drop");
	run_ok(&cur, "add-rule drop");
	run_ok(&cur, "add-rule drop");
	run_ok(&cur, "add-rule drop"); /* next_handle 5 */
	cur.generation = 9;
	assert_int_equal(read_text(&cur, file, &out, &err), 0);
	/* a fresh ruleset: handles continue from cur, the policy line applies */
	assert_string_equal(dump(&out), "5:proto tcp dport 22 accept|"
					"6:saddr 198.51.100.0/24 drop|"
					"8:saddr 192.0.2.0/24 drop|9:count");
	assert_int_equal(out.policy, XW_ACT_DROP);
	assert_int_equal(out.next_handle, 10);
	assert_int_equal(out.generation, 9);
	assert_int_equal(cur.n, 4);
	assert_int_equal(cur.policy, XW_ACT_ACCEPT);
	xw_ruleset_free(&out);

	/* empty file, and one with comments only: an empty ruleset, same policy */
	cur.policy = XW_ACT_DROP;
	assert_int_equal(read_text(&cur, "", &out, &err), 0);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.policy, XW_ACT_DROP);
	assert_int_equal(out.next_handle, 5);
	xw_ruleset_free(&out);
	assert_int_equal(read_text(&cur, "# nothing\n\n   \n", &out, &err), 0);
	assert_int_equal(out.n, 0);
	xw_ruleset_free(&out);
	xw_ruleset_free(&cur);
}

struct bad_file {
	const char *text;
	int ret;
	const char *needle; /* in err.msg, after "line N: " */
};

static const struct bad_file bad_files[] = {
	{ "add-rule drop\nadd-rule dport 22 drop\n", -EINVAL, "line 2: 'dport' needs proto" },
	{ "policy drop\nadd-rule proto tcp dport 70000 drop\n", -EINVAL, "line 2: port '70000'" },
	{ "add-rule drop\n\n# c\nadd-rule saddr 10.0.0.1/8 drop\n", -EINVAL,
	  "line 4: host bits set in '10.0.0.1/8' (did you mean 10.0.0.0/8?)" },
	{ "add-rule drop\ndel-rule 99\n", -ENOENT, "line 2: no rule with handle 99" },
	{ "add-rule drop\ndel-rule 1\ndel-rule 1\n", -ENOENT, "line 3: no rule with handle 1" },
	{ "add-rule drop\ndel-rule accept\n", -ENOENT, "line 2: no rule matches 'accept'" },
	{ "policy maybe\n", -EINVAL, "line 1: bad policy 'maybe'" },
	{ "list-rules\n", -EINVAL, "line 1: unknown command 'list-rules'" },
	{ "add-rule drop\nadd-rule \x01\x02\x03\n", -EINVAL, "line 2: non-printable byte 0x01" },
	{ "add-rule drop\nadd-rule drop\0garbage\n", -EINVAL, "line 2: NUL byte" },
	{ "add-rule drop comment \"open\nadd-rule drop\n", -EINVAL,
	  "line 1: unterminated quoted string" },
};

static void test_read_file_bad(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		struct xw_ruleset cur, out;
		struct xw_err err = { 0 };
		const char *t = bad_files[i].text;
		/* texts with a NUL inside: the length up to the last '\n' */
		size_t len = strlen(t);
		FILE *f;
		int ret;

		if (strstr(bad_files[i].needle, "NUL"))
			len = strlen(t) + 1 + strlen(t + strlen(t) + 1);
		f = fmemopen((void *)t, len, "r");
		assert_non_null(f);
		xw_ruleset_init(&cur);
		memset(&out, 0xa5, sizeof(out));
		ret = xw_ruleset_read_file(&cur, f, &out, &err);
		fclose(f);
		if (ret != bad_files[i].ret)
			fail_msg("file %zu: got %d (%s), expected %d", i, ret, err.msg,
				 bad_files[i].ret);
		if (strncmp(err.msg, bad_files[i].needle, strlen(bad_files[i].needle)))
			fail_msg("file %zu: message '%s', expected '%s...'", i, err.msg,
				 bad_files[i].needle);
		/* *out untouched */
		{
			struct xw_ruleset pattern;

			memset(&pattern, 0xa5, sizeof(pattern));
			assert_memory_equal(&out, &pattern, sizeof(out));
		}
		xw_ruleset_free(&cur);
	}
}

/* 10k good lines and one bad one: the error names that line, nothing else happens */
static void test_read_file_big(void **state)
{
	size_t n = 10000, bad_at = 7345, i, cap = n * 64, pos = 0;
	char *text = malloc(cap);
	struct xw_ruleset cur, out, pattern;
	struct xw_err err = { 0 };
	FILE *f;

	(void)state;
	assert_non_null(text);
	for (i = 1; i <= n; i++) {
		if (i == bad_at)
			pos += snprintf(text + pos, cap - pos,
					"add-rule saddr 10.%zu.%zu.0/24 proto tcp dport 1000-200 drop\n",
					i / 256, i % 256);
		else
			pos += snprintf(text + pos, cap - pos,
					"add-rule saddr 10.%zu.%zu.0/24 proto tcp dport %zu drop\n",
					i / 256, i % 256, i);
	}
	xw_ruleset_init(&cur);
	memset(&out, 0xa5, sizeof(out));
	memset(&pattern, 0xa5, sizeof(pattern));
	f = fmemopen(text, pos, "r");
	assert_int_equal(xw_ruleset_read_file(&cur, f, &out, &err), -EINVAL);
	fclose(f);
	assert_string_equal(err.msg, "line 7345: reversed port range '1000-200'");
	assert_memory_equal(&out, &pattern, sizeof(out));
	assert_int_equal(cur.n, 0);
	assert_int_equal(cur.next_handle, 1);

	/* the same file without the bad line loads */
	pos = 0;
	for (i = 1; i <= n; i++)
		pos += snprintf(text + pos, cap - pos,
				"add-rule saddr 10.%zu.%zu.0/24 proto tcp dport %zu drop\n",
				i / 256, i % 256, i);
	f = fmemopen(text, pos, "r");
	assert_int_equal(xw_ruleset_read_file(&cur, f, &out, &err), 0);
	fclose(f);
	assert_int_equal(out.n, n);
	assert_int_equal(out.v[n - 1].rule.handle, n);
	assert_int_equal(out.v[n - 1].rule.dport.r[0].lo, n);
	xw_ruleset_free(&out);
	xw_ruleset_free(&cur);
	free(text);
}

/* A 1 MB line in a file: rejected by line number, no crash. */
static void test_read_file_long_line(void **state)
{
	size_t big = 1 << 20, i;
	char *text = malloc(big + 64);
	struct xw_ruleset cur, out;
	struct xw_err err = { 0 };
	FILE *f;
	int pos;

	(void)state;
	assert_non_null(text);
	pos = sprintf(text, "add-rule drop\nadd-rule ");
	for (i = 0; i < big; i++)
		text[pos++] = "accept "[i % 7];
	text[pos++] = '\n';
	xw_ruleset_init(&cur);
	f = fmemopen(text, (size_t)pos, "r");
	assert_int_equal(xw_ruleset_read_file(&cur, f, &out, &err), -EINVAL);
	fclose(f);
	assert_non_null(strstr(err.msg, "line 2: line too long"));
	xw_ruleset_free(&cur);
	free(text);
}

static void test_capacity(void **state)
{
	struct xw_ruleset rs;
	struct xw_cmd cmd;
	struct xw_err err = { 0 };
	uint64_t h = 0;
	size_t i;

	(void)state;
	xw_ruleset_init(&rs);
	assert_int_equal(xw_cmd_parse_line("add-rule proto tcp dport 22 drop", &cmd, &err), 0);
	for (i = 0; i < XW_MAX_RULES; i++)
		assert_int_equal(xw_ruleset_apply_cmd(&rs, &cmd, &h, &err), 0);
	assert_int_equal(rs.n, XW_MAX_RULES);
	assert_int_equal(h, XW_MAX_RULES);
	assert_int_equal(xw_ruleset_apply_cmd(&rs, &cmd, &h, &err), -ENOSPC);
	assert_non_null(strstr(err.msg, "ruleset full: at most 131072 rules"));
	cmd.kind = XW_CMD_INSERT;
	assert_int_equal(xw_ruleset_apply_cmd(&rs, &cmd, &h, &err), -ENOSPC);
	assert_int_equal(rs.n, XW_MAX_RULES);
	assert_int_equal(rs.next_handle, XW_MAX_RULES + 1);
	/* replace and delete still work when full */
	assert_int_equal(run(&rs, "replace-rule 5 accept", &h, &err), 0);
	assert_int_equal(run(&rs, "del-rule 6", &h, &err), 0);
	assert_int_equal(run(&rs, "add-rule count", &h, &err), 0);
	assert_int_equal(h, XW_MAX_RULES + 1);
	xw_ruleset_free(&rs);
}

/* More rules than XW_MAX_RULES in one file: -ENOSPC naming the line. */
static void test_capacity_file(void **state)
{
	static const char line[] = "add-rule proto udp dport 53 accept\n";
	size_t n = XW_MAX_RULES + 1, i, len = strlen(line);
	char *text = malloc(n * len);
	struct xw_ruleset cur, out;
	struct xw_err err = { 0 };
	char want[64];
	FILE *f;

	(void)state;
	assert_non_null(text);
	for (i = 0; i < n; i++)
		memcpy(text + i * len, line, len);
	xw_ruleset_init(&cur);
	f = fmemopen(text, n * len, "r");
	assert_int_equal(xw_ruleset_read_file(&cur, f, &out, &err), -ENOSPC);
	fclose(f);
	snprintf(want, sizeof(want), "line %zu: ruleset full", n);
	assert_non_null(strstr(err.msg, want));
	xw_ruleset_free(&cur);
	free(text);
}

/* save -> apply -f gives the identical ruleset (handles aside: new ones). */
static void test_save_round_trip(void **state)
{
	struct xw_ruleset rs, back;
	struct xw_err err = { 0 };
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	xw_ruleset_init(&rs);
	run_ok(&rs, "policy drop");
	run_ok(&rs, "add-rule iif eth0 vlan 7 saddr 10.0.0.0/8 daddr 10.1.2.3 proto tcp "
		    "sport 1024-65535 dport 22,80,443 tcp-flags syn,!ack accept comment \"web \\\"in\\\"\"");
	run_ok(&rs, "add-rule ip6 saddr fe80::/10 icmpv6 type 135 accept");
	run_ok(&rs, "add-rule icmp type 3 icmp code 4 count");
	run_ok(&rs, "add-rule ip protocol udp drop comment \"# v4 udp \\\\ off\"");
	run_ok(&rs, "add-rule proto 47 drop");
	run_ok(&rs, "add-rule drop comment \"\"");
	run_ok(&rs, "del-rule 2");

	f = open_memstream(&buf, &len);
	assert_int_equal(xw_ruleset_write_file(&rs, f), 0);
	fclose(f);
	assert_string_equal(buf,
		"policy drop\n"
		"add-rule iif eth0 vlan 7 saddr 10.0.0.0/8 daddr 10.1.2.3 proto tcp "
		"sport 1024-65535 dport 22,80,443 tcp-flags syn,!ack accept comment \"web \\\"in\\\"\"\n"
		"add-rule proto icmp icmp-type 3 code 4 count\n"
		"add-rule saddr 0.0.0.0/0 proto udp drop comment \"# v4 udp \\\\ off\"\n"
		"add-rule proto 47 drop\n"
		"add-rule drop comment \"\"\n");

	{
		struct xw_ruleset empty;

		xw_ruleset_init(&empty);
		assert_int_equal(read_text(&empty, buf, &back, &err), 0);
		xw_ruleset_free(&empty);
	}
	assert_int_equal(back.policy, XW_ACT_DROP);
	assert_int_equal(back.n, rs.n);
	for (i = 0; i < rs.n; i++) {
		struct xw_rule a = rs.v[i].rule, b = back.v[i].rule;

		a.handle = b.handle = 0;
		assert_memory_equal(&a, &b, sizeof(a));
		assert_int_equal(back.v[i].rule.handle, i + 1);
	}
	xw_ruleset_free(&back);
	free(buf);

	/* an empty ruleset saves as its policy alone */
	run_ok(&rs, "flush-rules");
	run_ok(&rs, "policy accept");
	buf = NULL;
	f = open_memstream(&buf, &len);
	assert_int_equal(xw_ruleset_write_file(&rs, f), 0);
	fclose(f);
	assert_string_equal(buf, "policy accept\n");
	free(buf);
	xw_ruleset_free(&rs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handles),
		cmocka_unit_test(test_insert_replace),
		cmocka_unit_test(test_del_by_text),
		cmocka_unit_test(test_policy_copy),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_read_file_bad),
		cmocka_unit_test(test_read_file_big),
		cmocka_unit_test(test_read_file_long_line),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_capacity_file),
		cmocka_unit_test(test_save_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
