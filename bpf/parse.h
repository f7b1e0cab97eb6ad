/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Packet parsing: one frame in, a struct xw_key and a parse verdict out.
 *
 * Packet verdicts (what the program does with a frame before and after the
 * rules). Every frame adds one packet and its bytes to exactly one of the
 * xw_stats counters RULE_ACCEPT, RULE_DROP, POLICY_ACCEPT, POLICY_DROP,
 * L2_PASS, MALFORMED and EXTHDR_LIMIT; FRAGMENT and NON_IP are notes on top:
 *
 *   frame                                              verdict    xw_stats
 *   -------------------------------------------------  ---------  -----------------------
 *   Ethernet header shorter than 14 bytes              XDP_DROP   MALFORMED
 *   VLAN tag (802.1Q 0x8100 / 802.1ad 0x88a8) cut off  XDP_DROP   MALFORMED
 *   a third VLAN tag                                   XDP_DROP   MALFORMED
 *   ARP (0x0806), with or without VLAN tags            XDP_PASS   L2_PASS
 *   other non-IP EtherType                             policy     NON_IP + POLICY_*
 *   IPv4: header cut off, version != 4, IHL < 5,       XDP_DROP   MALFORMED
 *     IHL*4 past the frame, total length < IHL*4
 *     or past the frame
 *   IPv6: header cut off, version != 6, payload        XDP_DROP   MALFORMED
 *     length past the frame (so a jumbogram, payload
 *     length 0, carries no upper-layer header)
 *   IPv6 extension header (hop-by-hop 0, routing 43,   XDP_DROP   MALFORMED
 *     fragment 44, AH 51, destination options 60)
 *     cut off
 *   IPv6 chain of more than XW_EXTHDR_MAX (8)          XDP_DROP   EXTHDR_LIMIT
 *     extension headers
 *   non-first fragment (IPv4 offset != 0, IPv6         rules      FRAGMENT + RULE_* / POLICY_*
 *     fragment header offset != 0): classified on
 *     L3 fields only (XW_PKT_L4 clear, ports 0), so
 *     a rule with ports/tcp-flags/icmp never matches
 *   first fragment or whole packet whose TCP (20       XDP_DROP   MALFORMED
 *     bytes, data offset >= 5), UDP (8), ICMP (4,
 *     IPv4 protocol 1) or ICMPv6 (4, IPv6 next header
 *     58) header does not fit inside the IP packet
 *     (tiny-fragment evasion)
 *   any other upper-layer protocol                     rules      RULE_* / POLICY_*
 *     (classified without L4)
 *   IP, no rule decided, ICMPv6 neighbour discovery    XDP_PASS   L2_PASS
 *     (types 133-137, complete ICMPv6 header), under
 *     either policy (a rule may still drop it)
 *   IP, no rule decided                                policy     POLICY_ACCEPT / POLICY_DROP
 *   IP, an accept / drop rule decided                  rule       RULE_ACCEPT / RULE_DROP
 *
 * ICMP and ICMPv6 put the type in key.w[XW_DIM_SPORT] and the code in
 * key.w[XW_DIM_DPORT]. Only the IP packet counts for "fits": Ethernet padding
 * after the IP total length is ignored, never parsed.
 */
#ifndef XW_BPF_PARSE_H
#define XW_BPF_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdpwall/xdpwall.h>

#define XW_VLAN_MAX   2 /* tags parsed; a third one is malformed */
#define XW_EXTHDR_MAX 8 /* IPv6 extension headers walked; one more is EXTHDR_LIMIT */

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif

enum xw_parse_res {
	XW_PARSE_IP = 0,       /* key filled: classify */
	XW_PARSE_ARP,          /* pass */
	XW_PARSE_NON_IP,       /* the policy decides */
	XW_PARSE_MALFORMED,    /* drop */
	XW_PARSE_EXTHDR_LIMIT, /* drop */
};

/* *notes bits */
#define XW_NOTE_FRAGMENT 0x1 /* non-first fragment */

