// SPDX-License-Identifier: MIT
/*
 * The commit layer (lib/fw.c) against the loaded program: after every kind of
 * commit — full, small (side rules), tombstones, prio-gap exhaustion, side
 * overflow, replace, policy, reopen, restore onto fresh pins — random packets
 * get from the XDP program exactly the verdict the reference classifier gives
 * over the ruleset fwctl would list. Counters of surviving rules survive.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/bpf.h>

#include "bpf/env.h"
#include "bpf/pkt.h"
#include "fw.h"
#include "loader.h"
#include "ref_classify.h"
#include "rule_parse.h"

struct ctx {
	struct xw_env env;
	struct xw_paths paths;
	char state[64];
	struct xw_fw *fw;
};

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 17);
}

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static void random_rule_text(char *buf, size_t len)
{
	static const char *acts[] = { "accept", "drop", "count", "drop" };
	static const char *protos[] = { "tcp", "udp" };
	int n = 0;

	if (rnd() % 3)
		n += snprintf(buf + n, len - (size_t)n, "saddr 10.%u.0.0/16 ", rnd() % 4);
	if (rnd() % 3 == 0)
		n += snprintf(buf + n, len - (size_t)n, "daddr 192.168.%u.%u ", rnd() % 2,
			      rnd() % 4);
	if (rnd() % 4 == 0) {
		n += snprintf(buf + n, len - (size_t)n, "proto icmp ");
	} else if (rnd() % 2) {
		unsigned lo = rnd() % 60;

		n += snprintf(buf + n, len - (size_t)n, "proto %s dport %u-%u ",
			      protos[rnd() % 2], lo, lo + rnd() % 20);
	}
	snprintf(buf + n, len - (size_t)n, "%s", acts[rnd() % 4]);
}

static void random_packet(struct pkt_spec *s)
{
	static const uint8_t protos[] = { 6, 17, 1 };

	pkt_v4(s, IP4(10, rnd() % 5, rnd() % 3, 1), IP4(192, 168, rnd() % 2, rnd() % 5),
	       protos[rnd() % 3]);
	s->sport = (uint16_t)(1024 + rnd() % 100);
	s->dport = (uint16_t)(rnd() % 90);
	s->icmp_type = 8;
}

/* Every packet: the program's verdict equals the reference classifier's over
 * the committed ruleset. */
static void check_against_reference(struct ctx *c, unsigned npkts)
{
	const struct xw_ruleset *rs = xw_fw_ruleset(c->fw);
	struct xw_rule *rules = calloc(rs->n + 1, sizeof(*rules));
	unsigned bad = 0, by_rule = 0;

	assert_non_null(rules);
	for (size_t i = 0; i < rs->n; i++)
		rules[i] = rs->v[i].rule;
	for (unsigned i = 0; i < npkts; i++) {
		struct pkt_spec s;
		struct pkt_layout lay;
		struct xw_pkt p;
		struct xw_ref_result ref;
		uint8_t buf[PKT_MAX];
		uint32_t ret;
		size_t len;

		memset(&s, 0, sizeof(s));
		random_packet(&s);
		len = pkt_build(&s, buf, &lay);
		memset(&p, 0, sizeof(p));
		pkt_key(&s, 0, &p.key);
		xw_ref_classify(rules, rs->n, rs->policy, &p, &ref);
		assert_int_equal(xw_env_run(&c->env, buf, (uint32_t)len, 0, &ret), 0);
		if (ret != (ref.verdict == XW_ACT_DROP ? XDP_DROP : XDP_PASS))
			bad++;
		by_rule += ref.rule >= 0;
	}
	free(rules);
	assert_int_equal(bad, 0);
	/* the packets must exercise the rules, not only the policy */
	if (rs->n >= 20)
		assert_true(by_rule * 4 > npkts);
}

static void edit(struct ctx *c, const char *line)
{
	struct xw_ruleset next;
	struct xw_cmd cmd;
	struct xw_err err;

	if (xw_cmd_parse_line(line, &cmd, &err))
		fail_msg("bad test command '%s': %s", line, err.msg);
	xw_ruleset_init(&next);
	assert_int_equal(xw_ruleset_copy(&next, xw_fw_ruleset(c->fw)), 0);
	if (xw_ruleset_apply_cmd(&next, &cmd, NULL, &err))
		fail_msg("'%s': %s", line, err.msg);
	if (xw_fw_commit(c->fw, &next, &err))
		fail_msg("commit of '%s': %s", line, err.msg);
	xw_ruleset_free(&next);
}

