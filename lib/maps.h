/* SPDX-License-Identifier: MIT */
/* The pinned maps of one firewall, opened by name, the big arrays mmap'ed. */
#ifndef XW_LIB_MAPS_H
#define XW_LIB_MAPS_H

#include <stddef.h>
#include <xdpwall/xdpwall.h>

struct xw_maps {
	int active, side, nodes, leaves, rules, counters, stats, ifnames, meta, iifs;
	struct xw_meta caps;       /* xw_meta[0]: layout and per-slot capacities */
	struct xw_node *nodes_mm;  /* 2 * caps.node_cap entries, mmap'ed */
	__u32 *leaves_mm;          /* 2 * caps.leaf_cap */
	struct xw_crule *rules_mm; /* 2 * caps.rule_cap */
	size_t nodes_len, leaves_len, rules_len; /* mapping lengths in bytes */
	int ncpus;                 /* possible CPUs, for per-CPU maps */
};

/* Open every map pinned under pin_root (bpf_obj_get of pin_root/NAME) and
 * mmap the three tree arrays read-write. Returns 0, -ENOENT if the firewall is
 * not loaded there, -EPROTO if xw_meta.layout != XW_LAYOUT_VERSION. */
int xw_maps_open(struct xw_maps *m, const char *pin_root);
void xw_maps_close(struct xw_maps *m);

#endif
