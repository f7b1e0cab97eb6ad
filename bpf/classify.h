/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The classifier: the live generation's decision tree and side rules.
 *
 *   1. xw_active[0] names the live side slot; the side slot names the tree slot.
 *   2. Walk each of the XW_TREES trees of the packet's family in that slot
 *      (roots XW_ROOT(v6, t)), at most XW_TREE_DEPTH_MAX nodes each, to a leaf.
 *   3. Scan each leaf's compiled rules (ascending prio), stopping at the first
 *      accept/drop that matches or at a prio >= the best found; rids in the
 *      side slot's tombstones are skipped.
 *   4. Scan the side rules the same way: lowest prio wins.
 *   5. 'count' rules that matched with a prio below the winner's are counted,
 *      the first XW_COUNT_MAX of them.
 *
 * Per-packet work is XW_TREES walks of bounded depth and their leaves; never a
 * walk over the ruleset. Short lists (the compiler's leaves, most side slots)
 * are scanned inline; a leaf can in pathological sets hold thousands of rules,
 * so the rest of a long list is scanned in bpf_loop(), which verifies for any
 * length.
 *
 * Verifier notes: xw_classify() is a global function so that it is verified
 * once, not once per path through the parser; xw_remember() and xw_iif_match()
 * are global so that their per-packet state (how many count rules, whether the
 * interface name was looked up) does not multiply the states of the scans.
 */
#ifndef XW_BPF_CLASSIFY_H
#define XW_BPF_CLASSIFY_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdpwall/xdpwall.h>

#include "maps.h"

#define XW_PRIO_NONE 0xffffffffu

struct xw_counted {
	__u32 prio;
	__u32 rid;
};

/* Everything one classification needs; the bpf_loop() callbacks get a pointer
 * to it. */
struct xw_cls {
	struct xw_key key;
	__u32 scan_from;  /* bpf_loop() scans: first leaf entry / side index ... */
	__u32 scan_end;   /* ... and the end */
	__u32 side_slot;  /* the live side slot (an index: see xw_leaf_cb()) */
	__u32 rules_base; /* tree slot * rule_cap */
	__u32 best_prio;  /* XW_PRIO_NONE until a rule decided */
	__u32 best_rid;
	__u32 best_action;
	__u32 ncnt;       /* valid entries of cnt[] */
	struct xw_counted cnt[XW_COUNT_MAX]; /* the lowest-prio 'count' rules that matched */
	__u32 iif_state;  /* 0: not looked up yet, 1: name known, 2: ifindex unknown */
	char iif[XW_IFNAMSIZ];
};

/* The top len (0..32) bits of the 32-bit x are zero. 64-bit arithmetic
 * throughout: len 0 needs no branch, and without alu32 (clang's default BPF
 * CPU) u32 temporaries cost a zero-extension (two shifts) each. */
static __always_inline int xw_top_zero(__u64 x, __u64 len)
{
	return !(x >> (32 - len));
}

/* The first len bits of the 128-bit value w[0..3] equal those of a[0..3].
 * Most prefixes end in the first word (every IPv4 one): one xor and a shift. */
static __always_inline int xw_prefix_match(const __u32 *w, const __u32 *a, __u64 len)
{
	if (len <= 32)
		return xw_top_zero((__u64)w[0] ^ a[0], len);
	if (w[0] != a[0])
		return 0;
	if (len <= 64)
		return xw_top_zero((__u64)w[1] ^ a[1], len - 32);
	if (w[1] != a[1])
		return 0;
	if (len <= 96)
		return xw_top_zero((__u64)w[2] ^ a[2], len - 64);
	if (w[2] != a[2])
		return 0;
	return xw_top_zero((__u64)w[3] ^ a[3], len >= 128 ? 32 : len - 96);
}

/*
 * The interface name test: the packet's interface name, looked up lazily (once
 * per packet) in xw_ifnames, against the rule's in xw_iifs[rid].
 * Global, like xw_remember(): rare, and inlined its per-packet state multiplied
 * the verifier's states ("BPF program is too large. Processed 1000001 insn").
 */
__noinline int xw_iif_match(struct xw_cls *c, const struct xw_crule *r)
{
	const struct xw_ifname *want;
	__u32 rid;
	int i;

	if (!c || !r)
		return 0;
	rid = r->rid & (XW_MAX_RULES - 1);
	want = bpf_map_lookup_elem(&xw_iifs, &rid);
	if (!want)
		return 0;
	if (c->iif_state == 0) {
		struct xw_ifname *n = bpf_map_lookup_elem(&xw_ifnames, &c->key.ifindex);

		c->iif_state = 2;
		if (n) {
			__builtin_memcpy(c->iif, n->name, XW_IFNAMSIZ);
			c->iif_state = 1;
		}
	}
	if (c->iif_state != 1)
		return 0;
	/* strncmp(want->name, c->iif, XW_IFNAMSIZ) == 0 */
	for (i = 0; i < XW_IFNAMSIZ; i++) {
		char a = want->name[i];

		if (a != c->iif[i])
			return 0;
		if (!a)
			break;
	}
	return 1;
}

/* The predicate of lib/compile.h xw_crule_match(), on the packet key. */
static __always_inline int xw_crule_match(struct xw_cls *c, const struct xw_crule *r)
{
	const struct xw_key *k = &c->key;
	__u16 f = r->flags;

	if ((f & XW_RF_V4) && (k->flags & XW_PKT_V6))
		return 0;
	if ((f & XW_RF_V6) && !(k->flags & XW_PKT_V6))
		return 0;
	if ((f & XW_RF_PROTO) && k->w[XW_DIM_PROTO] != r->proto)
		return 0;
	if (!xw_prefix_match(&k->w[XW_DIM_SADDR0], r->saddr, r->slen))
		return 0;
	if (!xw_prefix_match(&k->w[XW_DIM_DADDR0], r->daddr, r->dlen))
		return 0;
	if (f & XW_RF_L4) {
		__u32 sp = k->w[XW_DIM_SPORT], dp = k->w[XW_DIM_DPORT];

		if (!(k->flags & XW_PKT_L4))
			return 0;
		if (sp < r->sport_lo || sp > r->sport_hi || dp < r->dport_lo || dp > r->dport_hi)
			return 0;
		if ((k->tcp_flags & r->tcp_mask) != r->tcp_flags)
			return 0;
	}
	if ((f & XW_RF_VLAN) && (!(k->flags & XW_PKT_VLAN) || k->vlan != r->vlan))
		return 0;
	if ((f & XW_RF_IIF) && !xw_iif_match(c, r))
		return 0;
	return 1;
}

/* Remember a matching 'count' rule: cnt[] keeps the XW_COUNT_MAX lowest prios
 * seen, once each (a rule can sit in a leaf and in the side slot). Global: see
 * xw_iif_match(). */
__noinline int xw_remember(struct xw_cls *c, __u32 prio, __u32 rid)
{
	__u32 i, n, worst = 0;

	if (!c)
		return 0;
	n = c->ncnt;
	for (i = 0; i < XW_COUNT_MAX; i++) {
		if (i >= n)
			break;
		if (c->cnt[i].prio == prio)
			return 0;
		if (c->cnt[i].prio > c->cnt[worst].prio)
			worst = i;
	}
	if (n < XW_COUNT_MAX) {
		worst = n;
		c->ncnt = n + 1;
	} else if (prio > c->cnt[worst].prio) {
		return 0;
	}
	c->cnt[worst].prio = prio;
	c->cnt[worst].rid = rid;
	return 0;
}

/*
 * Rule r, met in ascending prio order: skip it if tombstoned, else match it
 * and take its action. Returns 1 when the scan of r's list can stop (r's prio
 * is not below the best so far, or r decided).
 */
static __always_inline long xw_take(struct xw_cls *c, const struct xw_side *side,
				    const struct xw_crule *r)
{
	/* rid < XW_MAX_RULES by contract; without the mask the tombstone test
	 * fails with "R2 max value is outside of the allowed memory range". */
	__u32 rid = r->rid & (XW_MAX_RULES - 1);
	__u32 prio = r->prio;
	__u8 action;

	if (prio >= c->best_prio)
		return 1;
	if (!xw_crule_match(c, r))
		return 0;
	/* after the match: most rules scanned do not match */
	if (side->tomb[rid / 64] & (1ull << (rid % 64)))
		return 0;
	action = r->action;
	if (action == XW_ACT_ACCEPT || action == XW_ACT_DROP) {
		c->best_prio = prio;
		c->best_rid = rid;
		c->best_action = action;
		return 1; /* every later rule of this list has a higher prio */
	}
	if (action == XW_ACT_COUNT)
		xw_remember(c, prio, rid);
	return 0; /* count, or an action this program does not know: go on */
}

/* Rule index idx of the leaf lists (slot offset included), or NULL. */
static __always_inline const struct xw_crule *xw_leaf_rule(__u32 idx, __u32 rules_base)
{
	__u32 k = idx / 2, ri, *pair; /* two entries per element: see maps.h */

	pair = bpf_map_lookup_elem(&xw_leaves, &k);
	if (!pair)
		return NULL;
	ri = pair[idx & 1];
	if (ri >= rule_cap)
		return NULL;
	k = rules_base + ri;
	return bpf_map_lookup_elem(&xw_rules, &k);
}

/*
 * Leaves and side lists are scanned inline for their first XW_SCAN_INLINE
 * rules, which covers the leaves the compiler makes (a few rules each), and
 * in bpf_loop() beyond, XW_SCAN_INLINE rules per iteration, so a leaf of any
 * length is verified and scanned. Calls cost here (every JIT'ed return goes
 * through the CPU's return thunk: ~8 ns a call on this machine), so there is
 * one call per XW_SCAN_INLINE rules, none for a short list.
 */
#define XW_SCAN_INLINE 16

static long xw_leaf_cb(__u64 i, void *ctx)
{
	struct xw_cls *c = ctx;
	const struct xw_crule *r;
	struct xw_side *side;
	__u32 j, idx;

	/* c holds the slot number, not the map value pointer: passing c to a
	 * global function (xw_remember(), xw_iif_match()) turns all of *c into
	 * plain bytes for the verifier, and a pointer kept there came back as
	 * "R3 invalid mem access 'scalar'". The array lookup is inlined. */
	side = bpf_map_lookup_elem(&xw_side, &c->side_slot);
	if (!side)
		return 1;
	for (j = 0; j < XW_SCAN_INLINE; j++) {
		idx = c->scan_from + (__u32)i * XW_SCAN_INLINE + j;
		if (idx >= c->scan_end)
			return 1;
		r = xw_leaf_rule(idx, c->rules_base);
		if (r && xw_take(c, side, r))
			return 1;
	}
	return 0;
}

static long xw_side_cb(__u64 i, void *ctx)
{
	struct xw_cls *c = ctx;
	struct xw_side *side;
	__u32 j, idx;

	side = bpf_map_lookup_elem(&xw_side, &c->side_slot);
	if (!side)
		return 1;
	for (j = 0; j < XW_SCAN_INLINE; j++) {
		idx = c->scan_from + (__u32)i * XW_SCAN_INLINE + j;
		if (idx >= c->scan_end || idx >= XW_SIDE_MAX)
			return 1;
		/* clang tests a copy of idx and indexes with the original:
		 * "R2 unbounded memory access, make sure to bounds check any
		 * such access". The mask changes nothing (idx < XW_SIDE_MAX);
		 * the barrier keeps clang from dropping it. */
		barrier_var(idx);
		idx &= XW_SIDE_MAX - 1;
		if (xw_take(c, side, &side->side[idx]))
			return 1;
	}
	return 0;
}

static __always_inline __u32 xw_chunks(__u32 n)
{
	return (n + XW_SCAN_INLINE - 1) / XW_SCAN_INLINE;
}

/* Scan the `count` rules of the leaf list at `at`. */
static __always_inline void xw_scan_leaf(struct xw_cls *c, const struct xw_side *side, __u32 at,
					 __u32 count)
{
	const struct xw_crule *r;
	__u32 i;

	for (i = 0; i < XW_SCAN_INLINE; i++) {
		if (i >= count)
			return;
		r = xw_leaf_rule(at + i, c->rules_base);
		if (r && xw_take(c, side, r))
			return;
	}
	if (count > XW_SCAN_INLINE) {
		c->scan_from = at + XW_SCAN_INLINE;
		c->scan_end = at + count;
		bpf_loop(xw_chunks(count - XW_SCAN_INLINE), xw_leaf_cb, c, 0);
	}
}

static __always_inline void xw_scan_side(struct xw_cls *c, const struct xw_side *side)
{
	__u32 i, count = side->nside;

	if (count > XW_SIDE_MAX)
		count = XW_SIDE_MAX;
	for (i = 0; i < XW_SCAN_INLINE; i++) {
		if (i >= count)
			return;
		if (xw_take(c, side, &side->side[i]))
			return;
	}
	if (count > XW_SCAN_INLINE) {
		c->scan_from = XW_SCAN_INLINE;
		c->scan_end = count;
		bpf_loop(xw_chunks(count - XW_SCAN_INLINE), xw_side_cb, c, 0);
	}
}

/*
 * Walk the tree at node `root` of tree slot `slot` to a leaf: *at gets its
 * first xw_leaves index (slot offset included), the return value is its rule
 * count (0 if the walk found no leaf within XW_TREE_DEPTH_MAX nodes).
 */
static __always_inline __u32 xw_walk(const struct xw_key *key, __u32 slot, __u32 root, __u32 *at)
{
	__u32 nbase = slot * node_cap, idx = root, i, k;
	const struct xw_node *node;

	for (i = 0; i < XW_TREE_DEPTH_MAX; i++) {
		__u32 info, dim, shift, bits, v;

		if (idx >= node_cap)
			return 0;
		k = nbase + idx;
		node = bpf_map_lookup_elem(&xw_nodes, &k);
		if (!node)
			return 0;
		info = node->info;
		if (info & XW_NODE_LEAF) {
			__u32 base = node->base, count = info & ~XW_NODE_LEAF;

			if (base >= leaf_cap)
				return 0;
			if (count > leaf_cap - base)
				count = leaf_cap - base;
			*at = slot * leaf_cap + base;
			return count;
		}
		dim = (info >> 16) & 0xff;
		shift = (info >> 8) & 0xff;
		bits = info & 0xff;
		/* a corrupt node ends the walk; the dim test is also what the
		 * verifier needs for key->w[dim]: "invalid variable-offset read
		 * from stack R1 var_off=(0x0; 0x3fc) off=-184 size=4" */
		if (dim >= XW_DIMS || shift >= 32 || bits > 32)
			return 0;
		v = key->w[dim] >> shift;
		idx = node->base + (__u32)(v & ((1ull << bits) - 1));
	}
	return 0;
}

static __always_inline void xw_count(__u32 rid, __u64 bytes)
{
	struct xw_counter *ctr;

	rid &= XW_MAX_RULES - 1; /* the rid space of the tombstones, see xw_take() */
	ctr = bpf_map_lookup_elem(&xw_counters, &rid);
	if (ctr) {
		ctr->packets++;
		ctr->bytes += bytes;
	}
}

/* What the classifier decided. */
struct xw_verdict {
	__u32 action; /* XW_ACT_ACCEPT / XW_ACT_DROP of the winner, XW_ACT_NONE: no rule */
	__u32 rid;
	__u32 policy; /* of the live generation: XW_ACT_ACCEPT or XW_ACT_DROP */
};

/*
 * Run the rules of the live generation over key, count the winner and the
 * 'count' rules before it (bytes each). A global function: verified once, not
 * once per path through the parser (inlined: "BPF program is too large.
 * Processed 1000001 insn"); the one call per packet is the price.
 */
__noinline int xw_classify(const struct xw_key *key, struct xw_verdict *v, __u64 bytes)
{
	__u32 zero = 0, *active, slot, at = 0, count, t, v6, i;
	struct xw_side *side;
	struct xw_cls c;

	if (!key || !v)
		return 0;
	v->action = XW_ACT_NONE;
	v->policy = XW_ACT_ACCEPT;
	active = bpf_map_lookup_elem(&xw_active, &zero);
	if (!active)
		return 0;
	slot = *active & 1;
	side = bpf_map_lookup_elem(&xw_side, &slot);
	if (!side)
		return 0;
	v->policy = side->policy == XW_ACT_DROP ? XW_ACT_DROP : XW_ACT_ACCEPT;

	__builtin_memcpy(&c.key, key, sizeof(c.key));
	c.side_slot = slot;
	c.best_prio = XW_PRIO_NONE;
	c.best_rid = 0;
	c.best_action = XW_ACT_NONE;
	c.ncnt = 0;
	c.iif_state = 0;
	c.scan_from = 0;
	c.scan_end = 0;
	slot = side->tree_slot & 1;
	c.rules_base = slot * rule_cap;
	v6 = !!(key->flags & XW_PKT_V6);
	for (t = 0; t < XW_TREES; t++) {
		const struct xw_node *tmin;
		__u32 k = slot * node_cap + XW_TREE_MIN(v6, t);

		/* no rule of tree t can come before the best match so far */
		tmin = bpf_map_lookup_elem(&xw_nodes, &k);
		if (tmin && tmin->base >= c.best_prio)
			continue;
		count = xw_walk(&c.key, slot, XW_ROOT(v6, t), &at);
		if (count)
			xw_scan_leaf(&c, side, at, count);
	}
	if (side->nside)
		xw_scan_side(&c, side);

	for (i = 0; i < XW_COUNT_MAX; i++) {
		if (i >= c.ncnt)
			break;
		if (c.cnt[i].prio < c.best_prio)
			xw_count(c.cnt[i].rid, bytes);
	}
	if (c.best_prio != XW_PRIO_NONE) {
		xw_count(c.best_rid, bytes);
		v->action = c.best_action;
		v->rid = c.best_rid;
	}
	return 0;
}

/* The policy of the live generation, for frames no rule may decide. */
static __always_inline __u32 xw_policy(void)
{
	__u32 zero = 0, *active, slot;
	struct xw_side *side;

	active = bpf_map_lookup_elem(&xw_active, &zero);
	if (!active)
		return XW_ACT_ACCEPT;
	slot = *active & 1;
	side = bpf_map_lookup_elem(&xw_side, &slot);
	if (!side)
		return XW_ACT_ACCEPT;
	return side->policy == XW_ACT_DROP ? XW_ACT_DROP : XW_ACT_ACCEPT;
}

#endif /* XW_BPF_CLASSIFY_H */