static void reopen(struct ctx *c)
{
	xw_fw_close(c->fw);
	c->fw = NULL;
	assert_int_equal(xw_fw_open(&c->fw, &c->paths, XW_FW_LOCK), 0);
}

static int setup(void **state)
{
	static struct ctx c;

	memset(&c, 0, sizeof(c));
	if (xw_env_setup(&c.env, NULL))
		return -1;
	strcpy(c.state, "/tmp/xw-committest-XXXXXX");
	if (!mkdtemp(c.state))
		return -1;
	xw_paths_default(&c.paths);
	snprintf(c.paths.pin_root, sizeof(c.paths.pin_root), "%s", c.env.pin_root);
	snprintf(c.paths.state_dir, sizeof(c.paths.state_dir), "%s/state", c.state);
	snprintf(c.paths.run_dir, sizeof(c.paths.run_dir), "%s/run", c.state);
	if (xw_fw_open(&c.fw, &c.paths, XW_FW_LOCK))
		return -1;
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	struct ctx *c = *state;
	char cmd[128];

	xw_fw_close(c->fw);
	xw_env_teardown(&c->env);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", c->state);
	return system(cmd) == 0 ? 0 : -1;
}

static void apply_random(struct ctx *c, unsigned n)
{
	char line[256];

	edit(c, "flush-rules");
	for (unsigned i = 0; i < n; i++) {
		random_rule_text(line + 9, sizeof(line) - 9);
		memcpy(line, "add-rule ", 9);
		edit(c, line);
	}
}

/* Appends one by one: small commits into the side slot, then the overflow of
 * the side rules forces a rebuild, and so on. */
static void test_appends_cross_rebuilds(void **state)
{
	struct ctx *c = *state;
	char line[256];

	for (unsigned i = 0; i < 150; i++) {
		random_rule_text(line + 9, sizeof(line) - 9);
		memcpy(line, "add-rule ", 9);
		edit(c, line);
		if (i % 10 == 9)
			check_against_reference(c, 300);
	}
	assert_int_equal(xw_fw_ruleset(c->fw)->n, 150);
	check_against_reference(c, 3000);
}

/* Inserting at the top again and again halves the prio gap until a rebuild. */
static void test_inserts_exhaust_gap(void **state)
{
	struct ctx *c = *state;
	char line[256];

	apply_random(c, 40);
	for (unsigned i = 0; i < 30; i++) {
		memcpy(line, "insert-rule ", 12);
		random_rule_text(line + 12, sizeof(line) - 12);
		edit(c, line);
		check_against_reference(c, 200);
	}
	/* and before a rule in the middle */
	for (unsigned i = 0; i < 20; i++) {
		uint64_t h = xw_fw_ruleset(c->fw)->v[35].rule.handle;
		int n = snprintf(line, sizeof(line), "insert-rule before %llu ",
				 (unsigned long long)h);

		random_rule_text(line + n, sizeof(line) - (size_t)n);
		edit(c, line);
	}
	check_against_reference(c, 3000);
}

/* Deletions become tombstones; the verdicts follow; reopen sees the same. */
static void test_deletes_and_replace(void **state)
{
	struct ctx *c = *state;
	uint64_t handles[200];
	char line[256];
	size_t n;

	apply_random(c, 200);
	n = xw_fw_ruleset(c->fw)->n;
	for (size_t i = 0; i < n; i++)
		handles[i] = xw_fw_ruleset(c->fw)->v[i].rule.handle;
	for (unsigned i = 0; i < 60; i++) {
		snprintf(line, sizeof(line), "del-rule %llu",
			 (unsigned long long)handles[(i * 7) % n]);
		if (xw_ruleset_find(xw_fw_ruleset(c->fw), handles[(i * 7) % n]) < 0)
			continue;
		edit(c, line);
		if (i % 10 == 0)
			check_against_reference(c, 300);
	}
	for (unsigned i = 0; i < 10; i++) {
		const struct xw_ruleset *rs = xw_fw_ruleset(c->fw);
		int k = snprintf(line, sizeof(line), "replace-rule %llu ",
				 (unsigned long long)rs->v[(i * 13) % rs->n].rule.handle);

		random_rule_text(line + k, sizeof(line) - (size_t)k);
		edit(c, line);
	}
	check_against_reference(c, 3000);

	/* the persisted state reads back to the same ruleset */
	{
		const struct xw_ruleset *rs = xw_fw_ruleset(c->fw);
		size_t before_n = rs->n;
		uint64_t before_gen = rs->generation, first = rs->v[0].rule.handle;

		reopen(c);
		rs = xw_fw_ruleset(c->fw);
		assert_false(xw_fw_needs_restore(c->fw));
		assert_int_equal(rs->n, before_n);
		assert_int_equal(rs->generation, before_gen);
		assert_int_equal(rs->v[0].rule.handle, first);
	}
	check_against_reference(c, 1000);
	edit(c, "policy drop");
	check_against_reference(c, 1000);
	edit(c, "policy accept");
}