struct xw_vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* The header of hop-by-hop, routing, destination options and AH: the next
 * header and a length whose unit differs (AH: 4 bytes, others 8). */
struct xw_ext_hdr {
	__u8 nexthdr;
	__u8 len;
};

struct xw_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset << 3 | res << 1 | M */
	__be32 id;
};

static __always_inline int xw_is_exthdr(__u8 nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_FRAGMENT ||
	       nh == IPPROTO_AH || nh == IPPROTO_DSTOPTS;
}

/* The L4 header at l4 inside [l4, end): TCP, UDP, ICMP (v4) or ICMPv6 (v6). */
static __always_inline int xw_parse_l4(void *l4, void *end, void *data_end, struct xw_key *key)
{
	__u8 proto = key->w[XW_DIM_PROTO];
	int v6 = key->flags & XW_PKT_V6;

	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > data_end || (void *)(th + 1) > end)
			return XW_PARSE_MALFORMED;
		if (th->doff < 5)
			return XW_PARSE_MALFORMED;
		key->w[XW_DIM_SPORT] = bpf_ntohs(th->source);
		key->w[XW_DIM_DPORT] = bpf_ntohs(th->dest);
		key->tcp_flags = ((__u8 *)th)[13];
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > data_end || (void *)(uh + 1) > end)
			return XW_PARSE_MALFORMED;
		key->w[XW_DIM_SPORT] = bpf_ntohs(uh->source);
		key->w[XW_DIM_DPORT] = bpf_ntohs(uh->dest);
	} else if ((!v6 && proto == IPPROTO_ICMP) || (v6 && proto == IPPROTO_ICMPV6)) {
		__u8 *ih = l4; /* type, code, checksum: 4 bytes */

		if ((void *)(ih + 4) > data_end || (void *)(ih + 4) > end)
			return XW_PARSE_MALFORMED;
		key->w[XW_DIM_SPORT] = ih[0];
		key->w[XW_DIM_DPORT] = ih[1];
	} else {
		return XW_PARSE_IP; /* classified without L4 */
	}
	key->flags |= XW_PKT_L4;
	return XW_PARSE_IP;
}

static __always_inline int xw_parse_ipv4(void *l3, void *data_end, struct xw_key *key,
					 __u32 *notes)
{
	struct iphdr *iph = l3;
	__u32 hlen, tlen;
	void *end;

	if ((void *)(iph + 1) > data_end)
		return XW_PARSE_MALFORMED;
	if (iph->version != 4 || iph->ihl < 5)
		return XW_PARSE_MALFORMED;
	hlen = iph->ihl * 4;
	tlen = bpf_ntohs(iph->tot_len);
	if (l3 + hlen > data_end || tlen < hlen || l3 + tlen > data_end)
		return XW_PARSE_MALFORMED;
	end = l3 + tlen;

	key->w[XW_DIM_SADDR0] = bpf_ntohl(iph->saddr);
	key->w[XW_DIM_DADDR0] = bpf_ntohl(iph->daddr);
	key->w[XW_DIM_PROTO] = iph->protocol;
	if (iph->frag_off & bpf_htons(0x1fff)) {
		*notes |= XW_NOTE_FRAGMENT;
		return XW_PARSE_IP; /* L3 fields only */
	}
	return xw_parse_l4(l3 + hlen, end, data_end, key);
}

