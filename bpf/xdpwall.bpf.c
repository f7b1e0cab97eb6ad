// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdpwall: the XDP entry point. Parse (parse.h), classify (classify.h), count,
 * return the verdict. The verdict table is at the top of parse.h.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdpwall/xdpwall.h>

#include "maps.h"
#include "parse.h"
#include "classify.h"

static __always_inline void xw_stat(__u32 idx, __u64 bytes)
{
	struct xw_counter *ctr = bpf_map_lookup_elem(&xw_stats, &idx);

	if (ctr) {
		ctr->packets++;
		ctr->bytes += bytes;
	}
}

static __always_inline int xw_policy_verdict(__u32 policy, __u64 bytes)
{
	if (policy == XW_ACT_DROP) {
		xw_stat(XW_STAT_POLICY_DROP, bytes);
		return XDP_DROP;
	}
	xw_stat(XW_STAT_POLICY_ACCEPT, bytes);
	return XDP_PASS;
}

/* ICMPv6 neighbour discovery: router solicitation (133) .. redirect (137). */
static __always_inline int xw_is_nd(const struct xw_key *k)
{
	return (k->flags & XW_PKT_V6) && (k->flags & XW_PKT_L4) &&
	       k->w[XW_DIM_PROTO] == IPPROTO_ICMPV6 && k->w[XW_DIM_SPORT] >= 133 &&
	       k->w[XW_DIM_SPORT] <= 137;
}

SEC("xdp")
int xdpwall_main(struct xdp_md *ctx)
{
	__u64 bytes = ctx->data_end - ctx->data;
	struct xw_verdict v = {};
	struct xw_key key = {};
	__u32 notes = 0;
	int res;

	res = xw_parse(ctx, &key, &notes);
	if (notes & XW_NOTE_FRAGMENT)
		xw_stat(XW_STAT_FRAGMENT, bytes);
	switch (res) {
	case XW_PARSE_IP:
		break;
	case XW_PARSE_ARP:
		xw_stat(XW_STAT_L2_PASS, bytes);
		return XDP_PASS;
	case XW_PARSE_NON_IP:
		xw_stat(XW_STAT_NON_IP, bytes);
		return xw_policy_verdict(xw_policy(), bytes);
	case XW_PARSE_EXTHDR_LIMIT:
		xw_stat(XW_STAT_EXTHDR_LIMIT, bytes);
		return XDP_DROP;
	default:
		xw_stat(XW_STAT_MALFORMED, bytes);
		return XDP_DROP;
	}

	xw_classify(&key, &v, bytes);
	if (v.action != XW_ACT_NONE) {
		if (v.action == XW_ACT_DROP) {
			xw_stat(XW_STAT_RULE_DROP, bytes);
			return XDP_DROP;
		}
		xw_stat(XW_STAT_RULE_ACCEPT, bytes);
		return XDP_PASS;
	}
	if (xw_is_nd(&key)) {
		xw_stat(XW_STAT_L2_PASS, bytes);
		return XDP_PASS;
	}
	return xw_policy_verdict(v.policy, bytes);
}

char _license[] SEC("license") = "GPL";
