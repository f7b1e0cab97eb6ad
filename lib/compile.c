// SPDX-License-Identifier: MIT
/*
 * The ruleset compiler: rules become compiled rules (struct xw_crule), and the
 * compiled rules of each address family become a decision tree.
 *
 * The tree is HiCuts-style (Gupta & McKeown, 1999) over the u32 words of
 * struct xw_key: each internal node cuts one dimension into 2^bits equal parts
 * by taking the next `bits` bits of that word below the ones its ancestors
 * took, so a node's region is an aligned prefix in every dimension and a child
 * is found with one shift and one mask. Rules that span several children are
 * copied into each. Cutting stops when a node holds at most XW_BINTH rules,
 * when no cut separates its rules, at the depth bound, or when the capacities
 * would be exceeded: a leaf may then hold more rules, which costs time, never
 * correctness. Leaves list their rules in ascending priority, so a lookup stops
 * at the first accept/drop it matches.
 *
 * Sibling children with the same rules, each of which covers both whole
 * children in the cut dimension, share one subtree.
 *
 * Firewall sets mix rules with a wide source and a narrow destination and the
 * other way round; cutting either address copies the other kind everywhere.
 * Where one tree per family would not fit a memory budget of a few entries per
 * rule, the rules are partitioned as in EffiCuts (Vamanan et al., SIGCOMM 2010)
 * by which address prefixes are wide, into XW_TREES trees per family, and a
 * packet walks all of them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "ruleset.h"

#define XW_BINTH      4u  /* rules in a leaf that stop the cutting */
#define XW_CUT_BITS   8u  /* 2^8 children at most per cut */
#define XW_CUT_BITS_L 12u /* ... for nodes holding more than XW_BIG rules */
#define XW_BIG        20000u

static const uint8_t dim_width[XW_DIMS] = {
	32, 32, 32, 32, 32, 32, 32, 32, 16, 16, 8,
};

static const uint8_t dims_v4[] = { XW_DIM_SADDR0, XW_DIM_DADDR0, XW_DIM_SPORT, XW_DIM_DPORT,
				   XW_DIM_PROTO };
static const uint8_t dims_v6[] = { XW_DIM_SADDR0, XW_DIM_SADDR1, XW_DIM_SADDR2, XW_DIM_SADDR3,
				   XW_DIM_DADDR0, XW_DIM_DADDR1, XW_DIM_DADDR2, XW_DIM_DADDR3,
				   XW_DIM_SPORT,  XW_DIM_DPORT,  XW_DIM_PROTO };

static uint32_t prefix_mask(unsigned plen, unsigned word)
{
	int bits = (int)plen - 32 * (int)word;

	if (bits <= 0)
		return 0;
	if (bits >= 32)
		return 0xffffffffu;
	return 0xffffffffu << (32 - bits);
}

