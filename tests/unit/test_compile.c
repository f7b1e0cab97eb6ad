// SPDX-License-Identifier: MIT
/* The compiler: expansion of rules, and the decision tree against a linear
 * scan of the same compiled rules, on random overlapping rulesets. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "compile.h"
#include "ruleset.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 11);
}

static const struct xw_caps big_caps = {
	.rule_cap = XW_DEF_RULE_CAP,
	.node_cap = XW_DEF_NODE_CAP,
	.leaf_cap = XW_DEF_LEAF_CAP,
};

/* Addresses come from a small pool so that prefixes overlap and nest. */
static const uint32_t pool4[] = { 0x0a000000, 0x0a010000, 0x0a010200, 0xc0a80000, 0xc0a80101 };
static const uint8_t protos[] = { 6, 17, 1, 58, 47 };

/* xw_iifs as the program sees it: the interface of each iif rule, by rid */
static struct xw_ifname iifs[XW_MAX_RULES];

static void random_crule(struct xw_crule *c, uint32_t prio, uint32_t rid)
{
	memset(c, 0, sizeof(*c));
	c->prio = prio;
	c->rid = rid;
	c->action = (uint8_t)(1 + rnd() % 3);
	c->sport_hi = c->dport_hi = 0xffff;
	if (rnd() % 4 == 0) {
		c->flags |= XW_RF_V6;
		c->saddr[0] = 0x20010db8;
		c->slen = (uint8_t)(rnd() % 3 == 0 ? 0 : 32 + rnd() % 97);
		c->saddr[1] = rnd() % 2 ? 0x1 : 0x2;
		for (unsigned i = 0; i < 4; i++) {
			int bits = (int)c->slen - 32 * (int)i;
			uint32_t m = bits <= 0 ? 0 : bits >= 32 ? ~0u : ~0u << (32 - bits);

			c->saddr[i] &= m;
		}
	} else if (rnd() % 3) {
		c->flags |= XW_RF_V4;
		c->slen = (uint8_t)(rnd() % 33);
		c->saddr[0] = pool4[rnd() % 5] & (c->slen ? ~0u << (32 - c->slen) : 0);
		c->dlen = (uint8_t)(rnd() % 33);
		c->daddr[0] = pool4[rnd() % 5] & (c->dlen ? ~0u << (32 - c->dlen) : 0);
	}
	if (rnd() % 2) {
		c->flags |= XW_RF_PROTO;
		c->proto = protos[rnd() % 5];
	}
	if (rnd() % 2) {
		c->flags |= XW_RF_L4;
		c->sport_lo = (uint16_t)(rnd() % 2000);
		c->sport_hi = (uint16_t)(c->sport_lo + rnd() % 3000);
		c->dport_lo = (uint16_t)(rnd() % 100);
		c->dport_hi = rnd() % 2 ? c->dport_lo : 1023;
	}
	if (rnd() % 10 == 0) {
		c->flags |= XW_RF_VLAN;
		c->vlan = (uint16_t)(rnd() % 3);
	}
	if (rnd() % 10 == 0) {
		c->flags |= XW_RF_IIF;
		strcpy(iifs[rid].name, rnd() % 2 ? "eth0" : "eth1");
	}
}

static void random_pkt(struct xw_pkt *p)
{
	memset(p, 0, sizeof(*p));
	if (rnd() % 4 == 0) {
		p->key.flags |= XW_PKT_V6;
		p->key.w[XW_DIM_SADDR0] = rnd() % 8 ? 0x20010db8 : rnd();
		p->key.w[XW_DIM_SADDR1] = 1 + rnd() % 2;
		p->key.w[XW_DIM_SADDR3] = rnd() % 4;
	} else {
		p->key.w[XW_DIM_SADDR0] = pool4[rnd() % 5] + rnd() % 300;
		p->key.w[XW_DIM_DADDR0] = pool4[rnd() % 5] + rnd() % 300;
	}
	p->key.w[XW_DIM_PROTO] = protos[rnd() % 5];
	if (rnd() % 8) {
		p->key.flags |= XW_PKT_L4;
		p->key.w[XW_DIM_SPORT] = rnd() % 5000;
		p->key.w[XW_DIM_DPORT] = rnd() % 1100;
		p->key.tcp_flags = (uint8_t)rnd();
	}
	if (rnd() % 5 == 0) {
		p->key.flags |= XW_PKT_VLAN;
		p->key.vlan = (uint16_t)(rnd() % 3);
	}
	strcpy(p->iif, rnd() % 2 ? "eth0" : "eth1");
}

