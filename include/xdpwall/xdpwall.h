/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * xdpwall shared contract: the ONE definition of everything the XDP program
 * and user space both rely on. Includes no libc so the BPF program can use it.
 *
 * Layout of the classifier (see README "Classifier"):
 *
 *   xw_active[0]            u32, 0 or 1: which side slot is live (the commit point;
 *                           only one byte ever changes, so a write cannot tear)
 *   xw_side[0..1]           struct xw_side: generation, policy, which tree slot,
 *                           up to XW_SIDE_MAX "side" rules and a tombstone bitmap
 *   xw_nodes[slot*cap + i]  decision-tree nodes of tree slot 0 or 1
 *   xw_leaves[slot*cap + i] leaf lists: indices into xw_rules, ascending priority
 *                           (u32 entries, stored two per map element so that the
 *                           mmap is a plain u32 array: max_entries is leaf_cap)
 *   xw_rules[slot*cap + i]  compiled rules (struct xw_crule) of that tree slot
 *
 * A packet reads xw_active, then its side slot, walks the tree of the slot the
 * side names, scans one leaf, scans the side rules, and takes the rule with the
 * lowest priority value. Per-slot capacities are the map sizes divided by two
 * (xw_leaves: the map size, its elements are pairs);
 * the loader sets them before load and passes them as const volatile globals.
 */
#ifndef XDPWALL_XDPWALL_H
#define XDPWALL_XDPWALL_H

#include <linux/types.h>

/* ---- map names: the object's map names and the pin names are the same ---- */
#define XW_MAP_ACTIVE   "xw_active"
#define XW_MAP_SIDE     "xw_side"
#define XW_MAP_NODES    "xw_nodes"
#define XW_MAP_LEAVES   "xw_leaves"
#define XW_MAP_RULES    "xw_rules"
#define XW_MAP_COUNTERS "xw_counters"
#define XW_MAP_STATS    "xw_stats"
#define XW_MAP_IFNAMES  "xw_ifnames"
#define XW_MAP_IIFS     "xw_iifs"
#define XW_MAP_META     "xw_meta"
#define XW_PROG_NAME    "xdpwall_main"
#define XW_PROG_PIN     "prog"

/* Bumped whenever a map layout or struct below changes incompatibly. The agent
 * refuses to adopt pins whose xw_meta.layout differs. */
#define XW_LAYOUT_VERSION 3

/* ---- limits ---- */
#define XW_MAX_RULES      131072u /* user rules alive at once; rid space (power of 2) */
#define XW_SIDE_MAX       64u     /* rules a small commit can add without a tree rebuild */
#define XW_TREE_DEPTH_MAX 32u     /* nodes walked from root to leaf, at most */
#define XW_COUNT_MAX      8u      /* 'count' rules counted per packet, at most */
#define XW_IFNAMSIZ       16u
#define XW_DEF_RULE_CAP   131072u  /* compiled (sub-)rules per tree slot */
#define XW_DEF_NODE_CAP   1048576u /* tree nodes per tree slot */
#define XW_DEF_LEAF_CAP   2097152u /* leaf list entries per tree slot */

/* ---- actions (append-only) ---- */
enum xw_action {
	XW_ACT_NONE = 0,
	XW_ACT_ACCEPT = 1,
	XW_ACT_DROP = 2,
	XW_ACT_COUNT = 3, /* count and continue with the next rule */
};

/* ---- per-verdict counters, index of xw_stats (append-only) ---- */
enum xw_stat {
	XW_STAT_RULE_ACCEPT = 0, /* a rule accepted the packet */
	XW_STAT_RULE_DROP,       /* a rule dropped it */
	XW_STAT_POLICY_ACCEPT,   /* no rule matched, policy accept */
	XW_STAT_POLICY_DROP,     /* no rule matched, policy drop */
	XW_STAT_L2_PASS,         /* ARP / IPv6 ND passed although policy drop */
	XW_STAT_MALFORMED,       /* truncated or inconsistent L2/L3/L4 header: dropped */
	XW_STAT_FRAGMENT,        /* non-first fragment: classified on L3 fields only */
	XW_STAT_EXTHDR_LIMIT,    /* IPv6 extension chain beyond the bound: dropped */
	XW_STAT_NON_IP,          /* not IPv4/IPv6 (after VLAN tags): policy decides */
	XW_STAT_MAX = 16,
};

/* ---- the packet as the classifier sees it ---- */
/* Dimensions of the decision tree: each is one u32 word of struct xw_key. */
enum xw_dim {
	XW_DIM_SADDR0 = 0, /* source address, most significant word first (v4: word 0) */
	XW_DIM_SADDR1,
	XW_DIM_SADDR2,
	XW_DIM_SADDR3,
	XW_DIM_DADDR0,
	XW_DIM_DADDR1,
	XW_DIM_DADDR2,
	XW_DIM_DADDR3,
	XW_DIM_SPORT, /* TCP/UDP source port; ICMP/ICMPv6 type */
	XW_DIM_DPORT, /* TCP/UDP destination port; ICMP/ICMPv6 code */
	XW_DIM_PROTO, /* IPv4 protocol / IPv6 upper-layer next header */
	XW_DIMS,
};

