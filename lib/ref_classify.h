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
	unsigned ncounted; /* 'count' rules before the deciding one that matched,
			    * at most XW_COUNT_MAX (what the XDP program counts) */
	long counted[XW_COUNT_MAX]; /* their indices, the first XW_COUNT_MAX */
};

/* Does rule r match packet p? rule.family 4/6 needs that packet family
 * (XW_PKT_V6); addresses are prefixes over the host-order words; ports,
 * tcp-flags and icmp type/code (in the SPORT/DPORT words) need XW_PKT_L4;
 * vlan needs XW_PKT_VLAN; iif compares p->iif by name. */
bool xw_ref_match(const struct xw_rule *r, const struct xw_pkt *p);

/* First match wins; 'count' rules are counted and passed; rules with another
 * action (XW_ACT_NONE) are skipped; no match: policy, except IPv6 neighbour
 * discovery (IPv6, proto 58, L4 valid, type 133-137), which is accepted. */
void xw_ref_classify(const struct xw_rule *rules, size_t n, uint8_t policy,
		     const struct xw_pkt *p, struct xw_ref_result *res);

#endif