/* The obvious classifier over compiled rules, in priority order. */
static void linear(const struct xw_crule *c, uint32_t n, const struct xw_side *side,
		   const struct xw_pkt *p, struct xw_match *m)
{
	memset(m, 0, sizeof(*m));
	m->rid = XW_RID_NONE;
	m->verdict = side->policy;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t rid = c[i].rid;

		if ((side->tomb[rid / 64] >> (rid % 64)) & 1)
			continue;
		if (!xw_crule_match(&c[i], iifs[rid].name, p))
			continue;
		if (c[i].action == XW_ACT_COUNT) {
			if (m->ncounted < XW_COUNT_MAX)
				m->counted[m->ncounted++] = rid;
			continue;
		}
		m->verdict = c[i].action;
		m->rid = rid;
		return;
	}
}

static int cmp_prio(const void *a, const void *b)
{
	const struct xw_crule *x = a, *y = b;

	return x->prio < y->prio ? -1 : x->prio > y->prio;
}

static void check_random(unsigned nrules, unsigned npkts, unsigned nside, bool tomb)
{
	struct xw_crule *all = calloc(nrules + nside, sizeof(*all));
	struct xw_side *side = calloc(1, sizeof(*side));
	struct xw_tree_image img;
	unsigned bad = 0;

	assert_non_null(all);
	assert_non_null(side);
	for (unsigned i = 0; i < nrules + nside; i++)
		random_crule(&all[i], (rnd() % 1000000) * 4 + 1 + i % 4, i);
	side->policy = rnd() % 2 ? XW_ACT_ACCEPT : XW_ACT_DROP;
	side->nside = nside;
	memcpy(side->side, all + nrules, nside * sizeof(*all));
	qsort(side->side, nside, sizeof(*all), cmp_prio);
	if (tomb)
		for (unsigned i = 0; i < nrules / 10; i++) {
			uint32_t rid = rnd() % nrules;

			side->tomb[rid / 64] |= 1ull << (rid % 64);
		}
	assert_int_equal(xw_tree_build(all, nrules, &big_caps, &img), 0);
	qsort(all, nrules + nside, sizeof(*all), cmp_prio);
	for (unsigned i = 0; i < npkts; i++) {
		struct xw_pkt p;
		struct xw_match a, b;

		random_pkt(&p);
		xw_image_classify(&img, side, iifs, &p, &a);
		linear(all, nrules + nside, side, &p, &b);
		if (p.key.flags & XW_PKT_V6 && p.key.flags & XW_PKT_L4 && p.key.w[XW_DIM_PROTO] == 58 &&
		    p.key.w[XW_DIM_SPORT] >= 133 && p.key.w[XW_DIM_SPORT] <= 137 &&
		    b.rid == XW_RID_NONE)
			b.verdict = XW_ACT_ACCEPT;
		if (a.verdict != b.verdict || a.rid != b.rid || a.ncounted != b.ncounted ||
		    memcmp(a.counted, b.counted, a.ncounted * sizeof(a.counted[0])))
			bad++;
	}
	printf("FIGURE compile_random rules=%u nodes=%u leaf_entries=%u depth=%u leaf_max=%u "
	       "disagreements=%u\n",
	       nrules, img.n_nodes, img.n_leaves, img.depth_max, img.leaf_max, bad);
	assert_int_equal(bad, 0);
	xw_tree_image_free(&img);
	free(all);
	free(side);
}

static void test_tree_small(void **state)
{
	(void)state;
	check_random(5, 20000, 0, false);
	check_random(40, 20000, 3, false);
}