int xw_crule_expand(const struct xw_rule *r, uint32_t prio, uint32_t rid, struct xw_crule *out,
		    size_t max)
{
	static const struct xw_portset any = { .n = 1, .r = { { 0, 0xffff } } };
	const struct xw_portset *sp = &any, *dp = &any;
	struct xw_crule base;
	size_t n = 0;

	memset(&base, 0, sizeof(base));
	base.prio = prio;
	base.rid = rid;
	base.action = r->action;
	if (r->family == 4)
		base.flags |= XW_RF_V4;
	else if (r->family == 6)
		base.flags |= XW_RF_V6;
	if (r->fields & XW_F_SADDR) {
		base.slen = r->saddr.plen;
		for (unsigned i = 0; i < 4; i++)
			base.saddr[i] = r->saddr.w[i] & prefix_mask(base.slen, i);
	}
	if (r->fields & XW_F_DADDR) {
		base.dlen = r->daddr.plen;
		for (unsigned i = 0; i < 4; i++)
			base.daddr[i] = r->daddr.w[i] & prefix_mask(base.dlen, i);
	}
	if (r->fields & XW_F_PROTO) {
		base.flags |= XW_RF_PROTO;
		base.proto = r->proto;
	}
	if (r->fields & XW_F_VLAN) {
		base.flags |= XW_RF_VLAN;
		base.vlan = r->vlan;
	}
	if (r->fields & XW_F_IIF)
		base.flags |= XW_RF_IIF; /* the name goes to xw_iifs[rid] */
	if (r->fields & (XW_F_SPORT | XW_F_DPORT | XW_F_TCPFLAGS | XW_F_ICMPTYPE | XW_F_ICMPCODE))
		base.flags |= XW_RF_L4;
	if (r->fields & XW_F_TCPFLAGS) {
		base.tcp_flags = r->tcp_flags;
		base.tcp_mask = r->tcp_mask;
	}
	if (r->fields & XW_F_SPORT)
		sp = &r->sport;
	if (r->fields & XW_F_DPORT)
		dp = &r->dport;
	base.sport_lo = 0;
	base.sport_hi = 0xffff;
	base.dport_lo = 0;
	base.dport_hi = 0xffff;
	if (r->fields & XW_F_ICMPTYPE) {
		base.sport_lo = base.sport_hi = r->icmp_type;
		if (r->fields & XW_F_ICMPCODE)
			base.dport_lo = base.dport_hi = r->icmp_code;
		if (max < 1)
			return -ENOSPC;
		out[0] = base;
		return 1;
	}
	for (unsigned i = 0; i < sp->n; i++) {
		for (unsigned j = 0; j < dp->n; j++) {
			if (n >= max)
				return -ENOSPC;
			out[n] = base;
			out[n].sport_lo = sp->r[i].lo;
			out[n].sport_hi = sp->r[i].hi;
			out[n].dport_lo = dp->r[j].lo;
			out[n].dport_hi = dp->r[j].hi;
			n++;
		}
	}
	return (int)n;
}

bool xw_crule_match(const struct xw_crule *c, const char *rule_iif, const struct xw_pkt *p)
{
	const struct xw_key *k = &p->key;

	if ((c->flags & XW_RF_V4) && (k->flags & XW_PKT_V6))
		return false;
	if ((c->flags & XW_RF_V6) && !(k->flags & XW_PKT_V6))
		return false;
	for (unsigned i = 0; i < 4; i++) {
		if ((k->w[XW_DIM_SADDR0 + i] & prefix_mask(c->slen, i)) != c->saddr[i])
			return false;
		if ((k->w[XW_DIM_DADDR0 + i] & prefix_mask(c->dlen, i)) != c->daddr[i])
			return false;
	}
	if ((c->flags & XW_RF_PROTO) && k->w[XW_DIM_PROTO] != c->proto)
		return false;
	if (c->flags & XW_RF_L4) {
		if (!(k->flags & XW_PKT_L4))
			return false;
		if (k->w[XW_DIM_SPORT] < c->sport_lo || k->w[XW_DIM_SPORT] > c->sport_hi)
			return false;
		if (k->w[XW_DIM_DPORT] < c->dport_lo || k->w[XW_DIM_DPORT] > c->dport_hi)
			return false;
		if ((k->tcp_flags & c->tcp_mask) != c->tcp_flags)
			return false;
	}
	if ((c->flags & XW_RF_VLAN) && (!(k->flags & XW_PKT_VLAN) || k->vlan != c->vlan))
		return false;
	if ((c->flags & XW_RF_IIF) && (!rule_iif || strncmp(rule_iif, p->iif, XW_IFNAMSIZ) != 0))
		return false;
	return true;
}

/* ---- the tree builder ---- */

struct box {
	uint32_t lo[XW_DIMS], hi[XW_DIMS];
};

