// SPDX-License-Identifier: MIT
/*
 * The classifier's tree walk: small hand-built trees in either tree slot (cuts,
 * several trees per family, the depth bound, a leaf of thousands of rules),
 * trees plus side rules and tombstones, and images from lib/compile.h
 * xw_tree_build() checked against its user-space mirror xw_image_classify().
 * Prints BPF_PROG_TEST_RUN ns/packet for a few shapes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#include "bpf/crule.h"
#include "bpf/env.h"
#include "bpf/pkt.h"
#include "ruleset.h"

#define IP4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))
#define IFINDEX_LO 1
#define NODE_INNER(dim, shift, bits) ((uint32_t)(dim) << 16 | (uint32_t)(shift) << 8 | (bits))


/* Building a tree slot by hand: nodes, leaves and rules of slot `slot`. */
struct hand {
	struct xw_env *e;
	uint32_t slot, nnodes, nleaves, nrules;
};

static struct xw_node *hnode(struct hand *h, uint32_t i)
{
	assert_true(i < h->e->m.caps.node_cap);
	return &h->e->m.nodes_mm[(size_t)h->slot * h->e->m.caps.node_cap + i];
}

static void hand_init(struct hand *h, struct xw_env *e, uint32_t slot)
{
	h->e = e;
	h->slot = slot;
	h->nnodes = XW_FIRST_NODE;
	h->nleaves = 0;
	h->nrules = 0;
	xw_env_empty_tree(e, slot);
}

static uint32_t hand_rule(struct hand *h, struct xw_crule c)
{
	assert_true(h->nrules < h->e->m.caps.rule_cap);
	h->e->m.rules_mm[(size_t)h->slot * h->e->m.caps.rule_cap + h->nrules] = c;
	return h->nrules++;
}

/* Make node i a leaf holding rule indices ri[0..n). */
static void hand_leaf(struct hand *h, uint32_t i, const uint32_t *ri, uint32_t n)
{
	struct xw_node *nd = hnode(h, i);

	nd->base = h->nleaves;
	nd->info = XW_NODE_LEAF | n;
	for (uint32_t j = 0; j < n; j++)
		h->e->m.leaves_mm[(size_t)h->slot * h->e->m.caps.leaf_cap + h->nleaves++] = ri[j];
}

/* Make node i a cut; returns the first of its 2^bits children. */
static uint32_t hand_cut(struct hand *h, uint32_t i, uint32_t dim, uint32_t shift, uint32_t bits)
{
	struct xw_node *nd = hnode(h, i);
	uint32_t first = h->nnodes;

	nd->base = first;
	nd->info = NODE_INNER(dim, shift, bits);
	h->nnodes += 1u << bits;
	for (uint32_t c = 0; c < (1u << bits); c++) {
		hnode(h, first + c)->base = 0;
		hnode(h, first + c)->info = XW_NODE_LEAF; /* empty until set */
	}
	return first;
}

static uint32_t run(struct xw_env *e, const struct pkt_spec *s, uint32_t *len_out)
{
	uint8_t buf[PKT_MAX];
	struct pkt_layout lay;
	uint32_t len = pkt_build(s, buf, &lay), ret = 0;

	assert_int_equal(xw_env_run(e, buf, len, IFINDEX_LO, &ret), 0);
	if (len_out)
		*len_out = len;
	return ret;
}

static uint64_t packets(struct xw_env *e, uint32_t rid)
{
	struct xw_counter c;

	assert_int_equal(xw_env_rule_counter(e, rid, &c), 0);
	return c.packets;
}

/* Tree slot 1: IPv4 tree 0 cuts the top two source address bits into four
 * leaves, one drop rule each (rid = quarter); IPv4 tree 2 holds a count rule of
 * lower prio for everything; IPv6 tree 1 cuts the destination port's low bit. */