/* xw_key.flags */
#define XW_PKT_V6   0x01 /* IPv6 (else IPv4) */
#define XW_PKT_L4   0x02 /* a complete L4 header was read: ports/flags/type valid */
#define XW_PKT_VLAN 0x04 /* the frame carried at least one VLAN tag */

struct xw_key {
	__u32 w[XW_DIMS]; /* host byte order */
	__u16 vlan;       /* outermost VLAN ID, if XW_PKT_VLAN */
	__u8 tcp_flags;   /* TCP flags byte (FIN=0x01 ... CWR=0x80), if TCP and L4 */
	__u8 flags;       /* XW_PKT_* */
	__u32 ifindex;    /* ingress ifindex */
};
_Static_assert(sizeof(struct xw_key) == 52, "xw_key layout");

/* ---- decision tree ---- */
#define XW_NODE_LEAF 0x80000000u
/* internal node: info = dim << 16 | shift << 8 | bits; children are the 2^bits
 *   nodes at base + ((key.w[dim] >> shift) & ((1 << bits) - 1))
 * leaf node: info = XW_NODE_LEAF | count; its rules are leaves[base .. base+count) */
struct xw_node {
	__u32 base;
	__u32 info;
};
_Static_assert(sizeof(struct xw_node) == 8, "xw_node layout");
/* Each family has XW_TREES trees (rules partitioned by how wide their address
 * prefixes are, so wildcard-heavy rules are not copied across cuts of the other
 * field). A packet walks all XW_TREES trees of its family; an unused tree is an
 * empty leaf. Tree t of IPv4 has its root at node index XW_ROOT(0, t) of the
 * slot, of IPv6 at XW_ROOT(1, t). */
#define XW_TREES 4u
#define XW_ROOT(v6, t) ((v6) * XW_TREES + (t))
/* The node at XW_TREE_MIN(v6, t) holds, in .base, the lowest prio of any rule in
 * tree t (info 0; never walked). A packet skips tree t when that prio is not
 * below the best match found so far: firewall sets put their wide rules late, so
 * the trees holding them are often skipped. 0 means unknown: never skip. The
 * builder's own nodes start at XW_FIRST_NODE. */
#define XW_TREE_MIN(v6, t) (2 * XW_TREES + (v6) * XW_TREES + (t))
#define XW_FIRST_NODE (4 * XW_TREES)

/* ---- compiled rule: what a leaf scan or side scan checks in full ---- */
/* xw_crule.flags */
#define XW_RF_V4    0x0001 /* only IPv4 packets */
#define XW_RF_V6    0x0002 /* only IPv6 packets */
#define XW_RF_PROTO 0x0004 /* proto must equal .proto */
#define XW_RF_L4    0x0008 /* needs a complete L4 header (ports, tcp-flags, icmp type/code) */
#define XW_RF_VLAN  0x0010 /* outermost VLAN ID must equal .vlan */
#define XW_RF_IIF   0x0020 /* ingress interface name must equal .iif */

struct xw_crule {
	__u32 saddr[4]; /* host-order words, host bits cleared */
	__u32 daddr[4];
	__u16 sport_lo, sport_hi; /* ICMP: type range */
	__u16 dport_lo, dport_hi; /* ICMP: code range */
	__u32 prio;               /* lower value = earlier rule */
	__u32 rid;                /* rule id: index of xw_counters, xw_iifs and the tombstones */
	__u16 vlan;
	__u16 flags;              /* XW_RF_* */
	__u8 slen, dlen;          /* prefix lengths over the 128-bit words (v4: 0..32) */
	__u8 proto;
	__u8 tcp_flags, tcp_mask; /* (pkt.tcp_flags & mask) == flags */
	__u8 action;              /* enum xw_action */
	__u8 pad[6];
};
/* One cache line a rule: the interface name of an XW_RF_IIF rule lives in
 * xw_iifs[rid], read only for such rules. */
_Static_assert(sizeof(struct xw_crule) == 64, "xw_crule layout");

/* ---- side slot: the small, frequently rewritten part of a generation ---- */
struct xw_side {
	__u64 generation;
	__u32 tree_slot; /* 0 or 1 */
	__u32 policy;    /* XW_ACT_ACCEPT or XW_ACT_DROP */
	__u32 nside;     /* valid entries of side[] */
	__u32 ntomb;     /* rids set in tomb (informational) */
	__u64 activated_ns; /* CLOCK_BOOTTIME when this slot last became or stopped being live */
	struct xw_crule side[XW_SIDE_MAX]; /* ascending prio */
	__u64 tomb[XW_MAX_RULES / 64];     /* rids deleted since the tree was built */
};
_Static_assert(sizeof(struct xw_side) == 32 + 64 * 64 + 16384, "xw_side layout");

/* ---- counters ---- */
struct xw_counter {
	__u64 packets;
	__u64 bytes;
};
_Static_assert(sizeof(struct xw_counter) == 16, "xw_counter layout");

/* ---- xw_meta[0]: written once by the loader ---- */
struct xw_meta {
	__u32 layout;   /* XW_LAYOUT_VERSION */
	__u32 rule_cap; /* per tree slot */
	__u32 node_cap;
	__u32 leaf_cap;
};
_Static_assert(sizeof(struct xw_meta) == 16, "xw_meta layout");

struct xw_ifname {
	char name[XW_IFNAMSIZ];
};

#endif /* XDPWALL_XDPWALL_H */
