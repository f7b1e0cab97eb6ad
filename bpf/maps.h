/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The maps of the XDP program. Names are the XW_MAP_* strings of the shared
 * header; user space opens the pins by those names. The three tree arrays are
 * sized by the loader before load (2 * per-slot capacity entries: slot s uses
 * [s*cap, (s+1)*cap); xw_leaves holds them in pairs, see there); the sizes
 * below are only the defaults in the object.
 */
#ifndef XW_BPF_MAPS_H
#define XW_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdpwall/xdpwall.h>

/* Per-slot capacities, set by the loader before load (equal to the map sizes / 2). */
const volatile __u32 rule_cap = XW_DEF_RULE_CAP;
const volatile __u32 node_cap = XW_DEF_NODE_CAP;
const volatile __u32 leaf_cap = XW_DEF_LEAF_CAP;

/* [0]: which side slot is live. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xw_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct xw_side);
} xw_side SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2 * XW_DEF_NODE_CAP);
	__type(key, __u32);
	__type(value, struct xw_node);
} xw_nodes SEC(".maps");

/*
 * Leaf lists: 2 * leaf_cap u32 rule indices. An array map strides its
 * elements by round_up(value_size, 8), so u32 values would leave a hole after
 * each in the mmap; the elements are pairs instead, and the mmap is a plain
 * u32 array: u32 index i lives in element i / 2, half i % 2 (memory order).
 * max_entries = leaf_cap (the loader sets it).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, XW_DEF_LEAF_CAP);
	__type(key, __u32);
	__type(value, __u32[2]);
} xw_leaves SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 2 * XW_DEF_RULE_CAP);
	__type(key, __u32);
	__type(value, struct xw_crule);
} xw_rules SEC(".maps");

/* Per-rule counters, indexed by rid. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XW_MAX_RULES);
	__type(key, __u32);
	__type(value, struct xw_counter);
} xw_counters SEC(".maps");

/* Per-verdict counters, indexed by enum xw_stat. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XW_STAT_MAX);
	__type(key, __u32);
	__type(value, struct xw_counter);
} xw_stats SEC(".maps");

/* ingress ifindex -> interface name, kept by the agent, for 'iif' rules. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, struct xw_ifname);
} xw_ifnames SEC(".maps");

/* rid -> the interface name an 'iif' rule matches (written before the commit
 * that makes the rule live; a rid's rule never changes while it lives). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XW_MAX_RULES);
	__type(key, __u32);
	__type(value, struct xw_ifname);
} xw_iifs SEC(".maps");

/* [0]: layout version and capacities, written once by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xw_meta);
} xw_meta SEC(".maps");

#endif /* XW_BPF_MAPS_H */
