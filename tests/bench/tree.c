// SPDX-License-Identifier: MIT
/*
 * Figures of the tree the XDP program walks now: read from the pinned maps
 * (the live side slot names the tree slot), not rebuilt, so they describe
 * exactly what the replay measured. Layout: include/xdpwall/xdpwall.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "bench.h"
#include "maps.h"

#define BIT_TEST(bm, i) (((bm)[(i) / 64] >> ((i) % 64)) & 1)
#define BIT_SET(bm, i)  ((bm)[(i) / 64] |= 1ull << ((i) % 64))

struct walk_item {
	uint32_t node, depth;
};

int live_tree_stats(const char *pin_root, bool v6, struct tree_stats *st)
{
	struct xw_side *side = NULL;
	uint64_t *seen = NULL, *rseen = NULL;
	struct walk_item *stack = NULL;
	size_t sp = 0, cap = 4096;
	uint32_t zero = 0, active, slot;
	struct xw_maps m;
	int err;

	memset(st, 0, sizeof(*st));
	err = xw_maps_open(&m, pin_root);
	if (err)
		return err;
	side = malloc(sizeof(*side));
	seen = calloc(m.caps.node_cap / 64 + 1, sizeof(*seen));
	rseen = calloc(m.caps.rule_cap / 64 + 1, sizeof(*rseen));
	stack = malloc(cap * sizeof(*stack));
	if (!side || !seen || !rseen || !stack) {
		err = -ENOMEM;
		goto out;
	}
	if (bpf_map_lookup_elem(m.active, &zero, &active) ||
	    bpf_map_lookup_elem(m.side, &active, side)) {
		err = -errno;
		goto out;
	}
	slot = side->tree_slot & 1;
	st->side_rules = side->nside;
	for (uint32_t t = 0; t < XW_TREES; t++)
		stack[sp++] = (struct walk_item){ XW_ROOT(v6, t), 1 };
	while (sp) {
		struct walk_item it = stack[--sp];
		const struct xw_node *n;
		uint32_t bits;

		if (it.node >= m.caps.node_cap || BIT_TEST(seen, it.node))
			continue;
		BIT_SET(seen, it.node);
		n = &m.nodes_mm[(size_t)slot * m.caps.node_cap + it.node];
		st->nodes++;
		if (it.depth > st->depth_max)
			st->depth_max = it.depth;
		if (n->info & XW_NODE_LEAF) {
			uint32_t count = n->info & ~XW_NODE_LEAF;
			const __u32 *l = m.leaves_mm + (size_t)slot * m.caps.leaf_cap + n->base;

			if (n->base >= m.caps.leaf_cap || count > m.caps.leaf_cap - n->base) {
				err = -EBADMSG;
				goto out;
			}
			st->leaves++;
			st->leaf_entries += count;
			if (count > st->leaf_max)
				st->leaf_max = count;
			for (uint32_t i = 0; i < count; i++) {
				if (l[i] < m.caps.rule_cap && !BIT_TEST(rseen, l[i])) {
					BIT_SET(rseen, l[i]);
					st->rules++;
				}
			}
			continue;
		}
		bits = n->info & 0xff;
		if (bits > 20) {
			err = -EBADMSG;
			goto out;
		}
		if (sp + (1u << bits) > cap) {
			struct walk_item *s;

			cap = (sp + (1u << bits)) * 2;
			s = realloc(stack, cap * sizeof(*s));
			if (!s) {
				err = -ENOMEM;
				goto out;
			}
			stack = s;
		}
		for (uint32_t c = 0; c < (1u << bits); c++)
			stack[sp++] = (struct walk_item){ n->base + c, it.depth + 1 };
	}
	st->bytes = st->nodes * sizeof(struct xw_node) + st->leaf_entries * 4 +
		    st->rules * sizeof(struct xw_crule);
out:
	free(stack);
	free(rseen);
	free(seen);
	free(side);
	xw_maps_close(&m);
	return err;
}