static void test_hand_cuts(void **state)
{
	struct xw_env *e = *state;
	struct hand h;
	uint32_t first, ri[4];

	hand_init(&h, e, 1);
	first = hand_cut(&h, XW_ROOT(0, 0), XW_DIM_SADDR0, 30, 2);
	for (uint32_t q = 0; q < 4; q++) {
		ri[q] = hand_rule(&h, crule_any(10 + q, q, q == 3 ? XW_ACT_ACCEPT : XW_ACT_DROP));
		hand_leaf(&h, first + q, &ri[q], 1);
	}
	ri[0] = hand_rule(&h, crule_any(5, 20, XW_ACT_COUNT));
	hand_leaf(&h, XW_ROOT(0, 2), ri, 1);
	first = hand_cut(&h, XW_ROOT(1, 1), XW_DIM_DPORT, 0, 1);
	ri[0] = hand_rule(&h, crule_any(1, 30, XW_ACT_DROP));
	hand_leaf(&h, first, ri, 1); /* even ports */

	/* a generation on tree slot 0 (empty) first: the rules are not live */
	assert_int_equal(xw_env_commit(e, XW_ACT_ACCEPT, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(xw_env_clear_counters(e, 64), 0);
	{
		struct pkt_spec s = { .saddr = { IP4(10, 0, 0, 1) }, .proto = 17, .sport = 1,
				      .dport = 2 };

		assert_int_equal(run(e, &s, NULL), XDP_PASS);
		assert_int_equal(packets(e, 0), 0);
	}

	assert_int_equal(xw_env_commit(e, XW_ACT_ACCEPT, 1, NULL, 0, NULL, 0), 0);
	for (uint32_t q = 0; q < 4; q++) {
		struct pkt_spec s = { .saddr = { q << 30 | 0x123456 }, .proto = 17, .sport = 1,
				      .dport = 2 };

		assert_int_equal(xw_env_clear_counters(e, 64), 0);
		assert_int_equal(run(e, &s, NULL), q == 3 ? XDP_PASS : XDP_DROP);
		for (uint32_t r = 0; r < 4; r++)
			assert_int_equal(packets(e, r), r == q);
		/* tree 2 walked too: its count rule comes before the winner */
		assert_int_equal(packets(e, 20), 1);
		assert_int_equal(packets(e, 30), 0);
	}
	for (uint32_t port = 1000; port < 1004; port++) {
		struct pkt_spec s = { .v6 = true, .saddr = { 1 }, .daddr = { 2 }, .proto = 6,
				      .sport = 9, .dport = (uint16_t)port };

		assert_int_equal(xw_env_clear_counters(e, 64), 0);
		assert_int_equal(run(e, &s, NULL), port % 2 ? XDP_PASS : XDP_DROP);
		assert_int_equal(packets(e, 30), !(port % 2));
		assert_int_equal(packets(e, 20), 0);
	}
}

/* A chain of single-child cuts: a leaf at depth XW_TREE_DEPTH_MAX - 1 (the
 * 32nd node read) is reached; one deeper is not, and the packet gets the
 * policy. */
static void chain(struct hand *h, uint32_t root, uint32_t depth, uint32_t rule)
{
	uint32_t i = root;

	for (uint32_t d = 0; d < depth; d++)
		i = hand_cut(h, i, XW_DIM_PROTO, 0, 0);
	hand_leaf(h, i, &rule, 1);
}

static void test_depth_bound(void **state)
{
	struct xw_env *e = *state;
	struct pkt_spec s = { .saddr = { 1 }, .daddr = { 2 }, .proto = 47 };
	struct hand h;
	uint32_t r;

	hand_init(&h, e, 0);
	r = hand_rule(&h, crule_any(3, 7, XW_ACT_DROP));
	chain(&h, XW_ROOT(0, 3), XW_TREE_DEPTH_MAX - 1, r);
	assert_int_equal(xw_env_commit(e, XW_ACT_ACCEPT, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(run(e, &s, NULL), XDP_DROP);

	hand_init(&h, e, 0);
	r = hand_rule(&h, crule_any(3, 7, XW_ACT_DROP));
	chain(&h, XW_ROOT(0, 3), XW_TREE_DEPTH_MAX, r);
	assert_int_equal(run(e, &s, NULL), XDP_PASS);

	/* a child index past node_cap is no leaf either */
	hand_init(&h, e, 0);
	hnode(&h, XW_ROOT(0, 0))->base = e->m.caps.node_cap - 1;
	hnode(&h, XW_ROOT(0, 0))->info = NODE_INNER(XW_DIM_PROTO, 0, 8);
	assert_int_equal(run(e, &s, NULL), XDP_PASS);
	/* leaf entries past leaf_cap and rule indices past rule_cap are ignored */
	hand_init(&h, e, 0);
	hnode(&h, XW_ROOT(0, 0))->base = e->m.caps.leaf_cap - 1;
	hnode(&h, XW_ROOT(0, 0))->info = XW_NODE_LEAF | 100;
	e->m.leaves_mm[e->m.caps.leaf_cap - 1] = e->m.caps.rule_cap;
	assert_int_equal(run(e, &s, NULL), XDP_PASS);
	e->m.leaves_mm[e->m.caps.leaf_cap - 1] = 0;
	xw_env_empty_tree(e, 0);
}

/* One leaf of n rules where only the last one matches, in both tree slots'
 * ranges; plus the timing of that and of smaller cases. */
static void big_leaf(struct xw_env *e, uint32_t slot, uint32_t n, uint32_t *ns_out)
{
	struct pkt_spec s = { .saddr = { IP4(10, 0, 0, 1) }, .daddr = { IP4(10, 0, 0, 2) },
			      .proto = 6, .sport = 5555, .dport = 80, .tcp_flags = 2 };
	uint8_t buf[PKT_MAX];
	struct pkt_layout lay;
	struct hand h;
	uint32_t *ri = calloc(n, sizeof(*ri)), len, ret, ns;

	assert_non_null(ri);
	hand_init(&h, e, slot);
	for (uint32_t i = 0; i < n; i++) {
		struct xw_crule c = crule_any(i, i, XW_ACT_DROP);

		c.flags = XW_RF_L4;
		c.dport_lo = c.dport_hi = i + 1 == n ? 80 : 81;
		ri[i] = hand_rule(&h, c);
	}
	hand_leaf(&h, XW_ROOT(0, 1), ri, n);
	free(ri);
	assert_int_equal(xw_env_commit(e, XW_ACT_ACCEPT, slot, NULL, 0, NULL, 0), 0);
	assert_int_equal(xw_env_clear_counters(e, n), 0);
	assert_int_equal(run(e, &s, NULL), XDP_DROP);
	assert_int_equal(packets(e, n - 1), 1);
	if (n > 1)
		assert_int_equal(packets(e, 0), 0);

	len = pkt_build(&s, buf, &lay);
	assert_int_equal(xw_env_run_repeat(e, buf, len, n > 1000 ? 2000 : 200000, &ret, &ns), 0);
	assert_int_equal(ret, XDP_DROP);
	*ns_out = ns;
}

static void test_big_leaf(void **state)
{
	struct xw_env *e = *state;
	uint32_t ns1, ns8, ns64, ns4000;

	big_leaf(e, 0, 1, &ns1);
	big_leaf(e, 1, 8, &ns8);
	big_leaf(e, 0, 64, &ns64);
	big_leaf(e, 1, 4000, &ns4000);
	printf("FIGURE bpf_ns_leaf1=%u\nFIGURE bpf_ns_leaf8=%u\nFIGURE bpf_ns_leaf64=%u\n"
		      "FIGURE bpf_ns_leaf4000=%u\n", ns1, ns8, ns64, ns4000);
}

/* Tree and side together: the lower prio wins wherever it sits; a tombstone
 * hides a tree rule; a rule in both the tree and the side counts once. */
static void test_tree_and_side(void **state)
{
	struct xw_env *e = *state;
	struct pkt_spec s = { .v6 = true, .saddr = { 0xfe800000, 0, 0, 1 },
			      .daddr = { 0xff020000, 0, 0, 1 }, .proto = 17, .sport = 546,
			      .dport = 547 };
	struct xw_crule tree_acc = crule_any(10, 1, XW_ACT_ACCEPT), side;
	struct xw_crule tree_cnt = crule_any(5, 2, XW_ACT_COUNT);
	uint32_t ri[2], tomb = 1;
	struct hand h;

	hand_init(&h, e, 1);
	ri[0] = hand_rule(&h, tree_cnt);
	ri[1] = hand_rule(&h, tree_acc);
	hand_leaf(&h, XW_ROOT(1, 0), ri, 2);

	side = crule_any(7, 3, XW_ACT_DROP);
	assert_int_equal(xw_env_commit(e, XW_ACT_ACCEPT, 1, &side, 1, NULL, 0), 0);
	assert_int_equal(xw_env_clear_counters(e, 8), 0);
	assert_int_equal(run(e, &s, NULL), XDP_DROP);
	assert_int_equal(packets(e, 3), 1);
	assert_int_equal(packets(e, 2), 1);
	assert_int_equal(packets(e, 1), 0);

	side = crule_any(12, 3, XW_ACT_DROP);
	assert_int_equal(xw_env_commit(e, XW_ACT_DROP, 1, &side, 1, NULL, 0), 0);
	assert_int_equal(xw_env_clear_counters(e, 8), 0);
	assert_int_equal(run(e, &s, NULL), XDP_PASS);
	assert_int_equal(packets(e, 1), 1);
	assert_int_equal(packets(e, 3), 0);

	assert_int_equal(xw_env_commit(e, XW_ACT_ACCEPT, 1, &side, 1, &tomb, 1), 0);
	assert_int_equal(xw_env_clear_counters(e, 8), 0);
	assert_int_equal(run(e, &s, NULL), XDP_DROP);
	assert_int_equal(packets(e, 1), 0);
	assert_int_equal(packets(e, 3), 1);
	assert_int_equal(packets(e, 2), 1);

	/* the count rule also in the side slot: counted once */
	{
		struct xw_crule both[2] = { tree_cnt, crule_any(12, 3, XW_ACT_DROP) };

		assert_int_equal(xw_env_commit(e, XW_ACT_ACCEPT, 1, both, 2, &tomb, 1), 0);
		assert_int_equal(xw_env_clear_counters(e, 8), 0);
		assert_int_equal(run(e, &s, NULL), XDP_DROP);
		assert_int_equal(packets(e, 2), 1);
	}
}

/* ---- images from the compiler ---- */

static uint32_t rnd_state = 12345;
static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* n compiled rules of a web-ish firewall: /16../32 sources and destinations
 * in 10.0.0.0/8, port ranges, some count rules, a few wildcards. */
static void make_crules(struct xw_crule *c, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct xw_crule r = crule_any(i * 2 + 1, i, rnd() % 7 == 0 ? XW_ACT_COUNT :
					      rnd() % 2 ? XW_ACT_ACCEPT : XW_ACT_DROP);
		uint32_t kind = rnd() % 10;

		r.flags = XW_RF_V4;
		if (kind < 8) {
			r.slen = 16 + rnd() % 17;
			r.saddr[0] = (IP4(10, 0, 0, 0) | (rnd() & 0xffffff)) &
				     (0xffffffffu << (32 - r.slen));
		}
		if (kind < 5) {
			r.dlen = 24 + rnd() % 9;
			r.daddr[0] = (IP4(10, 9, 0, 0) | (rnd() & 0xffff)) &
				     (0xffffffffu << (32 - r.dlen));
		}
		if (kind % 3) {
			r.flags |= XW_RF_PROTO | XW_RF_L4;
			r.proto = rnd() % 2 ? 6 : 17;
			r.dport_lo = rnd() % 2000;
			r.dport_hi = r.dport_lo + rnd() % 50;
		}
		c[i] = r;
	}
}

static void test_compiled_tree(void **state)
{
	struct xw_env *e = *state;
	struct xw_caps caps = { e->m.caps.rule_cap, e->m.caps.node_cap, e->m.caps.leaf_cap };
	uint32_t n = 2000, checked = 0, ruled = 0, ns = 0;
	struct xw_crule *c = calloc(n, sizeof(*c));
	struct xw_tree_image img;
	uint8_t buf[PKT_MAX];
	struct pkt_layout lay;

	assert_non_null(c);
	make_crules(c, n);
	assert_int_equal(xw_tree_build(c, n, &caps, &img), 0);
	print_message("image: %u nodes, %u leaf entries, depth %u, largest leaf %u\n", img.n_nodes,
		      img.n_leaves, img.depth_max, img.leaf_max);
	for (uint32_t slot = 0; slot < 2; slot++) {
		uint32_t policy = slot ? XW_ACT_DROP : XW_ACT_ACCEPT;

		assert_int_equal(xw_env_write_tree(e, slot, &img), 0);
		assert_int_equal(xw_env_commit(e, policy, slot, NULL, 0, NULL, 0), 0);
		for (uint32_t i = 0; i < 3000; i++) {
			const struct xw_crule *r = &c[rnd() % n];
			struct pkt_spec s = { .saddr = { r->saddr[0] | (rnd() & 0xff) },
					      .daddr = { r->daddr[0] | (rnd() & 0x3) },
					      .proto = rnd() % 2 ? 6 : 17, .sport = 1024,
					      .dport = (uint16_t)(r->dport_lo + rnd() % 60),
					      .payload = 4 };
			struct xw_match m;
			struct xw_pkt p;
			uint32_t len, ret;

			memset(&p, 0, sizeof(p));
			pkt_key(&s, IFINDEX_LO, &p.key);
			xw_image_classify(&img, e->side, NULL, &p, &m);
			assert_int_equal(xw_env_clear_counters(e, 0), 0);
			len = pkt_build(&s, buf, &lay);
			assert_int_equal(xw_env_run(e, buf, len, IFINDEX_LO, &ret), 0);
			if (ret != (m.verdict == XW_ACT_DROP ? XDP_DROP : XDP_PASS))
				fail_msg("packet %u: verdict %u, the mirror says %u (rid %u)", i,
					 ret, m.verdict, m.rid);
			if (m.rid != XW_RID_NONE) {
				struct xw_counter before, after;

				/* the deciding rule's counter moves */
				assert_int_equal(xw_env_rule_counter(e, m.rid, &before), 0);
				assert_int_equal(xw_env_run(e, buf, len, IFINDEX_LO, &ret), 0);
				assert_int_equal(xw_env_rule_counter(e, m.rid, &after), 0);
				assert_int_equal(after.packets, before.packets + 1);
				ruled++;
			}
			checked++;
		}
	}
	{
		struct pkt_spec s = { .saddr = { c[7].saddr[0] }, .daddr = { c[7].daddr[0] },
				      .proto = 6, .sport = 1024, .dport = c[7].dport_lo };
		uint32_t len = pkt_build(&s, buf, &lay), ret;

		assert_int_equal(xw_env_run_repeat(e, buf, len, 200000, &ret, &ns), 0);
	}
	print_message("compiled tree: %u packets, %u decided by a rule\n", checked, ruled);
	printf("FIGURE bpf_ns_tree2000=%u\n", ns);
	assert_true(ruled > checked / 4);
	xw_tree_image_free(&img);
	free(c);
}

/* ns/packet: nothing, one side rule, 64 side rules (last matches). */
static void test_timing_side(void **state)
{
	struct xw_env *e = *state;
	struct pkt_spec s = { .saddr = { IP4(10, 0, 0, 1) }, .daddr = { IP4(10, 0, 0, 2) },
			      .proto = 6, .sport = 5555, .dport = 80, .tcp_flags = 2 };
	struct xw_crule c[XW_SIDE_MAX];
	uint8_t buf[PKT_MAX];
	struct pkt_layout lay;
	uint32_t len = pkt_build(&s, buf, &lay), ret, ns0, ns1, ns64;

	xw_env_empty_tree(e, 0);
	assert_int_equal(xw_env_commit(e, XW_ACT_ACCEPT, 0, NULL, 0, NULL, 0), 0);
	assert_int_equal(xw_env_run_repeat(e, buf, len, 500000, &ret, &ns0), 0);
	for (uint32_t i = 0; i < XW_SIDE_MAX; i++) {
		c[i] = crule_any(i, i, XW_ACT_DROP);
		c[i].flags = XW_RF_L4;
		c[i].dport_lo = c[i].dport_hi = i + 1 == XW_SIDE_MAX ? 80 : 81;
	}
	assert_int_equal(xw_env_commit(e, XW_ACT_ACCEPT, 0, &c[XW_SIDE_MAX - 1], 1, NULL, 0), 0);
	assert_int_equal(xw_env_run_repeat(e, buf, len, 500000, &ret, &ns1), 0);
	assert_int_equal(ret, XDP_DROP);
	assert_int_equal(xw_env_commit(e, XW_ACT_ACCEPT, 0, c, XW_SIDE_MAX, NULL, 0), 0);
	assert_int_equal(xw_env_run_repeat(e, buf, len, 200000, &ret, &ns64), 0);
	assert_int_equal(ret, XDP_DROP);
	printf("FIGURE bpf_ns_empty=%u\nFIGURE bpf_ns_side1=%u\nFIGURE bpf_ns_side64=%u\n", ns0,
		      ns1, ns64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		XW_ENV_TEST(test_hand_cuts),
		XW_ENV_TEST(test_depth_bound),
		XW_ENV_TEST(test_big_leaf),
		XW_ENV_TEST(test_tree_and_side),
		XW_ENV_TEST(test_compiled_tree),
		XW_ENV_TEST(test_timing_side),
	};

	if (xw_env_process_init()) {
		fprintf(stderr, "test_tree: needs root (a private mount namespace)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