struct builder {
	uint32_t node_budget, leaf_budget;
	bool partition;
	unsigned wide_s, wide_d; /* prefixes shorter than these are wide (partition) */
	uint64_t owed;           /* leaf entries the nodes being built will need at least */
	bool degraded;           /* a cut was given up to stay within the budgets */
	const struct xw_crule *rules; /* sorted by prio */
	struct box *rbox;             /* each rule's box over the dimensions */
	struct xw_tree_image *img;
	const uint8_t *dims;
	unsigned ndims;
	unsigned spfac;
	uint32_t *count; /* scratch: per child counts, 2^XW_CUT_BITS_L */
	int err;
};

static void rule_box(const struct xw_crule *c, struct box *b)
{
	for (unsigned i = 0; i < 4; i++) {
		uint32_t m = prefix_mask(c->slen, i);

		b->lo[XW_DIM_SADDR0 + i] = c->saddr[i] & m;
		b->hi[XW_DIM_SADDR0 + i] = (c->saddr[i] & m) | ~m;
		m = prefix_mask(c->dlen, i);
		b->lo[XW_DIM_DADDR0 + i] = c->daddr[i] & m;
		b->hi[XW_DIM_DADDR0 + i] = (c->daddr[i] & m) | ~m;
	}
	if (c->flags & XW_RF_L4) {
		b->lo[XW_DIM_SPORT] = c->sport_lo;
		b->hi[XW_DIM_SPORT] = c->sport_hi;
		b->lo[XW_DIM_DPORT] = c->dport_lo;
		b->hi[XW_DIM_DPORT] = c->dport_hi;
	} else {
		b->lo[XW_DIM_SPORT] = b->lo[XW_DIM_DPORT] = 0;
		b->hi[XW_DIM_SPORT] = b->hi[XW_DIM_DPORT] = 0xffff;
	}
	if (c->flags & XW_RF_PROTO) {
		b->lo[XW_DIM_PROTO] = b->hi[XW_DIM_PROTO] = c->proto;
	} else {
		b->lo[XW_DIM_PROTO] = 0;
		b->hi[XW_DIM_PROTO] = 0xff;
	}
}

/* Child index range [*cl, *ch] that rule box rb spans when region r is cut in
 * dimension d at shift s into 2^bits children. */
static void child_span(const struct box *rb, const struct box *r, unsigned d, unsigned s,
		       unsigned bits, uint32_t *cl, uint32_t *ch)
{
	uint32_t lo = rb->lo[d] > r->lo[d] ? rb->lo[d] : r->lo[d];
	uint32_t hi = rb->hi[d] < r->hi[d] ? rb->hi[d] : r->hi[d];
	uint32_t m = (bits >= 32) ? 0xffffffffu : ((1u << bits) - 1);

	*cl = (lo >> s) & m;
	*ch = (hi >> s) & m;
}

static int alloc_nodes(struct builder *b, uint32_t n, uint32_t *first)
{
	struct xw_tree_image *img = b->img;

	if (img->n_nodes + n > b->node_budget)
		return -ENOSPC;
	*first = img->n_nodes;
	img->n_nodes += n;
	return 0;
}

static int make_leaf(struct builder *b, uint32_t node, const uint32_t *list, uint32_t n)
{
	struct xw_tree_image *img = b->img;

	if (img->n_leaves + n > b->leaf_budget)
		return -ENOSPC; /* cannot happen: the entries were owed within budget */
	b->owed -= n;
	memcpy(img->leaves + img->n_leaves, list, n * sizeof(*list));
	img->nodes[node].base = img->n_leaves;
	img->nodes[node].info = XW_NODE_LEAF | n;
	img->n_leaves += n;
	if (n > img->leaf_max)
		img->leaf_max = n;
	return 0;
}

/* Width of dimension d still uncut in region r (its region is an aligned prefix). */
static unsigned free_bits(const struct box *r, unsigned d)
{
	uint32_t span = r->hi[d] - r->lo[d];
	unsigned bits = 0;

	while (bits < dim_width[d] && ((span >> bits) & 1))
		bits++;
	return bits;
}