static void test_tree_medium(void **state)
{
	(void)state;
	check_random(2000, 50000, 10, true);
}

static void test_tree_large(void **state)
{
	(void)state;
	check_random(10000, 50000, XW_SIDE_MAX, true);
}

static void test_tree_empty(void **state)
{
	struct xw_tree_image img;
	struct xw_side side = { .policy = XW_ACT_DROP };
	struct xw_pkt p;
	struct xw_match m;

	(void)state;
	assert_int_equal(xw_tree_build(NULL, 0, &big_caps, &img), 0);
	random_pkt(&p);
	xw_image_classify(&img, &side, NULL, &p, &m);
	assert_int_equal(m.rid, XW_RID_NONE);
	xw_tree_image_free(&img);
}

/* Tiny capacities force big leaves: slower, never wrong. */
static void test_tree_caps(void **state)
{
	struct xw_caps caps = { .rule_cap = 1000, .node_cap = 64, .leaf_cap = 2000 };
	struct xw_crule r[1000];
	struct xw_tree_image img;

	(void)state;
	for (unsigned i = 0; i < 1000; i++)
		random_crule(&r[i], i, i);
	assert_int_equal(xw_tree_build(r, 1000, &caps, &img), 0);
	assert_true(img.n_nodes <= 64);
	assert_true(img.n_leaves <= 2000);
	xw_tree_image_free(&img);
	caps.leaf_cap = 1999; /* two roots of 1000 may not fit */
	assert_int_equal(xw_tree_build(r, 1000, &caps, &img), -ENOSPC);
	caps.rule_cap = 999;
	assert_int_equal(xw_tree_build(r, 1000, &caps, &img), -ENOSPC);
}

static void test_expand(void **state)
{
	struct xw_rule r;
	struct xw_crule c[XW_PORTS_MAX * XW_PORTS_MAX];

	(void)state;
	memset(&r, 0, sizeof(r));
	r.fields = XW_F_PROTO | XW_F_DPORT | XW_F_SPORT | XW_F_SADDR;
	r.family = 4;
	r.proto = 6;
	r.action = XW_ACT_DROP;
	r.saddr.family = 4;
	r.saddr.plen = 8;
	r.saddr.w[0] = 0x0a000000;
	r.sport.n = 2;
	r.sport.r[0] = (struct xw_port_range){ 1, 2 };
	r.sport.r[1] = (struct xw_port_range){ 10, 20 };
	r.dport.n = 3;
	r.dport.r[0] = (struct xw_port_range){ 22, 22 };
	r.dport.r[1] = (struct xw_port_range){ 80, 80 };
	r.dport.r[2] = (struct xw_port_range){ 1000, 2000 };
	assert_int_equal(xw_crule_expand(&r, 7, 3, c, 16), 6);
	assert_int_equal(c[5].sport_lo, 10);
	assert_int_equal(c[5].dport_hi, 2000);
	assert_int_equal(c[0].flags, XW_RF_V4 | XW_RF_PROTO | XW_RF_L4);
	assert_int_equal(c[0].slen, 8);
	assert_int_equal(c[0].prio, 7);
	assert_int_equal(c[0].rid, 3);
	assert_int_equal(xw_crule_expand(&r, 7, 3, c, 5), -ENOSPC);

	memset(&r, 0, sizeof(r));
	r.fields = XW_F_PROTO | XW_F_ICMPTYPE;
	r.family = 4;
	r.proto = 1;
	r.icmp_type = 8;
	r.action = XW_ACT_ACCEPT;
	assert_int_equal(xw_crule_expand(&r, 1, 1, c, 16), 1);
	assert_int_equal(c[0].sport_lo, 8);
	assert_int_equal(c[0].sport_hi, 8);
	assert_int_equal(c[0].dport_lo, 0);
	assert_int_equal(c[0].dport_hi, 0xffff);
	assert_true(c[0].flags & XW_RF_L4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_tree_empty),
		cmocka_unit_test(test_tree_caps),
		cmocka_unit_test(test_tree_small),
		cmocka_unit_test(test_tree_medium),
		cmocka_unit_test(test_tree_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
