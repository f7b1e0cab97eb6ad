/* SPDX-License-Identifier: MIT */
/* The ruleset compiler: rules -> compiled rules -> decision tree image.
 * Pure: builds arrays in memory; commit.c copies them into the maps. */
#ifndef XW_LIB_COMPILE_H
#define XW_LIB_COMPILE_H

#include "rule.h"

struct xw_caps {
	uint32_t rule_cap; /* compiled rules per tree slot */
	uint32_t node_cap;
	uint32_t leaf_cap;
};

struct xw_tree_image {
	struct xw_node *nodes;
	uint32_t n_nodes;
	uint32_t *leaves;
	uint32_t n_leaves;
	struct xw_crule *rules;
	uint32_t n_rules;
	/* build figures */
	uint32_t depth_max, leaf_max;
};

/* Expand one rule (port lists become one compiled rule per port-range pair).
 * Returns the number written to out (<= max) or -ENOSPC. */
int xw_crule_expand(const struct xw_rule *r, uint32_t prio, uint32_t rid,
		    struct xw_crule *out, size_t max);

/* Build the tree image over n compiled rules (any order; leaves are sorted by prio).
 * Never exceeds caps: where cutting would, leaves stay larger. -ENOSPC if even
 * the rules themselves do not fit. */
int xw_tree_build(const struct xw_crule *rules, uint32_t n, const struct xw_caps *caps,
		  struct xw_tree_image *img);
void xw_tree_image_free(struct xw_tree_image *img);

/* Does compiled rule c match the packet? An XW_RF_IIF rule's interface name is
 * not in the compiled rule (the program reads it from xw_iifs[rid]): rule_iif
 * is that name. The XDP program implements the same predicate. */
bool xw_crule_match(const struct xw_crule *c, const char *rule_iif, const struct xw_pkt *p);

struct xw_match {
	uint8_t verdict;  /* XW_ACT_ACCEPT / XW_ACT_DROP */
	uint32_t rid;     /* deciding rule, XW_RID_NONE (0xffffffff) if the policy decided */
	unsigned ncounted;
	uint32_t counted[XW_COUNT_MAX];
};

/* User-space mirror of the XDP classifier over an image and a side slot.
 * iifs[rid] (XW_MAX_RULES entries, as the map xw_iifs) names the interface of
 * each XW_RF_IIF rule; NULL if there are none. */
void xw_image_classify(const struct xw_tree_image *img, const struct xw_side *side,
		       const struct xw_ifname *iifs, const struct xw_pkt *p,
		       struct xw_match *m);

#endif