struct cut {
	unsigned dim, bits, shift;
	uint32_t max, sum;
};

/* Evaluate cutting dimension d into 2^bits children. */
static void eval_cut(struct builder *b, const uint32_t *list, uint32_t n, const struct box *r,
		     unsigned d, unsigned bits, unsigned shift, struct cut *c)
{
	uint32_t nch = 1u << bits, run = 0, cl, ch;

	memset(b->count, 0, (nch + 1) * sizeof(*b->count));
	c->sum = 0;
	for (uint32_t i = 0; i < n; i++) {
		child_span(&b->rbox[list[i]], r, d, shift, bits, &cl, &ch);
		b->count[cl]++;
		b->count[ch + 1]--;
		c->sum += ch - cl + 1;
	}
	c->max = 0;
	for (uint32_t j = 0; j < nch; j++) {
		run += b->count[j];
		if (run > c->max)
			c->max = run;
	}
	c->dim = d;
	c->bits = bits;
	c->shift = shift;
}

static bool choose_cut(struct builder *b, const uint32_t *list, uint32_t n, const struct box *r,
		       struct cut *best)
{
	unsigned maxbits = n > XW_BIG ? XW_CUT_BITS_L : XW_CUT_BITS;
	bool found = false;

	for (unsigned i = 0; i < b->ndims; i++) {
		unsigned d = b->dims[i], fb = free_bits(r, d), lim = fb < maxbits ? fb : maxbits;
		struct cut c, pick = { 0 };

		/* HiCuts' space measure: the most children whose copies stay within
		 * spfac times the rules at this node. */
		for (unsigned bits = 1; bits <= lim; bits++) {
			eval_cut(b, list, n, r, d, bits, fb - bits, &c);
			if (bits > 1 && c.sum + (1u << bits) > b->spfac * n)
				break;
			pick = c;
		}
		if (!pick.bits || pick.max >= n)
			continue; /* this dimension separates nothing */
		if (!found || pick.max < best->max ||
		    (pick.max == best->max && pick.sum < best->sum)) {
			*best = pick;
			found = true;
		}
	}
	return found;
}

static int build(struct builder *b, uint32_t node, const uint32_t *list, uint32_t n,
		 const struct box *r, unsigned depth);

static bool covers_child(const struct box *rb, const struct box *child, unsigned d)
{
	return rb->lo[d] <= child->lo[d] && rb->hi[d] >= child->hi[d];
}

static int build_children(struct builder *b, uint32_t node, const uint32_t *list, uint32_t n,
			  const struct box *r, const struct cut *c, unsigned depth)
{
	uint32_t nch = 1u << c->bits, first, *off, *buf, cl, ch;
	uint32_t prev_off = 0, prev_n = 0;
	bool prev_shareable = false;
	int err;

	err = alloc_nodes(b, nch, &first);
	if (err)
		return err;
	b->owed += c->sum - n; /* the children owe their copies instead of the n */
	b->img->nodes[node].base = first;
	b->img->nodes[node].info = (uint32_t)c->dim << 16 | c->shift << 8 | c->bits;

	/* bucket the rules by child: off[j]..off[j+1] in buf, in prio order */
	off = calloc(nch + 1, sizeof(*off));
	buf = malloc((size_t)c->sum * sizeof(*buf) + 1);
	if (!off || !buf) {
		err = -ENOMEM;
		goto out_free;
	}
	for (uint32_t i = 0; i < n; i++) {
		child_span(&b->rbox[list[i]], r, c->dim, c->shift, c->bits, &cl, &ch);
		for (uint32_t j = cl; j <= ch; j++)
			off[j + 1]++;
	}
	for (uint32_t j = 0; j < nch; j++)
		off[j + 1] += off[j];
	{
		uint32_t *pos = malloc(nch * sizeof(*pos));

		if (!pos) {
			err = -ENOMEM;
			goto out_free;
		}
		memcpy(pos, off, nch * sizeof(*pos));
		for (uint32_t i = 0; i < n; i++) {
			child_span(&b->rbox[list[i]], r, c->dim, c->shift, c->bits, &cl, &ch);
			for (uint32_t j = cl; j <= ch; j++)
				buf[pos[j]++] = list[i];
		}
		free(pos);
	}

	for (uint32_t j = 0; j < nch; j++) {
		struct box cr = *r;
		uint32_t cn = off[j + 1] - off[j], *cl_list = buf + off[j];
		bool shareable = true;

		cr.lo[c->dim] = r->lo[c->dim] + (j << c->shift);
		cr.hi[c->dim] = cr.lo[c->dim] + (c->shift >= 32 ? 0xffffffffu : (1u << c->shift) - 1);
		for (uint32_t i = 0; i < cn && shareable; i++)
			shareable = covers_child(&b->rbox[cl_list[i]], &cr, c->dim);
		if (j > 0 && shareable && prev_shareable && cn == prev_n &&
		    !memcmp(cl_list, buf + prev_off, cn * sizeof(*buf))) {
			/* same rules, all covering both children whole: same subtree */
			b->img->nodes[first + j] = b->img->nodes[first + j - 1];
			b->owed -= cn;
			continue;
		}
		err = build(b, first + j, cl_list, cn, &cr, depth + 1);
		if (err)
			goto out_free;
		prev_off = off[j];
		prev_n = cn;
		prev_shareable = shareable;
	}
	err = 0;
out_free:
	free(buf);
	free(off);
	return err;
}