/* A rule's counters survive commits that keep it, small or full. */
static void test_counters_survive(void **state)
{
	struct ctx *c = *state;
	struct pkt_spec s;
	struct pkt_layout lay;
	uint8_t buf[PKT_MAX];
	struct xw_counter ctr;
	uint32_t ret, rid;
	size_t len;

	edit(c, "flush-rules");
	edit(c, "add-rule saddr 10.9.9.9 proto udp dport 53 count");
	memset(&s, 0, sizeof(s));
	pkt_v4(&s, IP4(10, 9, 9, 9), IP4(192, 168, 0, 1), 17);
	s.dport = 53;
	len = pkt_build(&s, buf, &lay);
	for (int i = 0; i < 5; i++)
		assert_int_equal(xw_env_run(&c->env, buf, (uint32_t)len, 0, &ret), 0);
	edit(c, "add-rule proto tcp drop");                 /* small */
	edit(c, "insert-rule saddr 10.1.0.0/16 accept");    /* small */
	for (int i = 0; i < 70; i++)                        /* overflow: full */
		edit(c, "add-rule proto tcp dport 1 drop");
	rid = xw_fw_ruleset(c->fw)->v[1].rid;
	assert_int_equal(xw_fw_ruleset(c->fw)->v[1].rule.action, XW_ACT_COUNT);
	reopen(c);
	assert_int_equal(xw_fw_rule_counter(c->fw, rid, &ctr), 0);
	assert_int_equal(ctr.packets, 5);
	assert_int_equal(ctr.bytes, 5 * len);
}

/* Fresh pins (a reboot): the persisted ruleset is restored with its handles. */
static void test_restore_fresh_pins(void **state)
{
	struct ctx *c = *state;
	struct xw_err err;
	uint64_t h0, gen;
	size_t n;
	int prog_fd;

	apply_random(c, 120);
	n = xw_fw_ruleset(c->fw)->n;
	h0 = xw_fw_ruleset(c->fw)->v[0].rule.handle;
	gen = xw_fw_ruleset(c->fw)->generation;
	xw_fw_close(c->fw);
	c->fw = NULL;

	/* remove and reload the program: empty maps, generation 0 */
	xw_maps_close(&c->env.m);
	c->env.maps_open = false;
	close(c->env.prog_fd);
	assert_int_equal(xw_pins_remove(c->env.pin_root), 0);
	assert_int_equal(xw_load_and_pin(c->env.pin_root, &(struct xw_load_opts){
		.caps = { 4096, 16384, 65536 } }, &prog_fd), 0);
	c->env.prog_fd = prog_fd;
	assert_int_equal(xw_maps_open(&c->env.m, c->env.pin_root), 0);
	c->env.maps_open = true;

	assert_int_equal(xw_fw_open(&c->fw, &c->paths, XW_FW_LOCK), 0);
	assert_true(xw_fw_needs_restore(c->fw));
	assert_int_equal(xw_fw_restore(c->fw, &err), 0);
	assert_false(xw_fw_needs_restore(c->fw));
	assert_int_equal(xw_fw_ruleset(c->fw)->n, n);
	assert_int_equal(xw_fw_ruleset(c->fw)->v[0].rule.handle, h0);
	assert_true(xw_fw_ruleset(c->fw)->generation > gen);
	check_against_reference(c, 3000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_appends_cross_rebuilds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inserts_exhaust_gap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deletes_and_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters_survive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restore_fresh_pins, setup, teardown),
	};

	if (xw_env_process_init())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
