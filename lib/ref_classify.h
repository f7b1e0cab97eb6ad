/* SPDX-License-Identifier: MIT */
/* The reference classifier: decides a packet's verdict straight from the
 * ordered rule list, the slow obvious way. The differential tests and the
 * benchmark hold the XDP program to it. */
#ifndef XW_LIB_REF_CLASSIFY_H
#define XW_LIB_REF_CLASSIFY_H

#include "rule.h"

struct xw_ref_result {
	uint8_t verdict;   /* XW_ACT_ACCEPT or XW_ACT_DROP */
	long rule;         /* index of the deciding rule, -1 if the policy decided */
	unsigned ncounted; /* 'count' rules before the deciding one that matched */
	long counted[XW_COUNT_MAX]; /* their indices, the first XW_COUNT_MAX */
};

/* Does rule r match packet p? */
bool xw_ref_match(const struct xw_rule *r, const struct xw_pkt *p);

/* First match wins; 'count' rules are counted and passed; no match: policy,
 * except IPv6 neighbour discovery (ICMPv6 133-137), which is accepted. */
void xw_ref_classify(const struct xw_rule *rules, size_t n, uint8_t policy,
		     const struct xw_pkt *p, struct xw_ref_result *res);

#endif