/* Shrink the region, in every dimension, to the smallest aligned prefix that
 * holds all the node's rules there. A packet outside it matches none of them
 * whatever leaf it reaches (leaves check rules in full), so the cuts can start
 * at the bits where the rules differ: 2000 rules inside one /8 are cut below
 * the /8, not given up on because its first 8 bits separate nothing. */
static void narrow(const struct builder *b, const uint32_t *list, uint32_t n, struct box *r)
{
	for (unsigned i = 0; i < b->ndims && n; i++) {
		unsigned d = b->dims[i];
		uint32_t lo = UINT32_MAX, hi = 0, x, m;

		for (uint32_t k = 0; k < n; k++) {
			const struct box *rb = &b->rbox[list[k]];
			uint32_t l = rb->lo[d] > r->lo[d] ? rb->lo[d] : r->lo[d];
			uint32_t h = rb->hi[d] < r->hi[d] ? rb->hi[d] : r->hi[d];

			lo = l < lo ? l : lo;
			hi = h > hi ? h : hi;
		}
		x = lo ^ hi;
		m = x ? (x >= 0x80000000u ? 0xffffffffu : (2u << (31 - __builtin_clz(x))) - 1) : 0;
		if ((lo & ~m) >= r->lo[d] && (lo | m) <= r->hi[d]) {
			r->lo[d] = lo & ~m;
			r->hi[d] = lo | m;
		}
	}
}

/* Would this cut keep the tree within its budgets, counting what the nodes
 * under construction already owe? */
static bool cut_fits(const struct builder *b, uint32_t n, const struct cut *c)
{
	const struct xw_tree_image *img = b->img;

	return img->n_nodes + (1ull << c->bits) <= b->node_budget &&
	       img->n_leaves + b->owed - n + c->sum <= b->leaf_budget;
}

static int build(struct builder *b, uint32_t node, const uint32_t *list, uint32_t n,
		 const struct box *rin, unsigned depth)
{
	struct cut c = { 0 };
	struct box r = *rin;

	if (depth + 1 > b->img->depth_max)
		b->img->depth_max = depth + 1;
	if (n > XW_BINTH && b->spfac && depth + 1 < XW_TREE_DEPTH_MAX) {
		narrow(b, list, n, &r);
		if (choose_cut(b, list, n, &r, &c)) {
			if (cut_fits(b, n, &c))
				return build_children(b, node, list, n, &r, &c, depth);
			b->degraded = true; /* a bigger leaf: slower, never wrong */
		}
	}
	return make_leaf(b, node, list, n);
}