static __always_inline int xw_parse_ipv6(void *l3, void *data_end, struct xw_key *key,
					 __u32 *notes)
{
	struct ipv6hdr *ip6 = l3;
	void *cur, *end;
	__u8 nh;
	int i;

	if ((void *)(ip6 + 1) > data_end)
		return XW_PARSE_MALFORMED;
	if (ip6->version != 6)
		return XW_PARSE_MALFORMED;
	end = (void *)(ip6 + 1) + bpf_ntohs(ip6->payload_len);
	if (end > data_end)
		return XW_PARSE_MALFORMED;

	key->flags |= XW_PKT_V6;
	key->w[XW_DIM_SADDR0] = bpf_ntohl(ip6->saddr.in6_u.u6_addr32[0]);
	key->w[XW_DIM_SADDR1] = bpf_ntohl(ip6->saddr.in6_u.u6_addr32[1]);
	key->w[XW_DIM_SADDR2] = bpf_ntohl(ip6->saddr.in6_u.u6_addr32[2]);
	key->w[XW_DIM_SADDR3] = bpf_ntohl(ip6->saddr.in6_u.u6_addr32[3]);
	key->w[XW_DIM_DADDR0] = bpf_ntohl(ip6->daddr.in6_u.u6_addr32[0]);
	key->w[XW_DIM_DADDR1] = bpf_ntohl(ip6->daddr.in6_u.u6_addr32[1]);
	key->w[XW_DIM_DADDR2] = bpf_ntohl(ip6->daddr.in6_u.u6_addr32[2]);
	key->w[XW_DIM_DADDR3] = bpf_ntohl(ip6->daddr.in6_u.u6_addr32[3]);

	nh = ip6->nexthdr;
	cur = ip6 + 1;
	for (i = 0; i < XW_EXTHDR_MAX; i++) {
		if (!xw_is_exthdr(nh))
			break;
		if (nh == IPPROTO_FRAGMENT) {
			struct xw_frag_hdr *fh = cur;

			if ((void *)(fh + 1) > data_end || (void *)(fh + 1) > end)
				return XW_PARSE_MALFORMED;
			nh = fh->nexthdr;
			if (fh->frag_off & bpf_htons(0xfff8)) {
				/* What follows is the middle of the fragmentable part. */
				key->w[XW_DIM_PROTO] = nh;
				*notes |= XW_NOTE_FRAGMENT;
				return XW_PARSE_IP;
			}
			cur = fh + 1;
		} else {
			struct xw_ext_hdr *eh = cur;
			__u32 len;

			if ((void *)(eh + 1) > data_end)
				return XW_PARSE_MALFORMED;
			if (nh == IPPROTO_AH)
				len = ((__u32)eh->len + 2) * 4;
			else
				len = ((__u32)eh->len + 1) * 8;
			nh = eh->nexthdr;
			/* The length byte bounds len to 2048, so the offset of cur
			 * stays bounded over the XW_EXTHDR_MAX steps. */
			cur += len;
			if (cur > end)
				return XW_PARSE_MALFORMED;
		}
	}
	if (xw_is_exthdr(nh))
		return XW_PARSE_EXTHDR_LIMIT;
	key->w[XW_DIM_PROTO] = nh;
	return xw_parse_l4(cur, end, data_end, key);
}

/* Fills key (which the caller zeroed) from the frame. */
static __always_inline int xw_parse(struct xdp_md *ctx, struct xw_key *key, __u32 *notes)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ethhdr *eth = data;
	void *cur;
	__u16 proto;
	int i;

	key->ifindex = ctx->ingress_ifindex;
	if ((void *)(eth + 1) > data_end)
		return XW_PARSE_MALFORMED;
	proto = eth->h_proto;
	cur = eth + 1;
#pragma unroll
	for (i = 0; i < XW_VLAN_MAX + 1; i++) {
		struct xw_vlan_hdr *vh = cur;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if (i == XW_VLAN_MAX)
			return XW_PARSE_MALFORMED; /* a third tag */
		if ((void *)(vh + 1) > data_end)
			return XW_PARSE_MALFORMED;
		if (i == 0) {
			key->vlan = bpf_ntohs(vh->tci) & 0x0fff;
			key->flags |= XW_PKT_VLAN;
		}
		proto = vh->proto;
		cur = vh + 1;
	}

	if (proto == bpf_htons(ETH_P_IP))
		return xw_parse_ipv4(cur, data_end, key, notes);
	if (proto == bpf_htons(ETH_P_IPV6))
		return xw_parse_ipv6(cur, data_end, key, notes);
	if (proto == bpf_htons(ETH_P_ARP))
		return XW_PARSE_ARP;
	return XW_PARSE_NON_IP;
}

#endif /* XW_BPF_PARSE_H */