static int cmp_prio(const void *a, const void *b)
{
	const struct xw_crule *x = a, *y = b;

	if (x->prio != y->prio)
		return x->prio < y->prio ? -1 : 1;
	return 0;
}

/* Which prefixes count as wide is relative to the rules at hand: shorter than
 * the leading bits all their addresses share, plus 16. Over IPv4 that is /16;
 * over an IPv6 set inside 2001:db8::/32 it is /48. A fixed cut would call every
 * rule of such an IPv6 set wide, and partition nothing. */
static unsigned common_bits(const uint32_t *a, const uint32_t *b, unsigned limit)
{
	unsigned n = 0;

	for (unsigned i = 0; i < 4 && n < limit; i++) {
		uint32_t x = a[i] ^ b[i];

		if (x) {
			n += (unsigned)__builtin_clz(x);
			break;
		}
		n += 32;
	}
	return n < limit ? n : limit;
}

static void wide_thresholds(struct builder *b, uint16_t other_family)
{
	const struct xw_crule *s0 = NULL, *d0 = NULL;
	unsigned sc = 128, dc = 128;

	for (uint32_t i = 0; i < b->img->n_rules; i++) {
		const struct xw_crule *c = &b->rules[i];

		if (c->flags & other_family)
			continue;
		if (c->slen) {
			if (!s0)
				s0 = c;
			sc = common_bits(s0->saddr, c->saddr, sc < c->slen ? sc : c->slen);
		}
		if (c->dlen) {
			if (!d0)
				d0 = c;
			dc = common_bits(d0->daddr, c->daddr, dc < c->dlen ? dc : c->dlen);
		}
	}
	b->wide_s = s0 ? sc + 16 : 0;
	b->wide_d = d0 ? dc + 16 : 0;
}

static unsigned tree_of(const struct builder *b, uint32_t i)
{
	const struct xw_crule *c = &b->rules[i];

	if (!b->partition)
		return 0;
	return (c->slen < b->wide_s ? 1 : 0) | (c->dlen < b->wide_d ? 2 : 0);
}

static int build_tree(struct builder *b, bool v6, unsigned tree)
{
	uint16_t other_family = v6 ? XW_RF_V4 : XW_RF_V6;
	uint32_t n = b->img->n_rules, k = 0, *list;
	struct box r;
	int err;

	list = malloc(((size_t)n + 1) * sizeof(*list));
	if (!list)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		if (!(b->rules[i].flags & other_family) && tree_of(b, i) == tree)
			list[k++] = i;
	for (unsigned d = 0; d < XW_DIMS; d++) {
		r.lo[d] = 0;
		r.hi[d] = dim_width[d] == 32 ? 0xffffffffu : (1u << dim_width[d]) - 1;
	}
	if (other_family == XW_RF_V6) {
		/* IPv4 keys carry zeros in the low address words */
		for (unsigned d = XW_DIM_SADDR1; d <= XW_DIM_DADDR3; d++)
			if (d != XW_DIM_DADDR0)
				r.hi[d] = 0;
	}
	/* list is in prio order: its first rule has the tree's lowest prio */
	b->img->nodes[XW_TREE_MIN(v6, tree)].base = k ? b->rules[list[0]].prio : UINT32_MAX;
	b->img->nodes[XW_TREE_MIN(v6, tree)].info = 0;
	err = build(b, XW_ROOT(v6, tree), list, k, &r, 0);
	free(list);
	return err;
}

static int build_once(struct builder *b)
{
	struct xw_tree_image *img = b->img;
	int err;

	img->n_nodes = XW_FIRST_NODE; /* the roots and the trees' lowest prios */
	img->n_leaves = 0;
	img->depth_max = img->leaf_max = 0;
	b->degraded = false;
	/* every root owes its rules from the start, so that the first trees
	 * cannot use up the leaf entries the later ones need */
	b->owed = 0;
	for (unsigned v6 = 0; v6 < 2; v6++)
		for (uint32_t i = 0; i < img->n_rules; i++)
			b->owed += !(b->rules[i].flags & (v6 ? XW_RF_V4 : XW_RF_V6));
	if (b->owed > b->leaf_budget)
		return -ENOSPC;
	for (unsigned v6 = 0; v6 < 2; v6++) {
		b->dims = v6 ? dims_v6 : dims_v4;
		b->ndims = v6 ? sizeof(dims_v6) : sizeof(dims_v4);
		wide_thresholds(b, v6 ? XW_RF_V4 : XW_RF_V6);
		for (unsigned t = 0; t < XW_TREES; t++) {
			err = build_tree(b, v6, t);
			if (err)
				return err;
		}
	}
	return 0;
}

int xw_tree_build(const struct xw_crule *rules, uint32_t n, const struct xw_caps *caps,
		  struct xw_tree_image *img)
{
	/* Tries in order: one tree per family within a budget of a few entries
	 * per rule; if that had to give up cuts, partitioned trees within the
	 * capacities (kept even if they too gave some up). Every try stays
	 * within its budget by making bigger leaves, so the last one succeeds. */
	static const struct {
		bool partition, budget;
		unsigned spfac;
	} tries[] = {
		{ false, true, 4 },
		{ true, false, 4 },
	};
	struct builder b = { 0 };
	int err = -ENOMEM;

	memset(img, 0, sizeof(*img));
	/* Both families may each need every rule in one leaf, in the worst case. */
	if (n > caps->rule_cap || 2ull * n > caps->leaf_cap || caps->node_cap < XW_FIRST_NODE)
		return -ENOSPC;
	img->rules = malloc(((size_t)n + 1) * sizeof(*img->rules));
	img->nodes = malloc((size_t)caps->node_cap * sizeof(*img->nodes));
	img->leaves = malloc((size_t)caps->leaf_cap * sizeof(*img->leaves));
	b.rbox = malloc(((size_t)n + 1) * sizeof(*b.rbox));
	b.count = malloc(((1u << XW_CUT_BITS_L) + 1) * sizeof(*b.count));
	if (!img->rules || !img->nodes || !img->leaves || !b.rbox || !b.count)
		goto out_fail;
	memcpy(img->rules, rules, (size_t)n * sizeof(*rules));
	qsort(img->rules, n, sizeof(*img->rules), cmp_prio);
	img->n_rules = n;
	b.rules = img->rules;
	b.img = img;
	for (uint32_t i = 0; i < n; i++)
		rule_box(&img->rules[i], &b.rbox[i]);

	for (unsigned i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		uint64_t nb = 8ull * n + 4096, lb = 16ull * n + 4096;

		b.partition = tries[i].partition;
		b.spfac = tries[i].spfac;
		b.node_budget = tries[i].budget && nb < caps->node_cap ? (uint32_t)nb : caps->node_cap;
		b.leaf_budget = tries[i].budget && lb < caps->leaf_cap ? (uint32_t)lb : caps->leaf_cap;
		err = build_once(&b);
		if (err != -ENOSPC && (err || !b.degraded))
			break;
	}
	if (err)
		goto out_fail;
	free(b.rbox);
	free(b.count);
	return 0;

out_fail:
	free(b.rbox);
	free(b.count);
	xw_tree_image_free(img);
	return err;
}

void xw_tree_image_free(struct xw_tree_image *img)
{
	free(img->nodes);
	free(img->leaves);
	free(img->rules);
	memset(img, 0, sizeof(*img));
}

/* ---- the user-space mirror of the XDP classifier ---- */

static bool tombstoned(const struct xw_side *side, uint32_t rid)
{
	rid &= XW_MAX_RULES - 1;
	return (side->tomb[rid / 64] >> (rid % 64)) & 1;
}

/* Keeps the XW_COUNT_MAX matched count rules of lowest prio, in prio order. */
static void note_count(const struct xw_crule *c, struct xw_match *m, uint32_t *cprio)
{
	unsigned i = m->ncounted;

	if (i == XW_COUNT_MAX) {
		if (cprio[i - 1] <= c->prio)
			return;
		i--;
	} else {
		m->ncounted++;
	}
	for (; i > 0 && cprio[i - 1] > c->prio; i--) {
		cprio[i] = cprio[i - 1];
		m->counted[i] = m->counted[i - 1];
	}
	cprio[i] = c->prio;
	m->counted[i] = c->rid;
}

static void consider(const struct xw_crule *c, const struct xw_side *side,
		     const struct xw_ifname *iifs, const struct xw_pkt *p, uint32_t *best,
		     const struct xw_crule **win, struct xw_match *m, uint32_t *cprio)
{
	const char *iif = iifs ? iifs[c->rid & (XW_MAX_RULES - 1)].name : NULL;

	if (c->prio >= *best || !xw_crule_match(c, iif, p) || tombstoned(side, c->rid))
		return;
	if (c->action == XW_ACT_COUNT) {
		note_count(c, m, cprio);
		return;
	}
	*best = c->prio;
	*win = c;
}

void xw_image_classify(const struct xw_tree_image *img, const struct xw_side *side,
		       const struct xw_ifname *iifs, const struct xw_pkt *p,
		       struct xw_match *m)
{
	uint32_t best = 0xffffffffu, cprio[XW_COUNT_MAX + 1], k = 0;
	const struct xw_crule *win = NULL;
	bool v6 = p->key.flags & XW_PKT_V6;

	memset(m, 0, sizeof(*m));
	for (unsigned t = 0; t < XW_TREES; t++) {
		struct xw_node nd = img->nodes[XW_ROOT(v6, t)];

		if (img->nodes[XW_TREE_MIN(v6, t)].base >= best)
			continue; /* no rule of this tree can come before the best */

		/* at most XW_TREE_DEPTH_MAX nodes, the root included, as the program reads */
		for (unsigned d = 1; d < XW_TREE_DEPTH_MAX && !(nd.info & XW_NODE_LEAF); d++) {
			unsigned dim = (nd.info >> 16) & 0xff, shift = (nd.info >> 8) & 0xff;
			unsigned bits = nd.info & 0xff;

			nd = img->nodes[nd.base + ((p->key.w[dim] >> shift) & ((1u << bits) - 1))];
		}
		if (!(nd.info & XW_NODE_LEAF))
			continue;
		for (uint32_t i = 0; i < (nd.info & ~XW_NODE_LEAF); i++) {
			const struct xw_crule *c = &img->rules[img->leaves[nd.base + i]];

			if (c->prio >= best)
				break;
			consider(c, side, iifs, p, &best, &win, m, cprio);
		}
	}
	for (uint32_t i = 0; i < side->nside && i < XW_SIDE_MAX; i++)
		consider(&side->side[i], side, iifs, p, &best, &win, m, cprio);

	/* only the count rules before the winner count */
	for (unsigned i = 0; i < m->ncounted; i++)
		if (cprio[i] < best)
			m->counted[k++] = m->counted[i];
	m->ncounted = k;
	if (win) {
		m->verdict = win->action;
		m->rid = win->rid;
		return;
	}
	m->rid = XW_RID_NONE;
	m->verdict = side->policy == XW_ACT_DROP ? XW_ACT_DROP : XW_ACT_ACCEPT;
	if ((p->key.flags & XW_PKT_V6) && (p->key.flags & XW_PKT_L4) &&
	    p->key.w[XW_DIM_PROTO] == 58 && p->key.w[XW_DIM_SPORT] >= 133 &&
	    p->key.w[XW_DIM_SPORT] <= 137)
		m->verdict = XW_ACT_ACCEPT;
}
